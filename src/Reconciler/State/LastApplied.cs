using VnetReconciler.Reconciler.Sources;

namespace VnetReconciler.Reconciler.State;

/// <summary>
/// The last revision this host applied, kept in the state directory so that after a restart the agent can
/// restore it without git (SPEC §6.3): the revision, its desired-state files as they were, and the
/// inventory of what applying it created.
/// </summary>
public sealed record LastApplied
{
    public required Revision Revision { get; init; }

    /// <summary>The revision's desired-state files (path order), ready for the schema loader.</summary>
    public required IReadOnlyList<RevisionFile> Files { get; init; }

    public Inventory Inventory { get; init; } = Inventory.Empty;

    /// <summary>When the apply finished.</summary>
    public DateTimeOffset AppliedAt { get; init; }

    /// <summary>Equal when revision, files (in order), inventory and time are equal.</summary>
    public bool Equals(LastApplied? other) =>
        other is not null && Revision == other.Revision && Files.SequenceEqual(other.Files)
        && Inventory == other.Inventory && AppliedAt == other.AppliedAt;

    public override int GetHashCode() => HashCode.Combine(Revision, Files.Count, Inventory, AppliedAt);
}
