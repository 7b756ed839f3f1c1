using System.Buffers.Binary;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// The few IPv4 and UDP header facts the tunnel needs to build and read packets by hand: forwarded multicast
/// (SPEC §4.3) and ICMP "fragmentation needed" (SPEC §3.3). Addresses are host-order <see cref="uint"/>s.
/// </summary>
internal static class Ipv4Packet
{
    /// <summary>RFC 791 §3.1: a header without options is 20 bytes.</summary>
    public const int HeaderLength = 20;
    /// <summary>RFC 768: the UDP header is 8 bytes.</summary>
    public const int UdpHeaderLength = 8;
    /// <summary>IANA protocol numbers (RFC 790): ICMP 1, UDP 17.</summary>
    public const byte ProtocolIcmp = 1, ProtocolUdp = 17;
    /// <summary>RFC 791 §3.1 flags: Don't Fragment (0x4000) and More Fragments (0x2000) in the flags/offset word.</summary>
    public const ushort FlagDontFragment = 0x4000, FlagMoreFragments = 0x2000, FragmentOffsetMask = 0x1FFF;
    /// <summary>EtherType IPv4 0x0800, IPv6 0x86DD, ARP 0x0806 (IEEE 802 numbers, linux/if_ether.h).</summary>
    public const ushort EtherTypeIpv4 = 0x0800, EtherTypeIpv6 = 0x86DD, EtherTypeArp = 0x0806;
    /// <summary>Ethernet header without VLAN tag: two MACs and the EtherType (linux/if_ether.h ETH_HLEN).</summary>
    public const int EthernetHeaderLength = 14;

    /// <summary>Writes an IPv4 header without options (RFC 791 §3.1) with its checksum.</summary>
    public static void WriteHeader(Span<byte> h, int totalLength, byte protocol, uint source, uint destination, byte ttl, ushort flags)
    {
        h[0] = 0x45; // version 4, IHL 5 words
        h[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)totalLength);
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], 0); // identification: unused without fragments
        BinaryPrimitives.WriteUInt16BigEndian(h[6..], flags);
        h[8] = ttl;
        h[9] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(h[10..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(h[12..], source);
        BinaryPrimitives.WriteUInt32BigEndian(h[16..], destination);
        BinaryPrimitives.WriteUInt16BigEndian(h[10..], Checksum(h[..HeaderLength], 0));
    }

    /// <summary>Writes a UDP header (RFC 768); checksum 0 means "not computed", which IPv4 allows.</summary>
    public static void WriteUdpHeader(Span<byte> u, ushort sourcePort, ushort destinationPort, int length)
    {
        BinaryPrimitives.WriteUInt16BigEndian(u, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(u[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(u[4..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(u[6..], 0);
    }

    /// <summary>The Internet checksum (RFC 1071) of <paramref name="data"/>, starting from a partial sum.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data, uint partial)
    {
        var sum = (ulong)partial;
        var i = 0;
        for (; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length) sum += (uint)data[i] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>Adds 16-bit words of <paramref name="data"/> to a running one's-complement sum (no fold).</summary>
    public static uint Sum(ReadOnlySpan<byte> data, uint sum)
    {
        var i = 0;
        for (; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length) sum += (uint)data[i] << 8;
        return sum;
    }
}
