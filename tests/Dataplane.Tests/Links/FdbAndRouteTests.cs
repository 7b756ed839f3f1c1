using System.Net;
using System.Text.Json;
using VnetReconciler.Dataplane.Links;
using VnetReconciler.Dataplane.Netlink;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.Links;

/// <summary>Bridge FDB entries (checked with <c>bridge -j fdb</c>) and the route/MTU lookup (checked with <c>ip -j route get</c>).</summary>
[Collection("Privileged")]
public sealed class FdbAndRouteTests
{
    [Fact]
    public void FdbEntriesAreAddedMovedAndDeleted()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "f");
        var br = TestRun.LinkName(tag, "b");
        var p1 = TestRun.LinkName(tag, "p1");
        var p2 = TestRun.LinkName(tag, "p2");
        var vm = MacAddress.Parse("02:00:00:00:97:99");
        ns.Run(() =>
        {
            using var client = LinkClient.Open();
            client.CreateBridge(br, new LinkSettings { Up = true });
            client.CreateTap(p1);
            client.CreateTap(p2);
            client.SetMaster(p1, br);
            client.SetMaster(p2, br);
            var port1 = client.GetLink(p1);
            var port2 = client.GetLink(p2);

            client.AddFdb(p1, vm);
            Assert.Contains($"{vm} {p1} static", IpOracle.Fdb(ns, br));
            Assert.Equal(IpOracle.Fdb(ns, br), Describe(client, br));

            client.AddFdb(port2.Index, vm); // the VM moved behind another port
            Assert.Contains($"{vm} {p2} static", IpOracle.Fdb(ns, br));
            Assert.DoesNotContain($"{vm} {p1} static", IpOracle.Fdb(ns, br));
            var entry = client.DumpFdb(br).Single(e => e.Mac == vm);
            Assert.Equal((port2.Index, FdbState.Static), (entry.PortIndex, entry.State));

            client.DeleteFdb(port2.Index, vm);
            Assert.DoesNotContain(IpOracle.Fdb(ns, br), l => l.StartsWith(vm.ToString(), StringComparison.Ordinal));
            Assert.Equal(IpOracle.Fdb(ns, br), Describe(client, br));
            var gone = Assert.Throws<NetlinkException>(() => client.DeleteFdb(port1.Index, vm));
            Assert.Equal(2, gone.Errno); // ENOENT
        });
    }

    private static List<string> Describe(LinkClient client, string bridge)
    {
        var names = client.DumpLinks().ToDictionary(l => l.Index, l => l.Name);
        return client.DumpFdb(bridge)
            .Select(e => $"{e.Mac} {names[e.PortIndex]} {e.State.ToString().ToLowerInvariant()}".TrimEnd())
            .Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public void RouteToGivesTheOutputLinkSourceAndMtu()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "r");
        var v = TestRun.LinkName(tag, "u");
        ns.Ip("link", "add", v, "mtu", "1400", "type", "veth", "peer", "name", v + "p");
        ns.Ip("addr", "add", "198.18.1.1/24", "dev", v);
        ns.Ip("link", "set", v, "up");
        ns.Ip("link", "set", v + "p", "up");
        ns.Ip("route", "add", "198.18.9.0/24", "via", "198.18.1.2", "mtu", "1300");
        ns.Run(() =>
        {
            using var client = LinkClient.Open();
            var index = client.GetLink(v).Index;

            var direct = client.RouteTo(IPAddress.Parse("198.18.1.2"));
            var oracle = JsonDocument.Parse(ns.Ip("-j", "route", "get", "198.18.1.2")).RootElement[0];
            Assert.Equal(oracle.GetProperty("dev").GetString(), v);
            Assert.Equal((index, IPAddress.Parse(oracle.GetProperty("prefsrc").GetString()!), (IPAddress?)null, 1400),
                (direct.OutputIndex, direct.PreferredSource, direct.Gateway, direct.Mtu));

            var routed = client.RouteTo(IPAddress.Parse("198.18.9.5"));
            Assert.Equal((index, IPAddress.Parse("198.18.1.2"), 1300), (routed.OutputIndex, routed.Gateway, routed.Mtu));

            var none = Assert.Throws<NetlinkException>(() => client.RouteTo(IPAddress.Parse("198.19.0.1")));
            Assert.Equal(101, none.Errno); // ENETUNREACH
            Assert.Contains("ip route get 198.19.0.1", none.Message);
        });
    }
}
