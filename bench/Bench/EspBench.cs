using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using VnetReconciler.Dataplane;
using VnetReconciler.Dataplane.Esp;
using VnetReconciler.Dataplane.Tunnel;

namespace VnetReconciler.Bench;

/// <summary>
/// <c>bench/run esp</c>: iperf3 TCP (1 and 4 streams) between two VMs through this dataplane on a <c>conf</c> vnet
/// (aes-gcm-128) and on a <c>none</c> vnet, and in the same run through wireguard-go (testbed.sh mode <c>wg-vxlan</c>, the
/// reference: L2 encrypted in userspace). Our dataplane runs as this program in runner mode (<c>esp --runner</c>) in each
/// host namespace of testbed mode <c>tap</c>, with the VM MTU of wg-vxlan (1370) so the inner packets are the same size.
/// Prints Gb/s and, last, <c>ratio=</c> (conf / wireguard-go, on the mean of the 1- and 4-stream throughputs).
/// Environment: TB_DURATION (default 3 s), TB_REPS (default 2).
/// </summary>
public static class EspBench
{
    private const string VmMtu = "1370";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "--runner") return RunEngine(args[1..]);
        var prefix = "vb" + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
        var state = Directory.CreateTempSubdirectory(prefix + "-").FullName;
        var results = Path.Combine(state, "results.tsv");
        var keys = WriteKeyDirectory(state);
        var env = new Dictionary<string, string>
        {
            ["TB_PREFIX"] = prefix,
            ["TB_RESULTS"] = results,
            ["TB_DURATION"] = Environment.GetEnvironmentVariable("TB_DURATION") ?? "3",
            ["TB_REPS"] = Environment.GetEnvironmentVariable("TB_REPS") ?? "2",
            ["TB_TESTS"] = "tcp1 tcp4",
            ["TB_VM_MTU"] = VmMtu,
        };
        var runners = new List<Process>();
        try
        {
            Testbed(env, "bench", "wg-vxlan");
            Testbed(env, "up", "tap");
            foreach (var security in new[] { "conf", "none" })
            {
                foreach (var (ns, local, peer) in new[] { ($"{prefix}-ha", "198.18.0.1", "198.18.0.2"), ($"{prefix}-hb", "198.18.0.2", "198.18.0.1") })
                    runners.Add(StartRunner(ns, local, peer, $"{prefix}-tap", security, keys));
                env["TB_TUNNEL_PIDS"] = string.Join(' ', runners.Select(r => r.Id));
                env["TB_LABEL"] = "ours-" + security;
                Testbed(env, "bench", "current");
                foreach (var runner in runners) Stop(runner);
                runners.Clear();
            }
        }
        finally
        {
            foreach (var runner in runners) Stop(runner);
            Testbed(env, "down");
        }
        await Task.CompletedTask;
        var code = Report(results);
        Directory.Delete(state, recursive: true);
        return code;
    }

    private static int Report(string results)
    {
        var rows = File.ReadAllLines(results).Skip(1).Select(l => l.Split('\t')).ToList();
        double Median(string label, string test)
        {
            var values = rows.Where(r => (r[1] == label || r[1].StartsWith(label + "/", StringComparison.Ordinal)) && r[3] == test)
                .Select(r => double.TryParse(r[4], CultureInfo.InvariantCulture, out var v) ? v / 1000 : double.NaN)
                .Where(v => !double.IsNaN(v)).Order().ToList();
            return values.Count == 0 ? double.NaN : values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
        }
        var mean = new Dictionary<string, double>();
        foreach (var label in new[] { "ours-conf", "ours-none", "wg-vxlan" })
        {
            var (tcp1, tcp4) = (Median(label, "tcp1"), Median(label, "tcp4"));
            mean[label] = (tcp1 + tcp4) / 2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label,-10} tcp1={tcp1:0.000} Gb/s tcp4={tcp4:0.000} Gb/s (VM MTU {VmMtu})"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio={mean["ours-conf"] / mean["wg-vxlan"]:0.000}"));
        return 0;
    }

    private static void Testbed(Dictionary<string, string> env, params string[] args)
    {
        var root = AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(root); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "bench", "run"))) { root = dir.FullName; break; }
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false };
        foreach (var a in new[] { Path.GetFullPath(Path.Combine(root, "..", "shared", "testbed", "testbed.sh")) }.Concat(args)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0 && args[0] != "down") throw new InvalidOperationException($"testbed.sh {string.Join(' ', args)} exited {p.ExitCode}");
    }

    /// <summary>A key directory under <paramref name="state"/> with a fresh random key <c>bench</c> (mode 0600: the key ring refuses others).</summary>
    internal static string WriteKeyDirectory(string state)
    {
        var keys = Path.Combine(state, "keys");
        Directory.CreateDirectory(keys);
        var keyFile = Path.Combine(keys, "bench.key");
        File.WriteAllText(keyFile, $"1 hex:{Convert.ToHexString(RandomNumberGenerator.GetBytes(32))}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return keys;
    }

    private static Process StartRunner(string ns, string local, string peer, string tap, string security, string keys) =>
        TunnelBench.StartBenchRunner(ns, "esp", [local, peer, tap, security, keys]);

    private static void Stop(Process runner) => TunnelBench.Stop(runner);

    /// <summary>Runner mode: the engine (with ESP for <c>conf</c>) on this thread, in the host namespace, until SIGTERM.</summary>
    private static int RunEngine(string[] args)
    {
        var (local, peer, tap, security, keys) = (IPAddress.Parse(args[0]), IPAddress.Parse(args[1]), args[2], args[3], args[4]);
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        var secure = security == "conf";
        using var transport = secure ? new EspSecureTransport(local, new KeyRing(keys)) : null;
        using var platform = new LinuxTunnelPlatform();
        using var engine = new TunnelEngine(platform, TimeProvider.System, transport, transport);
        var vnet = new VnetKey(0x97);
        transport?.Attach(engine);
        transport?.Configure([new EspVnetConfig(vnet, EspSuite.AesGcm128, "bench", [peer])]);
        var problems = engine.Configure(new TunnelConfig
        {
            LocalAddress = local,
            Vnets = new[] { new TunnelVnet { Id = vnet, Vnetif = tap, Mtu = 1400, Security = secure ? VnetSecurity.Conf : VnetSecurity.None, Peers = new[] { peer } } },
        });
        if (problems.Count > 0)
        {
            Console.Error.WriteLine(string.Join("; ", problems));
            return 1;
        }
        Console.WriteLine("ready");
        Console.Out.Flush();
        engine.Run(stop.Token);
        if (transport is not null) Console.Error.WriteLine($"esp {local}: {transport.Endpoint.Counters(vnet)}");
        return 0;
    }
}
