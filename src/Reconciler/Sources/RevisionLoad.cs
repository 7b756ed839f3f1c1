using VnetReconciler.Reconciler.State;

namespace VnetReconciler.Reconciler.Sources;

/// <summary>What one attempt to get the desired state from git came to.</summary>
public enum RevisionLoadOutcome
{
    /// <summary>A verified revision other than the last applied one: its files are ready to load, validate and apply.</summary>
    New,

    /// <summary>The ref still names the last applied commit: nothing new to apply (the files are still returned, for drift checks).</summary>
    Unchanged,

    /// <summary>Git could not be reached (a transient error): the last applied revision stays in force; do not prune.</summary>
    Unreachable,

    /// <summary>The revision failed the trust policy (<see cref="RevisionLoad.Verdict"/>): never applied; the last applied stays.</summary>
    Refused,

    /// <summary>The ref does not exist or git failed for good (<see cref="RevisionLoad.Error"/>): stalls until the configuration changes.</summary>
    Failed,
}

/// <summary>
/// The result of <see cref="RevisionLoader.LoadAsync"/>. <see cref="Files"/> are what the schema loader should
/// read this cycle: the new revision's when <see cref="Outcome"/> is New or Unchanged, otherwise the last
/// applied revision's (empty when there is none).
/// </summary>
public sealed record RevisionLoad
{
    public required RevisionLoadOutcome Outcome { get; init; }

    /// <summary>The revision fetched from git (null when git was not reached or the ref was not found).</summary>
    public Revision? Attempted { get; init; }

    /// <summary>The revision <see cref="Files"/> belong to.</summary>
    public Revision? Revision { get; init; }

    public IReadOnlyList<RevisionFile> Files { get; init; } = [];

    /// <summary>The state persisted by the last apply, as loaded from the state directory.</summary>
    public LastApplied? LastApplied { get; init; }

    /// <summary>The policy the revision was checked under (host-local made stricter by the fleet files).</summary>
    public TrustPolicy? Policy { get; init; }

    public TrustVerdict? Verdict { get; init; }

    public GitException? Error { get; init; }

    /// <summary>
    /// Whether the caller may delete owned objects the files no longer name. Only a verified revision from git
    /// permits pruning; the last applied state restored without git only re-creates (SPEC §6.3).
    /// </summary>
    public bool PrunePermitted => Outcome is RevisionLoadOutcome.New or RevisionLoadOutcome.Unchanged;
}
