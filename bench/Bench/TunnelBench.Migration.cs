using System.Diagnostics;
using System.Globalization;

namespace VnetReconciler.Bench;

/// <summary>
/// The migration figure of <c>bench/run tunnel</c> (issue target ≤ 2 s): with our runners carrying vnet 97, VM a's port
/// moves between the host namespaces as a migrated guest's would, and the time until a VM on the other host reaches it
/// again is measured. A third VM d sits on host A, so each move has a witness across the tunnel: after A→B, d (host A)
/// must reach a through the tunnel; after B→A, b (host B) must. The moved VM speaks first, as a resumed guest does.
/// </summary>
public static partial class TunnelBench
{
    private const string VmD = "198.19.0.4";
    private static readonly TimeSpan MigrationDeadline = TimeSpan.FromSeconds(20);

    /// <summary>Three moves (A→B, B→A, A→B), then a back to host A; returns each move's time in milliseconds.</summary>
    private static List<double> MeasureMigrations(string prefix)
    {
        string ha = $"{prefix}-ha", hb = $"{prefix}-hb", va = $"{prefix}-va", vb = $"{prefix}-vb", vd = $"{prefix}-vd";
        string port = $"{prefix}-vif-a", bridge = $"{prefix}-br";
        AddWitnessVm(prefix);
        Until(() => Pings(vd, "198.19.0.1") && Pings(vb, "198.19.0.1"), "a reachable before the first move");
        var times = new List<double>();
        var at = ha;
        foreach (var (to, witness) in new[] { (hb, vd), (ha, vb), (hb, vd) })
        {
            var clock = Stopwatch.StartNew();
            Ip("-n", at, "link", "set", port, "netns", to);
            Ip("-n", to, "link", "set", port, "master", bridge, "up");
            Ip("-n", va, "neigh", "flush", "all");
            Pings(va, to == hb ? "198.19.0.2" : VmD); // the resumed guest speaks first (an ARP broadcast, then a ping)
            Until(() => Pings(witness, "198.19.0.1"), $"the VM on the other host reaching a after its move to {to}");
            times.Add(clock.Elapsed.TotalMilliseconds);
            at = to;
        }
        Ip("-n", at, "link", "set", port, "netns", ha);
        Ip("-n", ha, "link", "set", port, "master", bridge, "up");
        return times;
    }

    /// <summary>VM d: a namespace on host A's bridge (removed by <see cref="RemoveWitnessVm"/> on every path).</summary>
    private static void AddWitnessVm(string prefix)
    {
        string vd = $"{prefix}-vd", ha = $"{prefix}-ha";
        Ip("netns", "add", vd);
        Run("ip", "netns", "exec", vd, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        Ip("-n", vd, "link", "set", "lo", "up");
        Ip("-n", vd, "link", "add", $"{prefix}-eth", "type", "veth", "peer", "name", $"{prefix}-vif-d", "netns", ha);
        Ip("-n", vd, "addr", "add", VmD + "/24", "dev", $"{prefix}-eth");
        Ip("-n", vd, "link", "set", $"{prefix}-eth", "mtu", "1436", "up");
        Ip("-n", ha, "link", "set", $"{prefix}-vif-d", "mtu", "1436", "master", $"{prefix}-br", "up");
    }

    private static void RemoveWitnessVm(string prefix)
    {
        if (File.Exists($"/run/netns/{prefix}-vd")) Run("ip", "netns", "del", $"{prefix}-vd");
    }

    private static void ReportMigrations(List<double> times)
    {
        if (times.Count == 0) return;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"migration: {string.Join(" ", times.Select(t => $"{t:0}"))} ms (A→B, B→A, A→B; target ≤ 2000)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"migration_ms={times.Max():0}"));
    }

    private static bool Pings(string ns, string address) =>
        Run("ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "0.1", "-q", address) == 0;

    private static void Ip(params string[] args)
    {
        if (Run("ip", args) != 0) throw new InvalidOperationException($"ip {string.Join(' ', args)} failed");
    }

    private static void Until(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
            if (deadline.Elapsed > MigrationDeadline) throw new TimeoutException($"migration: {what}: not within {MigrationDeadline.TotalSeconds} s");
    }

    private static int Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }
}
