using VnetReconciler.Dataplane.Links;
using VnetReconciler.Dataplane.Tun;
using VnetReconciler.Dataplane.Tunnel.Offload;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// A vnetif opened with <see cref="TapDevice"/>, non-blocking, as the engine's <see cref="IFrameDevice"/>. A broken
/// descriptor (the TAP was deleted under us) is a state, not an exception on the packet path: reads return -1,
/// writes false, and <see cref="IsBroken"/> tells the engine to reopen it at the next Configure. With offloads (the TAP
/// opened with IFF_VNET_HDR and TSO, <see cref="SuperFrameReader"/> given) a read takes a virtio header and a
/// frame or 64 KB super-frame from the kernel and hands the engine MTU-sized frames with complete checksums, one per
/// <see cref="Read"/>; writes put an all-zero virtio header (a complete frame) in front.
/// </summary>
public sealed class TapFrameDevice(TapDevice tap, SuperFrameReader? offload = null, TcpCoalescer? coalescer = null) : IFrameDevice
{
    private static readonly byte[] NoOffloadHeader = new byte[VirtioNetHeader.Length];

    public TapDevice Tap { get; } = tap;

    /// <summary>The segmenter and its counters when the TAP was opened with offloads; null otherwise.</summary>
    public SuperFrameReader? Segmenter { get; } = offload;

    /// <summary>Merges delivered TCP segments into super-frames (needs the virtio header); null otherwise.</summary>
    public TcpCoalescer? Coalescer { get; } = coalescer;

    /// <summary>Merged runs the kernel refused (their segments are lost; TCP retransmits them).</summary>
    public long HeldWriteFailures { get; private set; }

    public bool Holding => Coalescer is { Holding: true };

    public int FileDescriptor => Tap.FileDescriptor;

    public bool IsBroken { get; private set; }

    public bool HasPending => !IsBroken && Segmenter is { HasPending: true };

    public OffloadCounterSnapshot? Offload => Segmenter is null ? null : new OffloadCounterSnapshot
    {
        SuperFrames = Segmenter.SuperFrames,
        Segments = Segmenter.Segments,
        ChecksumsCompleted = Segmenter.ChecksumsCompleted,
        Malformed = Segmenter.Dropped,
        CoalescedRuns = Coalescer?.Runs ?? 0,
        CoalescedSegments = Coalescer?.MergedSegments ?? 0,
        CoalescedWriteFailures = HeldWriteFailures,
    };

    public int Read(Span<byte> frame)
    {
        if (IsBroken) return -1;
        try
        {
            if (Segmenter is null) return Tap.Read(frame);
            while (true)
            {
                var length = Segmenter.Next(frame);
                if (length >= 0) return length;
                var read = Tap.Read(Segmenter.ReadBuffer);
                if (read < 0) return -1;
                Segmenter.Accept(read); // a malformed one is counted and yields nothing
            }
        }
        catch (TapException)
        {
            IsBroken = true;
            return -1;
        }
    }

    public bool Write(ReadOnlySpan<byte> frame)
    {
        if (IsBroken) return false;
        try
        {
            if (Segmenter is null) return Tap.Write(frame);
            if (Coalescer is not null)
            {
                if (Coalescer.TryAppend(frame, out var flushFirst))
                {
                    if (!flushFirst) return true;
                    WriteHeld();
                    Coalescer.Start(frame);
                    return true;
                }
                WriteHeld(); // keep the order: the run before this frame
            }
            return Tap.Write(NoOffloadHeader, frame);
        }
        catch (TapException)
        {
            IsBroken = true;
            return false;
        }
    }

    public void FlushHeld()
    {
        if (IsBroken) return;
        try
        {
            WriteHeld();
        }
        catch (TapException)
        {
            IsBroken = true;
        }
    }

    private void WriteHeld()
    {
        if (Coalescer is not { Holding: true }) return;
        if (!Tap.Write(Coalescer.Take())) HeldWriteFailures++; // virtio header and frame are contiguous
    }

    public void Dispose() => Tap.Dispose();
}

/// <summary>
/// The real host for <see cref="TunnelEngine"/>: UDP binds with recvmmsg/sendmmsg, vnetifs opened with TUNSETIFF and
/// stale bridge entries removed through rtnetlink, all in the network namespace of the thread that calls
/// <see cref="TunnelEngine.Configure"/> (the netlink socket is opened on the first call that creates something).
/// </summary>
public sealed class LinuxTunnelPlatform : ITunnelPlatform, IDisposable
{
    /// <summary>What the vnetifs are asked for: partial checksums and TCP super-frames over IPv4 and IPv6.</summary>
    public const TapOffloads VnetifOffloads = TapOffloads.Checksum | TapOffloads.Tso4 | TapOffloads.Tso6;

    private LinkClient? _links;
    private BridgeFdb? _fdb;

    /// <summary>Offloads on unless the environment says <c>VNET_OFFLOADS=off</c>.</summary>
    public LinuxTunnelPlatform()
        : this(!string.Equals(Environment.GetEnvironmentVariable("VNET_OFFLOADS"), "off", StringComparison.OrdinalIgnoreCase))
    {
    }

    /// <param name="offloads">
    /// open vnetifs with IFF_VNET_HDR and <see cref="VnetifOffloads"/> (segmented in userspace, TapFrameDevice); without,
    /// the TAP's offloads are cleared and the kernel segments and checksums every frame before the tunnel reads it.
    /// </param>
    public LinuxTunnelPlatform(bool offloads) => Offloads = offloads;

    public bool Offloads { get; }

    public IDatagramBind Bind(ushort port, uint multicastGroup)
    {
        OpenLinks();
        return UdpBind.Open(port, multicastGroup: multicastGroup, segmentation: Offloads);
    }

    public IFrameDevice OpenDevice(string vnetif)
    {
        OpenLinks();
        if (!Offloads)
        {
            var plain = TapDevice.Open(vnetif, TapOpenOptions.NonBlocking);
            // The persistent TAP keeps offloads an earlier reader set: clear them, or it would hand over super-frames.
            try
            {
                plain.SetOffload(TapOffloads.None);
            }
            catch (TapException)
            {
                plain.Dispose();
                throw;
            }
            return new TapFrameDevice(plain);
        }
        var tap = TapDevice.Open(vnetif, TapOpenOptions.NonBlocking | TapOpenOptions.VnetHeader);
        try
        {
            tap.SetVnetHeaderSize(VirtioNetHeader.Length);
            tap.SetOffload(VnetifOffloads);
        }
        catch (TapException)
        {
            tap.Dispose();
            throw;
        }
        return new TapFrameDevice(tap, new SuperFrameReader(), new TcpCoalescer());
    }

    public void ForgetBridgeEntry(string bridge, MacAddress mac) => _fdb?.Forget(bridge, mac);

    public void Dispose() => _links?.Dispose();

    private void OpenLinks()
    {
        if (_links is not null) return;
        _links = LinkClient.Open();
        _fdb = new BridgeFdb(_links);
    }
}
