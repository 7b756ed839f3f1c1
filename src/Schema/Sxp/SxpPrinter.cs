using System.Globalization;
using System.Text;

namespace VnetReconciler.Schema.Sxp;

/// <summary>
/// Prints S-expressions canonically: atoms bare when the reader would read them back unchanged, else in double quotes
/// with C escapes; a form on one line, except that from its first field holding fields (<c>(port (name …) …)</c>) on, each field goes on its own line, indented two spaces.
/// </summary>
public static class SxpPrinter
{
    public static string Print(SxpNode node)
    {
        var sb = new StringBuilder();
        Print(node, sb, 0);
        return sb.ToString();
    }

    internal static void Print(SxpNode node, StringBuilder sb, int depth)
    {
        if (node is SxpAtom atom)
        {
            AppendAtom(sb, atom.Text);
            return;
        }
        var list = (SxpList)node;
        sb.Append('(');
        var broken = false; // from the first field that holds fields on, every field gets its own line
        for (var i = 0; i < list.Items.Count; i++)
        {
            var item = list.Items[i];
            if (i > 0)
            {
                broken |= HoldsFields(item);
                if (broken) sb.Append('\n').Append(' ', 2 * (depth + 1));
                else sb.Append(' ');
            }
            Print(item, sb, depth + 1);
        }
        sb.Append(')');
    }

    /// <summary>True for <c>(port (name x) …)</c>: a form whose fields are forms.</summary>
    private static bool HoldsFields(SxpNode node) =>
        node is SxpList l && l.Items.Skip(1).Any(i => i is SxpList);

    public static void AppendAtom(StringBuilder sb, string text)
    {
        if (IsBare(text))
        {
            sb.Append(text);
            return;
        }
        sb.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                case < ' ' or '\x7f': sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }

    private static bool IsBare(string text)
    {
        if (text.Length == 0 || text[0] == '#') return false;
        foreach (var c in text)
            if (c is '(' or ')' or '"' or '\'' or '\\' || char.IsWhiteSpace(c) || char.IsControl(c)) return false;
        return true;
    }
}
