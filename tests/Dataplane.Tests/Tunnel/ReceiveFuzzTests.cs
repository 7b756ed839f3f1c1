using System.Diagnostics;
using System.Net;
using VnetReconciler.Dataplane.Forwarding;
using VnetReconciler.Dataplane.Tests.Tunnel.InMemory;
using VnetReconciler.Dataplane.Tunnel;
using Xunit.Abstractions;

namespace VnetReconciler.Dataplane.Tests.Tunnel;

/// <summary>
/// One million random and mutated datagrams through the receive path: nothing throws, and every datagram is either
/// delivered, consumed as control, or dropped with a counted reason — the counters add up to the number sent.
/// </summary>
public sealed class ReceiveFuzzTests(ITestOutputHelper output)
{
    private const int Datagrams = 1_000_000;
    private const uint Local = 0xC6120001, Peer = 0xC6120002, Stranger = 0xC6120009;

    [Fact]
    public void EveryDatagramIsDeliveredConsumedOrDroppedWithAReason()
    {
        var time = new ManualTimeProvider();
        var platform = new FuzzPlatform(new Random(1798), time);
        using var engine = new TunnelEngine(platform, time);
        var peer = new[] { UnderlayAddress.ToIPAddress(Peer) };
        engine.Configure(new TunnelConfig
        {
            LocalAddress = UnderlayAddress.ToIPAddress(Local),
            Flood = FloodMode.Multicast,
            FloodGroup = IPAddress.Parse("198.18.0.255"),
            RelayPeers = peer,
            MaxMacs = 512,
            Vnets = new TunnelVnet[]
            {
                new() { Id = new VnetKey(0x97), Vnetif = "vnif0097", Peers = peer },
                new() { Id = new VnetKey(0x98), Vnetif = "vnif0098", Peers = peer, Encapsulation = Encapsulation.Vxlan },
                new() { Id = new VnetKey(0x9a), Vnetif = "vnif009a", Peers = peer, Security = VnetSecurity.Auth },
            },
        });
        var sw = Stopwatch.StartNew();
        while (platform.Remaining > 0) engine.Pump();
        sw.Stop();

        var total = engine.Observe().Total;
        output.WriteLine($"{Datagrams} datagrams in {sw.Elapsed.TotalSeconds:0.00} s: delivered {total.Delivered}, consumed {total.Consumed}, " +
            string.Join(", ", total.Drops.OrderBy(d => d.Key).Select(d => $"{DropReasons.Name(d.Key)} {d.Value}")));
        Assert.Equal(Datagrams, total.RxPackets);
        Assert.Equal(Datagrams, total.Delivered + total.Consumed + total.DroppedTotal);
        Assert.Equal(total.Delivered, platform.Devices.Sum(d => d.Writes));
        Assert.True(total.Delivered > 10_000 && total.Consumed > 10_000, "the mutations should leave many valid datagrams");
        foreach (var reason in new[] { DropReason.TooShort, DropReason.BadHeader, DropReason.UnknownType, DropReason.UnknownVnet,
                     DropReason.UnknownPeer, DropReason.PlaintextOnSecureVnet, DropReason.Looped, DropReason.BadForwardedPacket })
            Assert.True(total.Dropped(reason) > 0, $"no datagram was dropped as {reason}");
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), $"took {sw.Elapsed}");
    }

    /// <summary>Binds that generate datagrams and devices that count writes, nothing kept.</summary>
    private sealed class FuzzPlatform(Random random, ManualTimeProvider time) : ITunnelPlatform
    {
        public int Remaining = Datagrams;
        public List<CountingDevice> Devices { get; } = [];

        public IDatagramBind Bind(ushort port, uint multicastGroup) => new FuzzBind(this, port);

        public IFrameDevice OpenDevice(string vnetif)
        {
            var device = new CountingDevice();
            Devices.Add(device);
            return device;
        }

        public void ForgetBridgeEntry(string bridge, MacAddress mac) { }

        public int Fill(DatagramBatch batch, ushort port)
        {
            var n = 0;
            time.Advance(TimeSpan.FromMilliseconds(5));
            while (n < batch.Capacity && Remaining > 0)
            {
                ref var slot = ref batch.Slots[n++];
                Remaining--;
                var span = slot.Buffer.AsSpan(slot.Offset);
                slot.Length = port == VxlanHeader.DefaultPort ? Vxlan(span) : Vnet(span, depth: 0);
                Mutate(span, ref slot.Length);
                slot.Address = random.Next(10) switch { 0 => Stranger, 1 => Local, _ => Peer };
                slot.Port = port;
            }
            batch.Count = n;
            return n;
        }

        private int Vnet(Span<byte> s, int depth)
        {
            var vnet = new VnetKey((UInt128)random.Next(0x96, 0x9c));
            switch (random.Next(depth == 0 ? 4 : 3))
            {
                case 0:
                case 1:
                    EtherIpHeader.WriteFramePrefix(s, vnet);
                    return EtherIpHeader.FrameOverhead + Frame(s[EtherIpHeader.FrameOverhead..]);
                case 2:
                    new VarpMessage(random.Next(2) == 0 ? VarpOpcode.Request : VarpOpcode.Announce, vnet, RandomMac(), (uint)random.Next()).Write(s);
                    return VarpMessage.Length;
                default:
                    var inner = Vnet(s[ForwardedPacket.Overhead..], depth + 1);
                    ForwardedPacket.WritePrefix(s, random.Next(4) == 0 ? Stranger : Peer, 0xC61200FF, VnetMessageHeader.DefaultPort, inner);
                    return ForwardedPacket.Overhead + inner;
            }
        }

        private int Vxlan(Span<byte> s)
        {
            new VxlanHeader((uint)random.Next(0x96, 0x9a)).Write(s);
            return VxlanHeader.Length + Frame(s[VxlanHeader.Length..]);
        }

        private int Frame(Span<byte> s)
        {
            var length = random.Next(14, 200);
            random.NextBytes(s[..length]);
            s[6] &= 0xFE; // mostly a unicast source
            return length;
        }

        private MacAddress RandomMac() => MacAddress.FromUInt64((ulong)random.NextInt64() & 0xFEFF_FFFF_FFFFUL);

        private void Mutate(Span<byte> s, ref int length)
        {
            switch (random.Next(8))
            {
                case 0: // flip a few bytes
                    for (var i = random.Next(1, 4); i > 0; i--) s[random.Next(length)] ^= (byte)random.Next(1, 256);
                    break;
                case 1: // truncate
                    length = random.Next(length + 1);
                    break;
                case 2: // garbage
                    length = random.Next(0, 120);
                    random.NextBytes(s[..length]);
                    break;
                case 3: // another type or opcode
                    s[random.Next(4)] = (byte)random.Next(8);
                    break;
                // otherwise leave it valid
            }
        }
    }

    private sealed class FuzzBind(FuzzPlatform platform, ushort port) : IDatagramBind
    {
        public int FileDescriptor => -1;
        public ushort Port { get; } = port;
        public int Receive(DatagramBatch batch) => platform.Fill(batch, Port);
        public int Send(DatagramBatch batch, int start) => batch.Count - start;
        public bool SendRawIpv4(ReadOnlySpan<byte> packet) => true;
        public void Dispose() { }
    }

    private sealed class CountingDevice : IFrameDevice
    {
        public long Writes;
        public int FileDescriptor => -1;
        public int Read(Span<byte> frame) => -1;
        public bool Write(ReadOnlySpan<byte> frame) { Writes++; return true; }
        public void Dispose() { }
    }
}
