using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Tests.Rollout;

/// <summary>Maintenance windows (SPEC §6.4) with Quartz cron expressions, on a clock the test moves.</summary>
public sealed class MaintenanceScheduleTests
{
    // Sunday 22 November 2026, 01:00 UTC.
    private static readonly DateTimeOffset s_sunday = new(2026, 11, 22, 1, 0, 0, TimeSpan.Zero);

    private static MaintenanceWindow Window(string cron, TimeSpan duration) => new() { Cron = cron, Duration = duration };

    private static MaintenanceSchedule Schedule(MaintenanceWindow[] fleet, MaintenanceWindow? wave = null)
    {
        var schedule = MaintenanceSchedule.Create(fleet, wave, out var errors);
        Assert.Empty(errors);
        return schedule!;
    }

    [Fact]
    public void Without_windows_the_schedule_is_always_open()
    {
        var state = Schedule([]).Evaluate(s_sunday);
        Assert.True(state.IsOpen);
        Assert.Equal(s_sunday, state.NextOpening);
        Assert.True(MaintenanceSchedule.Always.IsOpen(s_sunday));
    }

    [Fact]
    public void Closed_reports_pending_with_the_next_start_then_opens_and_closes_after_its_duration()
    {
        var clock = new ManualClock(s_sunday);
        // Every day at 02:00 for an hour.
        var schedule = Schedule([Window("0 0 2 * * ?", TimeSpan.FromHours(1))]);

        var closed = schedule.Evaluate(clock);
        Assert.False(closed.IsOpen);
        Assert.Equal(s_sunday.AddHours(1), closed.NextOpening);
        Assert.Contains("next opens at 2026-11-22 02:00:00Z", closed.Reason);

        clock.Advance(TimeSpan.FromHours(1));
        Assert.True(schedule.Evaluate(clock).IsOpen);
        clock.Advance(TimeSpan.FromMinutes(59) + TimeSpan.FromSeconds(59));
        Assert.True(schedule.IsOpen(clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(1));
        var after = schedule.Evaluate(clock);
        Assert.False(after.IsOpen);
        Assert.Equal(s_sunday.AddDays(1).AddHours(1), after.NextOpening);
    }

    [Fact]
    public void Any_fleet_window_opens_the_schedule()
    {
        var schedule = Schedule([Window("0 0 2 * * ?", TimeSpan.FromHours(1)), Window("0 30 1 * * ?", TimeSpan.FromMinutes(10))]);
        Assert.Equal(s_sunday.AddMinutes(30), schedule.NextOpening(s_sunday));
        Assert.True(schedule.IsOpen(s_sunday.AddMinutes(35)));
        Assert.False(schedule.IsOpen(s_sunday.AddMinutes(45)));
    }

    [Fact]
    public void A_wave_window_narrows_the_fleet_windows()
    {
        // Fleet: every day 00:00-06:00. Wave: Sundays only, 04:00 for 4 hours. Open: Sunday 04:00-06:00.
        var fleet = Window("0 0 0 * * ?", TimeSpan.FromHours(6));
        var wave = Window("0 0 4 ? * SUN", TimeSpan.FromHours(4));
        var schedule = Schedule([fleet], wave);

        Assert.False(schedule.IsOpen(s_sunday));                    // fleet open, wave closed
        Assert.Equal(s_sunday.AddHours(3), schedule.NextOpening(s_sunday));
        Assert.True(schedule.IsOpen(s_sunday.AddHours(4)));
        Assert.False(schedule.IsOpen(s_sunday.AddHours(5)));        // 06:00: fleet closed, wave still open
        // After Sunday's window: the next one is a week later, at the wave's start inside the fleet's window.
        Assert.Equal(s_sunday.AddDays(7).AddHours(3), schedule.NextOpening(s_sunday.AddHours(5)));
    }

    [Fact]
    public void The_intersection_can_open_at_the_fleet_windows_start()
    {
        // Wave: Mondays all day. Fleet: every day at 03:00 for an hour. Open first on Monday 03:00.
        var schedule = Schedule([Window("0 0 3 * * ?", TimeSpan.FromHours(1))], Window("0 0 0 ? * MON", TimeSpan.FromDays(1)));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 3, 0, 0, TimeSpan.Zero), schedule.NextOpening(s_sunday));
    }

    [Fact]
    public void A_windows_that_never_overlap_have_no_next_opening()
    {
        var schedule = Schedule([Window("0 0 1 * * ?", TimeSpan.FromMinutes(30))], Window("0 0 3 * * ?", TimeSpan.FromMinutes(30)));
        var state = schedule.Evaluate(s_sunday.AddHours(1));
        Assert.False(state.IsOpen);
        Assert.Null(state.NextOpening);
        Assert.Contains("none opens", state.Reason);
    }

    [Fact]
    public void A_host_takes_its_waves_window()
    {
        var fleet = Fleet.Default with
        {
            Windows = [Window("0 0 0 * * ?", TimeSpan.FromHours(6))],
            Rollout = [new RolloutWave { Name = "canary", Hosts = ["c-*"] }, new RolloutWave { Name = "rest", Window = Window("0 0 4 ? * SUN", TimeSpan.FromHours(4)) }],
        };
        var canary = MaintenanceSchedule.ForHost(fleet, "c-1", out var e1)!;
        var other = MaintenanceSchedule.ForHost(fleet, "web-1", out var e2)!;
        Assert.Empty(e1);
        Assert.Empty(e2);
        Assert.True(canary.IsOpen(s_sunday));
        Assert.False(other.IsOpen(s_sunday));
    }

    [Fact]
    public void A_cron_quartz_cannot_read_is_an_error_naming_its_place()
    {
        var bad = new MaintenanceWindow { Cron = "0 0 25 * * ?", Duration = TimeSpan.FromHours(1), Span = new SourceSpan("fleet.yaml", 4, 11) };
        Assert.Null(MaintenanceSchedule.Create([bad], null, out var errors));
        Assert.StartsWith("fleet.yaml:4:11: window cron '0 0 25 * * ?'", Assert.Single(errors));
        Assert.Null(MaintenanceSchedule.Create([Window("0 0 1 * * ?", TimeSpan.Zero)], null, out errors));
        Assert.Single(errors);
    }
}
