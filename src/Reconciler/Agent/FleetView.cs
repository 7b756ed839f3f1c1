using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>What the agent knows of the other hosts' published status (SPEC §6.6) at one moment.</summary>
public sealed record FleetSnapshot
{
    public static readonly FleetSnapshot Empty = new();

    /// <summary>Every host's published status, ordered by host name (this host's own included).</summary>
    public IReadOnlyList<PublishedStatus> Hosts { get; init; } = [];
    /// <summary>When it was read; null when it never was.</summary>
    public DateTimeOffset? ReadAt { get; init; }
    /// <summary>Why the latest read failed (the snapshot then holds the last good read); null when it succeeded.</summary>
    public string? Error { get; init; }
    /// <summary>False when no status remote is configured (plain-directory source, or <c>status.push: false</c>
    /// without a remote): there is no fleet to wait for.</summary>
    public bool HasRemote { get; init; }

    public PublishedStatus? Of(string host) => Hosts.FirstOrDefault(h => h.Host == host);
}

/// <summary>
/// The agent's one reader of the fleet's published status, shared by the rollout gate (§6.4 waves), the wire-change
/// switch (senders switch when every host carrying a vnet reports the new revision) and the probes. Reads are cached
/// for <see cref="MaxAge"/>, so several users in one cycle cost one <c>ls-remote</c>; a failed read keeps the last
/// good snapshot and says why. The status remote is resolved as publication does: the fleet's <c>status.remote</c>,
/// else the desired-state remote.
/// </summary>
public sealed class FleetView(string desiredRemote, string stateDir, TimeProvider time)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FleetStatusReader? _reader;
    private FleetSnapshot _last = FleetSnapshot.Empty;

    /// <summary>A snapshot younger than this is returned without reading again.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A host whose last report is older than this is marked stale.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The latest snapshot without reading.</summary>
    public FleetSnapshot Last => _last;

    /// <summary>The status remote of a revision's fleet settings; null when there is none.</summary>
    public string? RemoteFor(Fleet? fleet) =>
        fleet?.Status.Remote ?? (DesiredSource.IsPlainDirectory(desiredRemote) ? null : desiredRemote);

    public async Task<FleetSnapshot> ReadAsync(Fleet? fleet, CancellationToken ct)
    {
        var remote = RemoteFor(fleet);
        if (remote is null) return _last = FleetSnapshot.Empty;
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            if (_reader is not null && _reader.Remote == GitNames.NormalizeRemote(remote) && _last.ReadAt is { } at && now - at < MaxAge && _last.Error is null)
                return _last;
            if (_reader is null || _reader.Remote != GitNames.NormalizeRemote(remote))
            {
                _reader = new FleetStatusReader(new GitCli(time: time), remote, Path.Combine(stateDir, "fleet-status"), time) { StaleAfter = StaleAfter };
                _last = FleetSnapshot.Empty;
            }
            try
            {
                var hosts = await _reader.ReadAsync(ct).ConfigureAwait(false);
                return _last = new FleetSnapshot { Hosts = hosts, ReadAt = now, HasRemote = true };
            }
            catch (GitException e)
            {
                return _last = _last with { Error = $"reading the fleet status failed: {e.Message}", HasRemote = true };
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
