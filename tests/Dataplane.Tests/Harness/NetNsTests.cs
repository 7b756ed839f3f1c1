using System.Net.NetworkInformation;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.Harness;

/// <summary>The namespace harness itself: a thread that enters a namespace sees that namespace's links only.</summary>
[Collection("Privileged")]
public sealed class NetNsTests
{
    [Fact]
    public void RunEntersTheNamespaceAndDisposeDeletesIt()
    {
        var tag = TestRun.Tag();
        string name;
        using (var ns = NetNs.Create(tag, "h"))
        {
            name = ns.Name;
            ns.Ip("link", "add", TestRun.LinkName(tag, "d"), "type", "bridge");
            var inside = ns.Run(() => File.ReadAllText("/proc/thread-self/net/dev"));
            Assert.Contains(TestRun.LinkName(tag, "d"), inside);
            Assert.DoesNotContain(TestRun.LinkName(tag, "d"), File.ReadAllText("/proc/net/dev"));
        }
        Assert.DoesNotContain(name, Cmd.Ok("ip", "netns", "list"));
    }
}
