namespace VnetReconciler.Dataplane.Forwarding;

/// <summary>
/// Token bucket limiting how many frames a vnet floods per second (SPEC §4.2: floods are rate-limited per vnet).
/// <see cref="TryTake"/> refills from the injected clock's timestamp, so tests drive it with a fake
/// <see cref="TimeProvider"/>. Not thread-safe: owned by the dataplane loop.
/// </summary>
public sealed class FloodLimiter
{
    private readonly TimeProvider _time;
    private readonly double _ratePerTick;
    private readonly double _burst;
    private double _tokens;
    private long _last;

    /// <param name="ratePerSecond">sustained floods per second; 0 or less means unlimited.</param>
    /// <param name="burst">how many floods may go at once after a quiet spell.</param>
    public FloodLimiter(TimeProvider time, double ratePerSecond, double burst)
    {
        _time = time;
        RatePerSecond = ratePerSecond;
        _ratePerTick = ratePerSecond / time.TimestampFrequency;
        _burst = Math.Max(1, burst);
        _tokens = _burst;
        _last = time.GetTimestamp();
    }

    public double RatePerSecond { get; }

    public bool TryTake()
    {
        if (RatePerSecond <= 0) return true;
        var now = _time.GetTimestamp();
        var elapsed = now - _last;
        if (elapsed > 0)
        {
            _tokens = Math.Min(_burst, _tokens + elapsed * _ratePerTick);
            _last = now;
        }
        if (_tokens < 1) return false;
        _tokens -= 1;
        return true;
    }
}
