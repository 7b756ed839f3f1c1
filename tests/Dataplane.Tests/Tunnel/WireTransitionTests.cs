using System.Buffers.Binary;
using VnetReconciler.Dataplane.Forwarding;
using VnetReconciler.Dataplane.Tests.Tunnel.InMemory;
using VnetReconciler.Dataplane.Tunnel;
using static VnetReconciler.Dataplane.Tests.Tunnel.InMemory.TunnelHosts;

namespace VnetReconciler.Dataplane.Tests.Tunnel;

/// <summary>
/// SPEC §6.4 "wire changes are made before they are broken", in the engine: a vnet carrying its previous settings
/// (<see cref="TunnelVnet.Previous"/>) accepts both and sends in the old ones until told to switch, so two hosts that
/// apply a change at different moments keep talking through every step of the rollout.
/// </summary>
public sealed class WireTransitionTests
{
    private static readonly MacAddress MacA = MacAddress.Parse("aa:00:00:00:00:0a"), MacB = MacAddress.Parse("aa:00:00:00:00:0b");
    private const uint VmIpA = 0xC6130001, VmIpB = 0xC6130002;
    private ushort _seq;

    /// <summary>A pings B and B pings A; true when both echo replies came back.</summary>
    private bool PingBothWays(TunnelHosts hosts, FakeVm a, FakeVm b)
    {
        var seq = ++_seq;
        var (repliesA, repliesB) = (a.EchoRepliesSeen.Count, b.EchoRepliesSeen.Count);
        foreach (var (host, from, to) in new[] { (hosts.A, a, b), (hosts.B, b, a) })
        {
            if (!from.Neighbours.ContainsKey(to.Ip))
            {
                host.Send(Vnet97, Frames.ArpRequest(from.Mac, from.Ip, to.Ip));
                hosts.Settle();
            }
            if (from.Neighbours.TryGetValue(to.Ip, out var mac))
                host.Send(Vnet97, Frames.IcmpEcho(8, mac, from.Mac, from.Ip, to.Ip, 1, seq));
            hosts.Settle();
        }
        return a.EchoRepliesSeen.Count == repliesA + 1 && b.EchoRepliesSeen.Count == repliesB + 1;
    }

    private static void Configure(TunnelHosts.Host host, uint peer, Func<TunnelVnet, TunnelVnet> vnet) =>
        Assert.Empty(host.Engine.Configure(Config(host.Platform.Address, [vnet(Vnet(Vnet97, peer))])));

    private static TrafficCounterSnapshot Counters(TunnelHosts.Host host) => host.Engine.Observe().VnetCounters[Vnet97];

    [Fact]
    public void AnEncapsulationChangeRollsOutHostByHostWithoutALostPing()
    {
        using var hosts = new TunnelHosts();
        hosts.Add(AddressA);
        hosts.Add(AddressB);
        Configure(hosts.A, AddressB, v => v);
        Configure(hosts.B, AddressA, v => v);
        var (a, b) = (hosts.A.AddVm(Vnet97, MacA, VmIpA), hosts.B.AddVm(Vnet97, MacB, VmIpB));
        Assert.True(PingBothWays(hosts, a, b));

        var toVxlan = new WireTransition { Encapsulation = Encapsulation.Udp };
        Configure(hosts.A, AddressB, v => v with { Encapsulation = Encapsulation.Vxlan, Previous = toVxlan }); // A applied
        Assert.True(PingBothWays(hosts, a, b)); // A still sends in the old settings: B has no VXLAN socket yet
        Configure(hosts.B, AddressA, v => v with { Encapsulation = Encapsulation.Vxlan, Previous = toVxlan }); // B applied
        Assert.True(PingBothWays(hosts, a, b));

        Configure(hosts.A, AddressB, v => v with { Encapsulation = Encapsulation.Vxlan, Previous = toVxlan with { SendPrevious = false } });
        var (heardOldOnA, heardOldOnB) = (Counters(hosts.A).AcceptedPrevious, Counters(hosts.B).AcceptedPrevious);
        Assert.True(PingBothWays(hosts, a, b)); // A sends VXLAN, B still sends the vnet protocol: each accepts the other
        Assert.True(Counters(hosts.A).AcceptedPrevious > heardOldOnA);
        Assert.Equal(heardOldOnB, Counters(hosts.B).AcceptedPrevious); // B hears A in the new settings only
        Configure(hosts.B, AddressA, v => v with { Encapsulation = Encapsulation.Vxlan, Previous = toVxlan with { SendPrevious = false } });
        Assert.True(PingBothWays(hosts, a, b));

        // Both switched: the old settings are no longer accepted, and nothing arrives in them any more.
        Configure(hosts.A, AddressB, v => v with { Encapsulation = Encapsulation.Vxlan });
        Configure(hosts.B, AddressA, v => v with { Encapsulation = Encapsulation.Vxlan });
        var (oldA, oldB) = (Counters(hosts.A).AcceptedPrevious, Counters(hosts.B).AcceptedPrevious);
        Assert.True(PingBothWays(hosts, a, b));
        Assert.Equal((oldA, oldB), (Counters(hosts.A).AcceptedPrevious, Counters(hosts.B).AcceptedPrevious));
    }

    [Fact]
    public void WithoutATransitionAHostThatChangedFirstCannotBeHeard()
    {
        using var hosts = new TunnelHosts();
        hosts.Add(AddressA);
        hosts.Add(AddressB);
        Configure(hosts.A, AddressB, v => v with { Encapsulation = Encapsulation.Vxlan });
        Configure(hosts.B, AddressA, v => v);
        var (a, b) = (hosts.A.AddVm(Vnet97, MacA, VmIpA), hosts.B.AddVm(Vnet97, MacB, VmIpB));
        Assert.False(PingBothWays(hosts, a, b));
        Assert.True(hosts.A.Engine.Observe().Total.Dropped(DropReason.UnknownVnet) > 0);
    }

    [Fact]
    public void ASecurityChangeAcceptsPlaintextAndSealedAndSendsPlaintextUntilTheSwitch()
    {
        using var hosts = new TunnelHosts();
        hosts.Add(AddressA, new TaggedTransport());
        hosts.Add(AddressB, new TaggedTransport());
        Configure(hosts.A, AddressB, v => v);
        Configure(hosts.B, AddressA, v => v);
        var (a, b) = (hosts.A.AddVm(Vnet97, MacA, VmIpA), hosts.B.AddVm(Vnet97, MacB, VmIpB));
        Assert.True(PingBothWays(hosts, a, b));

        var toConf = new WireTransition { Security = VnetSecurity.None };
        Configure(hosts.A, AddressB, v => v with { Security = VnetSecurity.Conf, Previous = toConf });
        Assert.True(PingBothWays(hosts, a, b)); // A still sends plaintext: B has no ESP socket yet
        Configure(hosts.B, AddressA, v => v with { Security = VnetSecurity.Conf, Previous = toConf });
        Configure(hosts.A, AddressB, v => v with { Security = VnetSecurity.Conf, Previous = toConf with { SendPrevious = false } });
        var (plainOnA, sealedOnB) = (Counters(hosts.A).AcceptedPrevious, Counters(hosts.B).AcceptedPrevious);
        Assert.True(PingBothWays(hosts, a, b)); // A seals, B sends plaintext (and VARP in clear)
        Assert.True(Counters(hosts.A).AcceptedPrevious > plainOnA);
        Assert.Equal(sealedOnB, Counters(hosts.B).AcceptedPrevious); // B hears A in its new settings

        Configure(hosts.B, AddressA, v => v with { Security = VnetSecurity.Conf });
        Configure(hosts.A, AddressB, v => v with { Security = VnetSecurity.Conf });
        Assert.True(PingBothWays(hosts, a, b));
        // The transition is over: plaintext is dropped again (SPEC §4.5).
        var frame = Frames.ArpRequest(MacA, VmIpA, VmIpB);
        var datagram = new byte[EtherIpHeader.FrameOverhead + frame.Length];
        EtherIpHeader.WriteFramePrefix(datagram, Vnet97);
        frame.CopyTo(datagram.AsSpan(EtherIpHeader.FrameOverhead));
        hosts.Network.Deliver(AddressA, AddressB, VnetMessageHeader.DefaultPort, datagram);
        hosts.Settle();
        Assert.Equal(1, Counters(hosts.B).Dropped(DropReason.PlaintextOnSecureVnet));
    }

    [Fact]
    public void DroppingSecurityKeepsSealingUntilTheSwitchAndHearsBoth()
    {
        using var hosts = new TunnelHosts();
        hosts.Add(AddressA, new TaggedTransport());
        hosts.Add(AddressB, new TaggedTransport());
        Configure(hosts.A, AddressB, v => v with { Security = VnetSecurity.Auth });
        Configure(hosts.B, AddressA, v => v with { Security = VnetSecurity.Auth });
        var (a, b) = (hosts.A.AddVm(Vnet97, MacA, VmIpA), hosts.B.AddVm(Vnet97, MacB, VmIpB));
        Assert.True(PingBothWays(hosts, a, b));

        var fromAuth = new WireTransition { Security = VnetSecurity.Auth };
        Configure(hosts.A, AddressB, v => v with { Previous = fromAuth });
        Assert.True(PingBothWays(hosts, a, b)); // A still seals: B drops plaintext on its secure vnet
        Assert.Equal(0, Counters(hosts.B).Dropped(DropReason.PlaintextOnSecureVnet));
        Configure(hosts.B, AddressA, v => v with { Previous = fromAuth with { SendPrevious = false } });
        Assert.True(PingBothWays(hosts, a, b)); // B sends plaintext, A still seals
        Configure(hosts.A, AddressB, v => v with { Previous = fromAuth with { SendPrevious = false } });
        Configure(hosts.B, AddressA, v => v);
        Configure(hosts.A, AddressB, v => v);
        Assert.True(PingBothWays(hosts, a, b));
        Assert.Equal(0, hosts.A.Engine.Observe().Total.DroppedTotal);
        Assert.Equal(0, hosts.B.Engine.Observe().Total.DroppedTotal);
    }

    /// <summary>
    /// A stand-in for ESP that only tags the payload (kind, vnet) in front: enough to tell sealed from plaintext traffic
    /// on the in-memory underlay. Not a cipher.
    /// </summary>
    private sealed class TaggedTransport : ISecureTransport
    {
        public const ushort EspPort = 4500;
        private const int TagLength = 1 + 16;

        public ushort Port => EspPort;

        public DropReason Seal(VnetKey vnet, uint peer, byte[] buffer, ref int offset, ref int length, SecurePayload payload)
        {
            offset -= TagLength;
            length += TagLength;
            buffer[offset] = (byte)payload;
            BinaryPrimitives.WriteUInt128BigEndian(buffer.AsSpan(offset + 1), vnet.Value);
            return DropReason.None;
        }

        public DropReason Open(uint source, byte[] buffer, ref int offset, ref int length, out VnetKey vnet, out SecurePayload payload)
        {
            vnet = default;
            payload = default;
            if (length < TagLength) return DropReason.EspMalformed;
            payload = (SecurePayload)buffer[offset];
            vnet = new VnetKey(BinaryPrimitives.ReadUInt128BigEndian(buffer.AsSpan(offset + 1)));
            offset += TagLength;
            length -= TagLength;
            return DropReason.None;
        }
    }
}
