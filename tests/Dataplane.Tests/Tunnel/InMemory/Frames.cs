using System.Buffers.Binary;

namespace VnetReconciler.Dataplane.Tests.Tunnel.InMemory;

/// <summary>Ethernet frames built by hand for the tests: ARP (RFC 826) and ICMP echo (RFC 792) over IPv4.</summary>
public static class Frames
{
    public const ushort Ipv4 = 0x0800, Arp = 0x0806, Ipv6 = 0x86DD;

    public static byte[] Ethernet(MacAddress destination, MacAddress source, ushort etherType, ReadOnlySpan<byte> payload)
    {
        var f = new byte[14 + payload.Length];
        destination.Write(f);
        source.Write(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), etherType);
        payload.CopyTo(f.AsSpan(14));
        return f;
    }

    /// <summary>RFC 826: htype 1, ptype 0x0800, hlen 6, plen 4, op 1 = request, 2 = reply.</summary>
    public static byte[] ArpPacket(ushort op, MacAddress senderMac, uint senderIp, MacAddress targetMac, uint targetIp, MacAddress ethDestination)
    {
        var a = new byte[28];
        BinaryPrimitives.WriteUInt16BigEndian(a, 1);
        BinaryPrimitives.WriteUInt16BigEndian(a.AsSpan(2), Ipv4);
        a[4] = 6;
        a[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(a.AsSpan(6), op);
        senderMac.Write(a.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(a.AsSpan(14), senderIp);
        targetMac.Write(a.AsSpan(18));
        BinaryPrimitives.WriteUInt32BigEndian(a.AsSpan(24), targetIp);
        return Ethernet(ethDestination, senderMac, Arp, a);
    }

    public static byte[] ArpRequest(MacAddress senderMac, uint senderIp, uint targetIp) =>
        ArpPacket(1, senderMac, senderIp, default, targetIp, MacAddress.Broadcast);

    /// <summary>An IPv4 ICMP echo (type 8 request, 0 reply) with <paramref name="dataLength"/> bytes of data.</summary>
    public static byte[] IcmpEcho(byte type, MacAddress dstMac, MacAddress srcMac, uint src, uint dst, ushort id, ushort seq, int dataLength = 56, bool dontFragment = true)
    {
        var ip = new byte[20 + 8 + dataLength];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(6), dontFragment ? (ushort)0x4000 : (ushort)0);
        ip[8] = 64;
        ip[9] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(ip.AsSpan(12), src);
        BinaryPrimitives.WriteUInt32BigEndian(ip.AsSpan(16), dst);
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), Checksum(ip.AsSpan(0, 20)));
        var icmp = ip.AsSpan(20);
        icmp[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], seq);
        for (var i = 8; i < icmp.Length; i++) icmp[i] = (byte)i;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp));
        return Ethernet(dstMac, srcMac, Ipv4, ip);
    }

    public static ushort Checksum(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1) sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    public static MacAddress Destination(byte[] frame) => MacAddress.Read(frame);
    public static MacAddress Source(byte[] frame) => MacAddress.Read(frame.AsSpan(6));
    public static ushort EtherType(byte[] frame) => BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12));
}

/// <summary>A VM behind a vnetif: answers ARP requests for its address and ICMP echo requests to it, records replies.</summary>
public sealed class FakeVm(MacAddress mac, uint ip)
{
    public MacAddress Mac { get; } = mac;
    public uint Ip { get; } = ip;
    public Dictionary<uint, MacAddress> Neighbours { get; } = [];
    public List<ushort> EchoRepliesSeen { get; } = [];
    public List<byte[]> Other { get; } = [];

    /// <summary>Handles one frame the bridge delivered; returns the answer to send, if any.</summary>
    public byte[]? Receive(byte[] frame)
    {
        var dst = Frames.Destination(frame);
        if (dst != Mac && !dst.IsMulticast) return null;
        var type = Frames.EtherType(frame);
        if (type == Frames.Arp)
        {
            var op = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(20));
            var senderMac = MacAddress.Read(frame.AsSpan(22));
            var senderIp = BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(28));
            var targetIp = BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(38));
            Neighbours[senderIp] = senderMac;
            if (op == 1 && targetIp == Ip) return Frames.ArpPacket(2, Mac, Ip, senderMac, senderIp, senderMac);
            return null;
        }
        if (type == Frames.Ipv4 && frame[14 + 9] == 1)
        {
            var src = BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(26));
            var icmpType = frame[34];
            var seq = BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(40));
            if (icmpType == 8) return Frames.IcmpEcho(0, Frames.Source(frame), Mac, Ip, src, BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(38)), seq);
            if (icmpType == 0) EchoRepliesSeen.Add(seq);
            else Other.Add(frame);
            return null;
        }
        Other.Add(frame);
        return null;
    }
}
