using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using VnetReconciler.Reconciler.Tests.Cli;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>
/// SPEC §6.4 "wire changes are made before they are broken", end to end: two real agents, VMs pinging each other every
/// 0.2 s across vnet 97, and a commit that turns vnet 97 from <c>security none</c> to <c>conf</c>. Host B is suspended
/// while host A applies (what a canary wave does), so the fleet runs mixed revisions for a while; the pings must go on
/// through every step.
/// </summary>
[Collection("Privileged")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class WireChangeRolloutTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);
    private const string Vnet97 = "0000:0000:0000:0000:0000:0000:0000:0097";

    [Fact]
    public void ANoneToConfChangeRollsOutWhileVmsKeepPinging()
    {
        using var fleet = new TwoHostFleet(output);
        var keys = WriteKeys(fleet);
        string[] listen = ["--listen", $"127.0.0.1:{TwoHostFleet.Port}"];
        fleet.StartAgent(fleet.A, "host-a", "1s", "--key-dir", Path.Combine(keys, "a"));
        fleet.StartAgent(fleet.B, "host-b", "1s", "--key-dir", Path.Combine(keys, "b"));
        var before = fleet.Repo.Head();
        Poll.Until(() => TwoHostFleet.IsReady(fleet.A, before) && TwoHostFleet.IsReady(fleet.B, before), Generous, "both agents Ready");
        Poll.Until(() => fleet.Pings(fleet.VmA, "198.19.0.2") && fleet.Pings(fleet.VmB, "198.19.0.1"), Generous, "the VMs ping each other");
        Assert.Equal(0, VnetctlProcess.Run(fleet.B, ["suspend", "--reason", "the rest wave waits for the canary", .. listen]).ExitCode);

        using var aToB = new PingRun(fleet.VmA, "198.19.0.2");
        using var bToA = new PingRun(fleet.VmB, "198.19.0.1");
        var commit = fleet.Repo.Commit("vnets/vnet97.sxp", "(vnet (id 97) (bridge vnet97) (vnetif vnif97) (security conf))\n", "vnet 97: encrypt");
        var clock = Stopwatch.StartNew();

        // The canary applied; it accepts ESP and plaintext, and keeps sending plaintext while host B has the old revision.
        Poll.Until(() => TwoHostFleet.IsReady(fleet.A, commit) && Notes(fleet.A).Any(n => n.Contains("vnet 97: wire change pending: waiting for hosts host-b", StringComparison.Ordinal)),
            Generous, "host A applied and waits for host B");
        var planB = VnetctlProcess.Run(fleet.B, ["plan", "--repo", fleet.Repo.Work, "--host", "host-b", "-o", "json", .. listen]);
        output.WriteLine(planB.Stdout + planB.Stderr);
        var vnetChange = Assert.Single(JsonDocument.Parse(planB.Stdout).RootElement.GetProperty("changes").EnumerateArray(),
            c => c.GetProperty("kind").GetString() == "vnet");
        Assert.True(vnetChange.GetProperty("wire_change").GetBoolean());
        Assert.Contains("[wire change]", VnetctlProcess.Run(fleet.B, ["plan", "--repo", fleet.Repo.Work, "--host", "host-b", .. listen]).Stdout);
        Assert.Equal(0, CountPackets(fleet.A, "udp port 4500", TimeSpan.FromSeconds(3))); // no ESP yet, in either direction
        Poll.Until(() => AcceptedPrevious(fleet.A) > 0, Generous, "host A hears host B's plaintext as the old settings");
        var pingsWhileMixed = aToB.Replies;
        Assert.True(pingsWhileMixed > 0, "no ping came back while the fleet was mixed");

        // The rest wave: host B applies; each host switches its senders once the other reports the revision.
        Assert.Equal(0, VnetctlProcess.Run(fleet.B, ["resume", .. listen]).ExitCode);
        Poll.Until(() => TwoHostFleet.IsReady(fleet.B, commit), Generous, "host B applied the commit");
        Poll.Until(() => new[] { fleet.A, fleet.B }.All(h => Notes(h).Any(n => n.Contains("senders switched", StringComparison.Ordinal))),
            Generous, "both hosts switched their senders");
        output.WriteLine($"both hosts send ESP {clock.ElapsedMilliseconds} ms after the commit");
        var esp = CountPackets(fleet.A, "udp port 4500", TimeSpan.FromSeconds(3));
        var plainFrames = CountPackets(fleet.A, "udp port 1798 and udp[8:2] = 2", TimeSpan.FromSeconds(3));
        output.WriteLine($"on the underlay: {esp} ESP packets, {plainFrames} plaintext vnet frames in 3 s");
        Assert.True(esp >= 10, $"only {esp} ESP packets in 3 s of pings every 0.2 s");
        Assert.Equal(0, plainFrames);
        Poll.Until(() => !Notes(fleet.A).Any(n => n.Contains("wire change", StringComparison.Ordinal)), Generous, "host A stops accepting the old settings after the hold");
        var vnet = Vnet(fleet.A);
        Assert.Equal("conf", vnet.GetProperty("security").GetString());
        Assert.True(aToB.Replies > pingsWhileMixed + 10);

        var (lostAB, sentAB) = aToB.Stop();
        var (lostBA, sentBA) = bToA.Stop();
        output.WriteLine($"vm-a → vm-b: {lostAB} of {sentAB} lost; vm-b → vm-a: {lostBA} of {sentBA} lost");
        Assert.True(lostAB <= 1, $"vm-a → vm-b lost {lostAB} of {sentAB} pings during the rollout");
        Assert.True(lostBA <= 1, $"vm-b → vm-a lost {lostBA} of {sentBA} pings during the rollout");
    }

    /// <summary>
    /// The acceptance form (issue 8): the example fleet's waves alone (canary host-a, then the rest) hold host B back
    /// until the canary is Ready; nobody suspends anything. A sampler watches both agents' applied revision every
    /// 100 ms so the test can tell the order in which they took the commit.
    /// </summary>
    [Fact]
    public void ANoneToConfChangeRollsOutWaveByWaveWithAtMostOneLostPing()
    {
        using var fleet = new TwoHostFleet(output);
        var keys = WriteKeys(fleet);
        fleet.StartAgent(fleet.A, "host-a", "1s", "--key-dir", Path.Combine(keys, "a"));
        fleet.StartAgent(fleet.B, "host-b", "1s", "--key-dir", Path.Combine(keys, "b"));
        var before = fleet.Repo.Head();
        Poll.Until(() => TwoHostFleet.IsReady(fleet.A, before) && TwoHostFleet.IsReady(fleet.B, before), Generous, "both agents Ready");
        Poll.Until(() => fleet.Pings(fleet.VmA, "198.19.0.2") && fleet.Pings(fleet.VmB, "198.19.0.1"), Generous, "the VMs ping each other");

        using var aToB = new PingRun(fleet.VmA, "198.19.0.2");
        using var bToA = new PingRun(fleet.VmB, "198.19.0.1");
        var commit = fleet.Repo.Commit("vnets/vnet97.sxp", "(vnet (id 97) (bridge vnet97) (vnetif vnif97) (security conf))\n", "vnet 97: encrypt");
        var clock = Stopwatch.StartNew();
        long? canaryAt = null, restAt = null;
        var restPending = false;
        Poll.Until(() =>
        {
            var a = TwoHostFleet.Status(fleet.A);
            var b = TwoHostFleet.Status(fleet.B);
            if (canaryAt is null && Applied(a) == commit) canaryAt = clock.ElapsedMilliseconds;
            if (restAt is null && Applied(b) == commit) restAt = clock.ElapsedMilliseconds;
            restPending |= b.ValueKind == JsonValueKind.Object && b.GetProperty("revision").TryGetProperty("result", out var r) && r.GetString() == "pending";
            return canaryAt is not null && restAt is not null;
        }, Generous, "both waves applied the commit", TimeSpan.FromMilliseconds(100));
        output.WriteLine($"canary applied at {canaryAt} ms, the rest at {restAt} ms (rest seen pending: {restPending})");
        Assert.True(canaryAt <= restAt, $"host B (wave rest) applied at {restAt} ms, before the canary at {canaryAt} ms");
        Poll.Until(() => new[] { fleet.A, fleet.B }.All(h => Notes(h).Any(n => n.Contains("senders switched", StringComparison.Ordinal))),
            Generous, "both hosts switched their senders");
        output.WriteLine($"both hosts send ESP {clock.ElapsedMilliseconds} ms after the commit");
        Assert.True(CountPackets(fleet.A, "udp port 4500", TimeSpan.FromSeconds(2)) >= 5, "the VMs' pings go in ESP now");
        var replies = aToB.Replies;
        Poll.Until(() => aToB.Replies > replies + 5, Generous, "pings still answered after the switch");

        var (lostAB, sentAB) = aToB.Stop();
        var (lostBA, sentBA) = bToA.Stop();
        output.WriteLine($"vm-a → vm-b: {lostAB} of {sentAB} lost; vm-b → vm-a: {lostBA} of {sentBA} lost");
        Assert.True(lostAB <= 1, $"vm-a → vm-b lost {lostAB} of {sentAB} pings during the rollout");
        Assert.True(lostBA <= 1, $"vm-b → vm-a lost {lostBA} of {sentBA} pings during the rollout");
    }

    private static string? Applied(JsonElement status) =>
        status.ValueKind == JsonValueKind.Object ? status.GetProperty("revision").GetProperty("applied").GetString() : null;

    /// <summary>Key files for vnet 97 (<c>97.key</c>, the same secret, mode 0600) in a directory per host.</summary>
    private static string WriteKeys(TwoHostFleet fleet)
    {
        var root = Path.Combine(fleet.Repo.Root, "keys");
        var line = $"1 hex:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}\n";
        foreach (var host in new[] { "a", "b" })
        {
            var dir = Path.Combine(root, host);
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var path = Path.Combine(dir, "97.key");
            File.WriteAllText(path, "");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(path, line);
        }
        return root;
    }

    private static List<string> Notes(TestSupport.NetNs host) =>
        TwoHostFleet.Status(host) is { ValueKind: JsonValueKind.Object } s ? [.. s.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!)] : [];

    private static JsonElement Vnet(TestSupport.NetNs host) =>
        TwoHostFleet.Status(host).GetProperty("vnets").EnumerateArray().Single(v => v.GetProperty("id").GetString() == Vnet97);

    private static long AcceptedPrevious(TestSupport.NetNs host) =>
        TwoHostFleet.Status(host) is { ValueKind: JsonValueKind.Object } ? Vnet(host).GetProperty("accepted_previous").GetInt64() : 0;

    /// <summary>Packets matching a capture filter on every interface of the host namespace for <paramref name="duration"/> (tshark).</summary>
    private int CountPackets(TestSupport.NetNs host, string filter, TimeSpan duration)
    {
        var run = host.Exec("tshark", ["-n", "-i", "any", "-f", filter, "-a", $"duration:{(int)duration.TotalSeconds}", "-T", "fields", "-e", "frame.number"],
            duration + TimeSpan.FromSeconds(60));
        if (run.ExitCode != 0) output.WriteLine(run.Stderr);
        Assert.Equal(0, run.ExitCode);
        return run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    /// <summary>
    /// <c>ping -i 0.2</c> from a VM namespace, its replies read as they come. Lost pings are the sequence numbers
    /// below the highest answered that got no reply (the ones still in flight at the end do not count).
    /// </summary>
    private sealed partial class PingRun : IDisposable
    {
        private readonly Process _process;
        private readonly SortedSet<int> _answered = [];

        public PingRun(TestSupport.NetNs vm, string to)
        {
            _process = vm.Start("ping", ["-n", "-i", "0.2", to]);
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null || SequenceOf().Match(e.Data) is not { Success: true } m) return;
                lock (_answered) _answered.Add(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            };
            _process.BeginOutputReadLine();
            _process.StandardError.Close();
        }

        public int Replies
        {
            get
            {
                lock (_answered) return _answered.Count;
            }
        }

        /// <summary>Stops the ping; returns the lost pings and the pings sent up to the last answered one.</summary>
        public (int Lost, int Sent) Stop()
        {
            Dispose();
            lock (_answered)
            {
                var sent = _answered.Count == 0 ? 0 : _answered.Max;
                return (sent - _answered.Count, sent);
            }
        }

        public void Dispose()
        {
            if (_process.HasExited) return;
            _process.Kill();
            _process.WaitForExit();
        }

        [GeneratedRegex(@"icmp_seq=(\d+) ")]
        private static partial Regex SequenceOf();
    }
}
