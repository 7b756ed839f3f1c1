using System.Net;
using System.Net.Sockets;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.Tunnel.Privileged;

/// <summary>The real recvmmsg/sendmmsg bind: batches out and in with addresses, ports and lengths intact.</summary>
[Collection("Privileged")]
public sealed class UdpBindTests
{
    [Fact]
    public void ABatchGoesOutAndComesBackWithAddressesAndLengths()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "h");
        ns.Ip("addr", "add", "198.18.0.1/32", "dev", "lo");
        ns.Ip("addr", "add", "198.18.0.2/32", "dev", "lo");
        ns.Run(() =>
        {
            using var a = UdpBind.Open(17980);
            using var b = UdpBind.Open(17981);
            var buffers = DatagramBatch.ForReceiving(TunnelEngine.BatchSize);
            var send = DatagramBatch.ForSending(TunnelEngine.BatchSize);
            for (var i = 0; i < TunnelEngine.BatchSize; i++)
            {
                var buffer = buffers.Slots[i].Buffer;
                for (var j = 0; j < 100 + i; j++) buffer[DatagramBatch.Headroom + j] = (byte)(i + j);
                send.Add(buffer, DatagramBatch.Headroom, 100 + i, 0xC6120002, 17981);
            }
            Assert.Equal(TunnelEngine.BatchSize, a.Send(send, 0));

            var received = DatagramBatch.ForReceiving(TunnelEngine.BatchSize);
            var got = 0;
            var lengths = new List<int>();
            Poll.Until(() =>
            {
                for (var i = 0; i < received.Capacity; i++) { received.Slots[i].Offset = DatagramBatch.Headroom; received.Slots[i].Length = DatagramBatch.MaxDatagram; }
                var n = b.Receive(received);
                for (var i = 0; i < n; i++)
                {
                    ref var slot = ref received.Slots[i];
                    Assert.Equal(17980, slot.Port);
                    Assert.True(slot.Address is 0xC6120001 or 0xC6120002 or 0x7F000001, $"source {slot.Address:x8}");
                    var index = slot.Length - 100;
                    Assert.Equal((byte)(index + 5), slot.Buffer[slot.Offset + 5]);
                    lengths.Add(slot.Length);
                }
                got += n;
                return got == TunnelEngine.BatchSize;
            }, TimeSpan.FromSeconds(10), "all datagrams of the batch");
            Assert.Equal(Enumerable.Range(100, TunnelEngine.BatchSize), lengths.Order());

            // Another program's datagram (a plain .NET socket) arrives with its source address and port.
            using var plain = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            plain.Bind(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 17982));
            plain.SendTo(new byte[] { 1, 2, 3 }, new IPEndPoint(IPAddress.Parse("198.18.0.2"), 17981));
            Poll.Until(() =>
            {
                received.Slots[0].Offset = DatagramBatch.Headroom;
                received.Slots[0].Length = DatagramBatch.MaxDatagram;
                return b.Receive(received) == 1;
            }, TimeSpan.FromSeconds(10), "the plain socket's datagram");
            Assert.Equal((0xC6120001u, (ushort)17982, 3), (received.Slots[0].Address, received.Slots[0].Port, received.Slots[0].Length));
        });
    }
}
