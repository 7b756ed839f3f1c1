using System.Diagnostics;
using System.Globalization;

namespace VnetReconciler.Bench;

/// <summary>
/// <c>bench/run linerate</c> (issue 9): our tunnel with its offloads (TAP TSO, UDP GSO/GRO, coalescing) on a <c>none</c>
/// vnet (<c>ours-none</c>) and on a <c>conf</c> vnet, ESP aes-gcm-128 (<c>ours-conf</c>), side by side with kernel VXLAN
/// (testbed mode <c>vxlan</c>), wireguard-go (mode <c>wg-vxlan</c>, L2 encrypted in userspace) and socat (mode <c>socat</c>,
/// one system call per frame: the RTT reference of a userspace tunnel) in the same run; ours
/// runs as this program (<c>tunnel --runner</c>, <see cref="TunnelBench"/>) in each host of mode <c>tap</c>. Prints Gb/s for
/// 1 and 4 streams, RTT, tunnel CPU and CPU per Gb/s (% of one core per Gb/s moved, both ends), the offload counters of
/// each runner, and last <c>ratio_none=</c> (ours-none / kernel VXLAN), <c>ratio_conf=</c> (ours-conf / kernel VXLAN) and
/// <c>ratio_wg=</c> (ours-conf / wireguard-go), each on the mean of the 1- and 4-stream throughputs.
/// Environment: TB_DURATION (5 s), TB_REPS (2), TB_PINGS (20); LINERATE_NOOFFL=1 adds ours without offloads
/// (<c>ours-nooffl</c>, VNET_OFFLOADS=off) and <c>ratio_offloads=</c>.
/// </summary>
public static class LinerateBench
{
    private sealed record Variant(string Label, bool Offloads, bool Conf);

    public static async Task<int> RunAsync(string[] args)
    {
        var variants = new List<Variant> { new("ours-none", true, false), new("ours-conf", true, true) };
        if (Environment.GetEnvironmentVariable("LINERATE_NOOFFL") == "1") variants.Add(new("ours-nooffl", false, false));
        var (prefix, state, results, env) = TunnelBench.NewTestbed();
        var keys = EspBench.WriteKeyDirectory(state);
        var runners = new List<Process>();
        try
        {
            TunnelBench.Testbed_(env, "bench", "vxlan", "wg-vxlan", "socat");
            TunnelBench.Testbed_(env, "up", "tap");
            foreach (var variant in variants)
            {
                var runnerEnv = new Dictionary<string, string> { ["VNET_OFFLOADS"] = variant.Offloads ? "on" : "off" };
                string[] extra = variant.Conf ? ["conf", keys] : [];
                var pair = new List<Process>();
                foreach (var (ns, local, peer) in new[] { ($"{prefix}-ha", "198.18.0.1", "198.18.0.2"), ($"{prefix}-hb", "198.18.0.2", "198.18.0.1") })
                {
                    var stats = Path.Combine(state, $"{variant.Label}.{ns}.stats");
                    pair.Add(TunnelBench.StartRunner(ns, local, peer, $"{prefix}-tap", stats, tiered: true, runnerEnv, extra));
                }
                runners.AddRange(pair);
                env["TB_TUNNEL_PIDS"] = string.Join(' ', pair.Select(r => r.Id));
                env["TB_LABEL"] = variant.Label;
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
        return Report(results, state, variants);
    }

    private static int Report(string results, string state, List<Variant> variants)
    {
        var rows = TunnelBench.ReadRows(results);
        var throughput = new Dictionary<string, double>();
        foreach (var label in ((string[])["vxlan", "wg-vxlan", "socat"]).Concat(variants.Select(v => v.Label)))
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
        foreach (var file in Directory.GetFiles(state, "ours-*.stats").Order())
            Console.WriteLine($"{Path.GetFileNameWithoutExtension(file),-24} {File.ReadAllText(file)}");
        string Ratio(string ours, string reference) => string.Create(CultureInfo.InvariantCulture, $"{throughput[ours] / throughput[reference]:0.000}");
        if (throughput.ContainsKey("ours-nooffl")) Console.WriteLine($"ratio_offloads={Ratio("ours-none", "ours-nooffl")}");
        double Rtt(string label) => TunnelBench.Median(rows, label, "ping", 13);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rtt_vs_socat none={Rtt("ours-none") / Rtt("socat"):0.00} conf={Rtt("ours-conf") / Rtt("socat"):0.00} rtt_vs_vxlan none={Rtt("ours-none") / Rtt("vxlan"):0.00} conf={Rtt("ours-conf") / Rtt("vxlan"):0.00}"));
        Console.WriteLine($"ratio_none={Ratio("ours-none", "vxlan")}");
        Console.WriteLine($"ratio_conf={Ratio("ours-conf", "vxlan")}");
        Console.WriteLine($"ratio_wg={Ratio("ours-conf", "wg-vxlan")}");
        return 0;
    }
}
