namespace VnetReconciler.Schema.Model;

public enum Severity { Error, Warning }

/// <summary>
/// One problem in the desired state, at a file position (file relative to the repository, '/' separators;
/// 1-based line and column). Text form: <c>file:line:col: error: message</c> (or <c>warning:</c>).
/// </summary>
public sealed record Diagnostic(Severity Severity, string File, int Line, int Column, string Code, string Message)
{
    public static Diagnostic Error(SourceSpan at, string code, string message) => new(Severity.Error, at.File, at.Line, at.Column, code, message);

    public static Diagnostic Warning(SourceSpan at, string code, string message) => new(Severity.Warning, at.File, at.Line, at.Column, code, message);

    public bool IsError => Severity == Severity.Error;

    public string SeverityText => Severity == Severity.Error ? "error" : "warning";

    public Diagnostic AsError() => this with { Severity = Severity.Error };

    /// <summary>The position part: <c>file:line:col</c>, or just <c>file</c> for a problem with the whole file.</summary>
    public string Location => Line > 0 ? $"{File}:{Line}:{Column}" : File;

    public override string ToString() => $"{Location}: {SeverityText}: {Message}";
}
