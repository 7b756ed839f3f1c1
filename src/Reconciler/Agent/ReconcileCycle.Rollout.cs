using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Reconciler.Status;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>A new revision the rollout does not let this host apply yet, and what the cycle converges instead.</summary>
/// <param name="Step">Why (waves, window, halted), with the hosts involved and the next window.</param>
/// <param name="Commit">The held revision.</param>
/// <param name="InForce">The revision in force, converged meanwhile; null on a host that never applied one.</param>
/// <param name="InForceIntent">Its intent for this host.</param>
/// <param name="PendingPlan">What the held revision would change now.</param>
/// <param name="Invalid">The held revision's windows cannot be read: it is invalid, not pending (§6.3).</param>
internal sealed record RolloutHold(RolloutStep Step, string Commit, DesiredRevision? InForce, Intent? InForceIntent, Plan? PendingPlan, bool Invalid = false);

/// <summary>
/// Rollout in the cycle (SPEC §6.4). When a poll or sync brings a revision other than the one in force, the agent asks
/// <see cref="RolloutPolicy"/> (its wave against the fleet's published status, then its maintenance windows). While it
/// may not apply, the cycle plans the new revision, converges the one in force (drift is still healed) and ends
/// <see cref="CycleResult.Pending"/>, so status and the published document say <c>pending</c>, why, and when the next
/// window opens; the next poll asks again. Without a <see cref="Fleet"/> (one-shot <c>vnetctl apply</c>) nothing is held.
/// </summary>
public sealed partial class ReconcileCycle
{
    private FirstSeenStore? _firstSeen;

    /// <summary>How long until the next poll: the requeue delay, or sooner when a window the cycle waits for opens first.</summary>
    public static TimeSpan NextPoll(CycleReport report, TimeSpan delay, DateTimeOffset now) =>
        report.Rollout is { Kind: RolloutStepKind.WaitForWindow, NextWindow: { } opens } && opens - now < delay
            ? opens - now > TimeSpan.Zero ? opens - now : TimeSpan.Zero
            : delay;

    /// <summary>Null when <paramref name="desired"/> may be applied now; else what to do instead.</summary>
    private async Task<RolloutHold?> HoldAsync(DesiredRevision desired, Intent intent, CancellationToken ct)
    {
        if (Fleet is null || desired.IsFallback || desired.Revision is not { } revision || revision.CommitId == _saved || desired.State is not { } state)
            return null;
        if (state.Fleet.Rollout.Count == 0 && state.Fleet.Windows.Count == 0) return null; // every host at once, at any time
        var now = time.GetUtcNow();
        _firstSeen ??= new FirstSeenStore(applied.StateDir);
        var firstSeen = _firstSeen.FirstSeen(revision.CommitId, now);
        var policy = RolloutPolicy.ForHost(state.Fleet, host, out var errors);
        if (policy is null)
        {
            var invalid = new RolloutStep(RolloutStepKind.Halted, $"revision {Short(revision.CommitId)} is invalid: {string.Join("; ", errors)}", [], null);
            return Hold(invalid, desired, null, invalid: true);
        }

        IReadOnlyList<PublishedStatus> published = [];
        var wave = policy.Gate.WaveOf(host);
        if (wave > 0)
        {
            // Without an earlier wave's status it cannot be known to be Ready: wait, do not guess (the gate itself would
            // count an unreadable document as a host that never reported).
            var fleet = await Fleet.ReadAsync(state.Fleet, ct).ConfigureAwait(false);
            var unreadable = fleet.Hosts.Where(p => p.Document is null && p.Host != host && policy.Gate.WaveOf(p.Host) < wave).ToList();
            var problem = fleet.Error ?? (unreadable.Count == 0 ? null
                : "the published status of " + string.Join(", ", unreadable.Select(p => $"{p.Host} cannot be read: {p.Error}")));
            if (problem is not null)
            {
                return Hold(new RolloutStep(RolloutStepKind.WaitForWave, $"{problem}; waiting to apply revision {Short(revision.CommitId)}",
                    [.. unreadable.Select(p => p.Host)], null), desired, intent);
            }
            published = fleet.Hosts;
        }
        var step = policy.Evaluate(host, revision.CommitId, firstSeen, state.Hosts.Select(h => h.Name), published, now);
        return step.MayApply ? null : Hold(step, desired, intent);
    }

    private RolloutHold Hold(RolloutStep step, DesiredRevision desired, Intent? intent, bool invalid = false)
    {
        Plan? pending = null;
        if (intent is not null)
        {
            try
            {
                pending = converger.Plan(intent, desired.Label);
            }
            catch (KernelOperationException)
            {
                // The plan is for people only; the cycle observes again for the revision in force and reports a failure there.
            }
        }
        var inForce = _inForce is { } f && f.Label == _saved ? f : RestoreInForce(desired);
        var inForceIntent = inForce?.State is { } s ? IntentMapper.Map(s, host, out _, address) : null;
        return new RolloutHold(step, desired.Label, inForceIntent is null ? null : inForce, inForceIntent, pending, invalid);
    }

    /// <summary>The last applied revision from the state directory (after a restart nothing is in force in memory yet).</summary>
    private DesiredRevision? RestoreInForce(DesiredRevision desired)
    {
        var last = desired.Load?.LastApplied ?? applied.Load();
        return last is null || last.Revision.CommitId != _saved ? null : DesiredSource.FromLastApplied(last);
    }

    /// <summary>A cycle's report as is, or, while the rollout held the new revision, about that one: pending (when the
    /// revision in force converged), attempted the held commit, with the rollout's reason.</summary>
    private static CycleReport Held(CycleReport report, RolloutHold? hold)
    {
        if (hold is null) return report;
        var r = report.Record;
        var result = hold.Invalid ? CycleResult.Stalled : r.Result == CycleResult.Success ? CycleResult.Pending : r.Result;
        var message = r.Result is CycleResult.Success or CycleResult.Pending ? hold.Step.Reason : $"{r.Message}; {hold.Step.Reason}";
        return report with
        {
            Record = r with { Result = result, Revision = hold.InForce is null ? null : r.Revision, Attempted = hold.Commit, Message = message },
            Rollout = hold.Invalid ? null : hold.Step,
            PendingPlan = hold.PendingPlan,
        };
    }
}
