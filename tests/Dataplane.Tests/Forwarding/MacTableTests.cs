using VnetReconciler.Dataplane.Forwarding;
using VnetReconciler.Dataplane.Tests.Tunnel.InMemory;

namespace VnetReconciler.Dataplane.Tests.Forwarding;

public sealed class MacTableTests
{
    private static readonly MacAddress M1 = MacAddress.Parse("aa:00:00:00:00:01"), M2 = MacAddress.Parse("aa:00:00:00:00:02");
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void LearningReportsNewRefreshedAndMoves()
    {
        var table = new MacTable(_time, TimeSpan.FromSeconds(60), 16);
        Assert.Equal(LearnResult.New, table.LearnRemote(M1, 1));
        Assert.Equal(LearnResult.Refreshed, table.LearnRemote(M1, 1));
        Assert.Equal(LearnResult.MovedRemote, table.LearnRemote(M1, 2));
        Assert.Equal(LearnResult.MovedHere, table.LearnLocal(M1));
        Assert.Equal(LearnResult.Refreshed, table.LearnLocal(M1));
        Assert.Equal(LearnResult.MovedAway, table.LearnRemote(M1, 3));
        Assert.True(table.TryLookup(M1, out var entry));
        Assert.Equal((3u, false), (entry.Address, entry.IsLocal));
    }

    [Fact]
    public void EntriesAgeOutOnTheInjectedClock()
    {
        var table = new MacTable(_time, TimeSpan.FromSeconds(60), 16);
        table.LearnRemote(M1, 1);
        _time.Advance(TimeSpan.FromSeconds(30));
        table.LearnRemote(M2, 1);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(table.TryLookup(M1, out _));
        Assert.True(table.TryLookup(M2, out _));
        Assert.Equal(1, table.Expire());
        Assert.Equal(1, table.Count);
        Assert.Equal(LearnResult.New, table.LearnLocal(M1)); // an expired MAC seen again is new: it gets announced again
    }

    [Fact]
    public void TheCapRefusesNewMacsUntilOldOnesExpire()
    {
        var table = new MacTable(_time, TimeSpan.FromSeconds(60), 2);
        table.LearnRemote(M1, 1);
        table.LearnRemote(M2, 1);
        Assert.Equal(LearnResult.Full, table.LearnRemote(MacAddress.Parse("aa:00:00:00:00:03"), 1));
        Assert.Equal(LearnResult.Refreshed, table.LearnRemote(M1, 1));
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(LearnResult.New, table.LearnRemote(MacAddress.Parse("aa:00:00:00:00:03"), 1));
        Assert.Equal(1, table.Count);
    }
}

public sealed class FloodLimiterTests
{
    [Fact]
    public void ABurstThenTheSustainedRate()
    {
        var time = new ManualTimeProvider();
        var limiter = new FloodLimiter(time, ratePerSecond: 100, burst: 10);
        var allowed = 0;
        for (var i = 0; i < 50; i++) if (limiter.TryTake()) allowed++;
        Assert.Equal(10, allowed);
        time.Advance(TimeSpan.FromMilliseconds(100));
        allowed = 0;
        for (var i = 0; i < 50; i++) if (limiter.TryTake()) allowed++;
        Assert.Equal(10, allowed);
        time.Advance(TimeSpan.FromHours(1));
        allowed = 0;
        for (var i = 0; i < 50; i++) if (limiter.TryTake()) allowed++;
        Assert.Equal(10, allowed); // never more than the burst
    }

    [Fact]
    public void ZeroRateMeansUnlimited()
    {
        var limiter = new FloodLimiter(new ManualTimeProvider(), 0, 1);
        for (var i = 0; i < 1000; i++) Assert.True(limiter.TryTake());
    }
}
