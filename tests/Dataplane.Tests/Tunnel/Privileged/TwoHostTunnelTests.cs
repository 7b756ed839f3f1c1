using System.Diagnostics;
using System.Net;
using VnetReconciler.Dataplane.Forwarding;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;
using static VnetReconciler.Dataplane.Tests.Tunnel.Privileged.TunnelTestbed;

namespace VnetReconciler.Dataplane.Tests.Tunnel.Privileged;

/// <summary>The real tunnel between two host namespaces: real sockets, real TAPs, real bridges, real pings.</summary>
[Collection("Privileged")]
public sealed class TwoHostTunnelTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public void VmsOnTwoHostsPingAcrossAndVnetsStayIsolated()
    {
        using var bed = new TunnelTestbed();
        foreach (var host in new[] { bed.HostA, bed.HostB })
        {
            bed.AddVnet(host, Vnet97, 1436);
            bed.AddVnet(host, Vnet98, 1436);
        }
        var va = bed.AddVm("va", bed.HostA, Vnet97, "198.19.0.1/24", 1436);
        var vb = bed.AddVm("vb", bed.HostB, Vnet97, "198.19.0.2/24", 1436);
        var vc = bed.AddVm("vc", bed.HostB, Vnet98, "198.19.0.3/24", 1436);
        va.Ip("route", "add", "default", "via", "198.19.0.254");
        var a = bed.Start(bed.HostA, bed.Config("198.18.0.1", bed.Vnet(Vnet97, "198.18.0.2"), bed.Vnet(Vnet98, "198.18.0.2")));
        var b = bed.Start(bed.HostB, bed.Config("198.18.0.2", bed.Vnet(Vnet97, "198.18.0.1"), bed.Vnet(Vnet98, "198.18.0.1")));

        var took = Poll.Until(() => Pings(va, "198.19.0.2"), Deadline, "VM a pinging VM b across the tunnel");
        output.WriteLine($"first ping across after {took.TotalMilliseconds:0} ms");
        Assert.True(Pings(vb, "198.19.0.1", count: 5));
        Assert.Contains(a.Observe().Macs, r => r.Vnet == Vnet97 && Equals(r.Address, IPAddress.Parse("198.18.0.2")));

        // Isolation: the vnet-98 VM and the underlay are out of reach from vnet 97.
        Assert.False(Pings(va, "198.19.0.3", count: 2));
        Assert.False(Pings(vc, "198.19.0.1", count: 2));
        Assert.False(Pings(va, "198.18.0.2", count: 2));
        Assert.False(Pings(va, "198.18.0.1", count: 2));
        Assert.DoesNotContain(b.Observe().Macs, r => r.Vnet == Vnet98 && r.Mac == MacOf(va));
    }

    [Fact]
    public void Iperf3TcpRunsAcrossTheTunnel()
    {
        using var bed = new TunnelTestbed();
        bed.AddVnet(bed.HostA, Vnet97, 1436);
        bed.AddVnet(bed.HostB, Vnet97, 1436);
        var va = bed.AddVm("va", bed.HostA, Vnet97, "198.19.0.1/24", 1436);
        var vb = bed.AddVm("vb", bed.HostB, Vnet97, "198.19.0.2/24", 1436);
        var a = bed.Start(bed.HostA, bed.Config("198.18.0.1", bed.Vnet(Vnet97, "198.18.0.2")));
        bed.Start(bed.HostB, bed.Config("198.18.0.2", bed.Vnet(Vnet97, "198.18.0.1")));
        Poll.Until(() => Pings(va, "198.19.0.2"), Deadline, "VM a pinging VM b across the tunnel");

        vb.Start("iperf3", ["-s", "-1", "-B", "198.19.0.2"]);
        // Connect once the one-off server listens: a client that races its start can leave a report without results.
        Poll.Until(() => vb.Exec("ss", "-ltn").Stdout.Contains("198.19.0.2:5201", StringComparison.Ordinal), Deadline, "iperf3 server listening in VM b");
        var client = va.Exec("iperf3", ["-c", "198.19.0.2", "-t", "2", "-J"], TimeSpan.FromSeconds(60));
        Assert.True(client.ExitCode == 0, $"iperf3 client exited {client.ExitCode}: {client.Stdout}{client.Stderr}");
        using var report = System.Text.Json.JsonDocument.Parse(client.Stdout);
        Assert.True(report.RootElement.TryGetProperty("end", out var end) && end.TryGetProperty("sum_received", out _),
            $"iperf3 reported no result: {client.Stdout}");
        var received = end.GetProperty("sum_received");
        var gbps = received.GetProperty("bits_per_second").GetDouble() / 1e9;
        output.WriteLine($"iperf3 TCP across the tunnel: {gbps:0.000} Gb/s, {received.GetProperty("bytes").GetInt64()} bytes");
        Assert.True(received.GetProperty("bytes").GetInt64() > 1_000_000, "iperf3 moved less than 1 MB in 2 s");
        Assert.True(a.Observe().VnetCounters[Vnet97].TxPackets > 500);
    }

    [Fact]
    public void ADfPacketLargerThanTheVnetMtuGetsFragmentationNeeded()
    {
        using var bed = new TunnelTestbed();
        bed.AddVnet(bed.HostA, Vnet97, 1500);
        bed.AddVnet(bed.HostB, Vnet97, 1500);
        var va = bed.AddVm("va", bed.HostA, Vnet97, "198.19.0.1/24", 1500);
        bed.AddVm("vb", bed.HostB, Vnet97, "198.19.0.2/24", 1500);
        var a = bed.Start(bed.HostA, bed.Config("198.18.0.1", bed.Vnet(Vnet97, "198.18.0.2")));
        var b = bed.Start(bed.HostB, bed.Config("198.18.0.2", bed.Vnet(Vnet97, "198.18.0.1")));
        Poll.Until(() => Pings(va, "198.19.0.2"), Deadline, "a small ping across");

        // Without DF the frame goes out and the kernel fragments the outer packet; host B gets it whole. (The echo reply
        // carries DF, so host B may answer it with ICMP in turn: whether ping succeeds is not the point here.)
        var delivered = b.Observe().VnetCounters[Vnet97].RxBytes;
        Pings(va, "198.19.0.2", 1, "-M", "dont", "-s", "1472");
        Assert.True(a.Observe().VnetCounters[Vnet97].OuterFragmented >= 1);
        Assert.True(b.Observe().VnetCounters[Vnet97].RxBytes - delivered >= 1514);

        // With DF the guest gets "fragmentation needed" with the vnet MTU, as from the kernel's own tunnels.
        var result = va.Exec("ping", "-c", "1", "-W", "2", "-M", "do", "-s", "1472", "198.19.0.2");
        output.WriteLine(result.Stdout);
        Assert.Contains("mtu = 1436", result.Stdout + result.Stderr);
        Assert.True(a.Observe().VnetCounters[Vnet97].IcmpTooBig >= 1);
    }

    [Fact]
    public void AVmThatMovesToTheOtherHostIsReachableAgain()
    {
        using var bed = new TunnelTestbed();
        bed.AddVnet(bed.HostA, Vnet97, 1436);
        bed.AddVnet(bed.HostB, Vnet97, 1436);
        var va = bed.AddVm("va", bed.HostA, Vnet97, "198.19.0.1/24", 1436, "aa:00:00:00:00:0a");
        var vb = bed.AddVm("vb", bed.HostB, Vnet97, "198.19.0.2/24", 1436);
        var a = bed.Start(bed.HostA, bed.Config("198.18.0.1", bed.Vnet(Vnet97, "198.18.0.2")));
        var b = bed.Start(bed.HostB, bed.Config("198.18.0.2", bed.Vnet(Vnet97, "198.18.0.1")));
        Poll.Until(() => Pings(vb, "198.19.0.1"), Deadline, "b pinging a before the move");
        var vd = bed.AddVm("vd", bed.HostA, Vnet97, "198.19.0.4/24", 1436); // stays on host A
        Poll.Until(() => Pings(vd, "198.19.0.1"), Deadline, "d pinging a on the same host");

        // Migrate: the VM's port leaves host A and is plugged into host B's bridge.
        var sw = Stopwatch.StartNew();
        bed.HostA.Ip("link", "set", bed.Link("va"), "netns", bed.HostB.Name);
        bed.HostB.Ip("link", "set", bed.Link("va"), "master", Bridge(Vnet97), "mtu", "1436", "up");
        // As a resumed guest does, the VM speaks first (here: an ARP broadcast for b); host B's engine sees its MAC
        // arrive locally, announces it, and host A learns that it moved away.
        va.Ip("neigh", "flush", "dev", "eth0");
        Assert.True(Pings(va, "198.19.0.2"));
        Poll.Until(() => Pings(vd, "198.19.0.1"), Deadline, "d (host A) reaching a after a moved to host B", TimeSpan.FromMilliseconds(50));
        output.WriteLine($"migration: host A's VM reaches the moved VM again after {sw.ElapsedMilliseconds} ms");
        Poll.Until(() => Pings(vb, "198.19.0.1"), Deadline, "b reaching a on its own host");
        Assert.Contains(b.Observe().Macs, r => r.Mac == MacAddress.Parse("aa:00:00:00:00:0a") && r.Address is null);
        Assert.Contains(a.Observe().Macs, r => r.Mac == MacAddress.Parse("aa:00:00:00:00:0a") && Equals(r.Address, IPAddress.Parse("198.18.0.2")));
    }

    [Fact]
    public void VxlanInteroperatesWithAKernelVxlanDevice()
    {
        using var bed = new TunnelTestbed();
        bed.AddVnet(bed.HostA, Vnet97, 1400);
        bed.AddVnet(bed.HostB, Vnet97, 1400, tap: false);
        // Host B is a plain Linux kernel: vxlan VNI 151 (vnet 97) with host A as remote (SPEC §4.4).
        bed.HostB.Ip("link", "add", "vx97", "type", "vxlan", "id", "151", "remote", "198.18.0.1", "local", "198.18.0.2", "dstport", "4789");
        bed.HostB.Ip("link", "set", "vx97", "master", Bridge(Vnet97), "mtu", "1400", "up");
        var va = bed.AddVm("va", bed.HostA, Vnet97, "198.19.0.1/24", 1400);
        var vb = bed.AddVm("vb", bed.HostB, Vnet97, "198.19.0.2/24", 1400);
        var a = bed.Start(bed.HostA, bed.Config("198.18.0.1", bed.Vnet(Vnet97, "198.18.0.2", 1400, Encapsulation.Vxlan)));
        Poll.Until(() => Pings(va, "198.19.0.2"), Deadline, "our VXLAN to the kernel's");
        Assert.True(Pings(vb, "198.19.0.1", count: 3));
        Assert.True(a.Observe().VnetCounters[Vnet97].RxPackets >= 3);
    }

    [Fact]
    public void MulticastFloodsOnOneSegmentUseTheBroadcastAddress()
    {
        using var bed = new TunnelTestbed();
        bed.AddVnet(bed.HostA, Vnet97, 1436);
        bed.AddVnet(bed.HostB, Vnet97, 1436);
        var va = bed.AddVm("va", bed.HostA, Vnet97, "198.19.0.1/24", 1436);
        bed.AddVm("vb", bed.HostB, Vnet97, "198.19.0.2/24", 1436);
        TunnelConfig Flooding(TunnelConfig c) => c with { Flood = FloodMode.Multicast, FloodGroup = IPAddress.Parse("198.18.0.255") };
        var a = bed.Start(bed.HostA, Flooding(bed.Config("198.18.0.1", bed.Vnet(Vnet97, "198.18.0.2"))));
        var b = bed.Start(bed.HostB, Flooding(bed.Config("198.18.0.2", bed.Vnet(Vnet97, "198.18.0.1"))));
        Poll.Until(() => Pings(va, "198.19.0.2"), Deadline, "a ping whose ARP went to the broadcast address");
        Assert.True(a.Observe().VnetCounters[Vnet97].Floods >= 1);
        Assert.True(a.Observe().Total.Dropped(DropReason.Looped) >= 1, "our own broadcast comes back and is dropped");
        Assert.True(b.Observe().VnetCounters[Vnet97].RxPackets >= 1);
    }

    [Fact]
    public void AVnetifDeletedUnderTheEngineIsReportedAndReopened()
    {
        using var bed = new TunnelTestbed();
        bed.AddVnet(bed.HostA, Vnet97, 1436);
        bed.AddVnet(bed.HostB, Vnet97, 1436);
        var va = bed.AddVm("va", bed.HostA, Vnet97, "198.19.0.1/24", 1436);
        bed.AddVm("vb", bed.HostB, Vnet97, "198.19.0.2/24", 1436);
        var configA = bed.Config("198.18.0.1", bed.Vnet(Vnet97, "198.18.0.2"));
        var a = bed.Start(bed.HostA, configA);
        bed.Start(bed.HostB, bed.Config("198.18.0.2", bed.Vnet(Vnet97, "198.18.0.1")));
        Poll.Until(() => Pings(va, "198.19.0.2"), Deadline, "ping across before the TAP goes");

        bed.HostA.Ip("link", "del", bed.Vnetif(Vnet97));
        Poll.Until(() => a.Observe().Config!.Vnets.Count == 0, Deadline, "the engine noticing its vnetif is gone");
        Assert.False(Pings(va, "198.19.0.2"));

        bed.HostA.Ip("tuntap", "add", "dev", bed.Vnetif(Vnet97), "mode", "tap");
        bed.HostA.Ip("link", "set", bed.Vnetif(Vnet97), "master", Bridge(Vnet97), "mtu", "1436", "up");
        Assert.Empty(bed.HostA.Run(() => a.Configure(configA)));
        Assert.Equal(configA, a.Observe().Config);
        Poll.Until(() => Pings(va, "198.19.0.2"), Deadline, "ping across after the reopen");
    }

    [Fact]
    public void AMacThatMovedAwayLeavesTheLocalBridgesForwardingTable()
    {
        var mac = MacAddress.Parse("aa:00:00:00:00:0a");
        using var bed = new TunnelTestbed();
        bed.AddVnet(bed.HostA, Vnet97, 1436);
        var va = bed.AddVm("va", bed.HostA, Vnet97, "198.19.0.1/24", 1436, mac.ToString());
        var a = bed.Start(bed.HostA, bed.Config("198.18.0.1", bed.Vnet(Vnet97, "198.18.0.2")));
        // The VM broadcasts (ARP for an absent neighbour): the bridge learns it on its port, the engine as local.
        // (Repeated: the bridge may not forward to the vnetif until the kernel has seen its carrier come up.)
        Poll.Until(() =>
        {
            va.Exec("ping", "-c", "1", "-W", "1", "198.19.0.9");
            return a.Observe().Macs.Any(r => r.Mac == mac && r.Address is null);
        }, Deadline, "the engine learning the VM as local");
        Assert.True(BridgeHasLearned(bed.HostA, mac));
        // Quiet the VM: its unanswered ARP is retransmitted for seconds and would teach the bridge the MAC again.
        va.Exec("ip", "neigh", "flush", "all").EnsureSuccess();

        // Host B announces the MAC (SPEC §4.2), as after a migration: host A must drop its bridge's stale entry.
        bed.HostB.Run(() =>
        {
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
                System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
            var announce = new byte[VarpMessage.Length];
            new VarpMessage(VarpOpcode.Announce, Vnet97, mac, 0xC6120002).Write(announce);
            socket.SendTo(announce, new IPEndPoint(IPAddress.Parse("198.18.0.1"), VnetMessageHeader.DefaultPort));
        });
        Poll.Until(() => !BridgeHasLearned(bed.HostA, mac), Deadline, "the stale bridge entry removed over rtnetlink");
        Assert.Contains(a.Observe().Macs, r => r.Mac == mac && Equals(r.Address, IPAddress.Parse("198.18.0.2")));
    }

    /// <summary>The oracle: <c>bridge -j fdb show</c> lists a learned (dynamic) entry for the MAC.</summary>
    private static bool BridgeHasLearned(NetNs host, MacAddress mac)
    {
        using var fdb = System.Text.Json.JsonDocument.Parse(host.Exec("bridge", "-j", "fdb", "show", "br", Bridge(Vnet97)).EnsureSuccess().Stdout);
        return fdb.RootElement.EnumerateArray().Any(e =>
            e.GetProperty("mac").GetString() == mac.ToString() &&
            !(e.TryGetProperty("state", out var state) && state.GetString() is "permanent" or "static"));
    }

    private static MacAddress MacOf(NetNs vm) =>
        MacAddress.Parse(vm.Exec("cat", "/sys/class/net/eth0/address").Stdout.Trim());
}
