using System.Diagnostics;

namespace VnetReconciler.TestSupport;

/// <summary>Waits for a condition by polling it against a deadline: tests never sleep to wait.</summary>
public static class Poll
{
    /// <summary>Polls <paramref name="condition"/> until it holds; returns how long that took, or throws naming what was awaited.</summary>
    public static TimeSpan Until(Func<bool> condition, TimeSpan deadline, string what, TimeSpan? interval = null)
    {
        var sw = Stopwatch.StartNew();
        var step = interval ?? TimeSpan.FromMilliseconds(20);
        Exception? last = null;
        while (true)
        {
            try
            {
                if (condition()) return sw.Elapsed;
                last = null;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = e;
            }
            if (sw.Elapsed > deadline)
            {
                throw new TimeoutException($"timed out after {deadline.TotalSeconds:0.#} s waiting for {what}" +
                    (last is null ? "" : $" (last error: {last.Message})"));
            }
            Thread.Sleep(step); // the poll interval, not a wait for the outcome
        }
    }

    public static async Task<TimeSpan> UntilAsync(Func<Task<bool>> condition, TimeSpan deadline, string what, TimeSpan? interval = null)
    {
        var sw = Stopwatch.StartNew();
        var step = interval ?? TimeSpan.FromMilliseconds(20);
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await condition().ConfigureAwait(false)) return sw.Elapsed;
                last = null;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = e;
            }
            if (sw.Elapsed > deadline)
            {
                throw new TimeoutException($"timed out after {deadline.TotalSeconds:0.#} s waiting for {what}" +
                    (last is null ? "" : $" (last error: {last.Message})"));
            }
            await Task.Delay(step).ConfigureAwait(false);
        }
    }
}
