using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Loading;

/// <summary>
/// The format-neutral tree both readers produce (SPEC §2: "every SXP form has a YAML twin with the same field names")
/// and both writers print: scalars (always text), lists and mappings, each with its position. One binder maps it onto
/// the model, so SXP and YAML accept and reject exactly the same things.
/// </summary>
internal abstract class DataNode(SourceSpan span)
{
    public SourceSpan Span { get; } = span;

    public abstract string Describe { get; }
}

/// <summary>A value as text. <see cref="IsNull"/>: YAML's empty plain scalar. <see cref="IsText"/>: a writer hint that the
/// value is text (a name, an id) and must stay text, so YAML quotes it when it would read as a number.</summary>
internal sealed class DataScalar(string text, SourceSpan span, bool isNull = false, bool isText = true) : DataNode(span)
{
    public string Text { get; } = text;
    public bool IsNull { get; } = isNull;
    public bool IsText { get; } = isText;
    public override string Describe => IsNull ? "no value" : $"'{Text}'";
}

internal sealed class DataList(List<DataNode> items, SourceSpan span) : DataNode(span)
{
    public List<DataNode> Items { get; } = items;
    public override string Describe => "a list";
}

internal sealed record DataEntry(string Key, SourceSpan KeySpan, DataNode Value);

internal sealed class DataMap(List<DataEntry> entries, SourceSpan span) : DataNode(span)
{
    public List<DataEntry> Entries { get; } = entries;
    public override string Describe => "a mapping";
}

/// <summary>A top-level form: <c>(vnet …)</c> in SXP, <c>vnet: {…}</c> in YAML.</summary>
internal sealed record TopForm(string Kind, SourceSpan KindSpan, DataNode Body);
