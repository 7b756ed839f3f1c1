using System.Diagnostics;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.State;
using VnetReconciler.Reconciler.Status;
using VnetReconciler.Schema;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>
/// One reconcile cycle (SPEC §6.1): fetch and validate the revision (or, for a kernel event, reuse the one in force),
/// map this host's intent, observe the kernel and the tunnel, diff, apply in dependency order, observe again and
/// verify. A bad or unreachable revision leaves the last applied one in force, and that one is still converged, so
/// hand-made drift is healed during an outage too (SPEC §6.3). Not thread-safe: the loop runs one cycle at a time.
/// </summary>
public sealed partial class ReconcileCycle(
    DesiredSource source, string host, System.Net.IPAddress? address, HostConverger converger, FileInventory inventory,
    AppliedStateStore applied, EngineTunnelTables? tunnel, TimeProvider time)
{
    private DesiredRevision? _inForce;
    private string? _saved = applied.Load()?.Revision.CommitId;
    private readonly TunnelSnapshotStore _tunnelSnapshot = new(applied.StateDir);

    /// <summary>The fleet's published status (SPEC §6.4, §6.6); null outside the agent (one-shot apply, tests).</summary>
    public FleetView? Fleet { get; init; }

    /// <summary>Switches senders of vnets whose wire settings changed (SPEC §6.4) once the fleet has the revision; null outside the agent.</summary>
    public WireSwitch? Wires { get; init; }

    /// <summary>While true, cycles observe and report but change nothing (SPEC §6.1).</summary>
    public bool Suspended { get; set; }

    public async Task<CycleReport> RunAsync(CycleTrigger trigger, CancellationToken ct)
    {
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        RolloutHold? hold = null;
        CycleReport Report(CycleResult result, string? message, DesiredRevision? desired = null, Intent? intent = null, Plan? plan = null,
            Plan? remaining = null, int steps = 0, IReadOnlyList<string>? notes = null, string? attempted = null) => Held(new CycleReport
        {
            Record = new CycleRecord
            {
                Started = started, DurationSeconds = clock.Elapsed.TotalSeconds, Trigger = trigger, Result = result,
                Revision = result is CycleResult.Success || (desired?.IsFallback == true && desired.State is not null) ? desired!.Label : _inForce?.Label,
                Attempted = attempted ?? desired?.Load?.Attempted?.CommitId ?? desired?.Label,
                Changes = plan?.Changes.Count ?? 0, StepsRun = steps, Message = message,
            },
            Desired = desired?.State is null ? _inForce : desired, Intent = intent, Plan = plan, Remaining = remaining,
            Diagnostics = desired?.Diagnostics ?? [], Notes = notes ?? [],
        }, hold);

        // A kernel event heals towards the revision in force; only polls and syncs go to git.
        var healing = trigger == CycleTrigger.LinkEvent && _inForce is not null;
        var desired = healing ? _inForce! : await source.LoadAsync(ct).ConfigureAwait(false);
        if (desired.State is null)
            return Report(desired.Transient ? CycleResult.Retry : CycleResult.Stalled, desired.Error, desired);
        var intent = IntentMapper.Map(desired.State, host, out var mapError, address);
        if (intent is null) return Report(CycleResult.Stalled, mapError, desired);
        // A new revision the rollout holds (SPEC §6.4): converge the one in force instead, and report pending.
        if (!healing && (hold = await HoldAsync(desired, intent, ct).ConfigureAwait(false)) is not null)
        {
            if (hold is not { InForce.State: not null, InForceIntent: not null }) return Report(CycleResult.Pending, hold.Step.Reason, plan: hold.PendingPlan);
            desired = hold.InForce;
            intent = hold.InForceIntent;
        }
        // Kernel events heal towards the last revision that converged (or, before any has, the first one mapped).
        _inForce ??= desired;
        tunnel?.Use(TunnelSettings.For(desired.State, intent));

        Plan plan;
        try
        {
            plan = converger.Plan(intent, desired.Label);
        }
        catch (KernelOperationException e)
        {
            return Report(e.IsTransient ? CycleResult.Retry : CycleResult.Stalled, $"observing the host failed: {e.Message}", desired, intent);
        }
        var notes = Notes(intent);
        if (Suspended)
            return Report(CycleResult.Suspended, "suspended: observed only, nothing changed", desired, intent, plan, plan, notes: notes);

        var result = converger.Apply(plan, intent);
        notes = [.. notes, .. tunnel?.Problems ?? []];
        var fallback = desired.IsFallback ? $"; {desired.Error}; the last applied revision stays in force" : "";
        switch (result.Outcome)
        {
            case ApplyOutcome.Converged:
                _inForce = desired;
                Save(desired);
                if (tunnel is not null && intent.Spec.Tunnel is { } tables)
                    _tunnelSnapshot.Save(TunnelRestore.ToSnapshot(desired.Label, TunnelSettings.For(desired.State, intent), tables));
                if (Wires is not null) notes = [.. notes, .. await Wires.EvaluateAsync(desired, Fleet, ct).ConfigureAwait(false)];
                return Report(desired.IsFallback ? (desired.Transient ? CycleResult.Retry : CycleResult.Stalled) : CycleResult.Success,
                    $"applied {result.StepsRun} step(s); the host matches {Short(desired.Label)}{fallback}",
                    desired, intent, plan, result.Remaining, result.StepsRun, notes);
            case ApplyOutcome.VerifyFailed:
                return Report(CycleResult.Retry, $"verification failed: {result.Mismatch}{fallback}", desired, intent, plan, result.Remaining, result.StepsRun, notes);
            default:
                return Report(result.Transient ? CycleResult.Retry : CycleResult.Stalled, $"apply stopped: {result.Error}{fallback}",
                    desired, intent, plan, plan, result.StepsRun, notes);
        }
    }

    /// <summary>
    /// A restart is hitless: before the first cycle (which waits for git), the tunnel carries the last applied revision
    /// from the state directory at once (SPEC §6.3), when there is no <see cref="TunnelSnapshot"/> to carry faster
    /// (<see cref="TunnelRestore"/>). It opens the vnetifs that are still there (persistent TAPs survive the agent) and
    /// binds the tunnel's ports; nothing on the host changes, so this holds while suspended too. Kernel events heal
    /// towards that revision until a cycle has loaded one. Returns the restored commit, or null when there is none
    /// (a first start, a stored revision this host cannot map).
    /// </summary>
    public string? RestoreTunnel(IReadOnlyList<KernelLink> links)
    {
        if (applied.Load() is not { } last) return null;
        var schema = DesiredStateLoader.Load(last.Files.Select(f => new SourceFile(f.Path, f.Text)));
        if (schema.HasErrors || schema.State is not { } state) return null;
        var intent = IntentMapper.Map(state, host, out _, address);
        if (intent is null) return null;
        if (tunnel is not null && intent.Spec.Tunnel is { Count: > 0 } tables)
            TunnelRestore.Carry(tunnel, TunnelSettings.For(state, intent), tables, links);
        _inForce ??= new DesiredRevision { Label = last.Revision.CommitId, Revision = last.Revision, Files = last.Files, State = state };
        return last.Revision.CommitId;
    }

    /// <summary>
    /// What a cycle would change now (for <c>vnetctl plan</c> asking the agent): the latest revision, or with
    /// <paramref name="inForce"/> the revision in force (for <c>vnetctl drift</c>), against the kernel and the tunnel.
    /// </summary>
    public async Task<(Plan? Plan, DesiredRevision Desired, string? Error)> PlanAsync(bool inForce, CancellationToken ct)
    {
        var desired = inForce && _inForce is not null ? _inForce : await source.LoadAsync(ct).ConfigureAwait(false);
        if (desired.State is null) return (null, desired, desired.Error);
        var intent = IntentMapper.Map(desired.State, host, out var error, address);
        if (intent is null) return (null, desired, error);
        tunnel?.Use(TunnelSettings.For(desired.State, intent));
        return (converger.Plan(intent, desired.Label), desired, desired.IsFallback ? desired.Error : null);
    }

    /// <summary>Records a newly applied revision, so that a restart restores it without git (SPEC §6.3).</summary>
    private void Save(DesiredRevision desired)
    {
        if (desired.IsFallback || desired.Revision is not { } revision || revision.CommitId == _saved) return;
        applied.Save(new LastApplied { Revision = revision, Files = desired.Files, Inventory = inventory.Snapshot(), AppliedAt = time.GetUtcNow() });
        _saved = revision.CommitId;
    }

    private static List<string> Notes(Intent intent)
    {
        var notes = new List<string>();
        foreach (var v in intent.Spec.Tunnel ?? EquatableArray<TunnelVnetSpec>.Empty)
        {
            if (v.Security != Security.None && v.Suite is null)
                notes.Add($"vnet {v.Id}: security {Spellings.Of(v.Security)} without an ESP suite: its traffic is dropped");
        }
        return notes;
    }

    private static string Short(string label) => label.Length == 40 ? label[..12] : label;
}
