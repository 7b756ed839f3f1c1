using Quartz;
using Quartz.Extensibility;
using VnetReconciler.Reconciler.Status;

namespace VnetReconciler.Reconciler.Scheduling;

/// <summary>
/// The git poll on a Quartz scheduler driven by the injected <see cref="TimeProvider"/>: one job, one trigger that is
/// moved after every cycle to the time <see cref="RequeuePolicy"/> gives (interval with jitter, or the backoff). When it
/// fires it asks the <see cref="CycleQueue"/> for a poll cycle; a cycle already running absorbs it.
/// </summary>
public sealed class PollScheduler : IAsyncDisposable
{
    private static readonly JobKey Job = new("git-poll", "vnet-reconciler");
    private static readonly TriggerKey Trigger = new("git-poll", "vnet-reconciler");
    private readonly StandaloneSchedulerFactory _factory;
    private readonly IScheduler _scheduler;
    private readonly TimeProvider _time;

    private PollScheduler(StandaloneSchedulerFactory factory, IScheduler scheduler, TimeProvider time)
    {
        _factory = factory;
        _scheduler = scheduler;
        _time = time;
    }

    /// <summary>When the next poll fires (for status).</summary>
    public DateTimeOffset? NextPoll { get; private set; }

    public static async Task<PollScheduler> StartAsync(CycleQueue queue, TimeProvider time, CancellationToken ct)
    {
        var factory = QuartzSchedulerBuilder.Create(q =>
        {
            q.UseTimeProvider(time);
            q.UseDefaultThreadPool(1);
            q.UseInMemoryStore(_ => { });
            q.UseJobFactory(new PollJobFactory(queue));
        }).Build();
        var scheduler = await factory.GetScheduler(ct).ConfigureAwait(false);
        await scheduler.Start(ct).ConfigureAwait(false);
        return new PollScheduler(factory, scheduler, time);
    }

    /// <summary>Moves the next poll to <paramref name="delay"/> from now.</summary>
    public async Task ScheduleAsync(TimeSpan delay, CancellationToken ct)
    {
        var at = _time.GetUtcNow() + delay;
        var job = JobBuilder.Create<PollJob>().WithIdentity(Job).Build();
        var trigger = TriggerBuilder.Create(_time).WithIdentity(Trigger).ForJob(Job).StartAt(at).Build();
        await _scheduler.ScheduleJob(job, trigger, new ScheduleJobOptions { Replace = true }, ct).ConfigureAwait(false);
        NextPoll = at;
    }

    public async ValueTask DisposeAsync()
    {
        await _scheduler.Shutdown(false, CancellationToken.None).ConfigureAwait(false);
        await _factory.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The poll job: asks for a cycle and returns at once (the loop runs it).</summary>
    private sealed class PollJob(CycleQueue queue) : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            _ = queue.Request(CycleTrigger.Poll);
            return ValueTask.CompletedTask;
        }
    }

    private sealed class PollJobFactory(CycleQueue queue) : IJobFactory
    {
        public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new JobScope(new PollJob(queue), null));

        public ValueTask ReturnJob(JobScope scope, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
