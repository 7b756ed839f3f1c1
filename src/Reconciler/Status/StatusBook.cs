using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Status;

/// <summary>
/// The agent's status between cycles: the last cycle's report, a short history, the Flux-style conditions with their
/// transition times and the counters behind <c>/metrics</c>. Written by the cycle loop, read by the HTTP endpoints.
/// </summary>
public sealed class StatusBook(string host, TimeProvider time)
{
    public const int HistoryLength = 20;
    /// <summary>Upper bounds of the <c>vnet_reconcile_duration_seconds</c> histogram buckets.</summary>
    public static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly object _gate = new();
    private readonly LinkedList<CycleRecord> _history = new();
    private readonly Dictionary<string, Condition> _conditions = new(StringComparer.Ordinal);
    private readonly Dictionary<CycleResult, long> _results = Enum.GetValues<CycleResult>().ToDictionary(r => r, _ => 0L);
    private readonly long[] _buckets = new long[DurationBuckets.Length];
    private double _durationSum;
    private long _durationCount;
    private bool _running;
    private State.Suspension? _suspension;

    public string Host => host;
    public CycleReport? Last { get; private set; }
    /// <summary>The report of the last cycle that converged the host (the revision applied).</summary>
    public CycleReport? LastSuccess { get; private set; }
    public bool Suspended => Suspension is not null;
    /// <summary>The operator's suspension in force (who, why, until when), or null.</summary>
    public State.Suspension? Suspension
    {
        get
        {
            lock (_gate) return _suspension;
        }
    }

    public void CycleStarted()
    {
        lock (_gate)
        {
            _running = true;
            UpdateConditions();
        }
    }

    public void CycleFinished(CycleReport report)
    {
        lock (_gate)
        {
            _running = false;
            Last = report;
            // A pending cycle converged the revision in force (when there is one) while the rollout held the new one.
            if (report.Record.Result == CycleResult.Success || report.Record is { Result: CycleResult.Pending, Revision: not null }) LastSuccess = report;
            _history.AddFirst(report.Record);
            while (_history.Count > HistoryLength) _history.RemoveLast();
            _results[report.Record.Result]++;
            var d = report.Record.DurationSeconds;
            _durationSum += d;
            _durationCount++;
            for (var i = 0; i < DurationBuckets.Length; i++)
                if (d <= DurationBuckets[i]) _buckets[i]++;
            UpdateConditions();
        }
    }

    public void SetSuspended(State.Suspension? suspension)
    {
        lock (_gate)
        {
            _suspension = suspension;
            UpdateConditions();
        }
    }

    public IReadOnlyList<CycleRecord> History()
    {
        lock (_gate) return [.. _history];
    }

    public IReadOnlyList<Condition> Conditions()
    {
        lock (_gate) return [.. _conditions.Values];
    }

    /// <summary>The counters behind <c>vnet_reconcile_total</c> and the duration histogram, copied.</summary>
    public (IReadOnlyDictionary<CycleResult, long> Results, long[] Buckets, double Sum, long Count) Counters()
    {
        lock (_gate) return (new Dictionary<CycleResult, long>(_results), (long[])_buckets.Clone(), _durationSum, _durationCount);
    }

    /// <summary>Errors of the last cycle: schema diagnostics with their positions, then the cycle's own message.</summary>
    public static IReadOnlyList<StatusError> Errors(CycleReport? report)
    {
        if (report is null || report.Record.Result is CycleResult.Success or CycleResult.Pending) return [];
        var errors = new List<StatusError>();
        foreach (var d in report.Diagnostics.Where(d => d.IsError))
            errors.Add(new StatusError(d.Message, d.File, d.Line > 0 ? d.Line : null, d.Line > 0 ? d.Column : null));
        if (report.Record.Message is { } m && report.Record.Result != CycleResult.Suspended) errors.Add(new StatusError(m));
        return errors;
    }

    private void UpdateConditions()
    {
        var last = Last?.Record;
        var (readyStatus, readyReason, readyMessage) = last switch
        {
            null => ("Unknown", "Progressing", "no cycle has finished yet"),
            { Result: CycleResult.Success } => ("True", "ReconciliationSucceeded", $"applied revision {last.Revision}"),
            { Result: CycleResult.Suspended } => ("False", "Suspended", "suspended: changes are observed, not applied"),
            { Result: CycleResult.Pending } => ("False", PendingReason(Last), last.Message ?? ""),
            { Result: CycleResult.Retry } => ("False", "RetryableFailure", last.Message ?? ""),
            _ => ("False", "TerminalFailure", last.Message ?? ""),
        };
        Set("Ready", readyStatus, readyReason, readyMessage);
        var retrying = last?.Result == CycleResult.Retry;
        var pending = last?.Result == CycleResult.Pending;
        Set("Reconciling", _running || retrying || pending ? "True" : "False",
            _running ? "Progressing" : retrying ? "RetryScheduled" : pending ? PendingReason(Last) : "Idle",
            _running ? "a cycle is running" : retrying ? "retrying with exponential backoff"
                : pending ? $"revision {last!.Attempted} waits; each poll asks again" : "waiting for the next poll or event");
        var stalled = last?.Result == CycleResult.Stalled;
        Set("Stalled", stalled ? "True" : "False", stalled ? "TerminalFailure" : "None",
            stalled ? $"{last!.Message}; waiting for a new revision" : "");
        Set("Suspended", _suspension is null ? "False" : "True", _suspension is null ? "None" : "Suspended", SuspendedMessage(_suspension));
    }

    /// <summary>The Ready condition's reason while a revision is held (SPEC §6.4).</summary>
    private static string PendingReason(CycleReport? report) => report?.Rollout?.Kind switch
    {
        Rollout.RolloutStepKind.WaitForWindow => "OutsideMaintenanceWindow",
        Rollout.RolloutStepKind.Halted => "RolloutHalted",
        _ => "WaitingForWave",
    };

    /// <summary><c>suspended by alice until 2026-11-22T10:00:00Z: debugging by hand</c>; empty when not suspended.</summary>
    public static string SuspendedMessage(State.Suspension? s) => s is null ? "" :
        $"suspended by {s.By}" + (s.Until is { } u ? $" until {u.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}" : " until vnetctl resume") + (s.Reason is { } r ? $": {r}" : "");

    private void Set(string type, string status, string reason, string message)
    {
        var now = time.GetUtcNow();
        var since = _conditions.TryGetValue(type, out var old) && old.Status == status ? old.LastTransition : now;
        _conditions[type] = new Condition(type, status, reason, message, since);
    }

    /// <summary>The vnets this host carries per the revision in force, in canonical-id order.</summary>
    public static IEnumerable<TunnelVnetSpec> DeclaredVnets(CycleReport? report) =>
        report?.Intent?.Spec.Tunnel ?? EquatableArray<TunnelVnetSpec>.Empty;
}
