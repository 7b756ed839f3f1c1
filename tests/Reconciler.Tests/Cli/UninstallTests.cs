using System.Text.Json;
using VnetReconciler.Reconciler.Tests.Sources;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;

namespace VnetReconciler.Reconciler.Tests.Cli;

/// <summary>
/// <c>vnetctl uninstall</c> as an operator runs it (SPEC §3.2, §5): the real binary after a real <c>vnetctl apply</c>, in
/// a namespace per test, checked with <c>ip -j link</c>.
/// </summary>
[Collection("Privileged")]
public sealed class UninstallTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _tag = TestRun.Tag();
    private readonly List<IDisposable> _cleanup = [];

    /// <summary>host-a's namespace with its veth vm-a97 and a bridge that is not ours, and the example fleet in git.</summary>
    private (NetNs Ns, TestRepository Repo, string State) HostA()
    {
        var ns = NetNs.Create(_tag, "a");
        _cleanup.Add(ns);
        ns.Ip("link", "add", "vm-a97", "type", "veth", "peer", "name", "vm-a97p");
        ns.Ip("link", "add", "theirbr", "mtu", "1400", "type", "bridge");
        var repo = new TestRepository();
        _cleanup.Add(repo);
        repo.Commit(RepoPaths.ExampleFiles(), "example fleet");
        return (ns, repo, Path.Combine(repo.Root, "state"));
    }

    private CmdResult Vnetctl(NetNs ns, params string[] args)
    {
        var r = VnetctlProcess.Run(ns, args);
        output.WriteLine($"$ vnetctl {string.Join(' ', args)} -> {r.ExitCode}\n{r.Stdout}{r.Stderr}");
        return r;
    }

    private CmdResult Apply(NetNs ns, TestRepository repo, string state)
    {
        var r = Vnetctl(ns, "apply", "--repo", repo.Work, "--host", "host-a", "--state-dir", state, "--trust", Path.Combine(state, "no-trust.yaml"));
        Assert.Equal(0, r.ExitCode);
        return r;
    }

    /// <summary>Every link as name, master, MTU, alias and admin state (operstate moves on its own).</summary>
    private static Dictionary<string, string> Links(NetNs ns) =>
        JsonDocument.Parse(ns.Ip("-j", "link", "show")).RootElement.EnumerateArray().ToDictionary(
            l => l.GetProperty("ifname").GetString()!,
            l => $"{(l.TryGetProperty("master", out var m) ? m.GetString() : "-")} {l.GetProperty("mtu")} " +
                 $"{(l.TryGetProperty("ifalias", out var a) ? a.GetString() : "-")} {l.GetProperty("flags").EnumerateArray().Any(f => f.GetString() == "UP")}");

    [Fact]
    public void UninstallAfterAConvergeRestoresTheLinksAndRemovesTheAgentsState()
    {
        var (ns, repo, state) = HostA();
        var before = Links(ns);
        Apply(ns, repo, state);
        Assert.True(File.Exists(Path.Combine(state, "inventory.json")));
        Assert.True(File.Exists(Path.Combine(state, "last-applied.json")));
        Assert.True(Directory.Exists(Path.Combine(state, "mirror")));

        var r = Vnetctl(ns, "uninstall", "--state-dir", state, "--yes");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("~ port vm-a97", r.Stdout);
        foreach (var name in new[] { "vnet97", "vnif97", "vnet98", "vnif0098", "red", "vnif-red" })
            Assert.Contains($"{name} ", r.Stdout);
        Assert.DoesNotContain("theirbr", r.Stdout);

        var after = Links(ns);
        // Everything as it was before the first apply, the released port included (its MTU recorded at adoption).
        Assert.Equal(before.OrderBy(kv => kv.Key), after.OrderBy(kv => kv.Key));
        Assert.False(Directory.Exists(state), $"{state} still holds {string.Join(", ", Directory.Exists(state) ? Directory.GetFileSystemEntries(state) : [])}");

        var again = Vnetctl(ns, "uninstall", "--state-dir", state, "--yes", "-o", "json");
        Assert.Equal(0, again.ExitCode);
        var json = JsonDocument.Parse(again.Stdout).RootElement;
        Assert.Equal(0, json.GetProperty("changes").GetArrayLength());
        Assert.Equal(0, json.GetProperty("state_removed").GetArrayLength());
    }

    [Fact]
    public void UninstallKeepsFilesInTheStateDirectoryThatTheAgentDidNotWrite()
    {
        var (ns, repo, state) = HostA();
        Apply(ns, repo, state);
        File.WriteAllText(Path.Combine(state, "operator-notes.txt"), "mine");
        var r = Vnetctl(ns, "uninstall", "--state-dir", state, "--yes", "-o", "json");
        Assert.Equal(0, r.ExitCode);
        var json = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal(1, json.GetProperty("summary").GetProperty("release").GetInt32());
        Assert.Equal(6, json.GetProperty("summary").GetProperty("delete").GetInt32());
        Assert.Equal(["operator-notes.txt"], Directory.GetFileSystemEntries(state).Select(Path.GetFileName));
    }

    [Fact]
    public void WithoutYesAndWithoutATerminalItRefusesAndChangesNothing()
    {
        var (ns, repo, state) = HostA();
        Apply(ns, repo, state);
        var applied = Links(ns);
        // "y" on a pipe is not a confirmation: only a person at a terminal, or --yes, may confirm.
        var r = Cmd.Run("ip", ["netns", "exec", ns.Name, "dotnet", VnetctlProcess.Dll, "uninstall", "--state-dir", state],
            TimeSpan.FromSeconds(120), stdin: "y\n", env: new Dictionary<string, string> { ["NO_COLOR"] = "1" });
        output.WriteLine($"{r.ExitCode}\n{r.Stdout}{r.Stderr}");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("stdin is not a terminal", r.Stderr);
        Assert.Contains("--yes", r.Stderr);
        Assert.Equal(applied, Links(ns));
        Assert.True(File.Exists(Path.Combine(state, "inventory.json")));
    }

    [Fact]
    public void ARunningAgentBlocksUninstallUnlessForced()
    {
        var (ns, repo, state) = HostA();
        Apply(ns, repo, state);
        var applied = Links(ns);
        ns.Start("socat", ["TCP-LISTEN:19797,bind=127.0.0.1,reuseaddr,fork", "SYSTEM:true"]);
        Poll.Until(() => ns.Exec("ss", "-Hltn", "sport = :19797").Stdout.Contains("19797"), TimeSpan.FromSeconds(20), "a listener on 127.0.0.1:19797");

        var refused = Vnetctl(ns, "uninstall", "--state-dir", state, "--yes", "--listen", "127.0.0.1:19797");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("an agent answers on 127.0.0.1:19797", refused.Stderr);
        Assert.Equal(applied, Links(ns));

        var forced = Vnetctl(ns, "uninstall", "--state-dir", state, "--yes", "--listen", "127.0.0.1:19797", "--force");
        Assert.Equal(0, forced.ExitCode);
        Assert.Contains("warning: an agent answers", forced.Stderr);
        Assert.NotEqual(0, ns.Exec("ip", "link", "show", "dev", "vnet97").ExitCode);
    }

    public void Dispose()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--) _cleanup[i].Dispose();
    }
}
