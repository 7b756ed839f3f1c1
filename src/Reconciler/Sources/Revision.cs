namespace VnetReconciler.Reconciler.Sources;

/// <summary>
/// An immutable desired-state revision: the commit and its tree, and the ref it was reached through.
/// Two revisions with one <see cref="CommitId"/> hold the same files.
/// </summary>
/// <param name="CommitId">40 hex digits.</param>
/// <param name="TreeId">The commit's root tree, 40 hex digits.</param>
/// <param name="Ref">The ref as the operator named it (<c>main</c>, <c>v1.2</c>, a commit id).</param>
/// <param name="CommitTime">The committer date (informational: it is whatever the committer's clock said).</param>
/// <param name="Subject">The first line of the commit message.</param>
public sealed record Revision(string CommitId, string TreeId, string Ref, DateTimeOffset CommitTime, string Subject)
{
    /// <summary>The first 12 hex digits, for people.</summary>
    public string ShortId => CommitId[..12];
}

/// <summary>A ref as the remote resolves it now.</summary>
/// <param name="Ref">As the operator named it.</param>
/// <param name="FullRef">The remote's full name (<c>refs/heads/main</c>); null when <see cref="Ref"/> is a commit id.</param>
/// <param name="CommitId">The commit it points at (an annotated tag is peeled to its commit).</param>
public sealed record RevisionRef(string Ref, string? FullRef, string CommitId)
{
    public bool IsCommitId => FullRef is null;
}

/// <summary>One desired-state file of a revision: its path from the repository root (with <c>/</c>) and its text.</summary>
public sealed record RevisionFile(string Path, string Text);
