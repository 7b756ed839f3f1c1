using System.Collections.Immutable;
using VnetReconciler.Dataplane.Forwarding;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Status;

/// <summary>Builds <see cref="AgentStatus"/> from the status book and a snapshot of the tunnel's tables.</summary>
public static class StatusView
{
    public static AgentStatus Build(StatusBook book, TunnelSnapshot? tunnel, TimeSpan interval, DateTimeOffset? nextPoll, bool withMacs)
    {
        var last = book.Last;
        var success = book.LastSuccess;
        var remaining = last?.Remaining;
        var suspension = book.Suspension;
        return new AgentStatus
        {
            Host = book.Host,
            Address = last?.Intent?.Address.ToString(),
            Revision = new RevisionStatus
            {
                Applied = success?.Record.Revision ?? (last?.Desired?.IsFallback == true ? last.Desired.Label : null),
                Attempted = last?.Record.Attempted,
                LastSuccess = success is null ? null : success.Record.Started + TimeSpan.FromSeconds(success.Record.DurationSeconds),
                Result = ResultOf(last?.Record.Result),
                Message = last?.Record.Message,
                Wait = last?.Rollout?.Kind switch
                {
                    Rollout.RolloutStepKind.WaitForWave => "wave",
                    Rollout.RolloutStepKind.WaitForWindow => "window",
                    Rollout.RolloutStepKind.Halted => "halted",
                    _ => null,
                },
                WaitingFor = last?.Rollout?.Hosts ?? [],
                NextWindow = last?.Rollout is { Kind: Rollout.RolloutStepKind.WaitForWindow } step ? step.NextWindow : null,
                PendingChanges = last?.Rollout is null ? null : last.PendingPlan?.Changes.Count,
            },
            Conditions = book.Conditions(),
            IntervalSeconds = interval.TotalSeconds,
            NextPoll = nextPoll,
            Suspended = suspension is not null,
            SuspendedBy = suspension?.By,
            SuspendedReason = suspension?.Reason,
            SuspendedSince = suspension?.Since,
            SuspendedUntil = suspension?.Until,
            Drift = remaining is null ? [] : [.. remaining.Changes],
            Conflicts = remaining is null ? last?.Plan?.Conflicts.ToArray() ?? [] : [.. remaining.Conflicts],
            Vnets = Vnets(last, tunnel, withMacs),
            Errors = StatusBook.Errors(last),
            Notes = last?.Notes ?? [],
            History = book.History(),
        };
    }

    /// <summary>A cycle's result as the published document's <c>revision.result</c> (SPEC §6.4): a stall is a revision that
    /// failed here, a retry one still being reconciled.</summary>
    public static Rollout.RevisionResult? ResultOf(CycleResult? result) => result switch
    {
        null => null,
        CycleResult.Success => Rollout.RevisionResult.Ready,
        CycleResult.Stalled => Rollout.RevisionResult.Failed,
        CycleResult.Retry => Rollout.RevisionResult.Reconciling,
        _ => Rollout.RevisionResult.Pending,
    };

    private static IReadOnlyList<VnetStatus> Vnets(CycleReport? report, TunnelSnapshot? tunnel, bool withMacs)
    {
        var carried = tunnel?.Config?.Vnets.ToDictionary(v => v.Id.ToString(), StringComparer.Ordinal) ?? [];
        var macs = tunnel?.Macs.GroupBy(m => m.Vnet.ToString(), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal) ?? [];
        var counters = tunnel?.VnetCounters.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value, StringComparer.Ordinal) ?? [];
        var bridges = report?.Intent?.Spec.Links.Where(l => l.Role == Planning.LinkRole.Bridge).ToDictionary(l => l.Vnet, l => l.Name, StringComparer.Ordinal) ?? [];
        var list = new List<VnetStatus>();
        foreach (var v in StatusBook.DeclaredVnets(report))
        {
            var rows = macs.GetValueOrDefault(v.Id) ?? [];
            var c = counters.GetValueOrDefault(v.Id) ?? new TrafficCounterSnapshot();
            list.Add(new VnetStatus
            {
                Id = v.Id, Bridge = bridges.GetValueOrDefault(v.Id), Vnetif = v.Vnetif, Mtu = v.Mtu,
                Security = Spellings.Of(v.Security), Encapsulation = Spellings.Of(v.Encapsulation), Carried = carried.ContainsKey(v.Id),
                Peers = [.. v.Peers.Select(p =>
                {
                    var behind = rows.Count(r => r.Address?.ToString() == p);
                    return new PeerStatus(p, behind > 0, behind);
                })],
                MacCount = rows.Count,
                Macs = withMacs ? [.. rows.Select(r => new MacStatus(r.Mac.ToString(), r.Address?.ToString(), Math.Round(r.Age.TotalSeconds, 3)))] : [],
                RxPackets = c.RxPackets, TxPackets = c.TxPackets, RxBytes = c.RxBytes, TxBytes = c.TxBytes, AcceptedPrevious = c.AcceptedPrevious,
                Drops = c.Drops.ToImmutableSortedDictionary(kv => DropName(kv.Key), kv => kv.Value, StringComparer.Ordinal),
            });
        }
        return list;
    }

    /// <summary>A drop reason as a label: the dataplane's name in snake case (<c>unknown_peer</c>), like the ESP reasons of SPEC §6.6.</summary>
    public static string DropName(DropReason reason) => DropReasons.Name(reason).Replace('-', '_');
}
