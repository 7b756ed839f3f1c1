namespace VnetReconciler.Reconciler.Status;

/// <summary>Why a cycle ran.</summary>
public enum CycleTrigger
{
    /// <summary>The scheduled git poll (fleet <c>interval</c>, or the backoff after a failure).</summary>
    Poll,
    /// <summary>An operator asked (<c>POST /sync</c>, <c>vnetctl sync</c>).</summary>
    Sync,
    /// <summary>A kernel link notification: something changed by hand (heal without fetching git).</summary>
    LinkEvent,
    /// <summary>The first cycle after start (restores the last applied revision even when git is unreachable).</summary>
    Startup,
}

/// <summary>How a cycle ended, as <c>vnet_reconcile_total{result}</c> counts it.</summary>
public enum CycleResult
{
    /// <summary>The host matches the revision (verified by observing again).</summary>
    Success,
    /// <summary>Something failed that a retry can fix (git unreachable, a transient kernel error): backed off.</summary>
    Retry,
    /// <summary>The revision cannot be applied as it is (invalid, refused, host not declared): stalled until a new one.</summary>
    Stalled,
    /// <summary>Suspended: observed and reported, nothing changed.</summary>
    Suspended,
    /// <summary>A new revision waits for earlier rollout waves or a maintenance window, or its rollout is halted (SPEC
    /// §6.4): the host was converged to the revision in force (drift healed) and the new one only planned.</summary>
    Pending,
}

/// <summary>One reconcile cycle as the status history shows it (SPEC §6.6, "a short history").</summary>
public sealed record CycleRecord
{
    public required DateTimeOffset Started { get; init; }
    public required double DurationSeconds { get; init; }
    public required CycleTrigger Trigger { get; init; }
    public required CycleResult Result { get; init; }
    /// <summary>The revision the host was converged to (or that stayed in force).</summary>
    public string? Revision { get; init; }
    /// <summary>The revision this cycle tried (differs from <see cref="Revision"/> when it was refused or invalid).</summary>
    public string? Attempted { get; init; }
    public int Changes { get; init; }
    public int StepsRun { get; init; }
    public string? Message { get; init; }
}
