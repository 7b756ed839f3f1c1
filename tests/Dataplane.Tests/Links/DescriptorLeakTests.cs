using VnetReconciler.Dataplane.Links;
using VnetReconciler.Dataplane.Netlink;
using VnetReconciler.Dataplane.Tun;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.Links;

/// <summary>Every descriptor the layer opens (sockets, TAP queues, eventfds, parallel delete lanes) is closed again.</summary>
[Collection("Privileged")]
public sealed class DescriptorLeakTests
{
    private static int OpenDescriptors() => Directory.GetFiles("/proc/self/fd").Length;

    [Fact]
    public void OperationsLeaveNoDescriptorsBehind()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "k");
        var br = TestRun.LinkName(tag, "b");
        var tap = TestRun.LinkName(tag, "t");
        ns.Run(() =>
        {
            void Work()
            {
                using var monitor = LinkMonitor.Start();
                using var client = LinkClient.Open();
                client.CreateBridge(br, new LinkSettings { Up = true, Alias = "x" });
                client.CreateTap(tap);
                using (var device = TapDevice.Open(tap, TapOpenOptions.NonBlocking)) device.Read(new byte[64]);
                client.SetMaster(tap, br);
                client.DumpLinks();
                Assert.Throws<NetlinkException>(() => client.CreateBridge(br));
                Assert.Throws<TapException>(() => client.CreateTap(br));
                var names = Enumerable.Range(0, 20).Select(i => TestRun.LinkName(tag, "m" + i.ToString("x"))).ToList();
                var batch = client.Batch();
                foreach (var n in names) batch.CreateBridge(n);
                batch.Commit();
                client.DeleteLinks([.. names.Select(n => (LinkRef)n), tap, br], parallelism: 4);
            }

            Work(); // warm up: the runtime opens descriptors of its own the first time
            var before = OpenDescriptors();
            Work();
            Assert.Equal(before, OpenDescriptors());
        });
    }
}
