using System.Net;
using VnetReconciler.Dataplane.Forwarding;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.TestSupport;
using static VnetReconciler.Dataplane.Tests.Tunnel.Privileged.TunnelTestbed;

namespace VnetReconciler.Dataplane.Tests.Tunnel.Privileged;

/// <summary>
/// Forwarded multicast (SPEC §4.3) across a router that passes no broadcasts: host A on segment 198.18.0.0/24, hosts
/// B and C on 198.18.1.0/24. A floods to its segment's broadcast and relays to B; B re-sends on its segment with
/// A's source, so C hears the flood too; learned unicast then goes direct through the router.
/// </summary>
[Collection("Privileged")]
public sealed class RelayTunnelTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void FloodsReachAnotherSegmentThroughTheRelayPeer()
    {
        using var bed = new TunnelTestbed(directUnderlay: false);
        var hostC = bed.Add("hc");
        var router = bed.Add("rt");
        router.Sysctl("net.ipv4.ip_forward", "1");
        Cmd.Ok("ip", "link", "add", bed.Link("ua"), "netns", bed.HostA.Name, "type", "veth", "peer", "name", bed.Link("ra"), "netns", router.Name);
        bed.HostA.Ip("addr", "add", "198.18.0.1/24", "brd", "198.18.0.255", "dev", bed.Link("ua"));
        bed.HostA.Ip("link", "set", bed.Link("ua"), "up");
        bed.HostA.Ip("route", "add", "default", "via", "198.18.0.254");
        router.Ip("addr", "add", "198.18.0.254/24", "brd", "198.18.0.255", "dev", bed.Link("ra"));
        router.Ip("link", "set", bed.Link("ra"), "up");
        router.Ip("link", "add", "seg", "type", "bridge");
        router.Ip("addr", "add", "198.18.1.254/24", "brd", "198.18.1.255", "dev", "seg");
        router.Ip("link", "set", "seg", "up");
        foreach (var (host, address, suffix) in new[] { (bed.HostB, "198.18.1.2", "b"), (hostC, "198.18.1.3", "c") })
        {
            Cmd.Ok("ip", "link", "add", bed.Link("u" + suffix), "netns", host.Name, "type", "veth", "peer", "name", bed.Link("r" + suffix), "netns", router.Name);
            host.Ip("addr", "add", address + "/24", "brd", "198.18.1.255", "dev", bed.Link("u" + suffix));
            host.Ip("link", "set", bed.Link("u" + suffix), "up");
            host.Ip("route", "add", "default", "via", "198.18.1.254");
            router.Ip("link", "set", bed.Link("r" + suffix), "master", "seg", "up");
        }
        foreach (var host in new[] { bed.HostA, bed.HostB, hostC }) bed.AddVnet(host, Vnet97, 1436);
        var va = bed.AddVm("va", bed.HostA, Vnet97, "198.19.0.1/24", 1436);
        bed.AddVm("vc", hostC, Vnet97, "198.19.0.3/24", 1436);

        TunnelConfig Config(string local, string group, string[] peers, string[] relays) => new()
        {
            LocalAddress = IPAddress.Parse(local),
            Flood = FloodMode.Multicast,
            FloodGroup = IPAddress.Parse(group),
            RelayPeers = relays.Select(IPAddress.Parse).ToArray(),
            Vnets = new[] { bed.Vnet(Vnet97, peers[0]) with { Peers = peers.Select(IPAddress.Parse).ToArray() } },
        };
        var a = bed.Start(bed.HostA, Config("198.18.0.1", "198.18.0.255", ["198.18.1.2", "198.18.1.3"], ["198.18.1.2"]));
        var b = bed.Start(bed.HostB, Config("198.18.1.2", "198.18.1.255", ["198.18.0.1", "198.18.1.3"], ["198.18.0.1"]));
        var c = bed.Start(hostC, Config("198.18.1.3", "198.18.1.255", ["198.18.0.1", "198.18.1.2"], []));

        try
        {
            Poll.Until(() => Pings(va, "198.19.0.3"), TimeSpan.FromSeconds(20), "VM a reaching VM c on the other segment");
        }
        finally
        {
            foreach (var (name, engine) in new[] { ("A", a), ("B", b), ("C", c) })
            {
                var t = engine.Observe().Total;
                output.WriteLine($"{name}: rx {t.RxPackets} tx {t.TxPackets} delivered {t.Delivered} consumed {t.Consumed} floods {t.Floods} " +
                    string.Join(", ", t.Drops.Select(d => $"{d.Key} {d.Value}")));
            }
        }
        Assert.True(b.Observe().Total.Consumed + b.Observe().VnetCounters[Vnet97].RxPackets >= 1, "B took the forwarded flood");
        Assert.Contains(c.Observe().Macs, r => Equals(r.Address, IPAddress.Parse("198.18.0.1")));
        Assert.Contains(a.Observe().Macs, r => Equals(r.Address, IPAddress.Parse("198.18.1.3")));
        Assert.True(b.Observe().Total.Dropped(DropReason.Looped) >= 1, "B's own re-sent broadcast came back and was dropped");
        Assert.Equal(0, c.Observe().Total.Dropped(DropReason.UnknownPeer));
    }
}
