using VnetReconciler.Dataplane.Links;
using VnetReconciler.Dataplane.Netlink;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.Links;

/// <summary>Every link operation against the real kernel, checked with <c>ip -j</c> as the oracle.</summary>
[Collection("Privileged")]
public sealed class LinkClientTests
{
    [Fact]
    public void BridgeAndTapLifecycleMatchesIp()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "l");
        var br = TestRun.LinkName(tag, "b");
        var tap = TestRun.LinkName(tag, "t");
        var veth = TestRun.LinkName(tag, "v");
        ns.Ip("link", "add", veth, "type", "veth", "peer", "name", veth + "p");
        ns.Run(() =>
        {
            using var client = LinkClient.Open();
            client.CreateBridge(br, new LinkSettings { Mtu = 1436, Up = true, Alias = "vnet-reconciler test" });
            client.CreateTap(tap, owner: 4242, group: 4343);
            client.SetMaster(tap, br);
            client.SetMtu(tap, 1436);
            client.SetAlias(tap, "vnet-reconciler port");
            client.SetUp(tap, true);

            var ours = client.DumpLinks().OrderBy(l => l.Index).ToList();
            Assert.Equal(IpOracle.Links(ns).OrderBy(l => l.Index), ours);
            var bridge = ours.Single(l => l.Name == br);
            Assert.Equal(new { Kind = LinkKind.Bridge, Mtu = 1436, IsUp = true, Alias = (string?)"vnet-reconciler test" },
                new { bridge.Kind, bridge.Mtu, bridge.IsUp, bridge.Alias });
            var port = ours.Single(l => l.Name == tap);
            Assert.Equal(new { Kind = LinkKind.Tun, MasterIndex = bridge.Index, Mtu = 1436, IsUp = true, Alias = (string?)"vnet-reconciler port" },
                new { port.Kind, port.MasterIndex, port.Mtu, port.IsUp, port.Alias });
            Assert.Equal(LinkKind.Veth, ours.Single(l => l.Name == veth).Kind);
            Assert.Equal(LinkKind.Other, ours.Single(l => l.Name == "lo").Kind);
            Assert.Equal(port, client.FindLink(tap));
            Assert.Equal(port, client.GetLink(port.Index));

            client.Release(tap);
            client.SetUp(tap, false);
            client.SetAlias(tap, null);
            client.Update(br, new LinkSettings { Mtu = 1400, Up = false });
            Assert.Equal(IpOracle.Links(ns).OrderBy(l => l.Index), client.DumpLinks().OrderBy(l => l.Index));
            var released = IpOracle.Link(ns, tap)!;
            Assert.Equal((0, false, (string?)null), (released.MasterIndex, released.IsUp, released.Alias));
            Assert.Equal(1400, IpOracle.Link(ns, br)!.Mtu);

            client.DeleteLink(tap);
            client.DeleteLink(bridge.Index);
            Assert.Null(IpOracle.Link(ns, tap));
            Assert.Null(IpOracle.Link(ns, br));
            Assert.Null(client.FindLink(br));
        });
    }

    [Fact]
    public void MistakesGiveClearErrors()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "e");
        var br = TestRun.LinkName(tag, "b");
        ns.Run(() =>
        {
            using var client = LinkClient.Open();
            client.CreateBridge(br);

            var exists = Assert.Throws<NetlinkException>(() => client.CreateBridge(br));
            Assert.Equal(17, exists.Errno);
            Assert.False(exists.IsTransient);
            Assert.Contains($"ip link add {br} type bridge", exists.Message);
            Assert.Contains("exists", exists.Message);
            var tapExists = Assert.Throws<VnetReconciler.Dataplane.Tun.TapException>(() => client.CreateTap(br));
            Assert.Equal(17, tapExists.Errno);

            var missing = Assert.Throws<NetlinkException>(() => client.DeleteLink("nosuchlink"));
            Assert.Equal(19, missing.Errno);
            Assert.Contains("No such device", missing.Message);
            Assert.Equal(19, Assert.Throws<NetlinkException>(() => client.SetMtu("nosuchlink", 1400)).Errno);
            Assert.Equal(19, Assert.Throws<NetlinkException>(() => client.SetMaster("nosuchlink", br)).Errno);
            Assert.Null(client.FindLink("nosuchlink"));

            // The kernel's extended ACK explains what errno alone cannot.
            var mtu = Assert.Throws<NetlinkException>(() => client.SetMtu(br, 10));
            Assert.Equal(22, mtu.Errno);
            Assert.Contains("mtu less than device minimum", mtu.ExtAckMessage);
            Assert.Contains("mtu less than device minimum", mtu.Message);
        });

        // Names are checked before any system call: a disposed client would fail with ObjectDisposedException otherwise.
        var disposed = ns.Run(() => { var c = LinkClient.Open(); c.Dispose(); return c; });
        foreach (var bad in new[] { "fifteen-chars-x", "a/b", "a:b", "a b", ".", "..", "" })
        {
            Assert.Throws<ArgumentException>(() => disposed.CreateBridge(bad));
            Assert.Throws<ArgumentException>(() => disposed.CreateTap(bad));
            Assert.Throws<ArgumentException>(() => disposed.DeleteLink(bad));
        }
        Assert.Contains("longer than 14", Assert.Throws<ArgumentException>(() => disposed.SetMtu("fifteen-chars-x", 1400)).Message);
    }

    [Fact]
    public void BatchRunsEveryRequestAndReportsEveryFailure()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "m");
        ns.Run(() =>
        {
            using var client = LinkClient.Open();
            var names = Enumerable.Range(0, 300).Select(i => TestRun.LinkName(tag, "b" + i.ToString("x"))).ToList();
            var batch = client.Batch();
            foreach (var n in names) batch.CreateBridge(n, new LinkSettings { Up = true, Alias = "vnet-reconciler " + n });
            Assert.Equal(600, batch.Count);
            batch.Commit();
            var links = IpOracle.Links(ns).ToDictionary(l => l.Name);
            Assert.All(names, n => Assert.Equal(("vnet-reconciler " + n, true), (links[n].Alias, links[n].IsUp)));

            batch.CreateBridge(names[0]).Update(names[1], new LinkSettings { Mtu = 1400 }).DeleteLink("nosuchlink").DeleteLink(names[2]);
            var e = Assert.Throws<NetlinkException>(batch.Commit);
            Assert.Equal(17, e.Errno);
            Assert.Equal((2, 4), (e.FailedRequests, e.TotalRequests));
            Assert.Contains("first of 2 failed requests out of 4", e.Message);
            Assert.Equal(1400, IpOracle.Link(ns, names[1])!.Mtu); // the others ran
            Assert.Null(IpOracle.Link(ns, names[2]));
        });
    }

    [Fact]
    public void DeleteLinksDeletesManyAtOnceAndReportsFailures()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "d");
        ns.Run(() =>
        {
            using var client = LinkClient.Open();
            var names = Enumerable.Range(0, 40).Select(i => TestRun.LinkName(tag, "d" + i.ToString("x"))).ToList();
            var batch = client.Batch();
            foreach (var n in names) batch.CreateBridge(n);
            batch.Commit();
            client.CreateTap(TestRun.LinkName(tag, "t"));

            var doomed = names.Select(n => (LinkRef)n).Append("nosuchlink").Append(TestRun.LinkName(tag, "t")).ToList();
            var e = Assert.Throws<NetlinkException>(() => client.DeleteLinks(doomed, parallelism: 4));
            Assert.Equal(19, e.Errno);
            Assert.Equal((1, 42), (e.FailedRequests, e.TotalRequests));
            Assert.Contains("ip link del nosuchlink", e.Message);
            Assert.Equal(["lo"], IpOracle.Links(ns).Select(l => l.Name));
        });
    }

    [Fact]
    public void CreateTapRefusesACallerInAnotherNamespace()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "w");
        using var client = ns.Run(LinkClient.Open);
        var name = TestRun.LinkName(tag, "t");
        try
        {
            // This thread is in the test process's namespace: the TAP would land there, not in the client's.
            var e = Assert.Throws<InvalidOperationException>(() => client.CreateTap(name));
            Assert.Contains("namespace", e.Message);
        }
        finally
        {
            if (Cmd.Run("ip", "link", "show", name).ExitCode == 0) Cmd.Run("ip", "link", "del", name); // only if the check failed
        }
        Assert.Null(IpOracle.Link(ns, name));
    }
}
