using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>
/// Hitless restart (issue #10), the CI form of <c>bench/run restart</c>: while VM a pings VM b every 10 ms across vnet 97,
/// the agent on host a is stopped (SIGTERM) and started again. Bridges, vnetifs and ports stay in place, the tunnel is
/// carried again from the state directory's snapshot, its MAC table fills again, and the flood's longest silence stays
/// under a generous bound (the bench holds the tight one); the gap is logged.
/// </summary>
[Collection("Privileged")]
public sealed class RestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public void StoppingAndStartingTheAgentLeavesTheLinksAndTrafficFlowsAgainWithinSeconds()
    {
        using var fleet = new TwoHostFleet(output);
        fleet.StartAgent(fleet.A, "host-a", "1h");
        fleet.StartAgent(fleet.B, "host-b", "1h");
        Poll.Until(() => TwoHostFleet.IsReady(fleet.A) && TwoHostFleet.IsReady(fleet.B), Generous, "both agents Ready");
        Poll.Until(() => fleet.Pings(fleet.VmA, "198.19.0.2"), Generous, "vm-a pings vm-b");
        Assert.True(File.Exists(Path.Combine(fleet.StateDir(fleet.A), Reconciler.State.TunnelSnapshotStore.FileName)), "the tunnel snapshot was saved");
        var links = Links(fleet.A);

        var replies = new List<double>();
        var ping = fleet.VmA.Start("ping", ["-D", "-n", "-i", "0.01", "-W", "1", "198.19.0.2"]);
        ping.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 2 } line && line[0] == '[' && line.Contains("bytes from", StringComparison.Ordinal)
                && double.TryParse(line.AsSpan(1, line.IndexOf(']', StringComparison.Ordinal) - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var t))
                lock (replies) replies.Add(t);
        };
        ping.BeginOutputReadLine();
        int Count()
        {
            lock (replies) return replies.Count;
        }
        try
        {
            Poll.Until(() => Count() >= 50, Generous, "the flood is answered");
            var clock = Stopwatch.StartNew();
            Assert.Equal(0, fleet.Stop(fleet.A));
            var before = Count();
            fleet.StartAgent(fleet.A, "host-a", "1h");
            Poll.Until(() => Count() > before, Generous, "the flood is answered again after the restart", TimeSpan.FromMilliseconds(10));
            var traffic = clock.Elapsed;
            Poll.Until(() => TwoHostFleet.IsReady(fleet.A), Generous, "the restarted agent is Ready");
            var ready = clock.Elapsed;
            Poll.Until(() => Count() >= before + 100, Generous, "a second of flood after the restart");
            Poll.Until(() => MacCount(fleet.A) >= 2, Generous, "the MAC table of vnet 97 filled again");

            double gap;
            lock (replies) gap = replies.Zip(replies.Skip(1), (x, y) => (y - x) * 1000).Max();
            output.WriteLine($"restart: traffic again {traffic.TotalMilliseconds:F0} ms after SIGTERM, Ready after {ready.TotalMilliseconds:F0} ms; gap_ms={gap:F0}");
            Assert.True(gap < 10_000, $"the flood was silent for {gap:F0} ms across a restart");
            Assert.Equal(links, Links(fleet.A));
            lock (fleet.Logs) Assert.Contains(fleet.Logs[fleet.A.Name], l => l.Contains("restored the last applied revision", StringComparison.Ordinal));
        }
        finally
        {
            if (!ping.HasExited) ping.Kill();
            ping.WaitForExit();
        }
    }

    /// <summary>Every link with its index and master: a restart must neither recreate nor move any.</summary>
    private static string Links(NetNs ns) => string.Join("\n", JsonDocument.Parse(ns.Ip("-j", "link", "show")).RootElement.EnumerateArray()
        .Select(l => $"{l.GetProperty("ifname")} {l.GetProperty("ifindex")} {(l.TryGetProperty("master", out var m) ? m.GetString() : "-")} {l.GetProperty("mtu")}"));

    private static int MacCount(NetNs host) =>
        TwoHostFleet.Status(host) is { ValueKind: JsonValueKind.Object } s
            ? s.GetProperty("vnets").EnumerateArray().Where(v => v.GetProperty("id").GetString()!.EndsWith(":0097", StringComparison.Ordinal)).Sum(v => v.GetProperty("mac_count").GetInt32())
            : 0;
}
