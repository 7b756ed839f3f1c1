using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.Offload;

/// <summary>
/// UDP GSO on the tunnel's bind (UDP_SEGMENT): runs of same-size datagrams to one destination leave as one message and
/// arrive as the same datagrams, in order; a kernel refusal falls back to datagram-by-datagram sends.
/// </summary>
[Collection("Privileged")]
public sealed class UdpSegmentationTests
{
    private const uint B = 0xC6120002; // 198.18.0.2

    private static void Fill(DatagramBatch buffers, DatagramBatch send, int index, int length, uint address, ushort port)
    {
        var buffer = buffers.Slots[index].Buffer;
        for (var j = 0; j < length; j++) buffer[DatagramBatch.Headroom + j] = (byte)(index * 3 + j);
        send.Add(buffer, DatagramBatch.Headroom, length, address, port);
    }

    /// <summary>Receives until <paramref name="expected"/> datagrams came; returns (first byte minus nothing, length) per datagram in order.</summary>
    /// <remarks>A window received with UDP GRO (<see cref="DatagramSlot.SegmentSize"/>) is split as the engine splits it.</remarks>
    private static List<(int Index, int Length)> ReceiveAll(UdpBind bind, int expected, List<int>? windows = null)
    {
        var received = DatagramBatch.ForReceiving(TunnelEngine.BatchSize);
        var got = new List<(int, int)>();
        Poll.Until(() =>
        {
            for (var i = 0; i < received.Capacity; i++) { received.Slots[i].Offset = DatagramBatch.Headroom; received.Slots[i].Length = DatagramBatch.MaxDatagram; }
            var n = bind.Receive(received);
            for (var i = 0; i < n; i++)
            {
                ref var slot = ref received.Slots[i];
                windows?.Add(slot.SegmentSize);
                var size = slot.SegmentSize > 0 ? slot.SegmentSize : slot.Length;
                for (var at = 0; at < slot.Length; at += size)
                {
                    var offset = slot.Offset + at;
                    var length = Math.Min(size, slot.Length - at);
                    var index = slot.Buffer[offset] / 3;
                    for (var j = 0; j < length; j++) Assert.Equal((byte)(index * 3 + j), slot.Buffer[offset + j]);
                    got.Add((index, length));
                }
            }
            return got.Count >= expected;
        }, TimeSpan.FromSeconds(10), $"{expected} datagrams");
        return got;
    }

    [Fact]
    public void WithGroARunArrivesAsOneWindowOfItsDatagrams()
    {
        using var ns = NetNs.Create(TestRun.Tag(), "h");
        ns.Ip("addr", "add", "198.18.0.1/32", "dev", "lo");
        ns.Ip("addr", "add", "198.18.0.2/32", "dev", "lo");
        ns.Run(() =>
        {
            using var a = UdpBind.Open(17990, segmentation: true);
            using var b = UdpBind.Open(17991, segmentation: true);
            Assert.True(b.CoalescedReceive);
            var buffers = DatagramBatch.ForReceiving(TunnelEngine.BatchSize);
            var send = DatagramBatch.ForSending(TunnelEngine.BatchSize);
            for (var i = 0; i < 30; i++) Fill(buffers, send, i, 1472, B, 17991);
            Fill(buffers, send, 30, 99, B, 17991);
            Assert.Equal(31, a.Send(send, 0));
            var windows = new List<int>();
            var got = ReceiveAll(b, 31, windows);
            Assert.Equal(Enumerable.Range(0, 31), got.Select(d => d.Index));
            Assert.Equal([.. Enumerable.Repeat(1472, 30), 99], got.Select(d => d.Length));
            Assert.Contains(1472, windows);
        });
    }

    [Fact]
    public void RunsToOneDestinationGoAsOneMessageAndArriveIntact()
    {
        using var ns = NetNs.Create(TestRun.Tag(), "h");
        ns.Ip("addr", "add", "198.18.0.1/32", "dev", "lo");
        ns.Ip("addr", "add", "198.18.0.2/32", "dev", "lo");
        ns.Run(() =>
        {
            using var a = UdpBind.Open(17990, segmentation: true);
            using var b = UdpBind.Open(17991);
            using var c = UdpBind.Open(17992);
            var buffers = DatagramBatch.ForReceiving(TunnelEngine.BatchSize);
            var send = DatagramBatch.ForSending(TunnelEngine.BatchSize);
            // 40 × 1472 then 700 to b (one message), 3 to c (one message), then 2 of unequal growing size to b (two).
            var i = 0;
            for (; i < 40; i++) Fill(buffers, send, i, 1472, B, 17991);
            Fill(buffers, send, i++, 700, B, 17991);
            for (var k = 0; k < 3; k++) Fill(buffers, send, i++, 1000, B, 17992);
            Fill(buffers, send, i++, 300, B, 17991);
            Fill(buffers, send, i++, 400, B, 17991);
            Assert.Equal(i, a.Send(send, 0));
            Assert.Equal(2, a.SegmentedMessages);
            Assert.Equal(0, a.SegmentationRefused);

            var atB = ReceiveAll(b, 43);
            Assert.Equal([.. Enumerable.Range(0, 41), 44, 45], atB.Select(d => d.Index));
            Assert.Equal([.. Enumerable.Repeat(1472, 40), 700, 300, 400], atB.Select(d => d.Length));
            Assert.Equal([41, 42, 43], ReceiveAll(c, 3).Select(d => d.Index));
        });
    }

    [Fact]
    public void ARefusedSegmentSizeFallsBackToPlainDatagrams()
    {
        var tag = TestRun.Tag();
        using var h1 = NetNs.Create(tag, "h1");
        using var h2 = NetNs.Create(tag, "h2");
        var link = TestRun.LinkName(tag, "u");
        Cmd.Ok("ip", "link", "add", link + "a", "netns", h1.Name, "mtu", "1000", "type", "veth", "peer", "name", link + "b", "netns", h2.Name, "mtu", "1000");
        h1.Ip("addr", "add", "198.18.0.1/24", "dev", link + "a");
        h2.Ip("addr", "add", "198.18.0.2/24", "dev", link + "b");
        h1.Ip("link", "set", link + "a", "up");
        h2.Ip("link", "set", link + "b", "up");
        using var b = h2.Run(() => UdpBind.Open(17991));
        h1.Run(() =>
        {
            using var a = UdpBind.Open(17990, segmentation: true);
            var buffers = DatagramBatch.ForReceiving(TunnelEngine.BatchSize);
            var send = DatagramBatch.ForSending(TunnelEngine.BatchSize);
            // Segments of 1200 bytes do not fit the 1000-byte MTU: the kernel refuses UDP_SEGMENT (EINVAL); they go
            // one by one and the socket (IP_PMTUDISC_DONT) fragments them. 500-byte runs are still segmented.
            for (var i = 0; i < 4; i++) Fill(buffers, send, i, 1200, B, 17991);
            for (var i = 4; i < 8; i++) Fill(buffers, send, i, 500, B, 17991);
            var sent = 0;
            while (sent < send.Count) sent += Math.Max(1, a.Send(send, sent));
            Assert.Equal(1, a.SegmentationRefused);
            Assert.Equal(1, a.SegmentedMessages);
        });
        var got = ReceiveAll(b, 8);
        Assert.Equal(Enumerable.Range(0, 8), got.Select(d => d.Index));
        Assert.Equal([1200, 1200, 1200, 1200, 500, 500, 500, 500], got.Select(d => d.Length));
    }
}
