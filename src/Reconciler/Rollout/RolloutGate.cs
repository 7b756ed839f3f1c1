using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Rollout;

/// <summary>What the gate allows this host to do with a revision.</summary>
public enum RolloutVerdict
{
    Apply,
    /// <summary>Earlier waves are not Ready yet: plan, report pending, ask again next cycle.</summary>
    Wait,
    /// <summary>A host of an earlier wave reported the revision Failed: nothing later applies it.</summary>
    Halted,
}

/// <summary>The gate's answer, naming the hosts it waits for or the one that failed.</summary>
public sealed record RolloutDecision(RolloutVerdict Verdict, int Wave, string WaveName, IReadOnlyList<string> Hosts, string Reason)
{
    public bool MayApply => Verdict == RolloutVerdict.Apply;
}

/// <summary>
/// Rollout waves (SPEC §6.4), pure logic over published statuses and an injected "now". A host in wave k applies a
/// revision only after every host of the earlier waves reports it Ready, except:
/// <list type="bullet">
/// <item>a host whose last report is older than <c>grace</c> at the moment the revision appeared (to this host) does not
/// block — it had stopped reporting before the rollout began;</item>
/// <item>a host that reported attempting the revision and then fell silent blocks however long it stays silent, until it
/// reports again or is removed from its wave (it may have died of the revision);</item>
/// <item>a host that reports the revision Failed halts every later wave until a newer revision arrives (a Failed report
/// is about one commit, so a newer commit is not halted by it).</item>
/// </list>
/// Hosts named in no wave belong to the last wave; a pattern may be a glob; a host's wave is the first that names it.
/// Wave 0 always applies. The earlier waves are all checked, not just k-1, so an empty or excused wave does not let a
/// later one overtake the waves before it.
/// </summary>
public sealed class RolloutGate
{
    private readonly IReadOnlyList<RolloutWave> _waves;
    private readonly TimeSpan _grace;

    public RolloutGate(IReadOnlyList<RolloutWave> waves, TimeSpan grace)
    {
        _waves = waves;
        _grace = grace;
    }

    public RolloutGate(Fleet fleet) : this(fleet.Rollout, fleet.Grace)
    {
    }

    /// <summary>The wave a host belongs to: the first whose hosts name or match it; else the last; 0 without waves.</summary>
    public int WaveOf(string host)
    {
        for (var i = 0; i < _waves.Count; i++)
        {
            foreach (var pattern in _waves[i].Hosts)
            {
                if (RolloutWave.IsGlob(pattern) ? HostGlob.Matches(pattern, host) : pattern == host) return i;
            }
        }
        return Math.Max(0, _waves.Count - 1);
    }

    /// <summary>
    /// Decides whether <paramref name="host"/> may apply <paramref name="commitId"/>.
    /// </summary>
    /// <param name="host">This host.</param>
    /// <param name="commitId">The revision it would apply.</param>
    /// <param name="firstSeen">When this host first saw the revision (fetched it).</param>
    /// <param name="fleetHosts">The hosts of the desired state (hosts/); a host that never published counts as silent forever.</param>
    /// <param name="statuses">The published statuses of the fleet (this host's own is ignored).</param>
    public RolloutDecision Decide(string host, string commitId, DateTimeOffset firstSeen, IEnumerable<string> fleetHosts,
        IEnumerable<HostStatusDocument> statuses)
    {
        var wave = WaveOf(host);
        var name = _waves.Count == 0 ? "" : _waves[wave].Name;
        if (wave == 0) return new RolloutDecision(RolloutVerdict.Apply, wave, name, [], WaveText(wave, name) + " goes first");

        var byHost = statuses.Where(s => s.Host != host).GroupBy(s => s.Host, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(s => s.ReportedAt)!, StringComparer.Ordinal);
        var earlier = fleetHosts.Concat(byHost.Keys).Distinct(StringComparer.Ordinal).Where(h => h != host && WaveOf(h) < wave)
            .Order(StringComparer.Ordinal).ToList();

        var failed = earlier.Where(h => byHost.TryGetValue(h, out var s) && s.HasFailed(commitId)).ToList();
        if (failed.Count > 0)
        {
            return new RolloutDecision(RolloutVerdict.Halted, wave, name, failed,
                $"rollout halted: {Join(failed)} reported revision {Short(commitId)} Failed; waiting for a newer revision");
        }

        var blocking = earlier.Where(h => Blocks(byHost.GetValueOrDefault(h), commitId, firstSeen)).ToList();
        if (blocking.Count > 0)
        {
            return new RolloutDecision(RolloutVerdict.Wait, wave, name, blocking,
                $"{WaveText(wave, name)} waits for {Join(blocking)} to report revision {Short(commitId)} Ready");
        }
        return new RolloutDecision(RolloutVerdict.Apply, wave, name, [], $"every earlier wave reports revision {Short(commitId)} Ready");
    }

    /// <summary>As <see cref="Decide(string, string, DateTimeOffset, IEnumerable{string}, IEnumerable{HostStatusDocument})"/>
    /// with what <see cref="FleetStatusReader"/> read: each document counts for the host whose ref holds it (the server
    /// lets a host write only its own ref; the document's own <c>host</c> field is not trusted), unreadable ones not at all.</summary>
    public RolloutDecision DecideFromPublished(string host, string commitId, DateTimeOffset firstSeen, IEnumerable<string> fleetHosts,
        IEnumerable<PublishedStatus> published) =>
        Decide(host, commitId, firstSeen, fleetHosts,
            published.Where(p => p.Document is not null).Select(p => p.Document! with { Host = p.Host }));

    private bool Blocks(HostStatusDocument? status, string commitId, DateTimeOffset firstSeen)
    {
        if (status is null) return false; // never reported: silent for longer than any grace
        if (status.IsReady(commitId)) return false;
        if (status.Revision.Attempted == commitId) return true; // attempted it, not Ready: blocks even when silent since
        return status.ReportedAt >= firstSeen - _grace; // was alive when the revision appeared
    }

    private static string WaveText(int wave, string name) => name.Length == 0 ? $"wave {wave}" : $"wave {wave} ({name})";

    private static string Join(IReadOnlyList<string> hosts) =>
        hosts.Count <= 5 ? string.Join(", ", hosts) : string.Join(", ", hosts.Take(5)) + $" and {hosts.Count - 5} more";

    private static string Short(string commitId) => commitId.Length > 12 ? commitId[..12] : commitId;
}
