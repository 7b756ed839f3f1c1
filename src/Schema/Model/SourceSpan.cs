namespace VnetReconciler.Schema.Model;

/// <summary>
/// Where a node was written: file (relative, '/' separators), 1-based line and column.
/// </summary>
/// <remarks>
/// Positions are deliberately left out of model equality: <see cref="Equals(SourceSpan)"/> is always true and
/// <see cref="GetHashCode"/> constant, so two records that describe the same vnet compare equal wherever they were
/// written (the differ and the SXP/YAML round trip rely on it). Compare positions with <see cref="SamePlaceAs"/>.
/// </remarks>
public readonly struct SourceSpan : IEquatable<SourceSpan>
{
    private readonly string? _file;

    public SourceSpan(string file, int line, int column)
    {
        _file = file;
        Line = line;
        Column = column;
    }

    public static SourceSpan None => default;

    public string File => _file ?? "";
    public int Line { get; }
    public int Column { get; }
    public bool IsKnown => _file is not null;

    public bool SamePlaceAs(SourceSpan other) => File == other.File && Line == other.Line && Column == other.Column;

    /// <summary>Always true: positions do not take part in model equality (see remarks).</summary>
    public bool Equals(SourceSpan other) => true;
    public override bool Equals(object? obj) => obj is SourceSpan;
    public override int GetHashCode() => 0;

    /// <summary><c>file:line:col</c>, or <c>line:col</c> within <paramref name="currentFile"/>.</summary>
    public string Describe(string? currentFile = null) =>
        !IsKnown ? "(unknown position)" : currentFile == File ? $"line {Line}:{Column}" : $"{File}:{Line}:{Column}";

    public override string ToString() => IsKnown ? $"{File}:{Line}:{Column}" : "(unknown position)";
}
