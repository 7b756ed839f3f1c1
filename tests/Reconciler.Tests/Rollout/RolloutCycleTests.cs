using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Reconciler.State;
using VnetReconciler.Reconciler.Status;
using VnetReconciler.Reconciler.Tests.Planning;
using VnetReconciler.Reconciler.Tests.Sources;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Reconciler.Tests.Rollout;

/// <summary>
/// The rollout in the agent's cycle (SPEC §6.4), unprivileged: a real git repository as the desired-state and status
/// remote, an in-memory kernel, and a clock moved by hand. The canary's status is published by the test.
/// </summary>
public sealed class RolloutCycleTests : IDisposable
{
    private const string Waves = """
        fleet:
          grace: 5m
          rollout:
            - { name: canary, hosts: [host-a] }
            - { name: rest, hosts: ["host-*"] }

        """;

    private readonly TestRepository _repo = new();
    private readonly FakeKernel _kernel = new();
    private readonly ManualClock _clock = new(StatusFixture.Start); // 04:00 UTC

    private string State => Path.Combine(_repo.Root, "state-b");

    public RolloutCycleTests()
    {
        var files = new Dictionary<string, string?>(RepoPaths.ExampleFiles()) { ["fleet.yaml"] = Waves };
        _repo.Commit(files, "example fleet with waves");
        _kernel.Add("vm-b97", KernelLinkKind.Veth);
    }

    private ReconcileCycle Cycle(bool withFleet = true)
    {
        Directory.CreateDirectory(State);
        var inventory = new FileInventory(State);
        var source = new DesiredSource(_repo.Work, "HEAD", State, Reconciler.Sources.TrustPolicy.None, _clock, TestRepository.ProductGit());
        return new ReconcileCycle(source, "host-b", null, new HostConverger(_kernel, inventory), inventory, new AppliedStateStore(State), null, _clock)
        {
            Fleet = withFleet ? new FleetView(_repo.Work, State, _clock) { MaxAge = TimeSpan.Zero } : null,
        };
    }

    private Task<PublishResult> Canary(string applied, string attempted, RevisionResult result) =>
        new StatusPublisher(TestRepository.ProductGit(), _repo.Work, "host-a", Path.Combine(_repo.Root, "journal-a"), _clock)
            .PublishAsync(StatusFixture.Document("host-a", applied) with
            {
                Revision = new Reconciler.Rollout.RevisionStatus { Applied = applied, Attempted = attempted, Result = result },
            });

    private string AddVnet99(string? fleet = null) => _repo.Commit(new Dictionary<string, string?>
    {
        ["vnets/vnet99.sxp"] = "(vnet (id 99) (bridge vnet99) (vnetif vnif99))\n",
        ["fleet.yaml"] = fleet ?? Waves,
    }, "add vnet 99");

    private bool Has(string link) => _kernel.Dump().Any(l => l.Name == link);

    [Fact]
    public async Task A_later_wave_heals_the_revision_in_force_and_reports_pending_until_the_canary_is_ready()
    {
        var cycle = Cycle();
        var baseline = _repo.Head();
        Assert.Equal(CycleResult.Success, (await cycle.RunAsync(CycleTrigger.Startup, CancellationToken.None)).Record.Result);
        await Canary(baseline, baseline, RevisionResult.Ready);

        var next = AddVnet99();
        _clock.Advance(TimeSpan.FromSeconds(30));
        var waiting = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Pending, waiting.Record.Result);
        Assert.Equal(RolloutStepKind.WaitForWave, waiting.Rollout!.Kind);
        Assert.Equal(["host-a"], waiting.Rollout.Hosts);
        Assert.Equal(baseline, waiting.Record.Revision);
        Assert.Equal(next, waiting.Record.Attempted);
        Assert.Contains("host-a", waiting.Record.Message);
        Assert.Contains(waiting.PendingPlan!.Changes, c => c.Name == "vnet99");
        Assert.False(Has("vnet99"));

        // Drift on the revision in force is still healed while the new one waits.
        _kernel.SetMaster("vm-b97", null);
        _clock.Advance(TimeSpan.FromSeconds(30));
        var healed = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Pending, healed.Record.Result);
        Assert.True(healed.Record.StepsRun > 0);
        Assert.Equal("vnet97", _kernel.Dump().Single(l => l.Name == "vm-b97").Master);
        Assert.False(Has("vnet99"));

        // Status says pending and why; the Ready condition is false with the rollout's reason; no error is shown.
        var book = new StatusBook("host-b", _clock);
        book.CycleFinished(healed);
        var status = StatusView.Build(book, null, TimeSpan.FromSeconds(30), null, false);
        Assert.Equal(RevisionResult.Pending, status.Revision.Result);
        Assert.Equal("wave", status.Revision.Wait);
        Assert.Equal(["host-a"], status.Revision.WaitingFor);
        Assert.Equal(baseline, status.Revision.Applied);
        Assert.Empty(status.Errors);
        Assert.Contains(status.Conditions, c => c is { Type: "Ready", Status: "False", Reason: "WaitingForWave" });
        Assert.Contains("vnet_rollout_pending{wait=\"wave\"} 1", AgentMetrics.Write(book, status, null));

        await Canary(next, next, RevisionResult.Ready);
        _clock.Advance(TimeSpan.FromSeconds(30));
        var applied = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Success, applied.Record.Result);
        Assert.Equal(next, applied.Record.Revision);
        Assert.True(Has("vnet99"));
    }

    [Fact]
    public async Task A_canary_that_failed_the_revision_halts_the_later_wave_until_a_newer_revision()
    {
        var cycle = Cycle();
        var baseline = _repo.Head();
        await cycle.RunAsync(CycleTrigger.Startup, CancellationToken.None);
        var bad = AddVnet99();
        await Canary(baseline, bad, RevisionResult.Failed);
        var halted = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Pending, halted.Record.Result);
        Assert.Equal(RolloutStepKind.Halted, halted.Rollout!.Kind);
        Assert.Contains("host-a", halted.Record.Message);
        Assert.Contains("Failed", halted.Record.Message);
        Assert.False(Has("vnet99"));

        // A newer revision is not halted by a failure of an older one; the canary, alive, is waited for again.
        var fix = _repo.Commit("vnets/vnet99.sxp", "(vnet (id 99) (bridge vnet99) (vnetif vnif99) (security none))\n", "fix");
        var waiting = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(RolloutStepKind.WaitForWave, waiting.Rollout!.Kind);
        await Canary(fix, fix, RevisionResult.Ready);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CycleResult.Success, (await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None)).Record.Result);
        Assert.True(Has("vnet99"));
    }

    [Fact]
    public async Task An_earlier_wave_host_whose_status_cannot_be_read_blocks_rather_than_counting_as_silent()
    {
        var cycle = Cycle();
        await cycle.RunAsync(CycleTrigger.Startup, CancellationToken.None);
        // The canary's ref holds a commit without status.json (an empty tree).
        var empty = _repo.Git(_repo.Work, "mktree").Trim();
        var commit = _repo.Git(_repo.Work, "commit-tree", empty, "-m", "no status").Trim();
        _repo.Git(_repo.Work, "update-ref", StatusPublisher.RefPrefix + "host-a", commit);
        var next = AddVnet99();
        var waiting = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Pending, waiting.Record.Result);
        Assert.Equal(RolloutStepKind.WaitForWave, waiting.Rollout!.Kind);
        Assert.Equal(["host-a"], waiting.Rollout.Hosts);
        Assert.Contains("cannot be read", waiting.Record.Message);
        Assert.False(Has("vnet99"));

        await Canary(next, next, RevisionResult.Ready);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CycleResult.Success, (await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None)).Record.Result);
    }

    [Fact]
    public async Task A_closed_window_holds_the_revision_the_poll_comes_when_it_opens_and_then_it_applies()
    {
        var cycle = Cycle();
        await cycle.RunAsync(CycleTrigger.Startup, CancellationToken.None);
        // No waves (host-b goes first), one window a day at 02:00 for an hour; the clock says 04:00.
        var next = AddVnet99("fleet:\n  windows:\n    - { cron: \"0 0 2 * * ?\", duration: 1h }\n");
        var held = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Pending, held.Record.Result);
        Assert.Equal(RolloutStepKind.WaitForWindow, held.Rollout!.Kind);
        var opens = StatusFixture.Start.Date.AddDays(1).AddHours(2);
        Assert.Equal(new DateTimeOffset(opens, TimeSpan.Zero), held.Rollout.NextWindow);
        Assert.False(Has("vnet99"));
        Assert.Equal(TimeSpan.FromSeconds(30), ReconcileCycle.NextPoll(held, TimeSpan.FromSeconds(30), _clock.GetUtcNow()));

        _clock.Set(new DateTimeOffset(opens, TimeSpan.Zero) - TimeSpan.FromSeconds(10));
        var still = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Pending, still.Record.Result);
        Assert.Equal(TimeSpan.FromSeconds(10), ReconcileCycle.NextPoll(still, TimeSpan.FromSeconds(30), _clock.GetUtcNow()));
        var book = new StatusBook("host-b", _clock);
        book.CycleFinished(still);
        var status = StatusView.Build(book, null, TimeSpan.FromSeconds(30), null, false);
        Assert.Equal("window", status.Revision.Wait);
        Assert.Equal(held.Rollout.NextWindow, status.Revision.NextWindow);
        Assert.Contains(status.Conditions, c => c is { Type: "Ready", Status: "False", Reason: "OutsideMaintenanceWindow" });
        Assert.Contains($"vnet_rollout_next_window_timestamp_seconds {held.Rollout.NextWindow!.Value.ToUnixTimeSeconds()}",
            AgentMetrics.Write(book, status, null));

        _clock.Set(new DateTimeOffset(opens, TimeSpan.Zero));
        var applied = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Success, applied.Record.Result);
        Assert.True(Has("vnet99"));
    }

    [Fact]
    public async Task A_host_with_nothing_in_force_waits_without_touching_the_kernel_and_one_shot_apply_is_never_held()
    {
        var next = AddVnet99("fleet:\n  windows:\n    - { cron: \"0 0 2 * * ?\", duration: 1h }\n");
        var held = await Cycle().RunAsync(CycleTrigger.Startup, CancellationToken.None);
        Assert.Equal(CycleResult.Pending, held.Record.Result);
        Assert.Null(held.Record.Revision);
        Assert.Equal(next, held.Record.Attempted);
        Assert.Equal(["vm-b97"], _kernel.Dump().Select(l => l.Name));

        var oneShot = await Cycle(withFleet: false).RunAsync(CycleTrigger.Sync, CancellationToken.None);
        Assert.Equal(CycleResult.Success, oneShot.Record.Result);
        Assert.True(Has("vnet99"));
    }

    [Fact]
    public void First_seen_is_kept_across_a_restart_and_replaced_by_a_newer_revision()
    {
        var dir = Path.Combine(_repo.Root, "seen");
        var t0 = StatusFixture.Start;
        Assert.Equal(t0, new FirstSeenStore(dir).FirstSeen("aaa", t0));
        var restarted = new FirstSeenStore(dir);
        Assert.Equal(t0, restarted.FirstSeen("aaa", t0.AddMinutes(5)));
        Assert.Equal(t0.AddMinutes(6), restarted.FirstSeen("bbb", t0.AddMinutes(6)));
        Assert.Equal(t0.AddMinutes(6), new FirstSeenStore(dir).FirstSeen("bbb", t0.AddMinutes(9)));
        File.WriteAllText(Path.Combine(dir, FirstSeenStore.FileName), "{not json");
        Assert.Equal(t0.AddMinutes(10), new FirstSeenStore(dir).FirstSeen("bbb", t0.AddMinutes(10)));
    }

    public void Dispose() => _repo.Dispose();
}
