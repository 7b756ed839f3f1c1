using Microsoft.Extensions.Logging;
using VnetReconciler.Dataplane.Links;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Scheduling;
using VnetReconciler.Reconciler.State;
using VnetReconciler.Reconciler.Status;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>
/// The daemon (SPEC §6.1, §6.6): hosts the tunnel engine on its own thread, the reconcile loop (one cycle at a time,
/// requests coalesced), the Quartz git poll, the kernel link monitor that triggers a cycle at once, and the local HTTP
/// status. Stopping (SIGTERM) stops all of them and leaves every kernel object in place.
/// </summary>
public sealed partial class AgentHost(AgentOptions options, Sources.TrustPolicy trust, ILoggerFactory loggers, TimeProvider time)
{
    private readonly ILogger _log = loggers.CreateLogger("vnetctl.agent");
    private readonly SemaphoreSlim _kernelGate = new(1, 1);
    private readonly CycleQueue _queue = new();
    private readonly StatusBook _status = new(options.Host, time);
    private readonly RequeuePolicy _requeue = new(options.Interval ?? Schema.Model.Fleet.DefaultInterval);
    private ReconcileCycle? _cycle;
    private TunnelEngine? _engine;
    private AgentEsp? _esp;
    private PollScheduler? _poll;
    private IReadOnlyList<string> _lastNotes = [];
    private SuspensionSwitch? _suspension;
    private FleetView? _fleet;

    /// <summary>Steps after which a cycle counts as a large convergence (see <see cref="RunCycleAsync"/>).</summary>
    private const int BigCycleSteps = 200;

    public StatusBook Status => _status;

    public async Task<int> RunAsync(CancellationToken stop)
    {
        AgentLog.Starting(_log, options.Host, Sources.GitException.Redact(options.Repo), options.Ref, options.StateDir, options.Listen.ToString());
        Directory.CreateDirectory(options.StateDir);
        using var kernel = NetlinkKernel.Open();
        var inventory = new FileInventory(options.StateDir);
        var applied = new AppliedStateStore(options.StateDir);
        using var platform = new LinuxTunnelPlatform(); // also removes a moved MAC's stale bridge entry (SPEC §4.2)
        using var esp = new AgentEsp(options.KeyDir, time, _log);
        using var engine = new TunnelEngine(platform, time, secure: esp, control: esp);
        esp.Attach(engine);
        _engine = engine;
        _esp = esp;
        var tables = new EngineTunnelTables(engine, esp);
        // Hitless restart: the tunnel carries what it carried before the restart, before anything waits for git, a
        // revision to parse or the HTTP server.
        var links = kernel.Dump();
        var carried = TunnelRestore.FromStore(new TunnelSnapshotStore(options.StateDir), tables, links, out var snapshotProblem);
        if (snapshotProblem is not null) AgentLog.TunnelProblem(_log, snapshotProblem);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        // The tunnel stops last, when everything else has: a restart's gap is the process's exit and start, no more.
        using var tunnelStop = new CancellationTokenSource();
        var engineThread = new Thread(() => RunEngine(engine, tunnelStop.Token)) { IsBackground = true, Name = "tunnel" };
        engineThread.Start();

        var converger = new HostConverger(kernel, inventory, tables);
        var source = new DesiredSource(options.Repo, options.Ref, options.StateDir, trust, time);
        _fleet = new FleetView(options.Repo, options.StateDir, time) { StaleAfter = _requeue.Interval * 3 };
        _cycle = new ReconcileCycle(source, options.Host, options.Address, converger, inventory, applied, tables, time)
        {
            Fleet = _fleet,
            Wires = new WireSwitch(tables, options.Host, time) { Interval = options.Interval },
        };
        using var suspension = _suspension = new SuspensionSwitch(new SuspensionStore(options.StateDir), time, () => _ = ResumeAsync());
        if (suspension.Restore() is { } held) ShowSuspension(held);

        if ((carried ?? _cycle.RestoreTunnel(links)) is { } restored) AgentLog.Restored(_log, restored);
        using var monitor = LinkMonitor.Start();
        var events = Task.Run(() => ForwardLinkEventsAsync(monitor, cts.Token), CancellationToken.None);
        await using var web = await StatusServer.StartAsync(this, options, loggers, cts.Token).ConfigureAwait(false);
        _poll = await PollScheduler.StartAsync(_queue, time, cts.Token).ConfigureAwait(false);
        try
        {
            _ = _queue.Request(CycleTrigger.Startup);
            await LoopAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // SIGTERM: fall through to the orderly stop.
        }
        finally
        {
            AgentLog.Stopping(_log);
            await cts.CancelAsync().ConfigureAwait(false);
            _queue.Cancel();
            await _poll.DisposeAsync().ConfigureAwait(false);
            monitor.Dispose();
            await events.ConfigureAwait(false);
            await tunnelStop.CancelAsync().ConfigureAwait(false);
            engineThread.Join(TimeSpan.FromSeconds(5));
        }
        return 0;
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        while (true)
        {
            var (trigger, waiting) = await _queue.TakeAsync(ct).ConfigureAwait(false);
            var report = await RunCycleAsync(trigger, ct).ConfigureAwait(false);
            foreach (var w in waiting) w.TrySetResult(report);
            PublishInBackground(report, ct);
            if (trigger == CycleTrigger.LinkEvent && report.Record.Result is CycleResult.Success or CycleResult.Suspended) continue;
            if (options.Interval is null && report.Desired?.State is { } state) _requeue.Interval = state.Fleet.Interval;
            var delay = ReconcileCycle.NextPoll(report, _requeue.Next(report.Record.Result), time.GetUtcNow());
            if (report.Record.Result is CycleResult.Retry or CycleResult.Stalled)
                AgentLog.CycleFailed(_log, trigger.ToString(), report.Record.Result.ToString(), report.Record.Message, delay);
            await _poll!.ScheduleAsync(delay, ct).ConfigureAwait(false);
        }
    }

    private async Task<CycleReport> RunCycleAsync(CycleTrigger trigger, CancellationToken ct)
    {
        await _kernelGate.WaitAsync(ct).ConfigureAwait(false);
        _status.CycleStarted();
        CycleReport report;
        try
        {
            report = await _cycle!.RunAsync(trigger, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug, not a user mistake: keep the daemon up, report it, and retry with backoff.
            AgentLog.CycleCrashed(_log, e, e.Message);
            report = new CycleReport
            {
                Record = new CycleRecord
                {
                    Started = time.GetUtcNow(), DurationSeconds = 0, Trigger = trigger, Result = CycleResult.Retry,
                    Message = $"internal error: {e.GetType().Name}: {e.Message}",
                },
            };
        }
        finally
        {
            _kernelGate.Release();
        }
        _status.CycleFinished(report);
        var r = report.Record;
        AgentLog.CycleFinished(_log, r.Trigger.ToString(), r.Result.ToString(), r.DurationSeconds * 1000, r.Revision, r.Changes, r.StepsRun, r.Message);
        foreach (var d in report.Diagnostics) AgentLog.Diagnostic(_log, d.Location, d.Message);
        if (!report.Notes.SequenceEqual(_lastNotes))
            foreach (var n in report.Notes) AgentLog.TunnelProblem(_log, n);
        _lastNotes = report.Notes;
        if (trigger == CycleTrigger.LinkEvent && r.StepsRun > 0) AgentLog.Healed(_log, r.Changes, time.GetUtcNow());
        if (r.StepsRun >= BigCycleSteps)
        {
            // A large convergence (a first start, a big commit) leaves a burst of garbage behind: compact and give the
            // free memory back to the OS so the daemon's footprint is its steady state, not its peak.
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        return report;
    }

    /// <summary>
    /// Stops converging (SPEC §5 <c>vnetctl suspend</c>): cycles go on observing and reporting, the tunnel keeps running.
    /// Kept in the state directory, so a restart stays suspended; with <paramref name="duration"/>, resumes by itself when
    /// it has passed. <paramref name="by"/> is the operator (the client's local user). Returns the cycle that observed the host.
    /// </summary>
    public Task<CycleReport> SuspendAsync(string? reason, string by, TimeSpan? duration)
    {
        var suspension = _suspension!.Suspend(reason, by, duration);
        ShowSuspension(suspension);
        AgentLog.Suspended(_log, by, reason ?? "", suspension.Until);
        return _queue.Request(CycleTrigger.Sync);
    }

    /// <summary>Converges again (<c>vnetctl resume</c>, or the end of <c>--for</c>) and runs a cycle at once.</summary>
    public Task<CycleReport> ResumeAsync()
    {
        if (_suspension!.Resume()) AgentLog.Resumed(_log);
        ShowSuspension(null);
        return _queue.Request(CycleTrigger.Sync);
    }

    private void ShowSuspension(State.Suspension? suspension)
    {
        _cycle!.Suspended = suspension is not null;
        _status.SetSuspended(suspension);
    }

    /// <summary>Runs one cycle at the request of an operator (POST /sync), coalesced with any pending one.</summary>
    public Task<CycleReport> SyncAsync() => _queue.Request(CycleTrigger.Sync);

    /// <summary>The plan for the latest revision (or the one in force), never concurrent with a cycle.</summary>
    public async Task<(Planning.Plan? Plan, string? Error)> PlanAsync(bool inForce, CancellationToken ct)
    {
        await _kernelGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var (plan, _, error) = await _cycle!.PlanAsync(inForce, ct).ConfigureAwait(false);
            return (plan, error);
        }
        catch (Planning.KernelOperationException e)
        {
            return (null, $"observing the host failed: {e.Message}");
        }
        finally
        {
            _kernelGate.Release();
        }
    }

    public AgentStatus Snapshot(bool withMacs) =>
        StatusView.Build(_status, _engine?.Observe(), _requeue.Interval, _poll?.NextPoll, withMacs);

    public string Metrics()
    {
        var tunnel = _engine?.Observe();
        return AgentMetrics.Write(_status, StatusView.Build(_status, tunnel, _requeue.Interval, _poll?.NextPoll, false), tunnel, _esp?.Endpoint);
    }

    private async Task ForwardLinkEventsAsync(LinkMonitor monitor, CancellationToken ct)
    {
        try
        {
            await foreach (var change in monitor.ReadAllAsync(ct).ConfigureAwait(false))
                _ = _queue.Request(CycleTrigger.LinkEvent);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping
        }
        catch (Dataplane.Netlink.NetlinkException e)
        {
            AgentLog.MonitorStopped(_log, e.Message);
        }
    }

    private void RunEngine(TunnelEngine engine, CancellationToken ct)
    {
        try
        {
            engine.Run(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            AgentLog.TunnelStopped(_log, e.Message);
        }
    }
}
