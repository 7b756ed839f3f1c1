using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Editing;

/// <summary>A change to one file of the desired-state tree: its whole new text, or null to delete it.</summary>
/// <param name="Path">Relative to the repository root, with '/' separators.</param>
public sealed record FileEdit(string Path, string? Text);

/// <summary>How an edit ended.</summary>
public enum EditStatus
{
    /// <summary>The commit was made (and the working tree updated for the edited paths).</summary>
    Committed,

    /// <summary>The resulting tree does not validate: nothing was committed; see the diagnostics.</summary>
    Invalid,

    /// <summary>The repository is not in a state to commit to (detached HEAD, uncommitted changes on an edited
    /// path, the branch moved meanwhile): nothing was committed; see the message.</summary>
    Refused,
}

/// <summary>The outcome of <see cref="DesiredStateEditor.CommitAsync"/>.</summary>
public sealed record EditResult
{
    public required EditStatus Status { get; init; }

    /// <summary>The new commit, when <see cref="EditStatus.Committed"/>.</summary>
    public string? CommitId { get; init; }

    /// <summary>Why it was refused, or (when committed) what could not be done after the commit.</summary>
    public string? Message { get; init; }

    /// <summary>Every problem of the resulting tree, when <see cref="EditStatus.Invalid"/>.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    public static EditResult Refused(string message) => new() { Status = EditStatus.Refused, Message = message };
}

/// <summary>Where <c>--push</c> sends a commit: a remote and the ref on it.</summary>
public sealed record PushTarget(string Remote, string RemoteRef)
{
    public override string ToString() => $"{Remote} ({RemoteRef})";
}
