using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Sxp;

/// <summary>An S-expression node with the position of its first character (positions never take part in equality).</summary>
public abstract record SxpNode(SourceSpan Span);

/// <summary>An atom or a string (the reader has already decoded escapes; quoting is a matter of printing).</summary>
public sealed record SxpAtom(string Text, SourceSpan Span) : SxpNode(Span)
{
    public override string ToString() => SxpPrinter.Print(this);
}

/// <summary>A parenthesised list; a form is a list whose first item is an atom naming it (<c>(vnet …)</c>).</summary>
public sealed record SxpList(EquatableArray<SxpNode> Items, SourceSpan Span) : SxpNode(Span)
{
    /// <summary>The form's name (its first atom), or null.</summary>
    public string? Head => Items.Count > 0 && Items[0] is SxpAtom a ? a.Text : null;

    public override string ToString() => SxpPrinter.Print(this);
}
