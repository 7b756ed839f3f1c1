using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace VnetReconciler.Dataplane.Tunnel.Offload;

/// <summary>
/// The receive half of the offload path (the kernel's GRO, in userspace): consecutive in-order TCP/IPv4 segments of
/// one flow that the tunnel delivers to a vnetif are merged into one super-frame, written once with a virtio header
/// (GSO_TCPV4, gso_size = the segments' payload size, NEEDS_CSUM) so the kernel and the VM's stack handle 64 KB at a
/// time. Only segments whose IPv4 and TCP checksums verify are merged (the kernel recomputes the merged checksum, so a
/// corrupted segment must never enter a run); anything else flushes the run and is written as it is. One pinned
/// buffer, no allocation per frame. The caller writes what <see cref="TryAppend"/> refuses and calls <see cref="Take"/>
/// at the end of each batch.
/// </summary>
public sealed class TcpCoalescer
{
    /// <summary>The largest IPv4 packet (RFC 791 total length) and UDP_MAX_SEGMENTS-like cap on segments per run.</summary>
    private const int MaxIpLength = 65535, MaxSegments = 64, Ethernet = 14, Ipv4Header = 20;
    private const int FrameStart = VirtioNetHeader.Length;

    // The run being merged (64 KB, pinned) is allocated on first use: an agent carrying 1,000 mostly idle vnets opens
    // 1,000 of these, and only the ones that carry traffic need it.
    private byte[]? _buffer;

    private byte[] Storage => _buffer ??= GC.AllocateArray<byte>(FrameStart + Ethernet + MaxIpLength, pinned: true);
    private int _length, _segments, _segmentSize, _headerLength;
    private uint _nextSequence;
    private bool _closed;

    public long Runs { get; private set; }

    public long MergedSegments { get; private set; }

    /// <summary>Whether a run (one or more segments) waits for <see cref="Take"/>.</summary>
    public bool Holding => _segments > 0;

    /// <summary>
    /// Adds <paramref name="frame"/> to the current run or starts a new one. False: the frame cannot be merged (not TCP
    /// data over IPv4 without options, a bad checksum, flags other than ACK/PSH); the caller must first write what
    /// <see cref="Take"/> returns (ordering), then the frame itself. <paramref name="flushFirst"/> says the held run must
    /// be written before this frame is appended as the start of a new one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryAppend(ReadOnlySpan<byte> frame, out bool flushFirst)
    {
        flushFirst = false;
        if (!Mergeable(frame, out var headerLength)) return false;
        var payload = frame.Length - headerLength;
        var sequence = BinaryPrimitives.ReadUInt32BigEndian(frame[(Ethernet + Ipv4Header + 4)..]);
        if (_segments > 0)
        {
            if (!_closed && _segments < MaxSegments && payload <= _segmentSize && sequence == _nextSequence
                && _length + payload <= Ethernet + MaxIpLength && SameFlow(frame, headerLength))
            {
                frame[headerLength..].CopyTo(Storage.AsSpan(FrameStart + _length));
                _length += payload;
                _segments++;
                _nextSequence += (uint)payload;
                var flags = frame[Ethernet + Ipv4Header + 13];
                if (payload < _segmentSize || (flags & TcpSegmenter.TcpPsh) != 0)
                {
                    Storage[FrameStart + Ethernet + Ipv4Header + 13] |= (byte)(flags & TcpSegmenter.TcpPsh);
                    _closed = true;
                }
                return true;
            }
            flushFirst = true;
            return true; // the caller takes the run, then calls Start
        }
        Start(frame, headerLength);
        return true;
    }

    /// <summary>Starts a new run with <paramref name="frame"/> (after the caller wrote the previous run).</summary>
    public void Start(ReadOnlySpan<byte> frame)
    {
        if (Mergeable(frame, out var headerLength)) Start(frame, headerLength);
    }

    private void Start(ReadOnlySpan<byte> frame, int headerLength)
    {
        frame.CopyTo(Storage.AsSpan(FrameStart));
        _length = frame.Length;
        _headerLength = headerLength;
        _segmentSize = frame.Length - headerLength;
        _segments = 1;
        _nextSequence = BinaryPrimitives.ReadUInt32BigEndian(frame[(Ethernet + Ipv4Header + 4)..]) + (uint)_segmentSize;
        _closed = (frame[Ethernet + Ipv4Header + 13] & TcpSegmenter.TcpPsh) != 0;
    }

    /// <summary>
    /// Ends the held run: returns the bytes to write (virtio header + frame) and forgets it. A single segment goes with
    /// the all-zero header, unchanged; several go as one GSO_TCPV4 super-frame.
    /// </summary>
    public ReadOnlySpan<byte> Take()
    {
        if (_segments == 0) return default;
        var frame = Storage.AsSpan(FrameStart, _length);
        if (_segments == 1)
        {
            VirtioNetHeader.None.Write(Storage);
        }
        else
        {
            var ip = frame[Ethernet..];
            var transportLength = _length - Ethernet - Ipv4Header;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(_length - Ethernet));
            ip[10] = ip[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Finish(InternetChecksum.Add(ip[..Ipv4Header], 0)));
            // NEEDS_CSUM: the field holds the folded pseudo-header sum, the kernel adds the rest (as a TSO sender does).
            var pseudo = InternetChecksum.PseudoHeaderV4(ip[12..20], TcpSegmenter.ProtocolTcp, transportLength);
            BinaryPrimitives.WriteUInt16BigEndian(ip[(Ipv4Header + 16)..], (ushort)pseudo);
            new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoTcpV4, (ushort)_headerLength, (ushort)_segmentSize,
                Ethernet + Ipv4Header, 16).Write(Storage);
            Runs++;
            MergedSegments += _segments;
        }
        _segments = 0;
        return Storage.AsSpan(0, FrameStart + _length);
    }

    /// <summary>TCP data in IPv4 without options or fragments, ACK (and PSH) only, both checksums valid.</summary>
    private static bool Mergeable(ReadOnlySpan<byte> frame, out int headerLength)
    {
        headerLength = 0;
        if (frame.Length < Ethernet + Ipv4Header + 20) return false;
        if (BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != Ipv4Packet.EtherTypeIpv4) return false;
        var ip = frame[Ethernet..];
        if (ip[0] != 0x45 || ip[9] != TcpSegmenter.ProtocolTcp) return false;
        if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & (Ipv4Packet.FlagMoreFragments | Ipv4Packet.FragmentOffsetMask)) != 0) return false;
        if (BinaryPrimitives.ReadUInt16BigEndian(ip[2..]) != frame.Length - Ethernet) return false; // no Ethernet padding
        var tcp = ip[Ipv4Header..];
        var tcpLength = (tcp[12] >> 4) * 4;
        if (tcpLength < 20 || Ethernet + Ipv4Header + tcpLength >= frame.Length) return false; // pure ACKs are not merged
        if ((tcp[13] & ~TcpSegmenter.TcpPsh) != 0x10) return false; // ACK, optionally PSH (RFC 793 §3.1)
        if (InternetChecksum.Finish(InternetChecksum.Add(ip[..Ipv4Header], 0)) != 0) return false;
        var pseudo = InternetChecksum.PseudoHeaderV4(ip[12..20], TcpSegmenter.ProtocolTcp, frame.Length - Ethernet - Ipv4Header);
        if (InternetChecksum.Finish(InternetChecksum.Add(tcp, pseudo)) != 0) return false;
        headerLength = Ethernet + Ipv4Header + tcpLength;
        return true;
    }

    /// <summary>The same MACs, addresses, TOS/TTL/DF, ports, ack, window and options as the run's first segment.</summary>
    private bool SameFlow(ReadOnlySpan<byte> frame, int headerLength)
    {
        if (headerLength != _headerLength) return false;
        var held = Storage.AsSpan(FrameStart, _headerLength);
        const int ip = Ethernet, tcp = Ethernet + Ipv4Header;
        return frame[..(ip + 2)].SequenceEqual(held[..(ip + 2)])            // MACs, EtherType, version/IHL, TOS
            && frame[(ip + 6)..(ip + 10)].SequenceEqual(held[(ip + 6)..(ip + 10)]) // flags, TTL, protocol
            && frame[(ip + 12)..(tcp + 4)].SequenceEqual(held[(ip + 12)..(tcp + 4)]) // addresses, ports
            && frame[(tcp + 8)..(tcp + 13)].SequenceEqual(held[(tcp + 8)..(tcp + 13)]) // ack, data offset
            && frame[(tcp + 14)..(tcp + 16)].SequenceEqual(held[(tcp + 14)..(tcp + 16)]) // window
            && frame[(tcp + 18)..headerLength].SequenceEqual(held[(tcp + 18)..headerLength]); // urgent pointer, options
    }
}
