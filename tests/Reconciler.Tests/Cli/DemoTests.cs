using VnetReconciler.TestSupport;
using Xunit.Abstractions;

namespace VnetReconciler.Reconciler.Tests.Cli;

/// <summary>The README's first command: <c>vnetctl demo</c> runs the example fleet end to end and leaves nothing behind.</summary>
[Collection("Privileged")]
public sealed class DemoTests(ITestOutputHelper output)
{
    [Fact]
    public void TheDemoRunsEndToEndAndLeavesNoNamespaceOrProcess()
    {
        static string[] Ours(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0]).Where(n => n.StartsWith("vd", StringComparison.Ordinal)).ToArray();
        var before = Ours(Cmd.Ok("ip", "netns", "list"));

        var run = Cmd.Run("dotnet", [VnetctlProcess.Dll, "demo", "--example", RepoPaths.Examples], TimeSpan.FromMinutes(5),
            env: new Dictionary<string, string> { ["NO_COLOR"] = "1" });
        output.WriteLine(run.Stdout + run.Stderr);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("answered after", run.Stdout);
        Assert.Contains("healed by the agent", run.Stdout);
        Assert.Matches(@"vnets/vnet97\.sxp:\d+:\d+", run.Stdout);
        Assert.Contains("(host-b, vnet 98, ESP): answered", run.Stdout); // auth
        Assert.Contains("(host-b, vnet 9a, ESP): answered", run.Stdout); // conf
        Assert.Contains("3 host(s), 0 stale", run.Stdout);               // every agent published its status to git
        Assert.Contains("deleted namespaces", run.Stdout);
        Assert.Equal(before, Ours(Cmd.Ok("ip", "netns", "list")));
        Assert.DoesNotContain("vnetctl.dll agent", Cmd.Run("pgrep", "-a", "-f", "vnetctl.dll agent").Stdout);
    }
}
