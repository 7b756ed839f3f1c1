using System.Net;
using VnetReconciler.Dataplane.Tests.Tunnel.InMemory;
using VnetReconciler.Dataplane.Tunnel;

namespace VnetReconciler.Dataplane.Tests.Tunnel;

/// <summary>The packet path allocates nothing: a warm engine moves thousands of frames both ways with zero bytes allocated.</summary>
public sealed class AllocationTests
{
    [Theory]
    [InlineData(Encapsulation.Udp, FloodMode.Unicast)]
    [InlineData(Encapsulation.Vxlan, FloodMode.Unicast)]
    [InlineData(Encapsulation.Udp, FloodMode.Multicast)]
    public void SendingAndReceivingAllocateNothingPerPacket(Encapsulation encapsulation, FloodMode flood)
    {
        var time = new ManualTimeProvider();
        var platform = new LoopPlatform();
        using var engine = new TunnelEngine(platform, time);
        var peers = new[] { IPAddress.Parse("198.18.0.2"), IPAddress.Parse("198.18.0.3") };
        engine.Configure(new TunnelConfig
        {
            LocalAddress = IPAddress.Parse("198.18.0.1"),
            Flood = flood,
            FloodGroup = IPAddress.Parse("198.18.0.255"),
            RelayPeers = peers,
            FloodRate = 0,
            Vnets = new TunnelVnet[] { new() { Id = new VnetKey(0x97), Vnetif = "vnif0097", Peers = peers, Encapsulation = encapsulation } },
        });
        // Warm up: learn the remote MAC, fill dictionaries, JIT everything.
        for (var i = 0; i < 200; i++) engine.Pump();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++) engine.Pump();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(platform.Device.Reads > 50_000, $"reads {platform.Device.Reads}");
        Assert.True(platform.Bind.Received > 100_000, $"received {platform.Bind.Received}");
        Assert.Equal(0, allocated);
    }

    /// <summary>A device that always has a unicast frame to a MAC the bind keeps teaching from peer .2, and discards writes.</summary>
    private sealed class LoopPlatform : ITunnelPlatform
    {
        public static readonly MacAddress Local = MacAddress.Parse("aa:00:00:00:00:01"), Remote = MacAddress.Parse("aa:00:00:00:00:02");
        public LoopDevice Device { get; } = new();
        public LoopBind Bind { get; private set; } = null!;

        IDatagramBind ITunnelPlatform.Bind(ushort port, uint multicastGroup) => Bind = new LoopBind(port);

        public IFrameDevice OpenDevice(string vnetif) => Device;

        public void ForgetBridgeEntry(string bridge, MacAddress mac) { }
    }

    private sealed class LoopDevice : IFrameDevice
    {
        private readonly byte[] _frame = Frames.IcmpEcho(8, LoopPlatform.Remote, LoopPlatform.Local, 0xC6130001, 0xC6130002, 1, 1, 1000);
        private readonly byte[] _broadcast = Frames.ArpRequest(LoopPlatform.Local, 0xC6130001, 0xC6130002);
        public long Reads;
        public int FileDescriptor => -1;

        public int Read(Span<byte> frame)
        {
            if (Reads++ % (TunnelEngine.BatchSize + 1) == TunnelEngine.BatchSize) return -1; // end of this batch
            var source = Reads % 8 == 0 ? _broadcast : _frame;
            source.CopyTo(frame);
            return source.Length;
        }

        public bool Write(ReadOnlySpan<byte> frame) => true;
        public void Dispose() { }
    }

    private sealed class LoopBind(ushort port) : IDatagramBind
    {
        private readonly byte[] _frame = Frames.IcmpEcho(0, LoopPlatform.Local, LoopPlatform.Remote, 0xC6130002, 0xC6130001, 1, 1, 1000);
        public long Received;
        public int FileDescriptor => -1;
        public ushort Port { get; } = port;

        public int Receive(DatagramBatch batch)
        {
            for (var i = 0; i < batch.Capacity; i++)
            {
                ref var slot = ref batch.Slots[i];
                var span = slot.Buffer.AsSpan(slot.Offset);
                int header;
                if (Port == VxlanHeader.DefaultPort)
                {
                    new VxlanHeader(0x97).Write(span);
                    header = VxlanHeader.Length;
                }
                else
                {
                    EtherIpHeader.WriteFramePrefix(span, new VnetKey(0x97));
                    header = EtherIpHeader.FrameOverhead;
                }
                _frame.CopyTo(span[header..]);
                slot.Length = header + _frame.Length;
                slot.Address = 0xC6120002;
                slot.Port = Port;
            }
            batch.Count = batch.Capacity;
            Received += batch.Count;
            return batch.Count;
        }

        public int Send(DatagramBatch batch, int start) => batch.Count - start;
        public bool SendRawIpv4(ReadOnlySpan<byte> packet) => true;
        public void Dispose() { }
    }
}
