using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Reconciler.Status;

namespace VnetReconciler.Reconciler.Scheduling;

/// <summary>
/// Requests for a cycle from any thread (the poll job, kernel link events, <c>POST /sync</c>), coalesced: requests that
/// arrive while a cycle runs are served together by the next one, and cycles never overlap. Each request completes
/// with the report of the first cycle that started after it was made. A git-fetching trigger (poll, sync) wins over a
/// kernel event when both are pending.
/// </summary>
public sealed class CycleQueue
{
    private readonly object _gate = new();
    private readonly SemaphoreSlim _signal = new(0);
    private List<TaskCompletionSource<CycleReport>> _waiting = [];
    private CycleTrigger? _pending;

    public Task<CycleReport> Request(CycleTrigger trigger)
    {
        var tcs = new TaskCompletionSource<CycleReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool wake;
        lock (_gate)
        {
            wake = _pending is null;
            _pending = _pending is null ? trigger : Stronger(_pending.Value, trigger);
            _waiting.Add(tcs);
        }
        if (wake) _signal.Release();
        return tcs.Task;
    }

    /// <summary>Waits for a request and takes every pending one: the trigger to run, and who waits for its report.</summary>
    public async Task<(CycleTrigger Trigger, IReadOnlyList<TaskCompletionSource<CycleReport>> Waiting)> TakeAsync(CancellationToken ct)
    {
        while (true)
        {
            await _signal.WaitAsync(ct).ConfigureAwait(false);
            lock (_gate)
            {
                if (_pending is not { } trigger) continue;
                var waiting = _waiting;
                _waiting = [];
                _pending = null;
                return (trigger, waiting);
            }
        }
    }

    /// <summary>Fails every pending request (shutdown).</summary>
    public void Cancel()
    {
        List<TaskCompletionSource<CycleReport>> waiting;
        lock (_gate)
        {
            waiting = _waiting;
            _waiting = [];
            _pending = null;
        }
        foreach (var w in waiting) w.TrySetCanceled();
    }

    private static CycleTrigger Stronger(CycleTrigger a, CycleTrigger b) =>
        a == CycleTrigger.LinkEvent ? b : b == CycleTrigger.LinkEvent ? a : a == CycleTrigger.Sync || b == CycleTrigger.Sync ? CycleTrigger.Sync : a;
}
