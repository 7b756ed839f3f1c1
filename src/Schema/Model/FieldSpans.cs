using System.Collections.Immutable;

namespace VnetReconciler.Schema.Model;

/// <summary>
/// The side table of a model record: where each field's value was written (<c>id</c>, <c>bridge</c>, list items as
/// <c>hosts#1</c>). A field absent from the table was not written (its value is the default). Like
/// <see cref="SourceSpan"/>, it never takes part in equality.
/// </summary>
public sealed class FieldSpans : IEquatable<FieldSpans>
{
    private readonly ImmutableDictionary<string, SourceSpan> _spans;

    public FieldSpans(ImmutableDictionary<string, SourceSpan> spans) => _spans = spans;

    public static FieldSpans Empty { get; } = new(ImmutableDictionary<string, SourceSpan>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>True when the field was written in the file.</summary>
    public bool Has(string field) => _spans.ContainsKey(field);

    /// <summary>The position of the field's value, or <paramref name="fallback"/> (usually the record's own).</summary>
    public SourceSpan Of(string field, SourceSpan fallback) => _spans.TryGetValue(field, out var s) ? s : fallback;

    /// <summary>The position of item <paramref name="index"/> of a list field.</summary>
    public SourceSpan Of(string field, int index, SourceSpan fallback) =>
        _spans.TryGetValue(ItemKey(field, index), out var s) ? s : Of(field, fallback);

    public static string ItemKey(string field, int index) => $"{field}#{index}";

    public bool Equals(FieldSpans? other) => other is not null;
    public override bool Equals(object? obj) => obj is FieldSpans;
    public override int GetHashCode() => 0;
    public override string ToString() => $"{_spans.Count} positions";
}
