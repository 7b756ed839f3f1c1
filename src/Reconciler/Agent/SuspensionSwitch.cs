using VnetReconciler.Reconciler.State;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>
/// The agent's suspension (SPEC §5 <c>vnetctl suspend [--reason] [--for]</c>, <c>resume</c>), persisted through
/// <see cref="SuspensionStore"/> so a restart stays suspended until its end, and ended by an <see cref="ITimer"/> of the
/// injected <see cref="TimeProvider"/> when it has one. <paramref name="expired"/> runs when that timer fires (the agent
/// resumes and runs a cycle); it is not called by <see cref="Resume"/>.
/// </summary>
public sealed class SuspensionSwitch(SuspensionStore store, TimeProvider time, Action expired) : IDisposable
{
    private readonly object _gate = new();
    private ITimer? _timer;

    /// <summary>The suspension in force, or null.</summary>
    public Suspension? Current { get; private set; }

    /// <summary>
    /// After a restart: takes up the stored suspension and arms its timer for the time left, or, when it ran out while
    /// the agent was down, removes it. Returns the suspension in force.
    /// </summary>
    public Suspension? Restore()
    {
        var stored = store.Load();
        lock (_gate)
        {
            if (stored is not null && stored.ExpiredAt(time.GetUtcNow()))
            {
                store.Clear();
                stored = null;
            }
            Current = stored;
            Arm();
            return Current;
        }
    }

    /// <summary>Suspends (again: a new reason or end replaces the old) and saves it before answering.</summary>
    public Suspension Suspend(string? reason, string by, TimeSpan? duration)
    {
        var now = time.GetUtcNow();
        var suspension = new Suspension { By = by, Reason = reason, Since = now, Until = duration is { } d ? now + d : null };
        lock (_gate)
        {
            store.Save(suspension);
            Current = suspension;
            Arm();
            return suspension;
        }
    }

    /// <summary>Ends the suspension (from the operator or the timer); false when there was none.</summary>
    public bool Resume()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            store.Clear();
            var was = Current is not null;
            Current = null;
            return was;
        }
    }

    private void Arm()
    {
        _timer?.Dispose();
        _timer = null;
        if (Current?.Until is not { } until) return;
        var left = until - time.GetUtcNow();
        var armed = Current;
        _timer = time.CreateTimer(_ => Fire(armed), null, left > TimeSpan.Zero ? left : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void Fire(Suspension armed)
    {
        lock (_gate)
        {
            // A suspend or resume that came after this timer was armed decides instead.
            if (!ReferenceEquals(Current, armed)) return;
        }
        expired();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }
}
