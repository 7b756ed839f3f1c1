using VnetReconciler.Dataplane.Links;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.Links;

/// <summary>Link notifications for changes made from outside by <c>ip</c>, delivered as typed events.</summary>
[Collection("Privileged")]
public sealed class LinkMonitorTests
{
    private readonly List<LinkEvent> _seen = [];

    private async Task<LinkEvent> NextMatching(LinkMonitor monitor, Func<LinkEvent, bool> match, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await foreach (var e in monitor.ReadAllAsync(timeout.Token))
            {
                _seen.Add(e);
                if (match(e)) return e;
            }
        }
        catch (OperationCanceledException)
        {
            // fall through to the failure below
        }
        throw new TimeoutException($"no link event: {what}");
    }

    [Fact]
    public async Task ChangesMadeByIpArriveAsEvents()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "n");
        using var other = NetNs.Create(tag, "o");
        var br = TestRun.LinkName(tag, "b");
        var tap = TestRun.LinkName(tag, "t");
        using var monitor = ns.Run(LinkMonitor.Start);

        var elsewhere = TestRun.LinkName(tag, "z");
        other.Ip("link", "add", elsewhere, "type", "bridge"); // another namespace: must not be heard
        ns.Ip("link", "add", br, "type", "bridge");
        var added = await NextMatching(monitor, e => e.Link?.Name == br, "bridge added");
        Assert.Equal(LinkEventKind.Added, added.Kind);
        Assert.Equal(LinkKind.Bridge, added.Link!.Kind);
        Assert.Equal(IpOracle.Link(ns, br)!.Index, added.Link.Index);

        ns.Ip("tuntap", "add", "mode", "tap", "name", tap);
        ns.Ip("link", "set", tap, "master", br);
        var enslaved = await NextMatching(monitor, e => e.Link?.Name == tap && e.Link.MasterIndex == added.Link.Index, "tap enslaved");
        Assert.Equal(LinkEventKind.Changed, enslaved.Kind);

        ns.Ip("link", "set", tap, "nomaster");
        await NextMatching(monitor, e => e.Link?.Name == tap && e.Link.MasterIndex == 0, "tap released");

        ns.Ip("link", "set", br, "mtu", "1400");
        await NextMatching(monitor, e => e.Kind == LinkEventKind.Changed && e.Link?.Name == br && e.Link.Mtu == 1400, "mtu change");
        ns.Ip("link", "set", br, "up");
        await NextMatching(monitor, e => e.Link?.Name == br && e.Link.IsUp, "bridge up");
        // The kernel announces an alias change only for a link that is up (netdev_state_change).
        ns.Ip("link", "set", br, "alias", "changed by hand");
        await NextMatching(monitor, e => e.Link?.Name == br && e.Link.Alias == "changed by hand", "alias change");

        ns.Ip("link", "del", br);
        var removed = await NextMatching(monitor, e => e.Kind == LinkEventKind.Removed && e.Link?.Name == br, "bridge removed");
        Assert.Equal(added.Link.Index, removed.Link!.Index);

        monitor.Dispose();
        await monitor.Events.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        while (monitor.Events.TryRead(out var late)) _seen.Add(late);
        Assert.DoesNotContain(_seen, e => e.Link?.Name == elsewhere);
        Assert.DoesNotContain(_seen, e => e.Kind == LinkEventKind.Overflow);
    }
}
