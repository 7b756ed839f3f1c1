using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Reconciler.Tests.Sources;

namespace VnetReconciler.Reconciler.Tests.Rollout;

/// <summary>A bare status remote on a local path (no network), publishers for hosts, and a reader, all on one clock.</summary>
internal sealed class StatusFixture : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 22, 4, 0, 0, TimeSpan.Zero);

    public StatusFixture()
    {
        Git.Git(Git.Root, "init", "--bare", "--quiet", Remote);
    }

    public TestRepository Git { get; } = new();
    public ManualClock Clock { get; } = new(Start);
    public VnetReconciler.Reconciler.Sources.GitCli ProductGit { get; } = TestRepository.ProductGit();
    public string Remote => Path.Combine(Git.Root, "status.git");

    public StatusPublisher Publisher(string host, TimeSpan? heartbeat = null) =>
        new(ProductGit, Remote, host, Path.Combine(Git.Root, "journal-" + host), Clock) { Heartbeat = heartbeat ?? TimeSpan.FromMinutes(1) };

    public FleetStatusReader Reader(TimeSpan? staleAfter = null) =>
        new(ProductGit, Remote, Path.Combine(Git.Root, "reader"), Clock) { StaleAfter = staleAfter ?? TimeSpan.FromMinutes(5) };

    public static HostStatusDocument Document(string host, string applied, RevisionResult result = RevisionResult.Ready, int drift = 0) => new()
    {
        Host = host,
        AgentVersion = "1.0.0-test",
        Revision = new RevisionStatus { Applied = applied, Attempted = applied, Result = result },
        Conditions = [new StatusCondition("Ready", result == RevisionResult.Ready ? ConditionStatus.True : ConditionStatus.False, "Converged", "ok")],
        DriftObjects = drift,
        Conflicts = 0,
        Vnets = [new VnetReachability("0000:0000:0000:0000:0000:0000:0000:0097", 2, 2)],
    };

    public void Dispose() => Git.Dispose();
}
