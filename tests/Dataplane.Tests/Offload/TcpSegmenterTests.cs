using System.Buffers.Binary;
using VnetReconciler.Dataplane.Tunnel.Offload;
using static VnetReconciler.Dataplane.Tests.Offload.OffloadFrames;

namespace VnetReconciler.Dataplane.Tests.Offload;

public sealed class TcpSegmenterTests
{
    private const int Mss = 1448;

    public static TheoryData<bool, bool, int> Shapes => new()
    {
        { false, false, 3 * Mss + 100 }, // IPv4, a short last segment
        { false, false, 2 * Mss },       // IPv4, exact multiple
        { true, false, 45 * Mss - 7 },   // IPv6, 64 KB-ish
        { false, true, Mss + 1 },        // 802.1Q-tagged IPv4
        { false, false, 44 * Mss + 500 },// IPv4 near 64 KB
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void CutsASuperFrameIntoValidMssSizedSegments(bool ipv6, bool vlan, int payload)
    {
        const byte flags = 0x01 | 0x08 | 0x10 | 0x80; // FIN PSH ACK CWR
        var super = Tcp(payload, ipv6, vlan, flags);
        var network = vlan ? 18 : 14;
        var transport = network + (ipv6 ? 40 : 20);
        var header = new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, ipv6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4,
            (ushort)(transport + 32), Mss, (ushort)transport, 16);
        Assert.Equal(OffloadResult.Ok, TcpSegmenter.Prepare(super, header, out var layout));
        Assert.Equal((payload + Mss - 1) / Mss, layout.SegmentCount);
        var joined = new List<byte>();
        var buffer = new byte[2000];
        for (var i = 0; i < layout.SegmentCount; i++)
        {
            var length = TcpSegmenter.WriteSegment(super, layout, i, buffer);
            var last = i == layout.SegmentCount - 1;
            var segmentPayload = last ? payload - i * Mss : Mss;
            Assert.Equal(transport + 32 + segmentPayload, length);
            var segment = buffer.AsSpan(0, length);
            if (ipv6)
            {
                Assert.Equal(32 + segmentPayload, BinaryPrimitives.ReadUInt16BigEndian(segment[(network + 4)..]));
            }
            else
            {
                Assert.Equal(20 + 32 + segmentPayload, BinaryPrimitives.ReadUInt16BigEndian(segment[(network + 2)..]));
                Assert.Equal((ushort)(0x1234 + i), BinaryPrimitives.ReadUInt16BigEndian(segment[(network + 4)..]));
                Assert.Equal(0, Rfc1071(segment.Slice(network, 20)));
            }
            Assert.Equal(unchecked(0xFFFFF000u + (uint)(i * Mss)), BinaryPrimitives.ReadUInt32BigEndian(segment[(transport + 4)..]));
            var expectedFlags = (byte)(0x10 | (last ? 0x01 | 0x08 : 0) | (i == 0 ? 0x80 : 0));
            Assert.Equal(expectedFlags, segment[transport + 13]);
            Assert.True(TransportChecksumValid(segment, network, transport, 6), $"TCP checksum of segment {i}");
            Assert.True(segment[..12].SequenceEqual(super.AsSpan(0, 12)));
            Assert.True(segment.Slice(transport + 20, 12).SequenceEqual(super.AsSpan(transport + 20, 12)), "options copied");
            joined.AddRange(segment[(transport + 32)..].ToArray());
        }
        Assert.Equal(super[(transport + 32)..], joined.ToArray());
    }

    [Fact]
    public void ASegmentThatDoesNotFitIsRefusedNotTruncated()
    {
        var super = Tcp(3000);
        var header = new VirtioNetHeader(1, VirtioNetHeader.GsoTcpV4, 66, Mss, 34, 16);
        Assert.Equal(OffloadResult.Ok, TcpSegmenter.Prepare(super, header, out var layout));
        Assert.Equal(-1, TcpSegmenter.WriteSegment(super, layout, 0, new byte[1000]));
    }

    [Theory]
    [InlineData(VirtioNetHeader.GsoUdpL4, 1448, OffloadResult.Unsupported)]
    [InlineData(VirtioNetHeader.GsoUdp, 1448, OffloadResult.Unsupported)]
    [InlineData(VirtioNetHeader.GsoTcpV4, 0, OffloadResult.Malformed)]
    [InlineData(VirtioNetHeader.GsoTcpV6, 1448, OffloadResult.Unsupported)] // an IPv4 frame called TCPV6
    public void RefusesWhatItCannotCut(byte gso, ushort size, OffloadResult expected)
    {
        var header = new VirtioNetHeader(1, gso, 66, size, 34, 16);
        Assert.Equal(expected, TcpSegmenter.Prepare(Tcp(3000), header, out _));
    }

    [Fact]
    public void RefusesTruncatedHeaders()
    {
        var header = new VirtioNetHeader(1, VirtioNetHeader.GsoTcpV4, 66, Mss, 34, 16);
        Assert.Equal(OffloadResult.Malformed, TcpSegmenter.Prepare(Tcp(0).AsSpan(0, 50), header, out _));
        Assert.Equal(OffloadResult.Malformed, TcpSegmenter.Prepare(Tcp(0).AsSpan(0, 10), header, out _));
    }

    [Fact]
    public void CompletesAPartialTcpChecksum()
    {
        var frame = Tcp(1000);
        Assert.False(TransportChecksumValid(frame, 14, 34, 6));
        Assert.Equal(OffloadResult.Ok, TcpSegmenter.CompleteChecksum(frame, 34, 16));
        Assert.True(TransportChecksumValid(frame, 14, 34, 6));
    }

    [Fact]
    public void CompletesAPartialUdpChecksumOddLengthAndRefusesOneOutsideTheFrame()
    {
        // Ethernet + IPv4 + UDP + 333 bytes, checksum field = pseudo-header sum (what TUN_F_CSUM hands over).
        var frame = Tcp(0)[..34].Concat(new byte[8 + 333]).ToArray();
        frame[14 + 9] = 17;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), (ushort)(20 + 8 + 333));
        frame[24] = frame[25] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(24), Rfc1071(frame.AsSpan(14, 20)));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(34), 5353);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(36), 53);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(38), 8 + 333);
        for (var i = 0; i < 333; i++) frame[42 + i] = (byte)(i * 13);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(40), PseudoHeaderSum(frame, 14, 34, 17));
        Assert.Equal(OffloadResult.Ok, TcpSegmenter.CompleteChecksum(frame, 34, 6));
        Assert.True(TransportChecksumValid(frame, 14, 34, 17));
        Assert.Equal(OffloadResult.Malformed, TcpSegmenter.CompleteChecksum(frame, frame.Length - 4, 6));
    }
}
