using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Bench;

/// <summary>
/// <c>bench/run restart [rounds]</c>: hitless restart (issue #10). Two host namespaces of the example fleet joined by a
/// veth underlay, a VM namespace behind <c>vm-a97</c> and <c>vm-b97</c>, <c>vnetctl agent</c> on each; a ping flood
/// (<c>ping -i 0.01</c>) from VM a to VM b across vnet 97 while the agent on host a is stopped (SIGTERM) and started
/// again, each round. The example's secure vnets 98 and 9a are carried too (key files in a <c>--key-dir</c>), with a
/// second flood across vnet 9a (ESP conf), whose SAs are negotiated again after the restart. Prints per round the stop
/// time, the times from start to traffic (vnet 97, vnet 9a) and to Ready, whether the links stayed in place, and the
/// longest silence of each flood; then <c>esp_gap_ms=</c> and last <c>gap_ms=</c> (vnet 97, the worst round; target ≤ 1000).
/// </summary>
public static class RestartBench
{
    public static Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var tag = "vb" + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
        using var a = NetNs.Create(tag, "a");
        using var b = NetNs.Create(tag, "b");
        using var vmA = NetNs.Create(tag, "va");
        using var vmB = NetNs.Create(tag, "vb");
        using var redA = NetNs.Create(tag, "ra");
        using var redB = NetNs.Create(tag, "rb");
        var work = Directory.CreateTempSubdirectory("vnet-restart-");
        var agents = new List<Process>();
        try
        {
            a.Ip("link", "add", tag + "ua", "type", "veth", "peer", "name", tag + "ub", "netns", b.Name);
            a.Ip("addr", "add", "198.18.0.1/24", "dev", tag + "ua");
            b.Ip("addr", "add", "198.18.0.2/24", "dev", tag + "ub");
            a.Ip("link", "set", tag + "ua", "up");
            b.Ip("link", "set", tag + "ub", "up");
            foreach (var (host, vm, port, address) in new[]
                     {
                         (a, vmA, "vm-a97", "198.19.0.1/24"), (b, vmB, "vm-b97", "198.19.0.2/24"),
                         (a, redA, "vm-ared", "198.19.1.1/24"), (b, redB, "vm-bred", "198.19.1.2/24"),
                     })
            {
                host.Ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", vm.Name);
                host.Ip("link", "set", port, "up");
                vm.Ip("addr", "add", address, "dev", "eth0");
                vm.Ip("link", "set", "eth0", "up");
            }
            var repo = AgentBench.Repository(a, work.FullName, AgentBench.ExampleFiles());
            var keys = KeyDirectory(work.FullName);
            var stateA = Path.Combine(work.FullName, "state-a");
            var agentA = AgentBench.Start(a, repo, stateA, "1h", "host-a", "--key-dir", keys);
            agents.Add(agentA);
            agents.Add(AgentBench.Start(b, repo, Path.Combine(work.FullName, "state-b"), "1h", "host-b", "--key-dir", keys));
            AgentBench.WaitReady(a, TimeSpan.FromSeconds(120));
            AgentBench.WaitReady(b, TimeSpan.FromSeconds(120));
            Poll.Until(() => vmA.Exec("ping", "-c", "1", "-W", "1", "198.19.0.2").ExitCode == 0, TimeSpan.FromSeconds(60), "VM a pings VM b");
            Poll.Until(() => redA.Exec("ping", "-c", "1", "-W", "1", "198.19.1.2").ExitCode == 0, TimeSpan.FromSeconds(60), "VM a pings VM b on vnet 9a (ESP)");

            var worst = 0.0;
            var worstSecure = 0.0;
            for (var round = 1; round <= rounds; round++)
            {
                var links = Links(a);
                using var flood = new PingFlood(vmA, "198.19.0.2");
                using var secure = new PingFlood(redA, "198.19.1.2");
                flood.WaitReplies(100, TimeSpan.FromSeconds(30));
                secure.WaitReplies(100, TimeSpan.FromSeconds(30));

                var clock = Stopwatch.StartNew();
                AgentBench.Stop(agentA);
                var stopped = clock.Elapsed;
                var replies = flood.Count;
                var secureReplies = secure.Count;
                agents.Remove(agentA);
                agentA = AgentBench.Start(a, repo, stateA, "1h", "host-a", "--key-dir", keys);
                agents.Add(agentA);
                var started = clock.Elapsed;
                flood.WaitReplies(replies + 1, TimeSpan.FromSeconds(30));
                var traffic = clock.Elapsed - started;
                secure.WaitReplies(secureReplies + 1, TimeSpan.FromSeconds(30));
                var sas = clock.Elapsed - started;
                AgentBench.WaitReady(a, TimeSpan.FromSeconds(60));
                var ready = clock.Elapsed - started;
                var macs = MacCount(a);
                flood.WaitReplies(flood.Count + 100, TimeSpan.FromSeconds(30)); // a second of steady flood after the restart
                var (gap, sent, received) = flood.Finish();
                var (secureGap, _, _) = secure.Finish();
                worst = Math.Max(worst, gap);
                worstSecure = Math.Max(worstSecure, secureGap);
                var same = Links(a) == links;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: stop {stopped.TotalMilliseconds:F0} ms, start to traffic {traffic.TotalMilliseconds:F0} ms, to traffic on ESP vnet 9a {sas.TotalMilliseconds:F0} ms, to Ready " +
                    $"{ready.TotalMilliseconds:F0} ms, mac entries {macs}, links in place {(same ? "yes" : "NO")}, " +
                    $"flood {received}/{sent} replies, longest gap {gap:F0} ms (vnet 9a: {secureGap:F0} ms)"));
                if (!same) Console.WriteLine($"links before:\n{links}\nlinks after:\n{Links(a)}");
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"esp_gap_ms={worstSecure:F0} (vnet 9a, ESP conf: SAs negotiated again)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gap_ms={worst:F0}"));
            return Task.FromResult(0);
        }
        finally
        {
            foreach (var agent in agents) AgentBench.Stop(agent);
            work.Delete(recursive: true);
        }
    }

    /// <summary>The bridges, TAPs and ports with their masters: what a restart must leave in place.</summary>
    private static string Links(NetNs ns) => string.Join("\n", JsonDocument.Parse(ns.Ip("-j", "link", "show")).RootElement.EnumerateArray()
        .Select(l => $"{l.GetProperty("ifname")} {l.GetProperty("ifindex")} {(l.TryGetProperty("master", out var m) ? m.GetString() : "-")} {l.GetProperty("mtu")}"));

    /// <summary>Key files for the example's secure vnets 98 and 9a, shared by both hosts (mode 600, SPEC §4.5).</summary>
    private static string KeyDirectory(string work)
    {
        var dir = Path.Combine(work, "keys");
        Directory.CreateDirectory(dir);
        foreach (var name in new[] { "98", "9a" })
        {
            var path = Path.Combine(dir, name + ".key");
            File.WriteAllText(path, "1 hex:" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
            Cmd.Ok("chmod", "600", path);
        }
        return dir;
    }

    private static int MacCount(NetNs host)
    {
        var body = AgentBench.Http(host, "GET", "/status").Body;
        return JsonDocument.Parse(body).RootElement.GetProperty("vnets").EnumerateArray().Sum(v => v.GetProperty("mac_count").GetInt32());
    }
}

/// <summary>
/// <c>ping -D -i 0.01</c> inside a namespace: counts replies and, when finished, gives the longest time between two
/// consecutive replies (from ping's own receive timestamps), with the packets sent and received.
/// </summary>
internal sealed class PingFlood : IDisposable
{
    private readonly Process _ping;
    private readonly List<double> _times = [];
    private readonly object _gate = new();
    private bool _finished;

    public PingFlood(NetNs from, string to)
    {
        _ping = from.Start("ping", ["-D", "-n", "-i", "0.01", "-W", "1", to]);
        _ping.OutputDataReceived += (_, e) =>
        {
            // [1763800000.123456] 64 bytes from 198.19.0.2: icmp_seq=1 ttl=64 time=0.101 ms
            if (e.Data is not { Length: > 2 } line || line[0] != '[' || !line.Contains("bytes from", StringComparison.Ordinal)) return;
            var close = line.IndexOf(']', StringComparison.Ordinal);
            if (close > 0 && double.TryParse(line.AsSpan(1, close - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var t))
                lock (_gate) _times.Add(t);
        };
        _ping.ErrorDataReceived += (_, _) => { };
        _ping.BeginOutputReadLine();
        _ping.BeginErrorReadLine();
    }

    public int Count
    {
        get
        {
            lock (_gate) return _times.Count;
        }
    }

    public void WaitReplies(int count, TimeSpan deadline) =>
        Poll.Until(() => Count >= count, deadline, $"{count} ping replies", TimeSpan.FromMilliseconds(5));

    /// <summary>Stops ping (SIGINT, so it prints its summary) and returns the longest gap in ms, sent and received.</summary>
    public (double GapMs, int Sent, int Received) Finish()
    {
        _finished = true;
        var summary = "";
        _ping.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("transmitted", StringComparison.Ordinal) == true) summary = e.Data;
        };
        Cmd.Run("kill", "-INT", _ping.Id.ToString(CultureInfo.InvariantCulture));
        if (!_ping.WaitForExit(10_000)) _ping.Kill();
        _ping.WaitForExit();
        var sent = int.TryParse(summary.Split(' ')[0], CultureInfo.InvariantCulture, out var s) ? s : 0;
        lock (_gate)
        {
            var gap = 0.0;
            for (var i = 1; i < _times.Count; i++) gap = Math.Max(gap, (_times[i] - _times[i - 1]) * 1000);
            return (gap, sent, _times.Count);
        }
    }

    public void Dispose()
    {
        if (_finished || _ping.HasExited) return;
        _ping.Kill();
        _ping.WaitForExit();
    }
}
