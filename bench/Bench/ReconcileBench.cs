using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Schema.Model;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Bench;

/// <summary>
/// <c>bench/run reconcile [count]</c> (issue 6): one host carrying <c>count</c> vnets (a bridge and a vnetif each,
/// at the vnet MTU, aliased, enslaved, up). Converges an empty namespace to it with the reconciler (observe,
/// diff, apply, verify), then runs a no-op cycle (observe and diff); in the same run, <c>ip -batch</c> creates the
/// same kernel objects in a fresh namespace, and one <c>ip -j link show</c> lists them. Prints the times,
/// <c>noop_ratio=&lt;noop/ip-link-show&gt;</c> and, last, <c>ratio=&lt;converge/ip-batch&gt;</c>.
/// Targets: ratio ≤ 1.5, noop_ratio ≤ 3.
/// </summary>
public static class ReconcileBench
{
    public static Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var tag = "vb" + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
        var intent = Intent(count);
        var warm = Intent(20);

        double converge, noop, ipBatch, ipShow;
        using (var ns = NetNs.Create(tag, "w"))
            ns.Run(() => Converge(warm)); // JIT warm-up
        using (var ns = NetNs.Create(tag, "ours"))
        {
            (converge, noop) = ns.Run(() => Converge(intent));
            ipShow = Best(5, () => ns.Ip("-j", "link", "show").Length);
        }
        using (var ns = NetNs.Create(tag, "ip"))
            ipBatch = IpBatch(ns, intent);

        Console.WriteLine($"reconcile: {count} vnets ({2 * count} links) converged from empty, verified, in {converge:F0} ms");
        Console.WriteLine($"reconcile: no-op cycle (observe + diff) in {noop:F1} ms");
        Console.WriteLine($"ip -batch: the same kernel objects in {ipBatch:F0} ms; ip -j link show: {ipShow:F1} ms");
        Console.WriteLine($"noop_ratio={noop / ipShow:F2}");
        Console.WriteLine($"ratio={converge / ipBatch:F2}");
        return Task.FromResult(0);
    }

    private static Intent Intent(int count)
    {
        var vnets = Enumerable.Range(0x100, count).Select(i => Vnet.Create(VnetId.FromValue((UInt128)i))).ToEquatableArray();
        var state = new DesiredState
        {
            Vnets = vnets,
            Hosts = [new Host { Name = "bench", Address = IPAddress.Parse("198.18.0.1") }],
        };
        return IntentMapper.Map(state, "bench", out var error) ?? throw new InvalidOperationException(error);
    }

    private static (double Converge, double Noop) Converge(Intent intent)
    {
        using var kernel = NetlinkKernel.Open();
        var converger = new HostConverger(kernel, new MemoryInventory());
        var sw = Stopwatch.StartNew();
        var result = converger.Apply(converger.Plan(intent, "bench"), intent);
        var converge = sw.Elapsed.TotalMilliseconds;
        if (result.Outcome != ApplyOutcome.Converged) throw new InvalidOperationException($"{result.Outcome}: {result.Mismatch} {result.Error}");
        var noop = Best(5, () => converger.Plan(intent, "bench").HasChanges ? throw new InvalidOperationException("not converged") : 0);
        return (converge, noop);
    }

    private static double IpBatch(NetNs ns, Intent intent)
    {
        var script = new StringBuilder();
        foreach (var l in intent.Spec.Links.Where(l => l.Role == LinkRole.Bridge))
            script.AppendLine(CultureInfo.InvariantCulture, $"link add {l.Name} mtu {l.Mtu} type bridge");
        foreach (var l in intent.Spec.Links.Where(l => l.Role == LinkRole.Vnetif))
            script.AppendLine(CultureInfo.InvariantCulture, $"tuntap add mode tap name {l.Name}");
        foreach (var l in intent.Spec.Links)
        {
            var master = l.Master is null ? "" : $" master {l.Master}";
            script.AppendLine(CultureInfo.InvariantCulture, $"link set dev {l.Name}{master} mtu {l.Mtu} alias \"{Ownership.Alias(l.Role, l.Vnet)}\" up");
        }
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, script.ToString());
            var sw = Stopwatch.StartNew();
            ns.Exec("ip", "-batch", file).EnsureSuccess();
            return sw.Elapsed.TotalMilliseconds;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static double Best(int runs, Func<int> work)
    {
        var best = double.MaxValue;
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            work();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        return best;
    }
}
