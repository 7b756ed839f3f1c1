using System.Buffers.Binary;
using VnetReconciler.Dataplane.Tunnel.Offload;
using static VnetReconciler.Dataplane.Tests.Offload.OffloadFrames;

namespace VnetReconciler.Dataplane.Tests.Offload;

public sealed class TcpCoalescerTests
{
    private const int Mss = 1448;

    /// <summary>The segments the sender's <see cref="TcpSegmenter"/> makes of a super-frame with <paramref name="payload"/> bytes.</summary>
    private static List<byte[]> Segments(int payload, byte flags = 0x18, uint seq = 1000)
    {
        var super = Tcp(payload, flags: flags, seq: seq);
        TcpSegmenter.Prepare(super, new VirtioNetHeader(1, VirtioNetHeader.GsoTcpV4, 66, Mss, 34, 16), out var layout);
        var list = new List<byte[]>();
        var buffer = new byte[2000];
        for (var i = 0; i < layout.SegmentCount; i++) list.Add(buffer[..TcpSegmenter.WriteSegment(super, layout, i, buffer)]);
        return list;
    }

    [Fact]
    public void MergedSegmentsCutAgainGiveTheSameSegments()
    {
        var segments = Segments(10 * Mss + 77);
        var coalescer = new TcpCoalescer();
        foreach (var segment in segments)
        {
            Assert.True(coalescer.TryAppend(segment, out var flushFirst));
            Assert.False(flushFirst);
        }
        var written = coalescer.Take().ToArray();
        Assert.False(coalescer.Holding);
        var header = VirtioNetHeader.Read(written);
        Assert.Equal(new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoTcpV4, 66, Mss, 34, 16), header);
        var merged = written[VirtioNetHeader.Length..];
        Assert.Equal(66 + 10 * Mss + 77, merged.Length);
        Assert.Equal(0, Rfc1071(merged.AsSpan(14, 20)));
        Assert.Equal(0x18, merged[34 + 13]); // PSH of the last segment kept

        // What the kernel does with it: segment again (our segmenter stands in for tcp_gso_segment).
        Assert.Equal(OffloadResult.Ok, TcpSegmenter.Prepare(merged, header, out var layout));
        var buffer = new byte[2000];
        for (var i = 0; i < segments.Count; i++)
            Assert.Equal(segments[i], buffer[..TcpSegmenter.WriteSegment(merged, layout, i, buffer)]);

        // And the partial checksum completes to a valid one over the whole super-frame.
        Assert.Equal(OffloadResult.Ok, TcpSegmenter.CompleteChecksum(merged, 34, 16));
        Assert.True(TransportChecksumValid(merged, 14, 34, 6));
    }

    [Fact]
    public void ASingleSegmentGoesOutUnchangedWithTheZeroHeader()
    {
        var segment = Segments(500)[0];
        var coalescer = new TcpCoalescer();
        Assert.True(coalescer.TryAppend(segment, out _));
        var written = coalescer.Take().ToArray();
        Assert.Equal(VirtioNetHeader.None, VirtioNetHeader.Read(written));
        Assert.Equal(segment, written[VirtioNetHeader.Length..]);
    }

    [Fact]
    public void ACorruptedSegmentIsNeverMerged()
    {
        var segments = Segments(3 * Mss);
        segments[1][100] ^= 0x40;
        var coalescer = new TcpCoalescer();
        Assert.True(coalescer.TryAppend(segments[0], out _));
        Assert.False(coalescer.TryAppend(segments[1], out _)); // written as it is: the kernel drops it
        Assert.True(coalescer.Holding);
    }

    [Fact]
    public void AGapAnotherFlowOrAShortSegmentEndsTheRun()
    {
        var coalescer = new TcpCoalescer();
        var first = Segments(3 * Mss, flags: 0x10);
        Assert.True(coalescer.TryAppend(first[0], out var flushFirst));
        Assert.True(coalescer.TryAppend(first[2], out flushFirst)); // segment 1 missing
        Assert.True(flushFirst);
        coalescer.Take();
        coalescer.Start(first[2]);

        var other = Tcp(100, flags: 0x10, seq: 1000 + 3 * Mss);
        BinaryPrimitives.WriteUInt16BigEndian(other.AsSpan(34), 40001); // another source port
        other[50] = other[51] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(other.AsSpan(50), Finish(other));
        Assert.True(coalescer.TryAppend(other, out flushFirst));
        Assert.True(flushFirst);

        var shortRun = Segments(Mss + 10, flags: 0x10);
        coalescer.Take();
        coalescer.Start(shortRun[0]);
        Assert.True(coalescer.TryAppend(shortRun[1], out flushFirst));
        Assert.False(flushFirst);
        var next = Segments(Mss, flags: 0x10, seq: 1000 + Mss + 10)[0];
        Assert.True(coalescer.TryAppend(next, out flushFirst)); // after a short one, nothing more joins
        Assert.True(flushFirst);
    }

    [Fact]
    public void PureAcksAndNonTcpAreNotHeld()
    {
        var coalescer = new TcpCoalescer();
        Assert.False(coalescer.TryAppend(Tcp(0, flags: 0x10), out _));
        var syn = Tcp(10, flags: 0x02);
        Assert.False(coalescer.TryAppend(syn, out _));
        Assert.False(coalescer.Holding);
    }

    private static ushort Finish(byte[] frame)
    {
        var pseudo = new List<byte>(frame.AsSpan(26, 8).ToArray()) { 0, 6, (byte)((frame.Length - 34) >> 8), (byte)(frame.Length - 34) };
        pseudo.AddRange(frame[34..]);
        return Rfc1071(pseudo.ToArray());
    }
}
