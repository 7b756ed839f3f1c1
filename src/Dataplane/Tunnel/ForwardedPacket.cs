using System.Buffers.Binary;
using VnetReconciler.Dataplane.Forwarding;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// A forwarded multicast packet (SPEC §4.3, Xen's <c>vn peer-add</c> relay): <c>[type=3][opcode=0]</c> followed by
/// the whole original IPv4 packet, i.e. the IPv4 and UDP headers of the flood as it went out on the sender's
/// segment and its vnet payload. The receiver processes the inner vnet payload as if it had arrived from the
/// original source, and never relays it again.
/// </summary>
public readonly record struct ForwardedPacket(uint OriginalSource, uint OriginalDestination, int PayloadOffset, int PayloadLength)
{
    /// <summary>Bytes in front of the vnet payload: message header + IPv4 header (no options) + UDP header.</summary>
    public const int Overhead = VnetMessageHeader.Length + Ipv4Packet.HeaderLength + Ipv4Packet.UdpHeaderLength;

    /// <summary>
    /// Parses a type-3 message (header included). The inner packet must be an unfragmented IPv4/UDP datagram to
    /// <paramref name="port"/>; its payload's range within <paramref name="message"/> is returned.
    /// </summary>
    public static DropReason TryRead(ReadOnlySpan<byte> message, ushort port, out ForwardedPacket packet)
    {
        packet = default;
        if (message.Length < Overhead) return DropReason.TooShort;
        var ip = message[VnetMessageHeader.Length..];
        if (ip[0] >> 4 != 4) return DropReason.BadForwardedPacket;
        var headerLength = (ip[0] & 0x0F) * 4;
        if (headerLength < Ipv4Packet.HeaderLength) return DropReason.BadForwardedPacket;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (totalLength < headerLength + Ipv4Packet.UdpHeaderLength || totalLength > ip.Length) return DropReason.TooShort;
        var fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        if ((fragment & (Ipv4Packet.FlagMoreFragments | Ipv4Packet.FragmentOffsetMask)) != 0) return DropReason.BadForwardedPacket;
        if (ip[9] != Ipv4Packet.ProtocolUdp) return DropReason.BadForwardedPacket;
        var udp = ip[headerLength..totalLength];
        if (BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) != port) return DropReason.BadForwardedPacket;
        var udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        if (udpLength < Ipv4Packet.UdpHeaderLength || udpLength > udp.Length) return DropReason.TooShort;
        packet = new ForwardedPacket(
            BinaryPrimitives.ReadUInt32BigEndian(ip[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(ip[16..]),
            VnetMessageHeader.Length + headerLength + Ipv4Packet.UdpHeaderLength,
            udpLength - Ipv4Packet.UdpHeaderLength);
        return DropReason.None;
    }

    /// <summary>
    /// Writes the <see cref="Overhead"/> bytes that precede a <paramref name="payloadLength"/>-byte vnet payload:
    /// type 3 header, IPv4 header (source, group or broadcast destination, TTL 1 as a segment-local flood) and UDP.
    /// </summary>
    public static void WritePrefix(Span<byte> destination, uint source, uint group, ushort port, int payloadLength)
    {
        new VnetMessageHeader(VnetMessageType.Forwarded, 0).Write(destination);
        var udpLength = Ipv4Packet.UdpHeaderLength + payloadLength;
        Ipv4Packet.WriteHeader(destination[VnetMessageHeader.Length..], Ipv4Packet.HeaderLength + udpLength,
            Ipv4Packet.ProtocolUdp, source, group, ttl: 1, flags: 0);
        Ipv4Packet.WriteUdpHeader(destination[(VnetMessageHeader.Length + Ipv4Packet.HeaderLength)..], port, port, udpLength);
    }
}
