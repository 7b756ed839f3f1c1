using System.Buffers.Binary;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// Builds the ICMP answer to an inner packet too big for the vnet MTU (SPEC §3.3), as the kernel's bridged tunnels
/// do (<c>iptunnel_pmtud_build_icmp</c>): an Ethernet frame back to the sender, from the original destination's
/// MAC and IP address, carrying ICMP "fragmentation needed" (RFC 792, RFC 1191 §4) for IPv4 with DF, or ICMPv6
/// "packet too big" (RFC 4443 §3.2) for IPv6.
/// </summary>
internal static class PathMtuMessage
{
    /// <summary>RFC 792: destination unreachable (type 3), code 4 "fragmentation needed and DF set".</summary>
    private const byte IcmpDestinationUnreachable = 3, IcmpFragmentationNeeded = 4;
    /// <summary>RFC 4443 §3.2: packet too big is type 2, code 0; ICMPv6 is next header 58.</summary>
    private const byte Icmpv6PacketTooBig = 2, NextHeaderIcmpv6 = 58;
    /// <summary>RFC 8200 §3: the fixed IPv6 header is 40 bytes; RFC 4443 §2.4(c): an error fits the 1280-byte minimum MTU.</summary>
    private const int Ipv6HeaderLength = 40, Ipv6MinimumMtu = 1280;
    /// <summary>RFC 1812 §4.3.2.3: quote as much of the original as fits a 576-byte datagram.</summary>
    private const int Ipv4ErrorLimit = 576;
    private const int IcmpHeaderLength = 8;
    private const byte Ttl = 64;

    /// <summary>Writes the answer into <paramref name="destination"/>; its length, or 0 when the frame should be sent (fragmented) instead.</summary>
    public static int Write(ReadOnlySpan<byte> frame, int mtu, Span<byte> destination)
    {
        const int eth = Ipv4Packet.EthernetHeaderLength;
        if (frame.Length < eth + Ipv4Packet.HeaderLength) return 0;
        var etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        var packet = frame[eth..];
        int length;
        if (etherType == Ipv4Packet.EtherTypeIpv4) length = WriteIpv4(packet, mtu, destination[eth..]);
        else if (etherType == Ipv4Packet.EtherTypeIpv6) length = WriteIpv6(packet, mtu, destination[eth..]);
        else return 0;
        if (length == 0) return 0;
        frame[6..12].CopyTo(destination);           // to the sender's MAC
        frame[..6].CopyTo(destination[6..]);        // from the MAC it was sending to
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], etherType);
        return eth + length;
    }

    private static int WriteIpv4(ReadOnlySpan<byte> packet, int mtu, Span<byte> destination)
    {
        if (packet[0] >> 4 != 4) return 0;
        var flags = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        if ((flags & Ipv4Packet.FlagDontFragment) == 0) return 0;
        var source = BinaryPrimitives.ReadUInt32BigEndian(packet[12..]);
        var target = BinaryPrimitives.ReadUInt32BigEndian(packet[16..]);
        var quoted = Math.Min(packet.Length, Ipv4ErrorLimit - Ipv4Packet.HeaderLength - IcmpHeaderLength);
        var total = Ipv4Packet.HeaderLength + IcmpHeaderLength + quoted;
        var icmp = destination[Ipv4Packet.HeaderLength..total];
        icmp[0] = IcmpDestinationUnreachable;
        icmp[1] = IcmpFragmentationNeeded;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], (ushort)mtu); // RFC 1191 §4: next-hop MTU
        packet[..quoted].CopyTo(icmp[IcmpHeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Ipv4Packet.Checksum(icmp, 0));
        Ipv4Packet.WriteHeader(destination, total, Ipv4Packet.ProtocolIcmp, target, source, Ttl, 0);
        return total;
    }

    private static int WriteIpv6(ReadOnlySpan<byte> packet, int mtu, Span<byte> destination)
    {
        if (packet.Length < Ipv6HeaderLength || packet[0] >> 4 != 6) return 0;
        var quoted = Math.Min(packet.Length, Ipv6MinimumMtu - Ipv6HeaderLength - IcmpHeaderLength);
        var payloadLength = IcmpHeaderLength + quoted;
        destination[0] = 0x60;
        destination[1] = destination[2] = destination[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)payloadLength);
        destination[6] = NextHeaderIcmpv6;
        destination[7] = Ttl;
        packet.Slice(24, 16).CopyTo(destination[8..]);  // source = the original destination
        packet.Slice(8, 16).CopyTo(destination[24..]);  // destination = the original source
        var icmp = destination.Slice(Ipv6HeaderLength, payloadLength);
        icmp[0] = Icmpv6PacketTooBig;
        icmp[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], (uint)mtu);
        packet[..quoted].CopyTo(icmp[IcmpHeaderLength..]);
        // RFC 8200 §8.1 pseudo-header: source, destination, upper-layer length, next header.
        var sum = Ipv4Packet.Sum(destination.Slice(8, 32), 0);
        sum += (uint)payloadLength + NextHeaderIcmpv6;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Ipv4Packet.Checksum(icmp, sum));
        return Ipv6HeaderLength + payloadLength;
    }
}
