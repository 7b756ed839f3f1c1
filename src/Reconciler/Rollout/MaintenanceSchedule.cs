using Quartz;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Rollout;

/// <summary>Whether this host may apply now and, when not, when it may.</summary>
public sealed record WindowState(bool IsOpen, DateTimeOffset? NextOpening, string Reason);

/// <summary>A maintenance window compiled: its Quartz cron expression (the starts) and how long each stays open.</summary>
public sealed record CompiledWindow(CronExpression Cron, TimeSpan Duration)
{
    /// <summary>Open at <paramref name="now"/>: some start <c>s</c> with <c>s ≤ now &lt; s + duration</c>.</summary>
    public bool IsOpen(DateTimeOffset now) => Cron.GetNextValidTimeAfter(now - Duration) is { } start && start <= now;

    /// <summary>The first start strictly after <paramref name="t"/>, or null when the expression fires no more.</summary>
    public DateTimeOffset? NextStartAfter(DateTimeOffset t) => Cron.GetNextValidTimeAfter(t);
}

/// <summary>
/// Maintenance windows (SPEC §6.4): a revision is applied only while one of the fleet's <c>windows</c> is open and, when
/// this host's wave has its own <c>window</c>, that one is open too (it narrows the fleet's). No windows at all: always
/// open. Cron expressions are Quartz's (seconds first) and read in UTC unless another zone is given, so a fleet spread
/// over time zones opens one window at one instant. Times come from the caller (the agent's <see cref="TimeProvider"/>).
/// </summary>
public sealed class MaintenanceSchedule
{
    // The search for the next opening gives up after this many candidate starts, or this far ahead.
    private const int MaxCandidates = 100_000;
    private static readonly TimeSpan s_horizon = TimeSpan.FromDays(366 * 5);

    private readonly IReadOnlyList<CompiledWindow> _fleet;
    private readonly CompiledWindow? _wave;

    private MaintenanceSchedule(IReadOnlyList<CompiledWindow> fleet, CompiledWindow? wave)
    {
        _fleet = fleet;
        _wave = wave;
    }

    /// <summary>A schedule that is always open.</summary>
    public static MaintenanceSchedule Always { get; } = new([], null);

    /// <summary>
    /// Compiles the fleet's windows and the wave's. A cron expression Quartz cannot read is an error naming the window's
    /// <c>file:line:col</c> (the schema checks only the field count): the agent treats the revision as invalid (§6.3).
    /// </summary>
    public static MaintenanceSchedule? Create(IEnumerable<MaintenanceWindow> fleetWindows, MaintenanceWindow? waveWindow,
        out IReadOnlyList<string> errors, TimeZoneInfo? timeZone = null)
    {
        var problems = new List<string>();
        var zone = timeZone ?? TimeZoneInfo.Utc;
        var fleet = fleetWindows.Select(w => Compile(w, zone, problems)).ToList();
        var wave = waveWindow is null ? null : Compile(waveWindow, zone, problems);
        errors = problems;
        return problems.Count > 0 ? null : new MaintenanceSchedule([.. fleet.OfType<CompiledWindow>()], wave);
    }

    /// <summary>The schedule of <paramref name="host"/>: the fleet's windows narrowed by its wave's window.</summary>
    public static MaintenanceSchedule? ForHost(Fleet fleet, string host, out IReadOnlyList<string> errors, TimeZoneInfo? timeZone = null)
    {
        var gate = new RolloutGate(fleet);
        var wave = fleet.Rollout.Count == 0 ? null : fleet.Rollout[gate.WaveOf(host)].Window;
        return Create(fleet.Windows, wave, out errors, timeZone);
    }

    public bool IsOpen(DateTimeOffset now) =>
        (_fleet.Count == 0 || _fleet.Any(w => w.IsOpen(now))) && (_wave is null || _wave.IsOpen(now));

    /// <summary>
    /// The first instant at or after <paramref name="now"/> at which the schedule is open: <paramref name="now"/> itself
    /// when open, else the earliest window start (of either list) at which both are open; null if none within five years.
    /// </summary>
    public DateTimeOffset? NextOpening(DateTimeOffset now)
    {
        if (IsOpen(now)) return now;
        // The intersection of two unions of intervals first opens at the start of one of the intervals: walk the starts of
        // every window in time order and take the first at which the whole schedule is open.
        var windows = _wave is null ? _fleet : [.. _fleet, _wave];
        var next = windows.Select(w => w.NextStartAfter(now)).ToArray();
        var limit = now + s_horizon;
        for (var n = 0; n < MaxCandidates; n++)
        {
            var i = IndexOfEarliest(next);
            if (i < 0 || next[i] > limit) return null;
            var candidate = next[i]!.Value;
            if (IsOpen(candidate)) return candidate;
            next[i] = windows[i].NextStartAfter(candidate);
        }
        return null;
    }

    /// <summary>Open now, or closed with when it opens next (the agent reports this as "pending").</summary>
    public WindowState Evaluate(DateTimeOffset now)
    {
        if (IsOpen(now)) return new WindowState(true, now, _fleet.Count == 0 && _wave is null ? "no maintenance windows" : "inside a maintenance window");
        var next = NextOpening(now);
        return new WindowState(false, next, next is { } t
            ? $"outside the maintenance windows; the next opens at {t.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z"
            : "outside the maintenance windows, and none opens within five years");
    }

    public WindowState Evaluate(TimeProvider time) => Evaluate(time.GetUtcNow());

    private static int IndexOfEarliest(DateTimeOffset?[] starts)
    {
        var best = -1;
        for (var i = 0; i < starts.Length; i++)
        {
            if (starts[i] is { } s && (best < 0 || s < starts[best]!.Value)) best = i;
        }
        return best;
    }

    private static CompiledWindow? Compile(MaintenanceWindow window, TimeZoneInfo zone, List<string> problems)
    {
        var where = window.Span.IsKnown ? $"{window.Span.File}:{window.Span.Line}:{window.Span.Column}: " : "";
        if (window.Duration <= TimeSpan.Zero)
        {
            problems.Add($"{where}window '{window.Cron}' has duration {window.Duration}: it must be positive");
            return null;
        }
        if (!CronExpression.TryParse(window.Cron, out var cron) || cron is null)
        {
            problems.Add($"{where}window cron '{window.Cron}' is not a Quartz cron expression (seconds minutes hours day-of-month month day-of-week [year])");
            return null;
        }
        return new CompiledWindow(cron.WithTimeZone(zone), window.Duration);
    }
}
