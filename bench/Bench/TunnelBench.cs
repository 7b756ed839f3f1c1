using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using VnetReconciler.Dataplane;
using VnetReconciler.Dataplane.Esp;
using VnetReconciler.Dataplane.Tunnel;

namespace VnetReconciler.Bench;

/// <summary>
/// <c>bench/run tunnel</c>: iperf3 TCP (1 and 4 streams) and ping between two VMs through this dataplane, and in the
/// same run through kernel VXLAN and socat (testbed.sh modes <c>vxlan</c>, <c>socat</c>). Our dataplane runs as this
/// program in runner mode (<c>tunnel --runner</c>) inside each host namespace of testbed mode <c>tap</c>, attached to
/// its persistent TAP. Prints Gb/s, RTT, tunnel CPU and allocated bytes per packet; last <c>ratio_vxlan=</c> and
/// <c>ratio=</c> (ours / socat), both on the mean of the 1- and 4-stream throughputs. Before those, the migration time
/// (<see cref="MeasureMigrations"/>) as <c>migration_ms=</c>.
/// Environment: TB_DURATION (default 5 s), TB_REPS (default 2), passed on to testbed.sh.
/// </summary>
public static partial class TunnelBench
{
    internal static readonly string Testbed = Path.GetFullPath(Path.Combine(FindRoot(), "..", "shared", "testbed", "testbed.sh"));

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "--runner") return RunEngine(args[1..]);
        var (prefix, state, results, env) = NewTestbed();
        var runners = new List<Process>();
        var migrations = new List<double>();
        try
        {
            Testbed_(env, "bench", "vxlan", "socat");
            Testbed_(env, "up", "tap");
            // As shipped (tiered JIT, hot path marked AggressiveOptimization), then with tiering off for comparison.
            foreach (var (label, tiered) in new[] { ("ours", true), ("ours-tc0", false) })
            {
                var pair = new List<Process>();
                foreach (var (ns, local, peer) in new[] { ($"{prefix}-ha", "198.18.0.1", "198.18.0.2"), ($"{prefix}-hb", "198.18.0.2", "198.18.0.1") })
                    pair.Add(StartRunner(ns, local, peer, $"{prefix}-tap", Path.Combine(state, $"{label}.{ns}.stats"), tiered));
                runners.AddRange(pair);
                env["TB_TUNNEL_PIDS"] = string.Join(' ', pair.Select(r => r.Id));
                env["TB_LABEL"] = label;
                Testbed_(env, "bench", "current");
                if (label == "ours") migrations = MeasureMigrations(prefix);
                foreach (var runner in pair)
                {
                    Stop(runner);
                    runners.Remove(runner);
                }
            }
        }
        finally
        {
            foreach (var runner in runners) Stop(runner);
            RemoveWitnessVm(prefix);
            Testbed_(env, "down");
        }
        await Task.CompletedTask;
        return Report(results, state, migrations);
    }

    private static int Report(string results, string state, List<double> migrations)
    {
        var rows = ReadRows(results);
        double Median(string label, string test, int column) => TunnelBench.Median(rows, label, test, column);
        var throughput = new Dictionary<string, double>();
        foreach (var label in new[] { "ours", "ours-tc0", "vxlan", "socat" })
        {
            var tcp1 = Median(label, "tcp1", 4) / 1000;
            var tcp4 = Median(label, "tcp4", 4) / 1000;
            throughput[label] = (tcp1 + tcp4) / 2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label,-8} tcp1={tcp1:0.000} Gb/s tcp4={tcp4:0.000} Gb/s rtt_avg={Median(label, "ping", 13):0.000} ms " +
                $"tunnel_cpu={Median(label, "tcp1", 6):0}% (tcp1) {Median(label, "tcp4", 6):0}% (tcp4)"));
        }
        foreach (var label in new[] { "ours", "ours-tc0" })
        {
            long allocated = 0, packets = 0;
            foreach (var file in Directory.GetFiles(state, label + ".*.stats"))
            {
                var parts = File.ReadAllText(file).Split(' ');
                allocated += long.Parse(parts[0], CultureInfo.InvariantCulture);
                packets += long.Parse(parts[1], CultureInfo.InvariantCulture);
                Console.WriteLine($"{label,-8} {Path.GetFileNameWithoutExtension(file)}: drops {(parts.Length > 2 ? parts[2] : "")}");
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label,-8} allocated_bytes_per_packet={(packets == 0 ? double.NaN : (double)allocated / packets):0.000} (loop thread, {packets} packets)"));
        }
        ReportMigrations(migrations);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio_vxlan={throughput["ours"] / throughput["vxlan"]:0.000}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio={throughput["ours"] / throughput["socat"]:0.000}"));
        return 0;
    }

    /// <summary>A fresh testbed prefix (vb + 4 hex), its state directory, results file and testbed.sh environment.</summary>
    internal static (string Prefix, string State, string Results, Dictionary<string, string> Env) NewTestbed()
    {
        var prefix = "vb" + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
        var state = Path.Combine(Path.GetTempPath(), prefix);
        Directory.CreateDirectory(state);
        var results = Path.Combine(state, "results.tsv");
        var env = new Dictionary<string, string>
        {
            ["TB_PREFIX"] = prefix,
            ["TB_RESULTS"] = results,
            ["TB_DURATION"] = Environment.GetEnvironmentVariable("TB_DURATION") ?? "5",
            ["TB_REPS"] = Environment.GetEnvironmentVariable("TB_REPS") ?? "2",
            ["TB_PINGS"] = Environment.GetEnvironmentVariable("TB_PINGS") ?? "20",
        };
        return (prefix, state, results, env);
    }

    /// <summary>The rows of testbed.sh's results TSV (columns: time label rep test mbps retr tun_cpu … rtt_min rtt_avg).</summary>
    internal static List<string[]> ReadRows(string results) => File.ReadAllLines(results).Skip(1).Select(l => l.Split('\t')).ToList();

    /// <summary>The median of one column over the rows of <paramref name="label"/> (or label/…) and one test; NaN if none.</summary>
    internal static double Median(List<string[]> rows, string label, string test, int column)
    {
        var values = rows.Where(r => (r[1] == label || r[1].StartsWith(label + "/", StringComparison.Ordinal)) && r[3] == test)
            .Select(r => double.TryParse(r[column], CultureInfo.InvariantCulture, out var v) ? v : double.NaN)
            .Where(v => !double.IsNaN(v)).Order().ToList();
        if (values.Count == 0) return double.NaN;
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    internal static void Testbed_(Dictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false };
        psi.ArgumentList.Add(Testbed);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0 && args[0] != "down") throw new InvalidOperationException($"testbed.sh {string.Join(' ', args)} exited {p.ExitCode}");
    }

    /// <param name="env">extra environment of the runner (e.g. VNET_OFFLOADS=off).</param>
    /// <param name="extra">more runner arguments (<c>conf KEYDIR</c>).</param>
    internal static Process StartRunner(string ns, string local, string peer, string tap, string stats, bool tiered,
        IReadOnlyDictionary<string, string>? env = null, IEnumerable<string>? extra = null)
    {
        var all = new Dictionary<string, string>(env ?? new Dictionary<string, string>());
        if (!tiered) all["DOTNET_TieredCompilation"] = "0";
        return StartBenchRunner(ns, "tunnel", [local, peer, tap, stats, .. extra ?? []], all);
    }

    /// <summary>
    /// Starts this bench program again as <c>NAME --runner ARGS…</c> inside namespace <paramref name="ns"/> and waits for
    /// its "ready" line: the dataplane under test runs in its own process, so its CPU is accounted apart.
    /// </summary>
    internal static Process StartBenchRunner(string ns, string name, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true };
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        foreach (var a in (string[])["netns", "exec", ns, Environment.ProcessPath!, typeof(TunnelBench).Assembly.Location, name, "--runner", .. args])
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        if (p.StandardOutput.ReadLine() != "ready") throw new InvalidOperationException($"{name} runner in {ns} did not start");
        return p;
    }

    internal static void Stop(Process runner)
    {
        if (!runner.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", runner.Id.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
            if (!runner.WaitForExit(10_000)) runner.Kill();
        }
        runner.Dispose();
    }

    /// <summary>
    /// Runner mode: the engine on this thread (already in the host namespace) until SIGTERM; then its stats. Arguments
    /// LOCAL PEER TAP STATS [conf KEYDIR]: with <c>conf</c> the vnet is sealed with ESP aes-gcm-128 under the key
    /// <c>bench</c> of KEYDIR (vnet MTU 1400, room for ESP's up to 65 bytes over a 1500-byte underlay).
    /// </summary>
    private static int RunEngine(string[] args)
    {
        var (local, peer, tap, stats) = (IPAddress.Parse(args[0]), IPAddress.Parse(args[1]), args[2], args[3]);
        var conf = args.Length > 5 && args[4] == "conf";
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var transport = conf ? new EspSecureTransport(local, new KeyRing(args[5])) : null;
        using var platform = new LinuxTunnelPlatform();
        using var engine = new TunnelEngine(platform, TimeProvider.System, transport, transport);
        var vnet = new VnetKey(0x97);
        transport?.Attach(engine);
        transport?.Configure([new EspVnetConfig(vnet, EspSuite.AesGcm128, "bench", [peer])]);
        var problems = engine.Configure(new TunnelConfig
        {
            LocalAddress = local,
            Vnets = new[]
            {
                new TunnelVnet { Id = vnet, Vnetif = tap, Mtu = conf ? 1400 : 1436, Security = conf ? VnetSecurity.Conf : VnetSecurity.None, Peers = new[] { peer } },
            },
        });
        if (problems.Count > 0)
        {
            Console.Error.WriteLine(string.Join("; ", problems));
            return 1;
        }
        Console.WriteLine("ready");
        Console.Out.Flush();
        var before = GC.GetAllocatedBytesForCurrentThread();
        engine.Run(stop.Token);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var snapshot = engine.Observe();
        var total = snapshot.Total;
        File.WriteAllText(stats, string.Create(CultureInfo.InvariantCulture, $"{allocated} {total.RxPackets + total.TxPackets} ") +
            string.Join(",", total.Drops.Select(d => $"{d.Key}={d.Value}").Append(string.Create(CultureInfo.InvariantCulture, $"IcmpTooBig={total.IcmpTooBig}"))) +
            " offload " + string.Join(",", snapshot.Offload.Pairs().Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name}={p.Value}"))));
        return 0;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "bench", "run"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (bench/run)");
    }
}
