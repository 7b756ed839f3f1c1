using System.Buffers.Binary;
using System.Net;
using VnetReconciler.Dataplane.Forwarding;
using VnetReconciler.Dataplane.Tests.Tunnel.InMemory;
using VnetReconciler.Dataplane.Tunnel;
using static VnetReconciler.Dataplane.Tests.Tunnel.InMemory.TunnelHosts;

namespace VnetReconciler.Dataplane.Tests.Tunnel;

/// <summary>Two (or three) engines on an in-memory underlay with in-memory vnetifs: SPEC §4.1–§4.4 without the kernel.</summary>
public sealed class TunnelEngineTests
{
    private static readonly MacAddress MacA = MacAddress.Parse("aa:00:00:00:00:0a"), MacB = MacAddress.Parse("aa:00:00:00:00:0b");
    private const uint VmIpA = 0xC6130001, VmIpB = 0xC6130002; // 198.19.0.1, .2

    private static (FakeVm A, FakeVm B) Vms(TunnelHosts hosts, VnetKey vnet) =>
        (hosts.A.AddVm(vnet, MacA, VmIpA), hosts.B.AddVm(vnet, MacB, VmIpB));

    private static void Ping(TunnelHosts hosts, FakeVm from, FakeVm to, VnetKey vnet, ushort seq)
    {
        var sender = from.Mac == MacA ? hosts.A : hosts.B;
        if (!from.Neighbours.ContainsKey(to.Ip))
        {
            sender.Send(vnet, Frames.ArpRequest(from.Mac, from.Ip, to.Ip));
            hosts.Settle();
        }
        sender.Send(vnet, Frames.IcmpEcho(8, from.Neighbours[to.Ip], from.Mac, from.Ip, to.Ip, 1, seq));
        hosts.Settle();
    }

    [Fact]
    public void VmsOnTwoHostsPingEachOther()
    {
        using var hosts = Pair();
        var (a, b) = Vms(hosts, Vnet97);
        Ping(hosts, a, b, Vnet97, seq: 1);
        Assert.Equal(MacB, a.Neighbours[VmIpB]);
        Assert.Equal([(ushort)1], a.EchoRepliesSeen);

        var macsA = hosts.A.Engine.Observe().Macs;
        Assert.Contains(new MacTableRow(Vnet97, MacB, IPAddress.Parse("198.18.0.2"), TimeSpan.Zero), macsA);
        Assert.Contains(macsA, r => r.Mac == MacA && r.Address is null);
        var countersA = hosts.A.Engine.Observe().VnetCounters[Vnet97];
        Assert.Equal(1, countersA.Floods); // the ARP request; the echo went unicast to the learned MAC
        Assert.Equal(2, countersA.TxPackets);
        Assert.Equal(2, countersA.RxPackets);
        var peerB = hosts.A.Engine.Observe().PeerCounters[IPAddress.Parse("198.18.0.2")];
        Assert.True(peerB.RxPackets >= 2 && peerB.TxPackets >= 2);
    }

    [Fact]
    public void VnetsAreIsolated()
    {
        using var hosts = Pair();
        var (a, b) = Vms(hosts, Vnet97);
        var other = hosts.B.AddVm(Vnet98, MacAddress.Parse("aa:00:00:00:00:98"), VmIpB);
        Ping(hosts, a, b, Vnet97, seq: 1);
        Assert.Empty(hosts.B.DeliveredOn(Vnet98));
        Assert.Empty(other.Neighbours);
        // A vnet-98 VM asking for the vnet-97 VM's address gets nothing.
        var c = hosts.A.AddVm(Vnet98, MacAddress.Parse("aa:00:00:00:00:c8"), VmIpA);
        hosts.A.Send(Vnet98, Frames.ArpRequest(c.Mac, c.Ip, VmIpB));
        hosts.Settle();
        Assert.False(c.Neighbours.ContainsKey(VmIpB) && c.Neighbours[VmIpB] == MacB);
        Assert.DoesNotContain(hosts.B.DeliveredOn(Vnet97), f => Frames.Source(f) == c.Mac);
    }

    [Fact]
    public void DatagramsFromUnknownPeersOrForUnknownVnetsAreDroppedAndCounted()
    {
        using var hosts = Pair();
        var frame = Frames.ArpRequest(MacA, VmIpA, VmIpB);
        var datagram = new byte[EtherIpHeader.FrameOverhead + frame.Length];
        EtherIpHeader.WriteFramePrefix(datagram, Vnet97);
        frame.CopyTo(datagram.AsSpan(EtherIpHeader.FrameOverhead));
        var stranger = new InMemoryBind(hosts.Network, 0xC6120009, VnetMessageHeader.DefaultPort);
        hosts.Network.Deliver(stranger.Address, AddressB, VnetMessageHeader.DefaultPort, datagram);
        EtherIpHeader.WriteFramePrefix(datagram, new VnetKey(0x99));
        hosts.Network.Deliver(AddressA, AddressB, VnetMessageHeader.DefaultPort, datagram);
        hosts.Settle();
        var total = hosts.B.Engine.Observe().Total;
        Assert.Equal(1, total.Dropped(DropReason.UnknownPeer));
        Assert.Equal(1, total.Dropped(DropReason.UnknownVnet));
        Assert.Equal(1, hosts.B.Engine.Observe().VnetCounters[Vnet97].Dropped(DropReason.UnknownPeer));
        Assert.Empty(hosts.B.DeliveredOn(Vnet97));
    }

    [Fact]
    public void AcceptUnknownPeersLetsAStrangerIn()
    {
        using var hosts = Pair(c => c with { AcceptUnknownPeers = true });
        var frame = Frames.ArpRequest(MacA, VmIpA, VmIpB);
        var datagram = new byte[EtherIpHeader.FrameOverhead + frame.Length];
        EtherIpHeader.WriteFramePrefix(datagram, Vnet97);
        frame.CopyTo(datagram.AsSpan(EtherIpHeader.FrameOverhead));
        hosts.Network.Deliver(0xC6120009, AddressB, VnetMessageHeader.DefaultPort, datagram);
        hosts.Settle();
        Assert.Single(hosts.B.DeliveredOn(Vnet97));
    }

    [Fact]
    public void LearnedMacsAgeOutAndFloodingResumes()
    {
        using var hosts = Pair();
        var (a, b) = Vms(hosts, Vnet97);
        Ping(hosts, a, b, Vnet97, seq: 1);
        hosts.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Contains(hosts.A.Engine.Observe().Macs, r => r.Mac == MacB);
        hosts.Time.Advance(TimeSpan.FromSeconds(2));
        hosts.A.Engine.Expire();
        Assert.Empty(hosts.A.Engine.Observe().Macs);
        var floods = hosts.A.Engine.Observe().VnetCounters[Vnet97].Floods;
        Ping(hosts, a, b, Vnet97, seq: 2); // a still knows b's MAC: the echo request floods, the reply teaches again
        Assert.Equal(floods + 1, hosts.A.Engine.Observe().VnetCounters[Vnet97].Floods);
        Assert.Equal([(ushort)1, 2], a.EchoRepliesSeen);
    }

    [Fact]
    public void DeclaredLocalMacsAreAnnouncedAndVarpRequestsAnswered()
    {
        var declared = MacAddress.Parse("aa:00:00:11:00:12");
        using var hosts = new TunnelHosts();
        hosts.Add(AddressA).Engine.Configure(Config(AddressA, [Vnet(Vnet97, AddressB)]));
        hosts.Settle();
        hosts.Add(AddressB).Engine.Configure(Config(AddressB, [Vnet(Vnet97, AddressA) with { LocalMacs = new[] { declared } }]));
        hosts.Settle();
        Assert.Contains(new MacTableRow(Vnet97, declared, IPAddress.Parse("198.18.0.2"), TimeSpan.Zero), hosts.A.Engine.Observe().Macs);

        hosts.Time.Advance(TimeSpan.FromSeconds(61));
        hosts.A.Engine.Expire();
        Assert.Empty(hosts.A.Engine.Observe().Macs);
        hosts.A.Engine.Request(Vnet97, declared);
        hosts.Settle();
        Assert.Contains(hosts.A.Engine.Observe().Macs, r => r.Mac == declared && Equals(r.Address, IPAddress.Parse("198.18.0.2")));
        Assert.True(hosts.B.Engine.Observe().Total.Consumed >= 1);
    }

    [Fact]
    public void AMacThatMovesIsAnnouncedAndTheStaleBridgeEntryRemoved()
    {
        using var hosts = Pair();
        var (a, b) = Vms(hosts, Vnet97);
        Ping(hosts, a, b, Vnet97, seq: 1);
        Assert.Contains(hosts.B.Engine.Observe().Macs, r => r.Mac == MacA && Equals(r.Address, hosts.A.Address));

        // VM a migrates to host B and sends a gratuitous ARP there.
        hosts.A.RemoveVm(Vnet97, a);
        hosts.B.AddVm(Vnet97, MacA, VmIpA);
        hosts.B.Send(Vnet97, Frames.ArpPacket(1, MacA, VmIpA, default, VmIpA, MacAddress.Broadcast));
        hosts.Settle();
        Assert.Contains(hosts.B.Engine.Observe().Macs, r => r.Mac == MacA && r.Address is null);
        Assert.Contains(hosts.A.Engine.Observe().Macs, r => r.Mac == MacA && Equals(r.Address, hosts.B.Address));
        Assert.Contains(("vnet97", MacA), hosts.A.Platform.ForgottenFdbEntries);
    }

    [Fact]
    public void TheMacTableCapIsCountedAndFramesStillFlow()
    {
        using var hosts = Pair(c => c with { MaxMacs = 4 });
        for (var i = 0; i < 10; i++)
            hosts.A.Send(Vnet97, Frames.ArpRequest(MacAddress.FromUInt64(0xaa0000000100UL + (ulong)i), VmIpA, VmIpB));
        hosts.Settle();
        Assert.Equal(6, hosts.A.Engine.Observe().VnetCounters[Vnet97].MacTableFull);
        Assert.Equal(10, hosts.B.DeliveredOn(Vnet97).Count);
        Assert.Equal(4, hosts.B.Engine.Observe().Macs.Length);
        Assert.Equal(6, hosts.B.Engine.Observe().VnetCounters[Vnet97].MacTableFull);
    }

    [Fact]
    public void FloodsAreRateLimitedPerVnet()
    {
        using var hosts = Pair(c => c with { FloodRate = 10, FloodBurst = 5 });
        for (var i = 0; i < 20; i++) hosts.A.Send(Vnet97, Frames.ArpRequest(MacA, VmIpA, VmIpB));
        hosts.A.Send(Vnet98, Frames.ArpRequest(MacA, VmIpA, VmIpB));
        hosts.Settle();
        var c97 = hosts.A.Engine.Observe().VnetCounters[Vnet97];
        Assert.Equal(5, c97.Floods);
        Assert.Equal(15, c97.Dropped(DropReason.FloodRateLimited));
        Assert.Single(hosts.B.DeliveredOn(Vnet98)); // the other vnet has its own bucket
        hosts.Time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 20; i++) hosts.A.Send(Vnet97, Frames.ArpRequest(MacA, VmIpA, VmIpB));
        hosts.Settle();
        Assert.Equal(10, hosts.A.Engine.Observe().VnetCounters[Vnet97].Floods);
    }

    [Fact]
    public void AnOversizedDfPacketIsAnsweredWithFragmentationNeeded()
    {
        using var hosts = Pair();
        var (a, b) = Vms(hosts, Vnet97);
        Ping(hosts, a, b, Vnet97, seq: 1);
        hosts.A.Send(Vnet97, Frames.IcmpEcho(8, MacB, MacA, VmIpA, VmIpB, 1, 2, dataLength: 1500 - 28));
        hosts.Settle();
        var icmp = Assert.Single(a.Other);
        Assert.Equal(MacA, Frames.Destination(icmp));
        Assert.Equal(MacB, Frames.Source(icmp));
        var ip = icmp.AsSpan(14);
        Assert.Equal(VmIpB, BinaryPrimitives.ReadUInt32BigEndian(ip[12..]));
        Assert.Equal(VmIpA, BinaryPrimitives.ReadUInt32BigEndian(ip[16..]));
        Assert.Equal(0, Frames.Checksum(ip[..20]));
        var message = ip[20..];
        Assert.Equal((3, 4), (message[0], message[1]));
        Assert.Equal(1436, BinaryPrimitives.ReadUInt16BigEndian(message[6..]));
        Assert.Equal(0, Frames.Checksum(message));
        var counters = hosts.A.Engine.Observe().VnetCounters[Vnet97];
        Assert.Equal(1, counters.IcmpTooBig);
        Assert.Equal(1, counters.Dropped(DropReason.FragmentationNeeded));
        Assert.DoesNotContain(hosts.B.DeliveredOn(Vnet97), f => f.Length > 1000);
    }

    [Fact]
    public void AnOversizedPacketWithoutDfGoesOutForOuterFragmentation()
    {
        using var hosts = Pair();
        var (a, b) = Vms(hosts, Vnet97);
        Ping(hosts, a, b, Vnet97, seq: 1);
        hosts.A.Send(Vnet97, Frames.IcmpEcho(8, MacB, MacA, VmIpA, VmIpB, 1, 2, dataLength: 1500 - 28, dontFragment: false));
        hosts.Settle();
        Assert.Equal(1, hosts.A.Engine.Observe().VnetCounters[Vnet97].OuterFragmented);
        Assert.Contains(hosts.B.DeliveredOn(Vnet97), f => f.Length == 1514);
    }

    [Fact]
    public void AnOversizedIpv6PacketGetsPacketTooBig()
    {
        using var hosts = Pair();
        var ipv6 = new byte[40 + 1460];
        ipv6[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ipv6.AsSpan(4), 1460);
        ipv6[6] = 59; // no next header
        ipv6[8] = 0xfd; ipv6[23] = 1; ipv6[24] = 0xfd; ipv6[39] = 2;
        hosts.A.Send(Vnet97, Frames.Ethernet(MacB, MacA, Frames.Ipv6, ipv6));
        hosts.Settle();
        var answer = Assert.Single(hosts.A.DeliveredOn(Vnet97));
        Assert.Equal(Frames.Ipv6, Frames.EtherType(answer));
        Assert.Equal(58, answer[14 + 6]);
        Assert.Equal(2, answer[14 + 40]);
        Assert.Equal(1436u, BinaryPrimitives.ReadUInt32BigEndian(answer.AsSpan(14 + 44)));
        Assert.True(answer.Length - 14 <= 1280);
    }

    [Fact]
    public void VxlanVnetsPingAndUseTheVxlanPort()
    {
        using var hosts = Pair(encapsulation: Encapsulation.Vxlan);
        var (a, b) = Vms(hosts, Vnet97);
        Ping(hosts, a, b, Vnet97, seq: 7);
        Assert.Equal([(ushort)7], a.EchoRepliesSeen);
        Assert.True(hosts.A.Platform.Binds.ContainsKey(VxlanHeader.DefaultPort));
        Assert.Equal(0, hosts.A.Engine.Observe().Total.Consumed); // no VARP on VXLAN vnets
    }

    [Fact]
    public void SecureVnetsDropPlaintextAndNeedATransport()
    {
        using var hosts = Pair(c => c with { Vnets = c.Vnets.Select(v => v with { Security = VnetSecurity.Conf }).ToArray() });
        hosts.A.Send(Vnet97, Frames.ArpRequest(MacA, VmIpA, VmIpB));
        hosts.Settle();
        Assert.Equal(1, hosts.A.Engine.Observe().VnetCounters[Vnet97].Dropped(DropReason.NoSecurityAssociation));
        var frame = Frames.ArpRequest(MacA, VmIpA, VmIpB);
        var datagram = new byte[EtherIpHeader.FrameOverhead + frame.Length];
        EtherIpHeader.WriteFramePrefix(datagram, Vnet97);
        frame.CopyTo(datagram.AsSpan(EtherIpHeader.FrameOverhead));
        hosts.Network.Deliver(AddressA, AddressB, VnetMessageHeader.DefaultPort, datagram);
        hosts.Settle();
        Assert.Equal(1, hosts.B.Engine.Observe().VnetCounters[Vnet97].Dropped(DropReason.PlaintextOnSecureVnet));
        Assert.Empty(hosts.B.DeliveredOn(Vnet97));
    }

    [Fact]
    public void MulticastFloodsGoToTheBroadcastAddressAndOwnCopiesAreDropped()
    {
        var broadcast = UnderlayAddress.ToIPAddress(InMemoryNetwork.Broadcast);
        using var hosts = Pair(c => c with { Flood = FloodMode.Multicast, FloodGroup = broadcast });
        var (a, b) = Vms(hosts, Vnet97);
        Ping(hosts, a, b, Vnet97, seq: 1);
        Assert.Equal([(ushort)1], a.EchoRepliesSeen);
        Assert.True(hosts.A.Engine.Observe().Total.Dropped(DropReason.Looped) >= 1);
    }

    [Fact]
    public void ForwardedMulticastReachesAnotherSegmentThroughARelayPeer()
    {
        const uint addressC = 0xC6140003; // 198.20.0.3, a segment the broadcast does not reach
        var broadcast = UnderlayAddress.ToIPAddress(InMemoryNetwork.Broadcast);
        using var hosts = new TunnelHosts();
        var a = hosts.Add(AddressA);
        var c = hosts.Add(addressC);
        a.Engine.Configure(Config(AddressA, [Vnet(Vnet97, addressC)]) with
        {
            Flood = FloodMode.Multicast, FloodGroup = broadcast, RelayPeers = new[] { UnderlayAddress.ToIPAddress(addressC) },
        });
        c.Engine.Configure(Config(addressC, [Vnet(Vnet97, AddressA)]) with
        {
            Flood = FloodMode.Multicast, FloodGroup = IPAddress.Parse("198.20.0.255"), RelayPeers = new[] { UnderlayAddress.ToIPAddress(AddressA) },
        });
        hosts.Settle();
        a.Send(Vnet97, Frames.ArpRequest(MacA, VmIpA, VmIpB));
        hosts.Settle();
        Assert.Contains(c.DeliveredOn(Vnet97), f => Frames.Source(f) == MacA);
        Assert.Contains(c.Engine.Observe().Macs, r => r.Mac == MacA && Equals(r.Address, a.Address));
        // Re-sent on C's segment with A's source, to C's group, never relayed again.
        var resent = hosts.Network.RawPackets.Where(p => p.From == addressC).Select(p => p.Packet).ToList();
        Assert.NotEmpty(resent);
        Assert.All(resent, p =>
        {
            Assert.Equal(AddressA, BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(12)));
            Assert.Equal(0xC61400FFu, BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(16)));
            Assert.Equal(0, Frames.Checksum(p.AsSpan(0, 20)));
        });
        Assert.Equal(0, a.Engine.Observe().Total.Dropped(DropReason.BadForwardedPacket));
    }

    [Fact]
    public void ObserveReturnsTheConfiguredRecordsAndMissingVnetifsAreProblems()
    {
        using var hosts = new TunnelHosts();
        var host = hosts.Add(AddressA);
        var config = Config(AddressA, [Vnet(Vnet97, AddressB), Vnet(Vnet98, AddressB)]);
        Assert.Empty(host.Engine.Configure(config));
        Assert.Equal(config, host.Engine.Observe().Config);

        var broken = config with { Vnets = new[] { config.Vnets[0], config.Vnets[1] with { Vnetif = "missing98" } } };
        var problems = host.Engine.Configure(broken);
        Assert.Contains(problems, p => p.Contains("missing98"));
        Assert.NotEqual(broken, host.Engine.Observe().Config);
        Assert.Equal(new[] { config.Vnets[0] }, host.Engine.Observe().Config!.Vnets);
        Assert.True(hosts.A.Platform.Taps["vnif0098"].Disposed);
        Assert.False(hosts.A.Platform.Taps["vnif0097"].Disposed);

        var moved = config with { Vnets = new[] { config.Vnets[0] with { Peers = new[] { IPAddress.Parse("198.18.0.3") } } } };
        Assert.Empty(host.Engine.Configure(moved));
        Assert.Equal([IPAddress.Parse("198.18.0.3")], host.Engine.Observe().PeerCounters.Keys);
    }

    [Fact]
    public void ABrokenVnetifIsReportedAbsentAndReopenedByTheNextConfigure()
    {
        using var hosts = new TunnelHosts();
        var host = hosts.Add(AddressA);
        var config = Config(AddressA, [Vnet(Vnet97, AddressB), Vnet(Vnet98, AddressB)]);
        host.Engine.Configure(config);
        var broken = host.Tap(Vnet98);
        broken.IsBroken = true;
        Assert.Equal(new[] { config.Vnets[0] }, host.Engine.Observe().Config!.Vnets);
        Assert.Empty(host.Engine.Configure(config));
        Assert.True(broken.Disposed);
        Assert.NotSame(broken, host.Tap(Vnet98));
        Assert.Equal(config, host.Engine.Observe().Config);
    }
}

/// <summary>Types 4 and 5 go to the control handler (the ESP transport's handshake, the agent's probes).</summary>
public sealed class ControlHandlerTests
{
    [Fact]
    public void ProbesReachTheHandlerAndItsAnswersGoBack()
    {
        using var hosts = new TunnelHosts();
        var probes = new ProbeResponder();
        var a = hosts.Add(TunnelHosts.AddressA);
        var b = new TunnelEngine(new InMemoryHost(hosts.Network, TunnelHosts.AddressB), hosts.Time, control: probes);
        try
        {
            a.Engine.Configure(TunnelHosts.Config(TunnelHosts.AddressA, [TunnelHosts.Vnet(TunnelHosts.Vnet97, TunnelHosts.AddressB)]));
            b.Configure(TunnelHosts.Config(TunnelHosts.AddressB, [TunnelHosts.Vnet(TunnelHosts.Vnet97, TunnelHosts.AddressA)]));
            probes.Engine = b;
            var probe = new byte[12];
            new VnetMessageHeader(VnetMessageType.Probe, 1).Write(probe);
            Assert.True(a.Engine.SendControl(TunnelHosts.AddressB, probe));
            b.Pump();
            a.Engine.Pump();
            Assert.Equal([(VnetMessageType.Probe, TunnelHosts.AddressA)], probes.Seen);
            Assert.Equal(1, b.Observe().Total.Consumed);
            // A has no handler: the answer (type 5, opcode 2) is counted as an unknown type there.
            Assert.Equal(1, a.Engine.Observe().Total.Dropped(DropReason.UnknownType));
        }
        finally
        {
            b.Dispose();
        }
    }

    private sealed class ProbeResponder : IVnetControlHandler
    {
        public TunnelEngine? Engine;
        public List<(VnetMessageType, uint)> Seen { get; } = [];

        public DropReason Handle(VnetMessageType type, ReadOnlySpan<byte> payload, uint source)
        {
            Seen.Add((type, source));
            var answer = payload.ToArray();
            new VnetMessageHeader(VnetMessageType.Probe, 2).Write(answer);
            Engine!.SendControl(source, answer);
            return DropReason.None;
        }
    }
}
