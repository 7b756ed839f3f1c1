using System.Diagnostics;
using System.Globalization;

namespace VnetReconciler.Bench;

/// <summary>
/// <c>bench/run linerate</c> (issue 9): our tunnel (security none) with TAP offloads and UDP GSO on (<c>ours-none</c>)
/// and off (<c>ours-nooffl</c>, VNET_OFFLOADS=off), side by side with kernel VXLAN in the same run (testbed.sh modes
/// <c>vxlan</c>, then <c>tap</c> with this program as runner, see <see cref="TunnelBench"/>). Prints Gb/s for 1 and 4
/// streams, RTT, tunnel CPU and CPU per Gb/s (% of one core per Gb/s moved, both ends); last
/// <c>ratio_none=</c> (ours-none / kernel VXLAN, mean of the 1- and 4-stream throughputs).
/// Environment: TB_DURATION (5 s), TB_REPS (2), TB_PINGS (20).
/// </summary>
public static class LinerateBench
{
    private static readonly (string Label, bool Offloads)[] Variants = [("ours-none", true), ("ours-nooffl", false)];

    public static async Task<int> RunAsync(string[] args)
    {
        var (prefix, state, results, env) = TunnelBench.NewTestbed();
        var runners = new List<Process>();
        try
        {
            TunnelBench.Testbed_(env, "bench", "vxlan");
            TunnelBench.Testbed_(env, "up", "tap");
            foreach (var (label, offloads) in Variants)
            {
                var runnerEnv = new Dictionary<string, string> { ["VNET_OFFLOADS"] = offloads ? "on" : "off" };
                var pair = new List<Process>();
                foreach (var (ns, local, peer) in new[] { ($"{prefix}-ha", "198.18.0.1", "198.18.0.2"), ($"{prefix}-hb", "198.18.0.2", "198.18.0.1") })
                    pair.Add(TunnelBench.StartRunner(ns, local, peer, $"{prefix}-tap", Path.Combine(state, $"{label}.{ns}.stats"), tiered: true, runnerEnv));
                runners.AddRange(pair);
                env["TB_TUNNEL_PIDS"] = string.Join(' ', pair.Select(r => r.Id));
                env["TB_LABEL"] = label;
                TunnelBench.Testbed_(env, "bench", "current");
                foreach (var runner in pair)
                {
                    TunnelBench.Stop(runner);
                    runners.Remove(runner);
                }
            }
        }
        finally
        {
            foreach (var runner in runners) TunnelBench.Stop(runner);
            TunnelBench.Testbed_(env, "down");
        }
        await Task.CompletedTask;
        return Report(results);
    }

    private static int Report(string results)
    {
        var rows = TunnelBench.ReadRows(results);
        var throughput = new Dictionary<string, double>();
        foreach (var label in Variants.Select(v => v.Label).Prepend("vxlan"))
        {
            var tcp1 = TunnelBench.Median(rows, label, "tcp1", 4) / 1000;
            var tcp4 = TunnelBench.Median(rows, label, "tcp4", 4) / 1000;
            var cpu1 = TunnelBench.Median(rows, label, "tcp1", 6);
            var cpu4 = TunnelBench.Median(rows, label, "tcp4", 6);
            throughput[label] = (tcp1 + tcp4) / 2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label,-12} tcp1={tcp1:0.000} Gb/s tcp4={tcp4:0.000} Gb/s rtt_avg={TunnelBench.Median(rows, label, "ping", 13):0.000} ms " +
                $"tunnel_cpu={cpu1:0}% {cpu4:0}% cpu_per_gbps={cpu1 / tcp1:0.0} {cpu4 / tcp4:0.0} (%core per Gb/s, tcp1 tcp4)"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio_offloads={throughput["ours-none"] / throughput["ours-nooffl"]:0.000}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio_none={throughput["ours-none"] / throughput["vxlan"]:0.000}"));
        return 0;
    }
}
