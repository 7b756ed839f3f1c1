using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace VnetReconciler.Dataplane.Tunnel.Offload;

/// <summary>What a frame read with a virtio header turned out to be.</summary>
public enum OffloadResult
{
    Ok,
    /// <summary>Headers shorter than they claim, a segment size of 0, a checksum position outside the frame.</summary>
    Malformed,
    /// <summary>A segmentation type this side never asked for (UFO, USO) or a TCP super-frame that is not TCP over IP.</summary>
    Unsupported,
}

/// <summary>Where the headers of a TCP super-frame end and how it is cut (see <see cref="TcpSegmenter"/>).</summary>
public readonly record struct SuperFrameLayout(int NetworkOffset, int TransportOffset, int HeaderLength, bool IsIpv6, int SegmentSize, int PayloadLength)
{
    public int SegmentCount => PayloadLength == 0 ? 1 : (PayloadLength + SegmentSize - 1) / SegmentSize;
}

/// <summary>
/// TCP segmentation in userspace (what the kernel's tcp_gso_segment does for a device without TSO): a super-frame of
/// Ethernet + IPv4/IPv6 + TCP headers and up to 64 KB of payload becomes frames of at most gso_size payload bytes, each
/// with its own IPv4 total length, identification (+1 per segment) and header checksum (RFC 791), IPv6 payload length
/// (RFC 8200), sequence number, FIN/PSH only on the last and CWR only on the first segment, and a full TCP checksum
/// (RFC 793 §3.1) computed from scratch over the pseudo-header and the segment.
/// </summary>
public static class TcpSegmenter
{
    /// <summary>IANA protocol number of TCP (RFC 790).</summary>
    public const byte ProtocolTcp = 6;
    /// <summary>RFC 793 §3.1 flag bits in byte 13 of the TCP header, and RFC 3168 §6.1 CWR.</summary>
    public const byte TcpFin = 0x01, TcpPsh = 0x08, TcpCwr = 0x80;
    /// <summary>IEEE 802.1Q and 802.1ad tag EtherTypes (linux/if_ether.h ETH_P_8021Q, ETH_P_8021AD).</summary>
    public const ushort EtherTypeVlan = 0x8100, EtherTypeQinQ = 0x88A8;
    private const int Ipv6HeaderLength = 40, TcpMinimumHeader = 20;

    /// <summary>Finds the headers of a TCPV4/TCPV6 super-frame described by <paramref name="header"/>.</summary>
    public static OffloadResult Prepare(ReadOnlySpan<byte> frame, in VirtioNetHeader header, out SuperFrameLayout layout)
    {
        layout = default;
        var kind = header.Segmentation;
        if (kind is not (VirtioNetHeader.GsoTcpV4 or VirtioNetHeader.GsoTcpV6)) return OffloadResult.Unsupported;
        if (header.GsoSize == 0) return OffloadResult.Malformed;
        if (frame.Length < Ipv4Packet.EthernetHeaderLength) return OffloadResult.Malformed;
        var network = Ipv4Packet.EthernetHeaderLength;
        var etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        if (etherType is EtherTypeVlan or EtherTypeQinQ)
        {
            network += 4;
            if (frame.Length < network) return OffloadResult.Malformed;
            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
        }
        int transport;
        var ipv6 = kind == VirtioNetHeader.GsoTcpV6;
        if (!ipv6)
        {
            if (etherType != Ipv4Packet.EtherTypeIpv4 || frame.Length < network + Ipv4Packet.HeaderLength) return OffloadResult.Unsupported;
            var ihl = (frame[network] & 0x0F) * 4;
            if (frame[network] >> 4 != 4 || ihl < Ipv4Packet.HeaderLength) return OffloadResult.Malformed;
            if (frame[network + 9] != ProtocolTcp) return OffloadResult.Unsupported;
            transport = network + ihl;
        }
        else
        {
            if (etherType != Ipv4Packet.EtherTypeIpv6 || frame.Length < network + Ipv6HeaderLength) return OffloadResult.Unsupported;
            // Extension headers: the kernel's csum_start points at TCP; without it only a bare IPv6 header is accepted.
            transport = header.NeedsChecksum ? header.ChecksumStart : network + Ipv6HeaderLength;
            if (!header.NeedsChecksum && frame[network + 6] != ProtocolTcp) return OffloadResult.Unsupported;
            if (transport < network + Ipv6HeaderLength) return OffloadResult.Malformed;
        }
        if (frame.Length < transport + TcpMinimumHeader) return OffloadResult.Malformed;
        var tcpLength = (frame[transport + 12] >> 4) * 4;
        if (tcpLength < TcpMinimumHeader || frame.Length < transport + tcpLength) return OffloadResult.Malformed;
        var headers = transport + tcpLength;
        layout = new SuperFrameLayout(network, transport, headers, ipv6, header.GsoSize, frame.Length - headers);
        return OffloadResult.Ok;
    }

    /// <summary>
    /// Writes segment <paramref name="index"/> of the super-frame into <paramref name="destination"/>; returns its
    /// length, or -1 when it does not fit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int WriteSegment(ReadOnlySpan<byte> frame, in SuperFrameLayout layout, int index, Span<byte> destination)
    {
        var payloadStart = index * layout.SegmentSize;
        var payload = Math.Min(layout.SegmentSize, layout.PayloadLength - payloadStart);
        var total = layout.HeaderLength + payload;
        if (payload < 0 || destination.Length < total) return -1;
        frame[..layout.HeaderLength].CopyTo(destination);
        frame.Slice(layout.HeaderLength + payloadStart, payload).CopyTo(destination[layout.HeaderLength..]);
        var segment = destination[..total];
        var ip = segment[layout.NetworkOffset..];
        var tcp = segment[layout.TransportOffset..];
        var transportLength = total - layout.TransportOffset;
        uint pseudo;
        if (!layout.IsIpv6)
        {
            var ihl = layout.TransportOffset - layout.NetworkOffset;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(total - layout.NetworkOffset));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(ip[4..]) + index));
            ip[10] = ip[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Finish(InternetChecksum.Add(ip[..ihl], 0)));
            pseudo = InternetChecksum.PseudoHeaderV4(ip[12..20], ProtocolTcp, transportLength);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(total - layout.NetworkOffset - Ipv6HeaderLength));
            pseudo = InternetChecksum.PseudoHeaderV6(ip[8..40], ProtocolTcp, transportLength);
        }
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]) + (uint)payloadStart);
        if (index != layout.SegmentCount - 1) tcp[13] &= unchecked((byte)~(TcpFin | TcpPsh));
        if (index != 0) tcp[13] &= unchecked((byte)~TcpCwr);
        tcp[16] = tcp[17] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], InternetChecksum.Finish(InternetChecksum.Add(tcp[..transportLength], pseudo)));
        return total;
    }

    /// <summary>
    /// Completes a checksum the sender left partial (VIRTIO_NET_HDR_F_NEEDS_CSUM, the kernel's skb_checksum_help):
    /// the field at <paramref name="start"/> + <paramref name="offset"/> holds the pseudo-header sum; the result is the
    /// complement of the sum from <paramref name="start"/> to the end, 0 sent as 0xFFFF (RFC 768).
    /// </summary>
    public static OffloadResult CompleteChecksum(Span<byte> frame, int start, int offset)
    {
        if (start + offset + 2 > frame.Length || offset < 0) return OffloadResult.Malformed;
        var value = InternetChecksum.Finish(InternetChecksum.Add(frame[start..], 0));
        BinaryPrimitives.WriteUInt16BigEndian(frame[(start + offset)..], value == 0 ? (ushort)0xFFFF : value);
        return OffloadResult.Ok;
    }
}
