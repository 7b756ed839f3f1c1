using System.Net;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>
/// The agent's side of "wire changes are made before they are broken" (SPEC §6.4), run at the end of every converged
/// cycle. While a vnet's wire change is under way (<see cref="EngineTunnelTables.WireChanges"/>), this host accepts the
/// old and the new settings and sends in the old ones. Senders switch when every other host carrying the vnet in the
/// revision in force publishes that revision as applied (so it accepts the new settings too), and, for a change to a
/// secure setting, ESP has an SA with each of them; with no status remote (a plain directory, one host) at once.
/// A host that never published, or whose last report is older than the fleet's <c>grace</c> (the rollout gate's
/// measure of a host that stopped reporting), does not hold the switch: it is not running, so it hears nothing in either
/// setting. (The reader's own staleness, a few intervals, is too short: a busy host would let senders switch early.) After the switch the old settings stay
/// accepted for three cycle intervals (<see cref="HoldFor"/>), long enough for every peer to see the same fleet status in its own cycle and
/// switch too; a peer that switches first is heard because this host already accepts the new settings.
/// </summary>
public sealed class WireSwitch(EngineTunnelTables tables, string host, TimeProvider time)
{
    /// <summary>The shortest hold, whatever the interval.</summary>
    public static readonly TimeSpan MinimumHold = TimeSpan.FromSeconds(10);

    /// <summary>The agent's <c>--interval</c>, or null to use the fleet's (SPEC §2.4 <c>interval</c>).</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>How long the old settings stay accepted after the switch: three cycle intervals, at least <see cref="MinimumHold"/>.</summary>
    public TimeSpan HoldFor(Fleet fleet)
    {
        var interval = Interval ?? fleet.Interval;
        return interval * 3 > MinimumHold ? interval * 3 : MinimumHold;
    }

    /// <summary>Switches or finishes what is due; returns a status note per wire change still under way.</summary>
    public async Task<IReadOnlyList<string>> EvaluateAsync(DesiredRevision inForce, FleetView? fleet, CancellationToken ct)
    {
        var changes = tables.WireChanges;
        if (changes.Count == 0 || inForce.State is not { } state) return [];
        var snapshot = fleet is null ? FleetSnapshot.Empty : await fleet.ReadAsync(state.Fleet, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var hold = HoldFor(state.Fleet);
        var notes = new List<string>();
        foreach (var change in changes)
        {
            var name = $"vnet {ShortId(change.Vnet)}";
            if (change.Switched)
            {
                if (now - change.SwitchedAt!.Value >= hold) tables.FinishWireChange(change.Vnet);
                else notes.Add($"{name}: wire change {change.Describe()}: senders switched; the old settings are accepted until {change.SwitchedAt.Value + hold:HH:mm:ss}Z");
                continue;
            }
            var (waiting, reported) = Gate(state, change.Vnet, host, inForce.Label, snapshot);
            if (waiting.Count == 0 && change.Next.Security != Security.None)
                waiting = [.. reported.Where(h => !tables.HasSecurityAssociation(change.Vnet, h.Address)).Select(h => $"{h.Name} (no ESP SA yet)")];
            if (waiting.Count == 0)
            {
                tables.SwitchSenders(change.Vnet, now);
                notes.Add($"{name}: wire change {change.Describe()}: senders switched; the old settings are accepted until {now + hold:HH:mm:ss}Z");
            }
            else
            {
                notes.Add($"{name}: wire change pending: waiting for hosts {string.Join(", ", waiting)}");
            }
        }
        return notes;
    }

    /// <summary>
    /// The other hosts carrying <paramref name="vnet"/> at this revision that do not report <paramref name="revision"/>
    /// applied yet (<c>Waiting</c>), and those that do (<c>Reported</c>: senders need an ESP SA with each of them before
    /// switching to a secure setting). Hosts without a report, or silent for longer than <c>grace</c>, are in neither. Both are empty without
    /// a status remote: there is no fleet to wait for.
    /// </summary>
    public static (IReadOnlyList<string> Waiting, IReadOnlyList<Host> Reported) Gate(DesiredState state, string vnet, string self, string revision, FleetSnapshot fleet)
    {
        if (!fleet.HasRemote) return ([], []);
        var waiting = new List<string>();
        var reported = new List<Host>();
        foreach (var carrier in Carriers(state, vnet, self))
        {
            var status = fleet.Of(carrier.Name);
            if (status?.Document is not { } document || status.Age is not { } age || age > state.Fleet.Grace) continue;
            if (document.Revision.Applied == revision) reported.Add(carrier);
            else waiting.Add(carrier.Name);
        }
        return (waiting, reported);
    }

    /// <summary>The hosts other than <paramref name="self"/> that carry <paramref name="vnet"/> (canonical id) in <paramref name="state"/>.</summary>
    private static IEnumerable<Host> Carriers(DesiredState state, string vnet, string self)
    {
        var declared = state.Vnets.FirstOrDefault(v => v.Id.ToString() == vnet);
        return declared is null ? [] : state.HostsCarrying(declared).Where(h => h.Name != self);
    }

    /// <summary><c>0000:…:0097</c> as <c>97</c>, the way operators write it.</summary>
    private static string ShortId(string canonical) =>
        VnetId.TryParse(canonical, out var id) == VnetIdError.None ? id.ShortForm : canonical;
}
