using System.Buffers.Binary;
using VnetReconciler.Dataplane.Tunnel.Offload;
using VnetReconciler.TestSupport;
using static VnetReconciler.Dataplane.Tests.Offload.OffloadFrames;

namespace VnetReconciler.Dataplane.Tests.Offload;

public sealed class SuperFrameReaderTests
{
    private static int Load(SuperFrameReader reader, VirtioNetHeader header, byte[] frame)
    {
        header.Write(reader.ReadBuffer);
        frame.CopyTo(reader.ReadBuffer[VirtioNetHeader.Length..]);
        return VirtioNetHeader.Length + frame.Length;
    }

    [Fact]
    public void HandsOutEverySegmentOfASuperFrameThenNothing()
    {
        var reader = new SuperFrameReader();
        var super = Tcp(10_000);
        Assert.Equal(OffloadResult.Ok, reader.Accept(Load(reader, new VirtioNetHeader(1, VirtioNetHeader.GsoTcpV4, 66, 1400, 34, 16), super)));
        var buffer = new byte[65_535];
        var lengths = new List<int>();
        int length;
        while ((length = reader.Next(buffer)) >= 0)
        {
            Assert.True(TransportChecksumValid(buffer.AsSpan(0, length), 14, 34, 6));
            lengths.Add(length);
        }
        Assert.Equal([.. Enumerable.Repeat(66 + 1400, 7), 66 + 200], lengths);
        Assert.Equal(1, reader.SuperFrames);
        Assert.Equal(8, reader.Segments);
        Assert.False(reader.HasPending);
    }

    [Fact]
    public void PassesAPlainFrameThroughAndCompletesAPartialChecksum()
    {
        var reader = new SuperFrameReader();
        var buffer = new byte[2000];
        var frame = Tcp(100);
        reader.Accept(Load(reader, new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, 0, 0, 0, 34, 16), frame));
        var length = reader.Next(buffer);
        Assert.Equal(frame.Length, length);
        Assert.True(TransportChecksumValid(buffer.AsSpan(0, length), 14, 34, 6));
        Assert.Equal(-1, reader.Next(buffer));
        Assert.Equal(1, reader.ChecksumsCompleted);

        // Without NEEDS_CSUM (offloads off, or an ARP) the frame passes untouched.
        reader.Accept(Load(reader, VirtioNetHeader.None, frame));
        Assert.Equal(frame.Length, reader.Next(buffer));
        Assert.Equal(frame, buffer[..frame.Length]);
    }

    [Fact]
    public void CountsAndDropsWhatMakesNoSense()
    {
        var reader = new SuperFrameReader();
        var buffer = new byte[2000];
        Assert.Equal(OffloadResult.Malformed, reader.Accept(5));
        Assert.Equal(OffloadResult.Unsupported, reader.Accept(Load(reader, new VirtioNetHeader(1, VirtioNetHeader.GsoUdpL4, 42, 1400, 34, 6), Tcp(3000))));
        Assert.Equal(OffloadResult.Malformed, reader.Accept(Load(reader, new VirtioNetHeader(1, 0, 0, 0, 200, 16), Tcp(10))));
        Assert.Equal(-1, reader.Next(buffer));
        Assert.Equal(3, reader.Dropped);
    }

    /// <summary>scapy (an independent decoder) recomputes the IPv4 and TCP checksums of every segment and agrees.</summary>
    [Fact]
    public void ScapyAgreesWithEverySegmentsChecksums()
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) return;
        var reader = new SuperFrameReader();
        reader.Accept(Load(reader, new VirtioNetHeader(1, VirtioNetHeader.GsoTcpV4, 66, 1448, 34, 16), Tcp(5000, flags: 0x19)));
        var buffer = new byte[2000];
        var hex = new List<string>();
        int length;
        while ((length = reader.Next(buffer)) >= 0) hex.Add(Convert.ToHexString(buffer, 0, length));
        const string script = """
            import sys
            from scapy.all import Ether, IP, TCP
            for line in sys.stdin.read().split():
                p = Ether(bytes.fromhex(line))
                ip, tcp = p[IP].chksum, p[TCP].chksum
                del p[IP].chksum
                del p[TCP].chksum
                q = Ether(bytes(p))
                print(ip == q[IP].chksum and tcp == q[TCP].chksum, p[IP].id, p[IP].len, p[TCP].seq, p[TCP].flags)
            """;
        var result = Cmd.Run(python, ["-c", script], stdin: string.Join('\n', hex)).EnsureSuccess();
        // The sequence number wraps past 2^32 in the last segment; only it keeps FIN and PSH.
        var lines = result.Stdout.Trim().Split('\n');
        Assert.Equal(
            ["True 4660 1500 4294963200 A", "True 4661 1500 4294964648 A", "True 4662 1500 4294966096 A", "True 4663 708 248 FPA"],
            lines);
    }
}
