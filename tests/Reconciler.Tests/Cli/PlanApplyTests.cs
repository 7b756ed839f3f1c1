using VnetReconciler.Reconciler.Tests.Sources;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;

namespace VnetReconciler.Reconciler.Tests.Cli;

/// <summary>
/// <c>vnetctl plan</c> and <c>apply</c> as an operator runs them: the real binary, real git repositories, the real
/// kernel in a namespace per test, checked with <c>ip -j</c> and <c>bridge -j</c> (SPEC §3, §5, §6.1–§6.3).
/// </summary>
[Collection("Privileged")]
public sealed class PlanApplyTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _tag = TestRun.Tag();
    private readonly List<IDisposable> _cleanup = [];

    private (NetNs Ns, TestRepository Repo, string State) HostA()
    {
        var ns = NetNs.Create(_tag, "a");
        _cleanup.Add(ns);
        ns.Ip("link", "add", "vm-a97", "type", "veth", "peer", "name", "vm-a97p");
        var repo = new TestRepository();
        _cleanup.Add(repo);
        repo.Commit(RepoPaths.ExampleFiles(), "example fleet");
        var state = Path.Combine(repo.Root, "state");
        return (ns, repo, state);
    }

    private CmdResult Vnetctl(NetNs ns, params string[] args)
    {
        var r = VnetctlProcess.Run(ns, args);
        output.WriteLine($"$ vnetctl {string.Join(' ', args)} -> {r.ExitCode}\n{r.Stdout}{r.Stderr}");
        return r;
    }

    private static string[] Host(TestRepository repo, string state, params string[] extra) =>
        ["--repo", repo.Work, "--host", "host-a", "--state-dir", state, "--trust", Path.Combine(state, "no-trust.yaml"), .. extra];

    private static string Links(NetNs ns) => ns.Ip("-j", "-d", "link", "show") + ns.Exec("bridge", "-j", "link", "show").Stdout;

    /// <summary>What the agent manages of every link: name, master, MTU, alias, admin state (operstate moves on its own).</summary>
    private static string Managed(NetNs ns) => string.Join("\n",
        System.Text.Json.JsonDocument.Parse(ns.Ip("-j", "link", "show")).RootElement.EnumerateArray().Select(l =>
            $"{l.GetProperty("ifname")} {(l.TryGetProperty("master", out var m) ? m.GetString() : "-")} {l.GetProperty("mtu")} " +
            $"{(l.TryGetProperty("ifalias", out var a) ? a.GetString() : "-")} {l.GetProperty("flags").EnumerateArray().Any(f => f.GetString() == "UP")}"));

    private static System.Text.Json.JsonElement Link(NetNs ns, string name) =>
        System.Text.Json.JsonDocument.Parse(ns.Ip("-j", "-d", "link", "show", "dev", name)).RootElement[0];

    [Fact]
    public void PlanOnAnEmptyHostListsEverythingChangesNothingAndApplyConverges()
    {
        var (ns, repo, state) = HostA();
        var before = Links(ns);
        var plan = Vnetctl(ns, ["plan", .. Host(repo, state, "--detailed-exitcode")]);
        Assert.Equal(2, plan.ExitCode);
        foreach (var name in new[] { "vnet97", "vnif97", "vnet98", "vnif0098", "red", "vnif-red", "vm-a97" })
            Assert.Contains(name, plan.Stdout);
        Assert.Contains("Tunnel tables not observed", plan.Stdout);
        Assert.Equal(before, Links(ns));

        var apply = Vnetctl(ns, ["apply", .. Host(repo, state)]);
        Assert.Equal(0, apply.ExitCode);
        Assert.Equal(0, Vnetctl(ns, ["plan", .. Host(repo, state, "--detailed-exitcode")]).ExitCode);

        var vnif = Link(ns, "vnif97");
        Assert.Equal("vnet97", vnif.GetProperty("master").GetString());
        Assert.Equal(1436, vnif.GetProperty("mtu").GetInt32());
        Assert.StartsWith("vnet-reconciler", vnif.GetProperty("ifalias").GetString());
        Assert.Equal("tun", vnif.GetProperty("linkinfo").GetProperty("info_kind").GetString());
        var port = Link(ns, "vm-a97");
        Assert.Equal("vnet97", port.GetProperty("master").GetString());
        Assert.Equal(1436, port.GetProperty("mtu").GetInt32());
        Assert.False(port.TryGetProperty("ifalias", out _));
        Assert.Equal(1424, Link(ns, "red").GetProperty("mtu").GetInt32());
    }

    [Fact]
    public void ABrokenCommitLeavesTheAppliedStateAndNamesTheFileLineAndColumn()
    {
        var (ns, repo, state) = HostA();
        Assert.Equal(0, Vnetctl(ns, ["apply", .. Host(repo, state)]).ExitCode);
        var applied = Managed(ns);

        repo.Commit("vnets/vnet97.sxp", "(vnet (id 97)\n  (bridge vnet97) (vnetif vnif97) (security none)\n", "unbalanced");
        var bad = Vnetctl(ns, ["apply", .. Host(repo, state)]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Matches(@"vnets/vnet97\.sxp:\d+:\d+: ", bad.Stderr);
        Assert.Contains("stays in force", bad.Stderr);
        Assert.Equal(applied, Managed(ns));

        repo.Commit(new Dictionary<string, string?>
        {
            ["vnets/vnet97.sxp"] = "(vnet (id 97) (bridge vnet97) (vnetif vnif97) (security none))\n",
            ["vnets/vnet99.sxp"] = "(vnet (id 99) (bridge vnet99) (vnetif vnif99) (security none))\n",
        }, "fixed, and vnet 99");
        Assert.Equal(0, Vnetctl(ns, ["apply", .. Host(repo, state)]).ExitCode);
        Assert.Equal("vnet99", Link(ns, "vnif99").GetProperty("master").GetString());
    }

    [Fact]
    public void AnUnownedBridgeWithADeclaredNameIsAConflictAndAnUndeclaredOneIsNeverSeen()
    {
        var (ns, repo, state) = HostA();
        ns.Ip("link", "add", "vnet97", "mtu", "1400", "type", "bridge");
        ns.Ip("link", "add", "theirbr", "type", "bridge");
        var plan = Vnetctl(ns, ["plan", .. Host(repo, state)]);
        Assert.Contains("! vnet97", plan.Stdout);
        Assert.DoesNotContain("theirbr", plan.Stdout);
        Assert.DoesNotContain("+ vnetif vnif97", plan.Stdout); // never enslaved to someone else's bridge

        Vnetctl(ns, ["apply", .. Host(repo, state)]);
        var theirs = Link(ns, "vnet97");
        Assert.Equal(1400, theirs.GetProperty("mtu").GetInt32());
        Assert.False(theirs.TryGetProperty("ifalias", out _));
        Assert.Equal(0, ns.Exec("ip", "link", "show", "dev", "theirbr").ExitCode);
    }

    [Fact]
    public void RemovingAVnetFromGitDeletesExactlyWhatWeOwnForIt()
    {
        var (ns, repo, state) = HostA();
        Assert.Equal(0, Vnetctl(ns, ["apply", .. Host(repo, state)]).ExitCode);
        ns.Ip("link", "add", "theirbr", "type", "bridge");
        var files = RepoPaths.ExampleFiles();
        var hostA = files["hosts/host-a.sxp"]!.Replace("\n  (port (name vm-a98) (vnet 98))", "");
        var hostB = files["hosts/host-b.yaml"]!.Replace("    - { name: vm-b98, vnet: \"98\" }\n", "");
        var hostC = files["hosts/host-c.yaml"]!.Replace("    - { name: tap-c98, vnet: \"98\", type: tap, owner: \"1000\" }\n", "");
        repo.Commit(new Dictionary<string, string?>
        {
            ["vnets/tenant-blue.yaml"] = null, ["hosts/host-a.sxp"] = hostA, ["hosts/host-b.yaml"] = hostB, ["hosts/host-c.yaml"] = hostC,
        }, "retire tenant-blue");
        var apply = Vnetctl(ns, ["apply", .. Host(repo, state)]);
        Assert.Equal(0, apply.ExitCode);
        Assert.NotEqual(0, ns.Exec("ip", "link", "show", "dev", "vnet98").ExitCode);
        Assert.NotEqual(0, ns.Exec("ip", "link", "show", "dev", "vnif0098").ExitCode);
        foreach (var kept in new[] { "vnet97", "vnif97", "red", "vnif-red", "vm-a97", "theirbr" })
            Assert.Equal(0, ns.Exec("ip", "link", "show", "dev", kept).ExitCode);
    }

    [Fact]
    public void GitUnreachableRestoresTheLastAppliedStateAndPrunesNothing()
    {
        var (ns, repo, state) = HostA();
        var bare = repo.MakeBare();
        var remote = "file://" + bare;
        string[] Args(params string[] extra) => ["--repo", remote, "--host", "host-a", "--state-dir", state, "--trust", Path.Combine(state, "none.yaml"), .. extra];
        Assert.Equal(0, Vnetctl(ns, ["apply", .. Args()]).ExitCode);
        ns.Ip("link", "del", "vnif0098");
        Directory.Move(bare, bare + ".gone");

        var apply = Vnetctl(ns, ["apply", .. Args()]);
        Assert.Equal(1, apply.ExitCode);
        Assert.Contains("stays in force", apply.Stderr);
        foreach (var name in new[] { "vnet97", "vnif97", "vnet98", "vnif0098", "red", "vnif-red" })
            Assert.Equal(0, ns.Exec("ip", "link", "show", "dev", name).ExitCode);
    }

    [Fact]
    public void DriftNamesEveryObjectAndFieldThatMovedSinceTheLastApply()
    {
        var (ns, repo, state) = HostA();
        string[] Drift(params string[] extra) => ["drift", "--host", "host-a", "--state-dir", state, .. extra];
        Assert.Equal(1, Vnetctl(ns, Drift()).ExitCode); // nothing applied yet: says so
        Assert.Equal(0, Vnetctl(ns, ["apply", .. Host(repo, state)]).ExitCode);
        Assert.Equal(0, Vnetctl(ns, Drift("--detailed-exitcode")).ExitCode);

        ns.Ip("link", "set", "vm-a97", "mtu", "1500");
        ns.Ip("link", "set", "vnif97", "nomaster");
        ns.Ip("link", "del", "vnif0098");
        var text = Vnetctl(ns, Drift("--detailed-exitcode"));
        Assert.Equal(2, text.ExitCode);
        Assert.Contains("links[vm-a97].mtu: want 1436, got 1500", text.Stdout);
        Assert.Contains("links[vnif97].master: want vnet97, got none", text.Stdout);
        Assert.Contains("links[vnif0098]: missing", text.Stdout);

        var json = System.Text.Json.JsonDocument.Parse(Vnetctl(ns, Drift("-o", "json")).Stdout).RootElement;
        Assert.True(json.GetProperty("drift").GetArrayLength() >= 3); // bridges follow their members' MTU, so they drift too
        Assert.Contains(json.GetProperty("drift").EnumerateArray(), d => d.GetProperty("path").GetString() == "links[vm-a97].mtu"
            && d.GetProperty("want").GetString() == "1436" && d.GetProperty("got").GetString() == "1500");
        Assert.Contains("| `links[vm-a97].mtu` | 1436 | 1500 |", Vnetctl(ns, Drift("-o", "markdown")).Stdout);
    }

    [Fact]
    public void AnApplyKilledAtAnyStepConvergesOnTheNextRun()
    {
        var (ns0, repo, _) = HostA();
        ns0.Dispose();
        for (var step = 0; ; step++)
        {
            using var ns = NetNs.Create(_tag, $"c{step}");
            ns.Ip("link", "add", "vm-a97", "type", "veth", "peer", "name", "vm-a97p");
            var state = Path.Combine(repo.Root, $"state{step}");
            var crashed = VnetctlProcess.Run(ns, ["apply", .. Host(repo, state)], new Dictionary<string, string> { ["VNETCTL_CRASH_AT_STEP"] = step.ToString() });
            if (crashed.ExitCode == 0)
            {
                output.WriteLine($"no crash point at step {step}: the apply has {step} steps");
                Assert.True(step > 6);
                break;
            }
            Assert.Contains("crashing before", crashed.Stderr + crashed.Stdout);
            var again = Vnetctl(ns, ["apply", .. Host(repo, state)]);
            Assert.True(again.ExitCode == 0, $"after a crash at step {step}: {again.Stdout} {again.Stderr}");
            Assert.DoesNotContain("Conflicts", again.Stdout);
        }
    }

    public void Dispose()
    {
        for (var i = _cleanup.Count - 1; i >= 0; i--) _cleanup[i].Dispose();
    }
}
