using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema;

/// <summary>A file of the desired-state tree: path relative to the repository root with '/' separators, and its text.</summary>
public sealed record SourceFile(string Path, string Text);

/// <summary>The outcome of loading a tree: the state (null when there are errors) and every diagnostic, in path order.</summary>
public sealed record LoadResult(DesiredState? State, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    public bool HasWarnings => Diagnostics.Any(d => !d.IsError);
}
