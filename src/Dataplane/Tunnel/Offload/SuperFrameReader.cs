using System.Runtime.CompilerServices;

namespace VnetReconciler.Dataplane.Tunnel.Offload;

/// <summary>
/// Turns what a TAP opened with IFF_VNET_HDR and TSO offloads hands over (virtio header + frame or super-frame, up to
/// 64 KB) into the MTU-sized frames the tunnel sends, one per <see cref="Next"/>, into the caller's pooled buffer:
/// super-frames are segmented (<see cref="TcpSegmenter"/>), partial checksums completed. One pinned buffer, allocated
/// once; nothing per frame. Counters are plain fields read by the owner (the loop thread).
/// </summary>
public sealed class SuperFrameReader
{
    /// <summary>The largest frame a TAP can hand over (64 KB of IP plus Ethernet and a VLAN tag), plus its virtio header.</summary>
    public const int BufferLength = VirtioNetHeader.Length + 65535 + 18;

    // The read buffer (64 KB, pinned) is allocated on first use: an agent carrying 1,000 mostly idle vnets opens
    // 1,000 of these, and only the ones that carry traffic need it.
    private byte[]? _buffer;

    private byte[] Storage => _buffer ??= GC.AllocateArray<byte>(BufferLength, pinned: true);
    private VirtioNetHeader _header;
    private SuperFrameLayout _layout;
    private int _frameLength, _next, _count;

    /// <summary>Where the next read from the TAP goes (virtio header first).</summary>
    public Span<byte> ReadBuffer => Storage;

    public long SuperFrames { get; private set; }

    public long Segments { get; private set; }

    public long ChecksumsCompleted { get; private set; }

    /// <summary>Frames dropped because their header or layout made no sense (<see cref="OffloadResult.Malformed"/>/<see cref="OffloadResult.Unsupported"/>).</summary>
    public long Dropped { get; private set; }

    /// <summary>Whether frames of the last read are still waiting for <see cref="Next"/>.</summary>
    public bool HasPending => _next < _count;

    /// <summary>Takes a read of <paramref name="length"/> bytes (header included) from <see cref="ReadBuffer"/>.</summary>
    public OffloadResult Accept(int length)
    {
        _next = _count = 0;
        var result = Parse(length);
        if (result != OffloadResult.Ok) Dropped++;
        return result;
    }

    private OffloadResult Parse(int length)
    {
        if (length < VirtioNetHeader.Length) return OffloadResult.Malformed;
        _header = VirtioNetHeader.Read(Storage);
        _frameLength = length - VirtioNetHeader.Length;
        if (_header.IsSuperFrame)
        {
            var result = TcpSegmenter.Prepare(Frame, _header, out _layout);
            if (result != OffloadResult.Ok) return result;
            SuperFrames++;
            _count = _layout.SegmentCount;
            return OffloadResult.Ok;
        }
        if (_header.NeedsChecksum && _header.ChecksumStart + _header.ChecksumOffset + 2 > _frameLength) return OffloadResult.Malformed;
        _count = 1;
        return OffloadResult.Ok;
    }

    private ReadOnlySpan<byte> Frame => Storage.AsSpan(VirtioNetHeader.Length, _frameLength);

    /// <summary>Writes the next frame into <paramref name="destination"/>; its length, or -1 when none is left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Next(Span<byte> destination)
    {
        while (_next < _count)
        {
            var index = _next++;
            if (_header.IsSuperFrame)
            {
                var length = TcpSegmenter.WriteSegment(Frame, _layout, index, destination);
                if (length >= 0)
                {
                    Segments++;
                    return length;
                }
            }
            else if (_frameLength <= destination.Length)
            {
                var frame = destination[.._frameLength];
                Frame.CopyTo(frame);
                if (!_header.NeedsChecksum) return _frameLength;
                TcpSegmenter.CompleteChecksum(frame, _header.ChecksumStart, _header.ChecksumOffset);
                ChecksumsCompleted++;
                return _frameLength;
            }
            Dropped++; // the caller's buffer is smaller than a segment: cannot happen with the engine's 64 KB slots
        }
        return -1;
    }
}
