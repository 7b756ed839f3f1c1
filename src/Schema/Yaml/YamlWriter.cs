using System.Globalization;
using System.Text;
using VnetReconciler.Schema.Loading;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Yaml;

/// <summary>
/// Prints model records as canonical YAML, the twin of the SXP form (SPEC §2): block mappings indented two spaces,
/// lists of values in flow style, repeated fields as block lists; ids, MACs and names quoted whenever YAML would read
/// them as anything but text. Several records go into several documents.
/// </summary>
public static class YamlWriter
{
    public static string Write(Vnet vnet) => Print([ModelTree.Of(vnet)]);
    public static string Write(Host host) => Print([ModelTree.Of(host)]);
    public static string Write(Peer peer) => Print([ModelTree.Of(peer)]);
    public static string Write(Fleet fleet) => Print([ModelTree.Of(fleet)]);
    public static string Write(IEnumerable<Vnet> vnets) => Print(vnets.Select(ModelTree.Of));
    public static string Write(IEnumerable<Peer> peers) => Print(peers.Select(ModelTree.Of));

    public static IReadOnlyList<SourceFile> WriteFiles(DesiredState state) => StateFiles.Layout(state, ".yaml", Print);

    internal static string Print(IEnumerable<TopForm> forms)
    {
        var sb = new StringBuilder();
        var first = true;
        foreach (var form in forms)
        {
            if (!first) sb.Append("---\n");
            first = false;
            sb.Append(form.Kind).Append(':');
            WriteValue(sb, form.Body, 0);
        }
        return sb.ToString();
    }

    /// <summary>Writes a value after "key:" (the cursor is just after the colon) and ends the line.</summary>
    private static void WriteValue(StringBuilder sb, DataNode value, int indent)
    {
        switch (value)
        {
            case DataScalar s:
                sb.Append(' ');
                AppendScalar(sb, s);
                sb.Append('\n');
                break;
            case DataMap { Entries.Count: 0 }:
                sb.Append(" {}\n");
                break;
            case DataMap m:
                sb.Append('\n');
                WriteEntries(sb, m, indent + 2, firstPrefix: null);
                break;
            case DataList l when l.Items.Count > 0 && l.Items[0] is DataMap:
                sb.Append('\n');
                foreach (var item in l.Items)
                    WriteEntries(sb, (DataMap)item, indent + 4, firstPrefix: new string(' ', indent + 2) + "- ");
                break;
            case DataList l:
                sb.Append(" [");
                for (var i = 0; i < l.Items.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    AppendScalar(sb, (DataScalar)l.Items[i]);
                }
                sb.Append("]\n");
                break;
        }
    }

    private static void WriteEntries(StringBuilder sb, DataMap map, int indent, string? firstPrefix)
    {
        if (map.Entries.Count == 0)
        {
            sb.Append(firstPrefix ?? new string(' ', indent)).Append("{}\n");
            return;
        }
        for (var i = 0; i < map.Entries.Count; i++)
        {
            var entry = map.Entries[i];
            sb.Append(i == 0 && firstPrefix is not null ? firstPrefix : new string(' ', indent));
            sb.Append(entry.Key).Append(':');
            WriteValue(sb, entry.Value, indent);
        }
    }

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    };

    private static void AppendScalar(StringBuilder sb, DataScalar s)
    {
        if (!s.IsText || IsPlainSafe(s.Text))
        {
            sb.Append(s.Text);
            return;
        }
        sb.Append('"');
        foreach (var c in s.Text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                case < ' ' or (>= '\x7f' and <= '\x9f') or '\u2028' or '\u2029' or '\ufeff' or >= '\ufffe' or (>= '\ud800' and <= '\udfff'):
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }

    /// <summary>Text that every YAML reader takes as the same string unquoted: a letter, then letters, digits, '-', '_', '.'.</summary>
    private static bool IsPlainSafe(string text)
    {
        if (text.Length == 0 || !char.IsAsciiLetter(text[0]) || Reserved.Contains(text)) return false;
        foreach (var c in text)
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.')) return false;
        return true;
    }
}
