namespace VnetReconciler.Bench;

/// <summary>
/// Entry point of <c>bench/run NAME</c>. Each benchmark registers a name here; it prints its figures and, last,
/// the ratio against the reference measured in the same run.
/// </summary>
public static class Program
{
    private static readonly Dictionary<string, Func<string[], Task<int>>> Benchmarks = new(StringComparer.Ordinal)
    {
        ["reconcile"] = ReconcileBench.RunAsync,
        ["netlink"] = NetlinkBench.RunAsync,
        ["schema"] = SchemaBench.RunAsync,
        ["esp-seal"] = EspSealBench.RunAsync,
        ["tunnel"] = TunnelBench.RunAsync,
        ["linerate"] = LinerateBench.RunAsync,
        ["heal"] = AgentBench.HealAsync,
        ["agent-rss"] = AgentBench.RssAsync,
        ["esp"] = EspBench.RunAsync,
        ["restart"] = RestartBench.RunAsync,
    };

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out var run))
        {
            Console.Error.WriteLine($"usage: bench/run NAME [args]   (NAME: {string.Join(", ", Benchmarks.Keys.Order())})");
            return 1;
        }
        return await run(args[1..]);
    }
}
