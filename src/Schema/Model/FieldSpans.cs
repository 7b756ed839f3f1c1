namespace VnetReconciler.Schema.Model;

/// <summary>
/// The side table of a model record: where each field's value was written (<c>id</c>, <c>bridge</c>, list items as
/// <c>hosts#1</c>). A field absent from the table was not written (its value is the default). Like
/// <see cref="SourceSpan"/>, it never takes part in equality. A record has a handful of fields, so the table is a
/// small array searched linearly (cheaper to build than a dictionary when loading 10,000 files).
/// </summary>
public sealed class FieldSpans : IEquatable<FieldSpans>
{
    private readonly (string Field, SourceSpan Span)[] _spans;

    public FieldSpans((string Field, SourceSpan Span)[] spans) => _spans = spans;

    public static FieldSpans Empty { get; } = new([]);

    /// <summary>True when the field was written in the file.</summary>
    public bool Has(string field) => IndexOf(field) >= 0;

    /// <summary>The position of the field's value, or <paramref name="fallback"/> (usually the record's own).</summary>
    public SourceSpan Of(string field, SourceSpan fallback) => IndexOf(field) is var i and >= 0 ? _spans[i].Span : fallback;

    /// <summary>The position of item <paramref name="index"/> of a list field.</summary>
    public SourceSpan Of(string field, int index, SourceSpan fallback) =>
        IndexOf(ItemKey(field, index)) is var i and >= 0 ? _spans[i].Span : Of(field, fallback);

    public static string ItemKey(string field, int index) => $"{field}#{index}";

    private int IndexOf(string field)
    {
        for (var i = 0; i < _spans.Length; i++)
            if (string.Equals(_spans[i].Field, field, StringComparison.Ordinal)) return i;
        return -1;
    }

    public bool Equals(FieldSpans? other) => other is not null;
    public override bool Equals(object? obj) => obj is FieldSpans;
    public override int GetHashCode() => 0;
    public override string ToString() => $"{_spans.Length} positions";
}
