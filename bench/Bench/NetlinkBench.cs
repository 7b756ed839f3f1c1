using System.Diagnostics;
using System.Globalization;
using System.Text;
using VnetReconciler.Dataplane.Links;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Bench;

/// <summary>
/// <c>bench/run netlink [count]</c>: 1,000 bridges and 1,000 TAPs (each enslaved to a bridge, aliased, up), a dump of
/// all links, and their deletion, once through <see cref="LinkClient"/> and once through one <c>ip -batch</c>
/// process, each in a fresh namespace of its own (<c>vb&lt;4 hex&gt;-…</c>). Then a dump of the 2,000 links against
/// <c>ip -j link show</c>. Prints both times, <c>dump_ratio=</c> and, last, <c>ratio=&lt;ours/ip-batch&gt;</c>.
/// </summary>
public static class NetlinkBench
{
    private const string Alias = "vnet-reconciler bench";

    public static Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var tag = "vb" + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);

        double ours, reference, ourDump, ipDump;
        using (var ns = NetNs.Create(tag, "ours"))
        {
            ns.Run(() => OurWork(10, dump: false)); // JIT warm-up on a small set
            ours = ns.Run(() => OurWork(count, dump: true));
        }
        using (var ns = NetNs.Create(tag, "ip"))
        {
            reference = IpBatch(ns, count);
        }
        using (var ns = NetNs.Create(tag, "dump"))
        {
            ns.Run(() =>
            {
                using var client = LinkClient.Open();
                var batch = client.Batch();
                for (var i = 0; i < 2 * count; i++) batch.CreateBridge("d" + i.ToString(CultureInfo.InvariantCulture), new LinkSettings { Up = true, Alias = Alias });
                batch.Commit();
            });
            ourDump = ns.Run(() =>
            {
                using var client = LinkClient.Open();
                return Best(5, () => Check(client.DumpLinks().Count, 2 * count + 1));
            });
            ipDump = Best(5, () => Check(CountIfindex(ns.Ip("-j", "link", "show")), 2 * count + 1));
        }

        Console.WriteLine($"ours: {count} bridges + {count} taps created, enslaved, aliased, up, dumped, deleted in {ours:F0} ms");
        Console.WriteLine($"ip -batch: the same work in {reference:F0} ms");
        Console.WriteLine($"dump of {2 * count + 1} links: ours {ourDump:F1} ms, ip -j link show {ipDump:F1} ms");
        Console.WriteLine($"dump_ratio={ourDump / ipDump:F2}");
        Console.WriteLine($"ratio={ours / reference:F2}");
        return Task.FromResult(0);
    }

    private static double OurWork(int count, bool dump)
    {
        var sw = Stopwatch.StartNew();
        var phases = new StringBuilder();
        void Phase(string name) => phases.Append(CultureInfo.InvariantCulture, $" {name} {sw.Elapsed.TotalMilliseconds:F0}");
        using var client = LinkClient.Open();
        var batch = client.Batch();
        for (var i = 0; i < count; i++) batch.CreateBridge(Bridge(i), new LinkSettings { Up = true, Alias = Alias });
        batch.Commit();
        Phase("bridges");
        for (var i = 0; i < count; i++) client.CreateTap(Tap(i));
        Phase("taps");
        var index = client.DumpLinks().ToDictionary(l => l.Name, l => l.Index);
        for (var i = 0; i < count; i++)
            batch.Update(index[Tap(i)], new LinkSettings { MasterIndex = index[Bridge(i)], Alias = Alias, Up = true });
        batch.Commit();
        Phase("ports");
        if (dump) Check(client.DumpLinks().Count(l => l.Alias == Alias && l.IsUp), 2 * count);
        Phase("dump");
        var all = new List<LinkRef>(2 * count);
        for (var i = 0; i < count; i++)
        {
            all.Add(index[Tap(i)]);
            all.Add(index[Bridge(i)]);
        }
        client.DeleteLinks(all);
        Phase("deleted");
        if (dump) Console.WriteLine($"ours, cumulative ms:{phases}");
        return sw.Elapsed.TotalMilliseconds;
    }

    private static double IpBatch(NetNs ns, int count)
    {
        var script = new StringBuilder();
        for (var i = 0; i < count; i++) script.Append(CultureInfo.InvariantCulture, $"link add {Bridge(i)} up type bridge\nlink set {Bridge(i)} alias \"{Alias}\"\n");
        for (var i = 0; i < count; i++) script.Append(CultureInfo.InvariantCulture, $"tuntap add mode tap name {Tap(i)}\n");
        for (var i = 0; i < count; i++) script.Append(CultureInfo.InvariantCulture, $"link set {Tap(i)} master {Bridge(i)} alias \"{Alias}\" up\n");
        script.Append("link show\n");
        for (var i = 0; i < count; i++) script.Append(CultureInfo.InvariantCulture, $"link del {Tap(i)}\nlink del {Bridge(i)}\n");
        var sw = Stopwatch.StartNew();
        var result = Cmd.Run("ip", ["-n", ns.Name, "-batch", "-"], TimeSpan.FromMinutes(10), stdin: script.ToString()).EnsureSuccess();
        var elapsed = sw.Elapsed.TotalMilliseconds;
        Check(result.Stdout.Split('\n').Count(l => l.Contains("alias " + Alias, StringComparison.Ordinal)), 2 * count);
        return elapsed;
    }

    private static string Bridge(int i) => "nb" + i.ToString(CultureInfo.InvariantCulture);

    private static string Tap(int i) => "nt" + i.ToString(CultureInfo.InvariantCulture);

    private static int CountIfindex(string json) => json.Split("\"ifindex\"").Length - 1;

    private static int Check(int actual, int expected) =>
        actual == expected ? actual : throw new InvalidOperationException($"expected {expected} links, saw {actual}");

    private static double Best(int runs, Action work)
    {
        var best = double.MaxValue;
        for (var r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            work();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        return best;
    }
}
