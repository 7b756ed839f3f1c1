using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Tests.Rollout;

/// <summary>Gate first, then window: what the agent publishes while it waits (SPEC §6.4).</summary>
public sealed class RolloutPolicyTests
{
    private const string Old = "0000000000000000000000000000000000000000";
    private const string Rev = "1111111111111111111111111111111111111111";
    private static readonly DateTimeOffset s_seen = new(2026, 11, 22, 1, 0, 0, TimeSpan.Zero);
    private static readonly string[] s_hosts = ["c-1", "w-1"];

    private static readonly Fleet s_fleet = Fleet.Default with
    {
        Rollout =
        [
            new RolloutWave { Name = "canary", Hosts = ["c-*"] },
            new RolloutWave { Name = "rest", Window = new MaintenanceWindow { Cron = "0 0 2 * * ?", Duration = TimeSpan.FromHours(1) } },
        ],
    };

    private static PublishedStatus Published(string host, string applied, string attempted, RevisionResult result) => new()
    {
        Host = host, CommitId = Old,
        Document = new HostStatusDocument
        {
            Host = host, ReportedAt = s_seen, Revision = new RevisionStatus { Applied = applied, Attempted = attempted, Result = result },
        },
    };

    [Fact]
    public void Waits_for_the_wave_then_for_the_window_then_applies()
    {
        var clock = new ManualClock(s_seen);
        var policy = RolloutPolicy.ForHost(s_fleet, "w-1", out var errors)!;
        Assert.Empty(errors);

        var wave = policy.Evaluate("w-1", Rev, s_seen, s_hosts, [Published("c-1", Old, Rev, RevisionResult.Reconciling)], clock.GetUtcNow());
        Assert.Equal(RolloutStepKind.WaitForWave, wave.Kind);
        Assert.Equal(["c-1"], wave.Hosts);
        Assert.Equal(new RevisionStatus { Applied = Old, Attempted = Rev, Result = RevisionResult.Pending, Message = wave.Reason }, wave.Report(Old, Rev));

        PublishedStatus[] ready = [Published("c-1", Rev, Rev, RevisionResult.Ready)];
        var window = policy.Evaluate("w-1", Rev, s_seen, s_hosts, ready, clock.GetUtcNow());
        Assert.Equal(RolloutStepKind.WaitForWindow, window.Kind);
        Assert.Equal(s_seen.AddHours(1), window.NextWindow);
        var report = window.Report(Old, Rev);
        Assert.Equal(RevisionResult.Pending, report.Result);
        Assert.Equal(s_seen.AddHours(1), report.NextWindow);

        clock.Advance(TimeSpan.FromHours(1));
        var apply = policy.Evaluate("w-1", Rev, s_seen, s_hosts, ready, clock.GetUtcNow());
        Assert.True(apply.MayApply);
        Assert.Equal(RevisionResult.Reconciling, apply.Report(Old, Rev).Result);
    }

    [Fact]
    public void A_failed_earlier_host_halts_even_inside_the_window()
    {
        var policy = RolloutPolicy.ForHost(s_fleet, "w-1", out _)!;
        var step = policy.Evaluate("w-1", Rev, s_seen, s_hosts, [Published("c-1", Old, Rev, RevisionResult.Failed)], s_seen.AddHours(1));
        Assert.Equal(RolloutStepKind.Halted, step.Kind);
        Assert.Contains("c-1 reported revision", step.Reason);
    }

    [Fact]
    public void The_canary_wave_has_no_window_and_applies_at_once()
    {
        var step = RolloutPolicy.ForHost(s_fleet, "c-1", out _)!.Evaluate("c-1", Rev, s_seen, s_hosts, [], s_seen);
        Assert.True(step.MayApply);
    }

    [Fact]
    public void An_unreadable_window_makes_no_policy()
    {
        var bad = s_fleet with { Windows = [new MaintenanceWindow { Cron = "0 61 * * * ?", Duration = TimeSpan.FromHours(1) }] };
        Assert.Null(RolloutPolicy.ForHost(bad, "c-1", out var errors));
        Assert.Single(errors);
    }
}
