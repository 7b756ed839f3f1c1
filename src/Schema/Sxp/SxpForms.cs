using VnetReconciler.Schema.Loading;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Sxp;

/// <summary>
/// Maps SXP forms onto the format-neutral tree: <c>(key v)</c> is a scalar field, <c>(key v1 v2 …)</c> or <c>(key)</c>
/// a list, <c>(key (a …) (b …))</c> a mapping; a repeated <c>(key …)</c> is one more item of a repeated field.
/// </summary>
internal static class SxpForms
{
    /// <param name="accepts">Checks (and reports) the form's name before its fields are read.</param>
    public static List<TopForm> TopForms(IReadOnlyList<SxpNode> forms, Func<string, SourceSpan, bool> accepts, List<Diagnostic> diagnostics)
    {
        var result = new List<TopForm>(forms.Count);
        foreach (var node in forms)
        {
            if (node is not SxpList list || list.Items.Count == 0 || list.Items[0] is not SxpAtom head)
            {
                var found = node is SxpAtom a ? $"'{a.Text}'" : "a list without a name";
                diagnostics.Add(Diagnostic.Error(node.Span, DiagnosticCodes.Form, $"expected a form such as (vnet …), found {found}"));
                continue;
            }
            if (accepts(head.Text, head.Span) && Fields(list, 1, diagnostics) is { } map)
                result.Add(new TopForm(head.Text, head.Span, map));
        }
        return result;
    }

    private static DataMap? Fields(SxpList list, int from, List<Diagnostic> diagnostics)
    {
        var entries = new List<DataEntry>(list.Items.Count - from);
        for (var i = from; i < list.Items.Count; i++)
        {
            if (list.Items[i] is not SxpList field || field.Items.Count == 0 || field.Items[0] is not SxpAtom key)
            {
                var found = list.Items[i] is SxpAtom a ? $"'{a.Text}'" : "a list without a name";
                diagnostics.Add(Diagnostic.Error(list.Items[i].Span, DiagnosticCodes.Form,
                    $"expected a field such as (name value) in ({((SxpAtom)list.Items[0]).Text} …), found {found}"));
                return null;
            }
            var value = Value(field, key, diagnostics);
            if (value is null) return null;
            entries.Add(new DataEntry(key.Text, key.Span, value));
        }
        return new DataMap(entries, list.Span);
    }

    private static DataNode? Value(SxpList field, SxpAtom key, List<Diagnostic> diagnostics)
    {
        var count = field.Items.Count - 1;
        if (count == 0) return new DataList([], key.Span);
        var atoms = 0;
        for (var i = 1; i < field.Items.Count; i++)
            if (field.Items[i] is SxpAtom) atoms++;
        if (atoms == count)
        {
            if (count == 1) return Scalar((SxpAtom)field.Items[1]);
            var items = new List<DataNode>(count);
            for (var i = 1; i < field.Items.Count; i++) items.Add(Scalar((SxpAtom)field.Items[i]));
            return new DataList(items, field.Items[1].Span);
        }
        if (atoms == 0) return Fields(field, 1, diagnostics);
        diagnostics.Add(Diagnostic.Error(key.Span, DiagnosticCodes.Form,
            $"({key.Text} …) mixes values and fields: write either ({key.Text} value …) or ({key.Text} (field value) …)"));
        return null;
    }

    private static DataScalar Scalar(SxpAtom atom) => new(atom.Text, atom.Span);
}
