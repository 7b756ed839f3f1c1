using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Tests.Rollout;

/// <summary>The pieces as the agent wires them: publish through a real bare repository, read, gate, window.</summary>
public sealed class RolloutThroughGitTests
{
    private const string Old = "0000000000000000000000000000000000000000";
    private const string Rev = "1111111111111111111111111111111111111111";

    [Fact]
    public async Task Wave_one_waits_for_wave_zero_through_git_then_waits_for_its_window_then_applies()
    {
        using var f = new StatusFixture();
        var fleet = Fleet.Default with
        {
            Grace = TimeSpan.FromMinutes(5),
            Rollout =
            [
                new RolloutWave { Name = "canary", Hosts = ["canary-*"] },
                new RolloutWave { Name = "rest", Window = new MaintenanceWindow { Cron = "0 0 4 * * ?", Duration = TimeSpan.FromHours(1) } },
            ],
        };
        var gate = new RolloutGate(fleet);
        var schedule = MaintenanceSchedule.ForHost(fleet, "web-1", out _)!;
        string[] hosts = ["canary-1", "web-1"];
        var canary = f.Publisher("canary-1");
        await canary.PublishAsync(StatusFixture.Document("canary-1", Old));
        var firstSeen = f.Clock.GetUtcNow(); // 04:00 on the fixture's clock: web-1 fetches Rev

        await canary.PublishAsync(StatusFixture.Document("canary-1", Old) with
        {
            Revision = new RevisionStatus { Applied = Old, Attempted = Rev, Result = RevisionResult.Reconciling },
        });
        var waiting = gate.DecideFromPublished("web-1", Rev, firstSeen, hosts, await f.Reader().ReadAsync());
        Assert.Equal(RolloutVerdict.Wait, waiting.Verdict);
        Assert.Equal(["canary-1"], waiting.Hosts);

        f.Clock.Advance(TimeSpan.FromMinutes(2));
        await canary.PublishAsync(StatusFixture.Document("canary-1", Rev));
        var go = gate.DecideFromPublished("web-1", Rev, firstSeen, hosts, await f.Reader().ReadAsync());
        Assert.True(go.MayApply, go.Reason);

        // The gate is open, but web-1's wave window (04:00-05:00 daily) is too: it applies now.
        Assert.True(schedule.Evaluate(f.Clock).IsOpen);
        f.Clock.Advance(TimeSpan.FromHours(1));
        var closed = schedule.Evaluate(f.Clock);
        Assert.False(closed.IsOpen);
        Assert.Equal(StatusFixture.Start.AddDays(1), closed.NextOpening);
    }
}
