using VnetReconciler.Reconciler.Status;

namespace VnetReconciler.Reconciler.Scheduling;

/// <summary>
/// When the next poll comes, as controller-runtime requeues (STYLE §6): a success or a stall waits the interval with
/// ±10 % jitter (so a fleet does not poll git in step); a retryable failure backs off exponentially from 1 s, doubling
/// up to 5 minutes (never longer than the interval would be when the interval is longer); a success resets it.
/// </summary>
public sealed class RequeuePolicy(TimeSpan interval, Random? random = null)
{
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxRetry = TimeSpan.FromMinutes(5);
    private readonly Random _random = random ?? Random.Shared;

    public TimeSpan Interval { get; set; } = interval;

    /// <summary>Retryable failures in a row.</summary>
    public int Failures { get; private set; }

    public TimeSpan Next(CycleResult result)
    {
        if (result != CycleResult.Retry)
        {
            Failures = 0;
            return Jitter(Interval);
        }
        Failures++;
        var cap = MaxRetry > Interval ? MaxRetry : Interval;
        var exponent = Math.Min(Failures - 1, 20);
        var delay = TimeSpan.FromTicks(Math.Min(FirstRetry.Ticks << exponent, cap.Ticks));
        return Jitter(delay);
    }

    private TimeSpan Jitter(TimeSpan delay) => delay * (0.9 + 0.2 * _random.NextDouble());
}
