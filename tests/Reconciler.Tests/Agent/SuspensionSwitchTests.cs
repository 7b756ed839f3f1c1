using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Reconciler.State;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>
/// <c>vnetctl suspend [--reason] [--for]</c> (SPEC §5) kept in the state directory: <c>--for 2s</c> resumes by itself on
/// a fake clock, a restart stays suspended until <c>until</c> (and resumes then), a suspension that ran out while the
/// agent was down is gone at start.
/// </summary>
public sealed class SuspensionSwitchTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vnet-suspend-");
    private readonly TimerClock _clock = new(Start);
    private int _expired;

    private SuspensionSwitch NewSwitch() => new(new SuspensionStore(_dir.FullName), _clock, () => Interlocked.Increment(ref _expired));

    private string StoredFile => Path.Combine(_dir.FullName, SuspensionStore.FileName);

    [Fact]
    public void ForTwoSecondsResumesByItselfWhenTheClockPassesIt()
    {
        using var suspension = NewSwitch();
        var s = suspension.Suspend("debugging by hand", "alice", TimeSpan.FromSeconds(2));
        Assert.Equal(("alice", "debugging by hand", Start, Start + TimeSpan.FromSeconds(2)), (s.By, s.Reason, s.Since, s.Until!.Value));
        Assert.True(File.Exists(StoredFile));

        _clock.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Equal(0, _expired);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, _expired);

        // The agent's callback resumes (AgentHost.ResumeAsync): the file is gone, nothing fires again.
        Assert.True(suspension.Resume());
        Assert.Null(suspension.Current);
        Assert.False(File.Exists(StoredFile));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, _expired);
    }

    [Fact]
    public void ARestartStaysSuspendedUntilItsEndAndThenResumes()
    {
        using (var before = NewSwitch()) before.Suspend("kernel upgrade", "bob", TimeSpan.FromSeconds(10));
        _clock.Advance(TimeSpan.FromSeconds(4)); // the agent is down for 4 s; its timer went with it

        using var after = NewSwitch();
        var restored = after.Restore();
        Assert.NotNull(restored);
        Assert.Equal(("bob", "kernel upgrade", Start + TimeSpan.FromSeconds(10)), (restored.By, restored.Reason, restored.Until!.Value));
        Assert.Equal(1, _clock.Pending);
        _clock.Advance(TimeSpan.FromSeconds(5.9));
        Assert.Equal(0, _expired);
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(1, _expired);
    }

    [Fact]
    public void ASuspensionThatRanOutWhileTheAgentWasDownIsRemovedAtStart()
    {
        using (var before = NewSwitch()) before.Suspend(null, "carol", TimeSpan.FromSeconds(2));
        _clock.Advance(TimeSpan.FromSeconds(3));
        using var after = NewSwitch();
        Assert.Null(after.Restore());
        Assert.False(File.Exists(StoredFile));
        Assert.Equal(0, _clock.Pending);
    }

    [Fact]
    public void WithoutForItHoldsAcrossRestartsUntilResume()
    {
        using (var before = NewSwitch()) before.Suspend("by hand", "dave", null);
        _clock.Advance(TimeSpan.FromDays(30));
        using var after = NewSwitch();
        Assert.Equal("dave", after.Restore()?.By);
        Assert.Equal(0, _clock.Pending);
        Assert.True(after.Resume());
        Assert.Null(NewSwitch().Restore());
    }

    [Fact]
    public void ANewSuspendReplacesTheOldEndAndAStaleTimerDoesNotResume()
    {
        using var suspension = NewSwitch();
        suspension.Suspend("first", "alice", TimeSpan.FromSeconds(2));
        suspension.Suspend("longer", "alice", TimeSpan.FromSeconds(60));
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, _expired);
        Assert.Equal("longer", new SuspensionStore(_dir.FullName).Load()?.Reason);
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, _expired);
    }

    [Fact]
    public void ACorruptFileIsNamedNotIgnored()
    {
        File.WriteAllText(StoredFile, "{ not json");
        var e = Assert.Throws<InvalidDataException>(() => NewSwitch().Restore());
        Assert.Contains(SuspensionStore.FileName, e.Message);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
