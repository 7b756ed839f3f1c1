using System.Net;
using VnetReconciler.Dataplane.Tests.Tunnel.InMemory;
using VnetReconciler.Dataplane.Tunnel;

namespace VnetReconciler.Dataplane.Tests.Offload;

/// <summary>
/// Segments of a super-frame already taken from the kernel are invisible to epoll: one service of the vnetif must send
/// them all, not stop at one batch and leave the tail waiting for the next frame.
/// </summary>
public sealed class PendingSegmentsTests
{
    /// <summary>A vnetif whose frames were all read in one go (as the segments of super-frames are).</summary>
    private sealed class SegmentedTap : IFrameDevice
    {
        public Queue<byte[]> Taken { get; } = new();
        public int FileDescriptor => -1;
        public bool HasPending => Taken.Count > 0;

        public int Read(Span<byte> frame)
        {
            if (!Taken.TryDequeue(out var next)) return -1;
            next.CopyTo(frame);
            return next.Length;
        }

        public bool Write(ReadOnlySpan<byte> frame) => true;

        public void Dispose()
        {
        }
    }

    private sealed class Platform(InMemoryHost host, SegmentedTap tap) : ITunnelPlatform
    {
        public IDatagramBind Bind(ushort port, uint multicastGroup) => host.Bind(port, multicastGroup);
        public IFrameDevice OpenDevice(string vnetif) => tap;
        public void ForgetBridgeEntry(string bridge, MacAddress mac) { }
    }

    [Fact]
    public void OneServiceSendsEverySegmentAlreadyRead()
    {
        var network = new InMemoryNetwork();
        var tap = new SegmentedTap();
        using var engine = new TunnelEngine(new Platform(new InMemoryHost(network, 0xC6120001), tap), TimeProvider.System);
        Assert.Empty(engine.Configure(new TunnelConfig
        {
            LocalAddress = IPAddress.Parse("198.18.0.1"),
            Vnets = new[] { new TunnelVnet { Id = new VnetKey(0x97), Vnetif = "vnif0097", Mtu = 1500, Peers = new[] { IPAddress.Parse("198.18.0.2") } } },
        }));
        var vm = MacAddress.Parse("02:00:00:00:00:0a");
        var peer = MacAddress.Parse("02:00:00:00:00:0b");
        for (var i = 0; i < 3 * TunnelEngine.BatchSize / 2; i++)
            tap.Taken.Enqueue(Frames.Ethernet(peer, vm, Frames.Ipv4, new byte[1000]));
        var before = network.Datagrams;
        engine.Pump();
        Assert.Empty(tap.Taken);
        Assert.True(network.Datagrams - before >= 3 * TunnelEngine.BatchSize / 2, $"{network.Datagrams - before} datagrams");
    }
}
