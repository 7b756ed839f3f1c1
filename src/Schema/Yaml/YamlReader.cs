using System.Text.RegularExpressions;
using VnetReconciler.Schema.Loading;
using VnetReconciler.Schema.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace VnetReconciler.Schema.Yaml;

/// <summary>
/// Reads YAML with YamlDotNet's event parser (no reflection, no representation model) into the format-neutral tree,
/// keeping every node's position. Scalars stay text (SPEC §2.5: <c>id: 97</c> is the hex id 97). Duplicate keys,
/// unknown aliases and syntax errors are diagnostics.
/// </summary>
internal static partial class YamlReader
{
    public static List<TopForm> TopForms(string text, string file, List<Diagnostic> diagnostics)
    {
        var forms = new List<TopForm>();
        var reader = new DocumentReader(file, diagnostics);
        var scanner = new Scanner(new StringReader(text));
        try
        {
            var parser = new Parser(scanner);
            parser.Consume<StreamStart>();
            while (!parser.TryConsume<StreamEnd>(out _))
            {
                parser.Consume<DocumentStart>();
                var root = reader.ReadNode(parser);
                parser.Consume<DocumentEnd>();
                reader.Anchors.Clear();
                AddDocument(root, forms, diagnostics);
            }
        }
        catch (YamlException ex)
        {
            var at = new SourceSpan(file, (int)ex.Start.Line, (int)ex.Start.Column);
            diagnostics.Add(Diagnostic.Error(at, DiagnosticCodes.YamlSyntax, "YAML syntax: " + CleanMessage(ex.Message)));
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet 16's scanner throws this (not a YamlException) on some malformed plain scalars.
            var at = new SourceSpan(file, (int)scanner.CurrentPosition.Line, (int)scanner.CurrentPosition.Column);
            diagnostics.Add(Diagnostic.Error(at, DiagnosticCodes.YamlSyntax, "YAML syntax: cannot read the text here (" + ex.Message + ")"));
        }
        return forms;
    }

    private static void AddDocument(DataNode root, List<TopForm> forms, List<Diagnostic> diagnostics)
    {
        switch (root)
        {
            case DataScalar { IsNull: true }:
                return; // an empty document
            case DataMap map:
                foreach (var entry in map.Entries)
                {
                    if (entry.Value is DataList list)
                        foreach (var item in list.Items) forms.Add(new TopForm(entry.Key, entry.KeySpan, item));
                    else
                        forms.Add(new TopForm(entry.Key, entry.KeySpan, entry.Value));
                }
                return;
            default:
                diagnostics.Add(Diagnostic.Error(root.Span, DiagnosticCodes.Form, $"a YAML document holds a mapping such as 'vnet: {{…}}', found {root.Describe}"));
                return;
        }
    }

    /// <summary>YamlDotNet prefixes its messages with the marks, which the diagnostic already carries.</summary>
    private static string CleanMessage(string message) => MarkPrefix().Replace(message, "").Trim();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex MarkPrefix();

    private sealed class DocumentReader(string file, List<Diagnostic> diagnostics)
    {
        public Dictionary<string, DataNode> Anchors { get; } = new(StringComparer.Ordinal);

        private SourceSpan At(in Mark mark) => new(file, (int)mark.Line, (int)mark.Column);

        public DataNode ReadNode(IParser parser)
        {
            DataNode node;
            string? anchor = null;
            if (parser.TryConsume<Scalar>(out var scalar))
            {
                var isNull = scalar.Style == ScalarStyle.Plain && (scalar.Value.Length == 0 || scalar.Value == "~");
                node = new DataScalar(scalar.Value, At(scalar.Start), isNull);
                anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
            }
            else if (parser.TryConsume<SequenceStart>(out var seq))
            {
                var items = new List<DataNode>();
                while (!parser.TryConsume<SequenceEnd>(out _)) items.Add(ReadNode(parser));
                node = new DataList(items, At(seq.Start));
                anchor = seq.Anchor.IsEmpty ? null : seq.Anchor.Value;
            }
            else if (parser.TryConsume<MappingStart>(out var mapping))
            {
                node = ReadMapping(parser, At(mapping.Start));
                anchor = mapping.Anchor.IsEmpty ? null : mapping.Anchor.Value;
            }
            else if (parser.TryConsume<AnchorAlias>(out var alias))
            {
                if (Anchors.TryGetValue(alias.Value.Value, out var target)) return target;
                diagnostics.Add(Diagnostic.Error(At(alias.Start), DiagnosticCodes.YamlSyntax, $"YAML alias '*{alias.Value.Value}' names no anchor before it"));
                return new DataScalar("", At(alias.Start), isNull: true);
            }
            else
            {
                var unexpected = parser.Consume<ParsingEvent>();
                throw new YamlException(unexpected.Start, unexpected.End, $"unexpected {unexpected.GetType().Name}");
            }
            if (anchor is not null) Anchors[anchor] = node;
            return node;
        }

        private DataMap ReadMapping(IParser parser, SourceSpan span)
        {
            var entries = new List<DataEntry>();
            Dictionary<string, SourceSpan>? seen = null;
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = ReadNode(parser);
                var value = ReadNode(parser);
                if (key is not DataScalar { IsNull: false } k)
                {
                    diagnostics.Add(Diagnostic.Error(key.Span, DiagnosticCodes.Type, $"a mapping key must be a plain name, found {key.Describe}"));
                    continue;
                }
                seen ??= new Dictionary<string, SourceSpan>(StringComparer.Ordinal);
                if (seen.TryGetValue(k.Text, out var first))
                {
                    diagnostics.Add(Diagnostic.Error(k.Span, DiagnosticCodes.DuplicateField, $"duplicate key '{k.Text}' (first at {first.Describe(file)})"));
                    continue;
                }
                seen[k.Text] = k.Span;
                entries.Add(new DataEntry(k.Text, k.Span, value));
            }
            return new DataMap(entries, span);
        }
    }
}
