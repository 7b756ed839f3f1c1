using System.Runtime.InteropServices;
using VnetReconciler.Dataplane.Links;
using VnetReconciler.Dataplane.Netlink;
using VnetReconciler.Dataplane.Tun;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.Links;

/// <summary>
/// Without CAP_NET_ADMIN every change fails with a clear "operation not permitted; needs CAP_NET_ADMIN". The
/// capability is dropped from the effective set of one dedicated thread only (capset acts per thread), which ends
/// with the test.
/// </summary>
[Collection("Privileged")]
public sealed partial class PrivilegeTests
{
    private const int CAP_NET_ADMIN = 12;                 // linux/capability.h
    private const uint LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader { public uint Version; public int Pid; }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData { public uint Effective; public uint Permitted; public uint Inheritable; }

    [LibraryImport("libc", EntryPoint = "capget", SetLastError = true)]
    private static unsafe partial int CapGet(CapHeader* header, CapData* data);

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static unsafe partial int CapSet(CapHeader* header, CapData* data);

    private static unsafe void DropNetAdminFromThisThread()
    {
        var header = new CapHeader { Version = LINUX_CAPABILITY_VERSION_3, Pid = 0 };
        var data = stackalloc CapData[2];
        Assert.Equal(0, CapGet(&header, data));
        data[0].Effective &= ~(1u << CAP_NET_ADMIN);
        Assert.Equal(0, CapSet(&header, data));
    }

    [Fact]
    public void ChangesWithoutCapNetAdminSayWhatIsMissing()
    {
        var tag = TestRun.Tag();
        using var ns = NetNs.Create(tag, "c");
        var br = TestRun.LinkName(tag, "b");
        ns.Ip("link", "add", br, "type", "bridge");
        ns.Run(() =>
        {
            using var client = LinkClient.Open(); // opened with the capability; the check is on the sending thread
            DropNetAdminFromThisThread();

            var e = Assert.Throws<NetlinkException>(() => client.CreateBridge(TestRun.LinkName(tag, "x")));
            Assert.Equal(1, e.Errno);
            Assert.True(e.IsPermissionDenied);
            Assert.False(e.IsTransient);
            Assert.Contains("Operation not permitted", e.Message);
            Assert.Contains("needs CAP_NET_ADMIN", e.Message);
            Assert.Equal(1, Assert.Throws<NetlinkException>(() => client.SetMtu(br, 1400)).Errno);

            var tap = Assert.Throws<TapException>(() => client.CreateTap(TestRun.LinkName(tag, "t")));
            Assert.Equal(1, tap.Errno);
            Assert.Contains("needs CAP_NET_ADMIN", tap.Message);

            Assert.Contains(client.DumpLinks(), l => l.Name == br); // reading needs no privilege
        });
        Assert.Equal(1500, IpOracle.Link(ns, br)!.Mtu);
        Assert.Equal(2, IpOracle.Links(ns).Count);
    }
}
