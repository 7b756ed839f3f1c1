using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Rollout;

/// <summary>What the agent does with a new revision this cycle.</summary>
public enum RolloutStepKind
{
    Apply,
    /// <summary>Earlier waves are not Ready on it yet.</summary>
    WaitForWave,
    /// <summary>The waves allow it, but this host's maintenance window is closed.</summary>
    WaitForWindow,
    /// <summary>A host of an earlier wave reported it Failed.</summary>
    Halted,
}

/// <summary>The policy's answer with the hosts involved and, when waiting for a window, when it opens.</summary>
public sealed record RolloutStep(RolloutStepKind Kind, string Reason, IReadOnlyList<string> Hosts, DateTimeOffset? NextWindow)
{
    public bool MayApply => Kind == RolloutStepKind.Apply;

    /// <summary>The <c>revision</c> block to publish while not applying (pending, with the reason and next window), or
    /// when starting to apply (reconciling).</summary>
    public RevisionStatus Report(string? applied, string attempted) => new()
    {
        Applied = applied,
        Attempted = attempted,
        Result = MayApply ? RevisionResult.Reconciling : RevisionResult.Pending,
        Message = MayApply ? null : Reason,
        NextWindow = Kind == RolloutStepKind.WaitForWindow ? NextWindow : null,
    };
}

/// <summary>
/// SPEC §6.4 in one call for the agent: the rollout gate (waves, grace, failures) and then this host's maintenance
/// schedule. Outside a window the agent still plans, publishes <see cref="RolloutStep.Report"/> (pending, with the next
/// window's start) and asks again each cycle; it applies when the window opens.
/// </summary>
public sealed class RolloutPolicy(RolloutGate gate, MaintenanceSchedule schedule)
{
    public RolloutGate Gate { get; } = gate;
    public MaintenanceSchedule Schedule { get; } = schedule;

    /// <summary>The policy of <paramref name="host"/> under a revision's fleet settings; null with errors when a window's
    /// cron cannot be read (the revision is then invalid).</summary>
    public static RolloutPolicy? ForHost(Fleet fleet, string host, out IReadOnlyList<string> errors, TimeZoneInfo? timeZone = null) =>
        MaintenanceSchedule.ForHost(fleet, host, out errors, timeZone) is { } schedule ? new RolloutPolicy(new RolloutGate(fleet), schedule) : null;

    /// <param name="host">This host.</param>
    /// <param name="commitId">The revision it would apply.</param>
    /// <param name="firstSeen">When this host first fetched the revision.</param>
    /// <param name="fleetHosts">The revision's hosts (hosts/).</param>
    /// <param name="published">What <see cref="FleetStatusReader.ReadAsync"/> returned.</param>
    /// <param name="now">The agent's clock.</param>
    public RolloutStep Evaluate(string host, string commitId, DateTimeOffset firstSeen, IEnumerable<string> fleetHosts,
        IEnumerable<PublishedStatus> published, DateTimeOffset now)
    {
        var decision = Gate.DecideFromPublished(host, commitId, firstSeen, fleetHosts, published);
        if (decision.Verdict == RolloutVerdict.Halted) return new RolloutStep(RolloutStepKind.Halted, decision.Reason, decision.Hosts, null);
        if (decision.Verdict == RolloutVerdict.Wait) return new RolloutStep(RolloutStepKind.WaitForWave, decision.Reason, decision.Hosts, null);
        var window = Schedule.Evaluate(now);
        return window.IsOpen
            ? new RolloutStep(RolloutStepKind.Apply, decision.Reason, [], null)
            : new RolloutStep(RolloutStepKind.WaitForWindow, window.Reason, [], window.NextOpening);
    }
}
