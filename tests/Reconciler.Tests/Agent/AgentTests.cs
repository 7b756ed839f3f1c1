using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using VnetReconciler.Reconciler.Tests.Cli;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>
/// <c>vnetctl agent</c> on two hosts (SPEC §5, §6.1, §6.6): VMs ping each other across the embedded tunnel, a commit is
/// live on both hosts within an interval, drift made by hand is healed by the kernel event alone, the HTTP status is
/// what docs/status.md says, and SIGTERM leaves the kernel objects in place.
/// </summary>
[Collection("Privileged")]
public sealed class AgentTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static void StartBoth(TwoHostFleet fleet, string interval)
    {
        fleet.StartAgent(fleet.A, "host-a", interval);
        fleet.StartAgent(fleet.B, "host-b", interval);
        Poll.Until(() => TwoHostFleet.IsReady(fleet.A) && TwoHostFleet.IsReady(fleet.B), Generous, "both agents Ready");
    }

    [Fact]
    public void VmsPingAcrossHostsAndACommitIsLiveOnBothWithinAnInterval()
    {
        using var fleet = new TwoHostFleet(output);
        StartBoth(fleet, "1s");
        var ping = Poll.Until(() => fleet.Pings(fleet.VmA, "198.19.0.2"), Generous, "vm-a pings vm-b across the tunnel");
        output.WriteLine($"first ping after {ping.TotalMilliseconds:F0} ms");

        var commit = fleet.Repo.Commit(new Dictionary<string, string?>
        {
            ["vnets/vnet99.sxp"] = "(vnet (id 99) (bridge vnet99) (vnetif vnif99) (security none))\n",
        }, "add vnet 99");
        var clock = Stopwatch.StartNew();
        Poll.Until(() => TwoHostFleet.IsReady(fleet.A, commit) && TwoHostFleet.IsReady(fleet.B, commit), Generous, "vnet 99 applied on both hosts");
        output.WriteLine($"commit live on both hosts after {clock.ElapsedMilliseconds} ms (interval 1 s)");
        foreach (var ns in new[] { fleet.A, fleet.B })
        {
            var link = JsonDocument.Parse(ns.Ip("-j", "link", "show", "dev", "vnif99")).RootElement[0];
            Assert.Equal("vnet99", link.GetProperty("master").GetString());
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"a 1 s interval took {clock.Elapsed} to bring the commit live");

        // SIGTERM: the agent exits 0 and leaves every kernel object in place.
        var before = Links(fleet.A);
        Assert.Equal(0, fleet.Stop(fleet.A));
        Assert.Equal(before, Links(fleet.A));

        // Restarted with git gone: the last applied revision comes back from the state directory, tunnel included.
        Directory.Move(fleet.Repo.Work, fleet.Repo.Work + ".gone");
        try
        {
            fleet.StartAgent(fleet.A, "host-a", "1s", "--log-format", "json");
            Poll.Until(() => TwoHostFleet.Status(fleet.A) is { ValueKind: JsonValueKind.Object } s
                             && s.GetProperty("revision").GetProperty("applied").GetString() == commit
                             && s.GetProperty("vnets").EnumerateArray().Any(v => v.GetProperty("carried").GetBoolean()),
                Generous, "the last applied revision restored without git");
            Poll.Until(() => fleet.Pings(fleet.VmA, "198.19.0.2"), Generous, "traffic after a restart without git");
            var status = TwoHostFleet.Status(fleet.A);
            Assert.Contains(status.GetProperty("conditions").EnumerateArray(), c =>
                c.GetProperty("type").GetString() == "Ready" && c.GetProperty("reason").GetString() == "RetryableFailure");
            lock (fleet.Logs)
            {
                var json = fleet.Logs[fleet.A.Name].Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
                Assert.Contains(json, l => l.GetProperty("EventId").GetInt32() == 1001); // restored
                Assert.Contains(json, l => l.GetProperty("EventId").GetInt32() == 2000 && l.GetProperty("Category").GetString() == "vnetctl.agent");
            }
        }
        finally
        {
            Directory.Move(fleet.Repo.Work + ".gone", fleet.Repo.Work);
        }
    }

    [Fact]
    public void HandMadeDriftIsHealedByTheKernelEventAloneAndTrafficFlowsAgain()
    {
        using var fleet = new TwoHostFleet(output);
        StartBoth(fleet, "1h");
        Poll.Until(() => fleet.Pings(fleet.VmA, "198.19.0.2"), Generous, "ping before the drift");

        var drifts = new (string What, string[] Ip)[]
        {
            ("vnetif vnif97 deleted", ["link", "del", "vnif97"]),
            ("port vm-a97 released", ["link", "set", "vm-a97", "nomaster"]),
            ("bridge vnet97 deleted", ["link", "del", "vnet97"]),
        };
        foreach (var (what, ip) in drifts)
        {
            var clock = Stopwatch.StartNew();
            fleet.A.Ip(ip);
            Poll.Until(() => Master(fleet.A, "vnif97") == "vnet97" && Master(fleet.A, "vm-a97") == "vnet97", Generous, $"healed: {what}");
            var healed = clock.Elapsed;
            Poll.Until(() => fleet.Pings(fleet.VmA, "198.19.0.2"), Generous, $"traffic after: {what}");
            output.WriteLine($"{what}: healed in {healed.TotalMilliseconds:F0} ms, traffic again after {clock.ElapsedMilliseconds} ms");
        }
        var history = TwoHostFleet.Status(fleet.A).GetProperty("history").EnumerateArray().ToList();
        Assert.Contains(history, h => h.GetProperty("trigger").GetString() == "link_event" && h.GetProperty("steps_run").GetInt32() > 0);
        Assert.DoesNotContain(history, h => h.GetProperty("trigger").GetString() == "poll");
    }

    /// <summary>
    /// SPEC §5, §6.1: a suspended agent leaves hand-made changes alone and reports them as drift (status, metrics, the
    /// Suspended condition with who, why and until when), stays suspended across a restart, and heals on
    /// <c>vnetctl resume</c>; <c>--for</c> resumes by itself.
    /// </summary>
    [Fact]
    public void ASuspendedAgentReportsHandMadeDriftKeepsItAcrossARestartAndResumeHealsIt()
    {
        using var fleet = new TwoHostFleet(output);
        StartBoth(fleet, "1h");
        Poll.Until(() => fleet.Pings(fleet.VmA, "198.19.0.2"), Generous, "ping before suspending");
        string[] listen = ["--listen", $"127.0.0.1:{TwoHostFleet.Port}"];
        var who = new Dictionary<string, string> { ["SUDO_USER"] = "alice" };

        var suspend = VnetctlProcess.Run(fleet.A, ["suspend", "--reason", "debugging by hand", .. listen], who);
        output.WriteLine(suspend.Stdout + suspend.Stderr);
        Assert.Equal(0, suspend.ExitCode);
        fleet.A.Ip("link", "set", "vnet97", "down");
        fleet.A.Ip("link", "set", "vm-a97", "nomaster");
        var sync = VnetctlProcess.Run(fleet.A, ["sync", "-o", "json", .. listen]);
        Assert.Equal("suspended", JsonDocument.Parse(sync.Stdout).RootElement.GetProperty("cycle").GetProperty("result").GetString());
        AssertSuspendedWithDrift(fleet, "before a restart");

        // A restart keeps the suspension (state directory): the changes stay, the drift is reported again.
        Assert.Equal(0, fleet.Stop(fleet.A));
        fleet.StartAgent(fleet.A, "host-a", "1h");
        Poll.Until(() => TwoHostFleet.Status(fleet.A) is { ValueKind: JsonValueKind.Object } s && s.GetProperty("history").GetArrayLength() > 0,
            Generous, "the restarted agent finished a cycle");
        AssertSuspendedWithDrift(fleet, "after a restart");
        Assert.Contains(TwoHostFleet.Status(fleet.A).GetProperty("history").EnumerateArray(), h => h.GetProperty("result").GetString() == "suspended");

        Assert.Equal(0, VnetctlProcess.Run(fleet.A, ["resume", .. listen]).ExitCode);
        Poll.Until(() => Master(fleet.A, "vm-a97") == "vnet97" && IsUp(fleet.A, "vnet97"), Generous, "healed after resume");
        Poll.Until(() => fleet.Pings(fleet.VmA, "198.19.0.2"), Generous, "traffic after resume");
        var resumed = TwoHostFleet.Status(fleet.A);
        Assert.False(resumed.GetProperty("suspended").GetBoolean());
        Assert.Equal(JsonValueKind.Null, resumed.GetProperty("suspended_by").ValueKind);
        Assert.False(File.Exists(Path.Combine(fleet.StateDir(fleet.A), Reconciler.State.SuspensionStore.FileName)));

        // --for: resumes by itself and heals what was changed meanwhile.
        Assert.Equal(0, VnetctlProcess.Run(fleet.A, ["suspend", "--for", "3s", .. listen], who).ExitCode);
        Assert.NotEqual(JsonValueKind.Null, TwoHostFleet.Status(fleet.A).GetProperty("suspended_until").ValueKind);
        fleet.A.Ip("link", "set", "vm-a97", "nomaster");
        Poll.Until(() => !TwoHostFleet.Status(fleet.A).GetProperty("suspended").GetBoolean(), Generous, "suspend --for 3s ended by itself");
        Poll.Until(() => Master(fleet.A, "vm-a97") == "vnet97", Generous, "healed after the --for suspension ended");
    }

    private static void AssertSuspendedWithDrift(TwoHostFleet fleet, string when)
    {
        Assert.Null(Master(fleet.A, "vm-a97"));
        Assert.False(IsUp(fleet.A, "vnet97"), $"{when}: the bridge was brought up while suspended");
        var status = TwoHostFleet.Status(fleet.A);
        var drift = status.GetProperty("drift").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains("vm-a97", drift);
        Assert.Contains("vnet97", drift);
        Assert.True(status.GetProperty("suspended").GetBoolean(), when);
        Assert.Equal("alice", status.GetProperty("suspended_by").GetString());
        Assert.Equal("debugging by hand", status.GetProperty("suspended_reason").GetString());
        Assert.Contains(status.GetProperty("conditions").EnumerateArray(), c =>
            c.GetProperty("type").GetString() == "Suspended" && c.GetProperty("status").GetString() == "True"
            && c.GetProperty("message").GetString()!.Contains("by alice", StringComparison.Ordinal)
            && c.GetProperty("message").GetString()!.Contains("debugging by hand", StringComparison.Ordinal));
        var metrics = PrometheusTextParser.Parse(TwoHostFleet.Http(fleet.A, "GET", "/metrics").Body);
        Assert.Contains(metrics["vnet_drift_objects"].Samples, x => x.Value >= 2);
        Assert.Contains(metrics["vnet_suspended"].Samples, x => x.Value == 1);
        Assert.Contains(metrics["vnet_suspension_info"].Samples, x => x.Labels["by"] == "alice");
    }

    private static bool IsUp(NetNs ns, string name)
    {
        var r = ns.Exec("ip", "-j", "link", "show", "dev", name);
        return r.ExitCode == 0 && JsonDocument.Parse(r.Stdout).RootElement[0].GetProperty("flags").EnumerateArray().Any(f => f.GetString() == "UP");
    }

    [Fact]
    public void SyncFromAnotherHostNeedsTheTokenAndLoopbackDoesNot()
    {
        using var fleet = new TwoHostFleet(output);
        var tokenFile = Path.Combine(fleet.Repo.Root, "sync.token");
        File.WriteAllText(tokenFile, "s3cret-token\n");
        fleet.StartAgentOn(fleet.A, "host-a", "30s", $"0.0.0.0:{TwoHostFleet.Port}", "--sync-token-file", tokenFile);
        Poll.Until(() => TwoHostFleet.IsReady(fleet.A), Generous, "agent A Ready");
        var a = System.Net.IPAddress.Parse("198.18.0.1");
        Assert.Equal(403, TwoHostFleet.Http(fleet.B, "POST", "/sync", a).Code);
        Assert.Equal(403, TwoHostFleet.Http(fleet.B, "POST", "/sync", a, "wrong").Code);
        Assert.Equal(403, TwoHostFleet.Http(fleet.B, "POST", "/suspend", a).Code);
        var (code, body) = TwoHostFleet.Http(fleet.B, "POST", "/sync", a, "s3cret-token");
        Assert.Equal(200, code);
        Assert.Equal("success", JsonDocument.Parse(body).RootElement.GetProperty("cycle").GetProperty("result").GetString());
        Assert.Equal(200, TwoHostFleet.Http(fleet.A, "POST", "/sync").Code);
        Assert.Equal(200, TwoHostFleet.Http(fleet.B, "GET", "/healthz", a).Code);
        lock (fleet.Logs) Assert.DoesNotContain(fleet.Logs[fleet.A.Name], l => l.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact]
    public void MetricsParseStatusMatchesItsDocumentedShapeAndSyncReturnsTheCycle()
    {
        using var fleet = new TwoHostFleet(output);
        StartBoth(fleet, "30s");
        Poll.Until(() => fleet.Pings(fleet.VmA, "198.19.0.2"), Generous, "traffic");

        var (code, metrics) = TwoHostFleet.Http(fleet.A, "GET", "/metrics");
        Assert.Equal(200, code);
        var families = PrometheusTextParser.Parse(metrics);
        foreach (var name in new[]
        {
            "vnet_reconcile_total", "vnet_reconcile_duration_seconds", "vnet_last_success_timestamp_seconds", "vnet_applied_revision_info",
            "vnet_drift_objects", "vnet_conflicts", "vnet_rx_packets_total", "vnet_tx_packets_total", "vnet_rx_bytes_total", "vnet_tx_bytes_total",
            "vnet_drops_total", "vnet_esp_drops_total", "vnet_esp_epoch", "vnet_peer_reachable", "vnet_mac_entries", "vnet_offload_total",
        })
            Assert.True(families.ContainsKey(name), $"metric family {name} missing");
        Assert.Contains(families["vnet_reconcile_total"].Samples, s => s.Labels["result"] == "success" && s.Value >= 1);
        Assert.Contains(families["vnet_applied_revision_info"].Samples, s => s.Labels["revision"] == fleet.Repo.Head());
        Assert.Contains(families["vnet_rx_packets_total"].Samples, s => s.Labels["vnet"].EndsWith(":0097", StringComparison.Ordinal) && s.Value > 0);
        Assert.Contains(families["vnet_peer_reachable"].Samples, s => s.Labels["peer"] == "198.18.0.2" && s.Value == 1);

        var status = TwoHostFleet.Status(fleet.A);
        foreach (var (path, type) in DocumentedFields())
            AssertShape(status, path, type);

        var sync = VnetctlProcess.Run(fleet.A, ["sync", "--listen", $"127.0.0.1:{TwoHostFleet.Port}", "-o", "json"]);
        output.WriteLine(sync.Stdout + sync.Stderr);
        Assert.Equal(0, sync.ExitCode);
        var cycle = JsonDocument.Parse(sync.Stdout).RootElement.GetProperty("cycle");
        Assert.Equal("sync", cycle.GetProperty("trigger").GetString());
        Assert.Equal("success", cycle.GetProperty("result").GetString());
        Assert.Equal(fleet.Repo.Head(), cycle.GetProperty("revision").GetString());

        string[] listen = ["--listen", $"127.0.0.1:{TwoHostFleet.Port}"];
        var plan = VnetctlProcess.Run(fleet.A, ["plan", "--repo", fleet.Repo.Work, "--host", "host-a", "--detailed-exitcode", .. listen]);
        output.WriteLine(plan.Stdout + plan.Stderr);
        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("tunnel tables included", plan.Stdout);
        var drift = VnetctlProcess.Run(fleet.A, ["drift", "-o", "json", "--detailed-exitcode", .. listen]);
        Assert.Equal(0, drift.ExitCode);
        var driftJson = JsonDocument.Parse(drift.Stdout).RootElement;
        Assert.True(driftJson.GetProperty("tunnel_observed").GetBoolean());
        Assert.Equal(0, driftJson.GetProperty("drift").GetArrayLength()); // the same document as without an agent
        var driftText = VnetctlProcess.Run(fleet.A, ["drift", .. listen]);
        Assert.Contains($"No drift: host host-a matches the last applied revision {fleet.Repo.Head()[..12]}.", driftText.Stdout);
        Assert.DoesNotContain("Tunnel tables not observed", driftText.Stdout);
        var apply = VnetctlProcess.Run(fleet.A, ["apply", "--repo", fleet.Repo.Work, "--host", "host-a", .. listen]);
        Assert.Equal(0, apply.ExitCode);
        Assert.Contains("as `vnetctl sync`", apply.Stderr);

        // A broken commit stalls: the last applied revision stays in force, the error names file:line:col, traffic flows.
        var good = fleet.Repo.Head();
        var bad = fleet.Repo.Commit("vnets/vnet97.sxp", "(vnet (id 97)\n  (bridge vnet97) (vnetif vnif97) (security none)\n", "unbalanced");
        var stalled = VnetctlProcess.Run(fleet.A, ["sync", "-o", "json", .. listen]);
        output.WriteLine(stalled.Stdout + stalled.Stderr);
        Assert.Equal(1, stalled.ExitCode);
        var body = JsonDocument.Parse(stalled.Stdout).RootElement;
        Assert.Equal("stalled", body.GetProperty("cycle").GetProperty("result").GetString());
        Assert.Contains(body.GetProperty("errors").EnumerateArray(), e => e.GetProperty("file").GetString() == "vnets/vnet97.sxp" && e.GetProperty("line").GetInt32() > 0);
        var after = TwoHostFleet.Status(fleet.A);
        Assert.Equal(good, after.GetProperty("revision").GetProperty("applied").GetString());
        Assert.Equal(bad, after.GetProperty("revision").GetProperty("attempted").GetString());
        Assert.Contains(after.GetProperty("conditions").EnumerateArray(), c => c.GetProperty("type").GetString() == "Stalled" && c.GetProperty("status").GetString() == "True");
        Assert.True(fleet.Pings(fleet.VmA, "198.19.0.2"));
        Assert.Equal(503, TwoHostFleet.Http(fleet.A, "GET", "/readyz").Code);

        var text = VnetctlProcess.Run(fleet.A, ["status", .. listen]);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("Ready", text.Stdout);
        Assert.Equal(1, VnetctlProcess.Run(fleet.VmA, ["status"]).ExitCode); // no agent in that namespace
        Assert.Contains("no agent is running", VnetctlProcess.Run(fleet.VmA, ["sync"]).Stderr);
    }

    /// <summary>Name, master, MTU and alias of every link (carrier goes with the TAPs' open descriptors; those stay).</summary>
    private static string Links(NetNs ns) => string.Join("\n", JsonDocument.Parse(ns.Ip("-j", "link", "show")).RootElement.EnumerateArray().Select(l =>
        $"{l.GetProperty("ifname")} {(l.TryGetProperty("master", out var m) ? m.GetString() : "-")} {l.GetProperty("mtu")} " +
        $"{(l.TryGetProperty("ifalias", out var a) ? a.GetString() : "-")}"));

    private static string? Master(NetNs ns, string name)
    {
        var r = ns.Exec("ip", "-j", "link", "show", "dev", name);
        if (r.ExitCode != 0) return null;
        var link = JsonDocument.Parse(r.Stdout).RootElement[0];
        return link.TryGetProperty("master", out var m) ? m.GetString() : null;
    }

    /// <summary>The rows <c>| `path` | type | … |</c> of docs/status.md's field table.</summary>
    private static IEnumerable<(string Path, string Type)> DocumentedFields()
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "status.md"));
        var rows = Regex.Matches(doc, @"^\| `([a-z_.\[\]]+)` \| (string|number|boolean|array|object|string\|null|number\|null) \|", RegexOptions.Multiline);
        Assert.True(rows.Count > 20, "docs/status.md lists the fields");
        return rows.Select(m => (m.Groups[1].Value, m.Groups[2].Value));
    }

    /// <summary>Checks one documented path (<c>vnets[].peers[].reachable</c>) in every element it reaches.</summary>
    private static void AssertShape(JsonElement root, string path, string type)
    {
        IEnumerable<JsonElement> at = [root];
        foreach (var part in path.Split('.'))
        {
            var many = part.EndsWith("[]", StringComparison.Ordinal);
            var name = many ? part[..^2] : part;
            at = at.Select(e =>
            {
                Assert.True(e.TryGetProperty(name, out var v), $"/status lacks {path} ({name})");
                return v;
            }).ToList();
            if (many) at = at.SelectMany(e => e.EnumerateArray()).ToList();
        }
        foreach (var e in at)
        {
            var kind = e.ValueKind switch
            {
                JsonValueKind.String => "string", JsonValueKind.Number => "number", JsonValueKind.True or JsonValueKind.False => "boolean",
                JsonValueKind.Array => "array", JsonValueKind.Object => "object", JsonValueKind.Null => "null", _ => "?",
            };
            Assert.True(type.Split('|').Contains(kind), $"/status {path} is {kind}, documented {type}");
        }
    }
}
