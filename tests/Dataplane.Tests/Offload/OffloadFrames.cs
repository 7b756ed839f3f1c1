using System.Buffers.Binary;

namespace VnetReconciler.Dataplane.Tests.Offload;

/// <summary>
/// Hand-built frames for the offload tests and an independent checksum: a byte-pair loop straight from RFC 1071 §4.1,
/// sharing no code with the product's word-at-a-time <c>InternetChecksum</c>.
/// </summary>
internal static class OffloadFrames
{
    public static readonly byte[] MacA = [0x02, 0, 0, 0, 0, 0xA], MacB = [0x02, 0, 0, 0, 0, 0xB];

    /// <summary>RFC 1071 §4.1, literally: 16-bit big-endian words, odd byte padded, folded, complemented.</summary>
    public static ushort Rfc1071(ReadOnlySpan<byte> data)
    {
        long sum = 0;
        for (var i = 0; i < data.Length; i += 2)
            sum += (data[i] << 8) + (i + 1 < data.Length ? data[i + 1] : 0);
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>True when the TCP/UDP checksum of the IPv4 or IPv6 packet at <paramref name="network"/> verifies.</summary>
    public static bool TransportChecksumValid(ReadOnlySpan<byte> frame, int network, int transport, byte protocol)
    {
        var ipv6 = frame[network] >> 4 == 6;
        var length = frame.Length - transport;
        var pseudo = new List<byte>();
        if (ipv6) pseudo.AddRange(frame.Slice(network + 8, 32).ToArray());
        else pseudo.AddRange(frame.Slice(network + 12, 8).ToArray());
        pseudo.AddRange(ipv6 ? [(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, 0, 0, 0, protocol]
            : [0, protocol, (byte)(length >> 8), (byte)length]);
        pseudo.AddRange(frame[transport..].ToArray());
        return Rfc1071(pseudo.ToArray()) == 0;
    }

    /// <summary>
    /// Ethernet (optionally 802.1Q) + IPv4 (DF, id <paramref name="ipId"/>) or IPv6 + TCP (32-byte header with a
    /// timestamp-like option) + <paramref name="payload"/> bytes (i * 7 + 3), TCP flags <paramref name="flags"/>.
    /// The TCP checksum field holds only the pseudo-header sum, as with VIRTIO_NET_HDR_F_NEEDS_CSUM.
    /// </summary>
    public static byte[] Tcp(int payload, bool ipv6 = false, bool vlan = false, byte flags = 0x18, ushort ipId = 0x1234, uint seq = 0xFFFFF000)
    {
        var eth = vlan ? 18 : 14;
        var ip = ipv6 ? 40 : 20;
        const int tcp = 32;
        var frame = new byte[eth + ip + tcp + payload];
        MacB.CopyTo(frame, 0);
        MacA.CopyTo(frame, 6);
        if (vlan)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), 42);
        }
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(eth - 2), ipv6 ? (ushort)0x86DD : (ushort)0x0800);
        var h = frame.AsSpan(eth);
        if (ipv6)
        {
            h[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], (ushort)(tcp + payload));
            h[6] = 6;
            h[7] = 64;
            byte[] source = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
            byte[] destination = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
            source.CopyTo(h[8..]);
            destination.CopyTo(h[24..]);
        }
        else
        {
            h[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)(ip + tcp + payload));
            BinaryPrimitives.WriteUInt16BigEndian(h[4..], ipId);
            BinaryPrimitives.WriteUInt16BigEndian(h[6..], 0x4000);
            h[8] = 64;
            h[9] = 6;
            byte[] addresses = [198, 19, 0, 1, 198, 19, 0, 2];
            addresses.CopyTo(h[12..]);
            BinaryPrimitives.WriteUInt16BigEndian(h[10..], Rfc1071(h[..20]));
        }
        var t = frame.AsSpan(eth + ip);
        BinaryPrimitives.WriteUInt16BigEndian(t, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(t[2..], 5201);
        BinaryPrimitives.WriteUInt32BigEndian(t[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(t[8..], 0x01020304);
        t[12] = (tcp / 4) << 4;
        t[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(t[14..], 502);
        byte[] options = [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2];
        options.CopyTo(t[20..]);
        for (var i = 0; i < payload; i++) t[tcp + i] = (byte)(i * 7 + 3);
        BinaryPrimitives.WriteUInt16BigEndian(t[16..], PseudoHeaderSum(frame, eth, eth + ip, 6));
        return frame;
    }

    /// <summary>The folded, uncomplemented pseudo-header sum the kernel leaves in a partial checksum field.</summary>
    public static ushort PseudoHeaderSum(ReadOnlySpan<byte> frame, int network, int transport, byte protocol)
    {
        var ipv6 = frame[network] >> 4 == 6;
        var length = frame.Length - transport;
        var bytes = new List<byte>();
        bytes.AddRange(ipv6 ? frame.Slice(network + 8, 32).ToArray() : frame.Slice(network + 12, 8).ToArray());
        bytes.AddRange([0, protocol, (byte)(length >> 8), (byte)length]);
        return (ushort)~Rfc1071(bytes.ToArray());
    }
}
