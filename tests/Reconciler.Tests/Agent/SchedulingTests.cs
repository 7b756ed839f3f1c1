using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Reconciler.Scheduling;
using VnetReconciler.Reconciler.Status;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>Trigger coalescing, requeue/backoff and the Quartz poll, in memory.</summary>
public sealed class SchedulingTests
{
    private static CycleReport Report(CycleTrigger trigger, CycleResult result = CycleResult.Success) => new()
    {
        Record = new CycleRecord { Started = DateTimeOffset.UnixEpoch, DurationSeconds = 0, Trigger = trigger, Result = result },
    };

    [Fact]
    public async Task RequestsWhileACycleRunsAreServedTogetherByTheNextOneAndAGitTriggerWins()
    {
        var queue = new CycleQueue();
        var first = queue.Request(CycleTrigger.Startup);
        var (t1, w1) = await queue.TakeAsync(CancellationToken.None);
        Assert.Equal(CycleTrigger.Startup, t1);
        Assert.Single(w1);

        // While cycle 1 "runs": a burst of kernel events and one sync.
        var events = Enumerable.Range(0, 50).Select(_ => queue.Request(CycleTrigger.LinkEvent)).ToList();
        var sync = queue.Request(CycleTrigger.Sync);
        foreach (var w in w1) w.SetResult(Report(t1));
        Assert.True(first.IsCompletedSuccessfully);
        Assert.False(sync.IsCompleted);

        var (t2, w2) = await queue.TakeAsync(CancellationToken.None);
        Assert.Equal(CycleTrigger.Sync, t2);
        Assert.Equal(51, w2.Count);
        var report = Report(t2);
        foreach (var w in w2) w.SetResult(report);
        Assert.Same(report, await sync);
        Assert.All(events, e => Assert.Same(report, e.Result));

        // Nothing pending: the next take waits.
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.TakeAsync(cts.Token));
    }

    [Fact]
    public async Task LinkEventsAloneStayLinkEventsAndCancelFailsTheWaiters()
    {
        var queue = new CycleQueue();
        _ = queue.Request(CycleTrigger.LinkEvent);
        _ = queue.Request(CycleTrigger.LinkEvent);
        var (t, w) = await queue.TakeAsync(CancellationToken.None);
        Assert.Equal(CycleTrigger.LinkEvent, t);
        Assert.Equal(2, w.Count);
        var pending = queue.Request(CycleTrigger.Poll);
        queue.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public void RetryableFailuresBackOffExponentiallyWithJitterAndASuccessResets()
    {
        var policy = new RequeuePolicy(TimeSpan.FromSeconds(30), new Random(7));
        var delays = Enumerable.Range(0, 12).Select(_ => policy.Next(CycleResult.Retry)).ToList();
        for (var i = 0; i < delays.Count; i++)
        {
            var nominal = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, i), 300));
            Assert.InRange(delays[i], nominal * 0.9, nominal * 1.1);
        }
        Assert.Equal(12, policy.Failures);
        var after = policy.Next(CycleResult.Success);
        Assert.Equal(0, policy.Failures);
        Assert.InRange(after, TimeSpan.FromSeconds(27), TimeSpan.FromSeconds(33));
        Assert.InRange(policy.Next(CycleResult.Retry), TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(1.1));
    }

    [Fact]
    public void AStalledRevisionIsNotRetriedFasterThanTheIntervalAndJitterSpreadsAFleet()
    {
        var policy = new RequeuePolicy(TimeSpan.FromSeconds(10), new Random(1));
        var stalled = Enumerable.Range(0, 5).Select(_ => policy.Next(CycleResult.Stalled)).ToList();
        Assert.All(stalled, d => Assert.InRange(d, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(11)));
        Assert.True(stalled.Distinct().Count() > 1, "jitter varies the delay");
        var longInterval = new RequeuePolicy(TimeSpan.FromHours(1), new Random(2));
        for (var i = 0; i < 30; i++) longInterval.Next(CycleResult.Retry);
        Assert.InRange(longInterval.Next(CycleResult.Retry), TimeSpan.FromMinutes(54), TimeSpan.FromMinutes(66)); // capped at the interval
    }

    [Fact]
    public async Task TheQuartzPollFiresAtTheScheduledTimeAndAskesForAPollCycle()
    {
        var queue = new CycleQueue();
        await using var poll = await PollScheduler.StartAsync(queue, TimeProvider.System, CancellationToken.None);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await poll.ScheduleAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.NotNull(poll.NextPoll);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (trigger, _) = await queue.TakeAsync(cts.Token);
        Assert.Equal(CycleTrigger.Poll, trigger);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"fired after {clock.Elapsed}");

        // Rescheduling replaces the trigger: one poll, not two.
        await poll.ScheduleAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        await poll.ScheduleAsync(TimeSpan.FromMilliseconds(250), CancellationToken.None);
        _ = await queue.TakeAsync(cts.Token);
        using var none = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.TakeAsync(none.Token));
    }
}
