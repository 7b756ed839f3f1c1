using System.Buffers.Binary;
using System.Text.Json;
using VnetReconciler.Dataplane.Tun;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.Tun;

/// <summary>TapDevice against the real kernel, checked with <c>ip -j</c> as the oracle.</summary>
[Collection("Privileged")]
public sealed class TapDeviceTests
{
    private static JsonElement IpLink(NetNs ns, string name) =>
        JsonDocument.Parse(ns.Ip("-j", "-d", "link", "show", "dev", name)).RootElement[0];

    [Fact]
    public void PersistentTapHasOwnerGroupAndOutlivesItsDescriptor()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "t");
        var name = TestRun.LinkName(tag, "p");
        ns.Run(() => TunControl.CreatePersistent(name, owner: 4242, group: 4343, multiQueue: false));
        var data = IpLink(ns, name).GetProperty("linkinfo").GetProperty("info_data");
        Assert.Equal("tap", data.GetProperty("type").GetString());
        Assert.True(data.GetProperty("persist").GetBoolean());
        Assert.Equal("4242", data.GetProperty("user").ToString());
        Assert.Equal("4343", data.GetProperty("group").ToString());

        ns.Run(() =>
        {
            using var tap = TapDevice.Open(name, TapOpenOptions.NonBlocking);
            Assert.Equal(name, tap.Name);
            Assert.True(tap.FileDescriptor > 2);
            Assert.Equal(-1, tap.Read(new byte[2048])); // down, nothing queued: EAGAIN
        });
        Assert.Equal(name, IpLink(ns, name).GetProperty("ifname").GetString()); // still there after close

        var exists = Assert.Throws<AggregateException>(() => ns.Run(() => TunControl.CreatePersistent(name, null, null, false)));
        var e = Assert.IsType<TapException>(exists.InnerException);
        Assert.Equal(17, e.Errno); // EEXIST
        Assert.Contains("exists", e.Message);

        ns.Run(() => TunControl.DeletePersistent(name, multiQueue: false));
        Assert.DoesNotContain(name, ns.Ip("link", "show"));
    }

    [Fact]
    public void FramesFlowBothWays()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "t");
        var name = TestRun.LinkName(tag, "f");
        ns.Run(() =>
        {
            using var tap = TapDevice.Open(name, TapOpenOptions.NonBlocking);
            ns.Ip("link", "set", name, "address", "02:00:00:00:00:01", "up");
            ns.Ip("addr", "add", "198.18.7.1/24", "dev", name);
            // The host ARPs for a neighbour on the TAP: that request must come out of Read.
            using var ping = ns.Start("ping", ["-c", "30", "-i", "0.2", "198.18.7.2"]);
            var frame = new byte[2048];
            var length = 0;
            Poll.Until(() =>
            {
                length = tap.Read(frame);
                return length > 0 && BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(12)) == 0x0806 &&
                    frame.AsSpan(38, 4).SequenceEqual(new byte[] { 198, 18, 7, 2 });
            }, TimeSpan.FromSeconds(10), "an ARP request for 198.18.7.2 read from the TAP");
            Assert.Equal(0xFF, frame[0]); // broadcast

            // Answer it: an ARP reply written into the TAP teaches the host our MAC (RFC 826).
            var reply = new byte[42];
            var peerMac = new byte[] { 0x02, 0, 0, 0, 0, 0x02 };
            frame.AsSpan(6, 6).CopyTo(reply);               // to the asker
            peerMac.CopyTo(reply, 6);
            reply[12] = 0x08; reply[13] = 0x06;
            reply[14] = 0; reply[15] = 1; reply[16] = 0x08; reply[17] = 0; reply[18] = 6; reply[19] = 4;
            reply[20] = 0; reply[21] = 2;                   // op: reply
            peerMac.CopyTo(reply, 22);
            new byte[] { 198, 18, 7, 2 }.CopyTo(reply, 28);
            frame.AsSpan(22, 10).CopyTo(reply.AsSpan(32));  // target = the asker's MAC and IP
            Assert.True(tap.Write(reply));
            Poll.Until(() => ns.Ip("neigh", "show", "198.18.7.2").Contains("02:00:00:00:00:02"),
                TimeSpan.FromSeconds(10), "the host to learn 198.18.7.2 from the written reply");
        });
    }

    [Fact]
    public void InvalidNamesAreRefusedBeforeAnySyscall()
    {
        Assert.Throws<ArgumentException>(() => TapDevice.Open("fifteen-chars-x"));
        Assert.Throws<ArgumentException>(() => TapDevice.Open("a/b"));
        Assert.Throws<ArgumentException>(() => TapDevice.Open(".."));
        Assert.Throws<ArgumentException>(() => TapDevice.Open(""));
    }

    [Fact]
    public void ReadingAndWritingFramesAllocatesNothing()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "t");
        var name = TestRun.LinkName(tag, "a");
        ns.Run(() =>
        {
            using var tap = TapDevice.Open(name, TapOpenOptions.NonBlocking);
            ns.Ip("link", "set", name, "up");
            var frame = new byte[60];
            frame.AsSpan(0, 6).Fill(0xFF);                       // broadcast
            frame[6] = 0x02; frame[11] = 0x01;                   // a locally administered source
            frame[12] = 0x88; frame[13] = 0xB5;                  // IEEE 802 local experimental EtherType
            var buffer = new byte[2048];
            for (var i = 0; i < 100; i++) { tap.Write(frame); tap.Read(buffer); } // warm up
            var before = GC.GetAllocatedBytesForCurrentThread();
            var written = 0;
            for (var i = 0; i < 10_000; i++)
            {
                if (tap.Write(frame)) written++;
                tap.Read(buffer);
            }
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(10_000, written);
        });
    }

    [Fact]
    public void MultiQueueAndVnetHeaderOptionsReachTheKernel()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "t");
        var name = TestRun.LinkName(tag, "q");
        ns.Run(() =>
        {
            using var client = VnetReconciler.Dataplane.Links.LinkClient.Open();
            client.CreateTap(name, multiQueue: true);
            using var q0 = TapDevice.Open(name, TapOpenOptions.MultiQueue | TapOpenOptions.VnetHeader | TapOpenOptions.NonBlocking);
            using var q1 = TapDevice.Open(name, TapOpenOptions.MultiQueue | TapOpenOptions.VnetHeader);
            q1.SetVnetHeaderSize(12);
            Assert.NotEqual(q0.FileDescriptor, q1.FileDescriptor);
            var data = IpLink(ns, name).GetProperty("linkinfo").GetProperty("info_data");
            Assert.True(data.GetProperty("multi_queue").GetBoolean());
            Assert.True(data.GetProperty("vnet_hdr").GetBoolean());

            var single = Assert.Throws<TapException>(() => TapDevice.Open(name)); // a single-queue open of a multi-queue TAP
            Assert.Equal(22, single.Errno);
            Assert.Contains("multi-queue", single.Message);
        });
    }
}
