using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VnetReconciler.Reconciler.Demo;
using VnetReconciler.Schema;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>
/// <c>vnetctl demo</c> (SPEC §7): a small fleet in network namespaces on this machine, end to end. One host
/// namespace per host of the example, a VM namespace behind each declared port, key files for the secure vnets,
/// a local git repository made from the example, one agent per host; then a ping between VMs across the tunnel,
/// a plan, a drift made by hand and healed, a bad commit refused, a fleet status; then a clean teardown, on every
/// path (success, failure, Ctrl-C).
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var example = new Option<string>("--example") { Description = "The desired-state tree to run", DefaultValueFactory = _ => "examples/desired-state" };
        var verbose = new Option<bool>("--verbose") { Description = "Print every command the demo runs" };
        var keep = new Option<bool>("--keep") { Description = "Leave the namespaces running at the end (delete them with `ip netns del`)" };
        var command = new Command("demo", "A small fleet in network namespaces on this machine, end to end (SPEC §7)") { example, verbose, keep };
        command.SetAction((parse, ct) => Task.FromResult(new DemoRun(parse.InvocationConfiguration.Output, parse.GetValue(verbose))
            .Run(parse.GetValue(example)!, parse.GetValue(keep), ct)));
        return command;
    }
}

internal sealed class DemoRun(TextWriter output, bool verbose)
{
    private readonly DemoShell _sh = new(output, verbose);
    private int _step;

    public int Run(string exampleDir, bool keep, CancellationToken ct)
    {
        if (Environment.UserName != "root")
        {
            output.WriteLine("vnetctl demo builds network namespaces: run it as root.");
            return 1;
        }
        var load = DesiredStateLoader.LoadDirectory(exampleDir);
        if (load.State is not { } state)
        {
            foreach (var d in load.Diagnostics) output.WriteLine(d);
            return 1;
        }
        var prefix = "vd" + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
        var work = Directory.CreateTempSubdirectory("vnet-demo-").FullName;
        var fleet = new DemoFleet(_sh, state, prefix);
        using var cancel = ct.Register(() => { _sh.StopAll(); fleet.Teardown(); });
        ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; _sh.StopAll(); fleet.Teardown(); Environment.Exit(130); };
        Console.CancelKeyPress += onCtrlC;
        var total = Stopwatch.StartNew();
        try
        {
            Step($"building {state.Hosts.Count} hosts and their VMs in namespaces {prefix}-*");
            fleet.Build();
            foreach (var vm in fleet.Vms) Say($"{vm.Host}: VM {vm.Namespace} on vnet {vm.Vnet.ShortForm} at {vm.Address} (MTU {vm.Mtu})");

            Step("key files for the secure vnets, and a git repository made from the example");
            fleet.WriteKeys(Path.Combine(work, "keys"));
            var repo = Path.Combine(work, "fleet.git");
            MakeRepository(exampleDir, repo);

            Step("starting one agent per host");
            var agents = new DemoAgents(_sh, fleet, state, repo, work);
            agents.StartAll();
            agents.WaitReady(TimeSpan.FromSeconds(90));

            Step("ping between VMs across the tunnel");
            var pairs = PingPairs(fleet).Where(p =>
            {
                if (agents.Carries(p.From.Host, p.From.Vnet) && agents.Carries(p.To.Host, p.To.Vnet)) return true;
                Say($"vnet {p.From.Vnet.ShortForm}: not carried by the tunnel on {p.From.Host} or {p.To.Host} yet: {agents.Notes(p.From.Host, p.From.Vnet)}");
                return false;
            }).ToList();
            foreach (var (from, to) in pairs)
            {
                var secure = state.FindVnet(from.Vnet)!.Security != Schema.Model.Security.None;
                try
                {
                    var took = WaitPing(fleet, from, to, TimeSpan.FromSeconds(secure ? 15 : 30));
                    Say($"{from.Namespace} -> {to.Address} ({to.Host}, vnet {to.Vnet.ShortForm}{(secure ? ", ESP" : "")}): answered after {took.TotalMilliseconds:F0} ms");
                }
                catch (TimeoutException) when (secure)
                {
                    // Secure vnets need the ESP dataplane in the agent; say so rather than fail the walk-through.
                    Say($"{from.Namespace} -> {to.Address} (vnet {to.Vnet.ShortForm}, ESP): no answer yet. Agent notes: {agents.Notes(from.Host, from.Vnet)}");
                }
            }
            pairs = pairs.Where(p => state.FindVnet(p.From.Vnet)!.Security == Schema.Model.Security.None).ToList();

            var hostA = state.Hosts[0].Name;
            Step($"a plan on {hostA}: nothing to do, the agent has converged it");
            Say(agents.Vnetctl(hostA, ["plan", "--repo", repo, "--host", hostA, "--state-dir", agents.StateDir(hostA)]).Stdout.TrimEnd());

            var vnet = state.Vnets.First(v => v.IsCarriedBy(hostA));
            Step($"a drift made by hand on {hostA}: `ip link set {vnet.Vnetif} nomaster`");
            var sw = Stopwatch.StartNew();
            _sh.Run("ip", ["-n", fleet.HostNs(hostA), "link", "set", vnet.Vnetif, "nomaster"]);
            WaitFor(() => MasterOf(fleet, hostA, vnet.Vnetif) == vnet.Bridge, TimeSpan.FromSeconds(30), "the agent to heal the drift");
            Say($"healed by the agent in {sw.ElapsedMilliseconds} ms ({vnet.Vnetif} is back on {vnet.Bridge})");

            Step("a bad commit is refused; the network keeps working");
            var bad = Path.Combine(repo, "vnets", "vnet97.sxp");
            var good = File.ReadAllText(bad);
            File.WriteAllText(bad, "(vnet (id 97) (bridge vnet97) (vnetif vnif97) (security none)\n");
            Git(repo, "commit", "-qam", "demo: a broken vnet file");
            var sync = agents.Vnetctl(hostA, ["sync"], check: false);
            Say($"vnetctl sync on {hostA} exits {sync.ExitCode}:");
            Say(string.Join('\n', (sync.Stdout + sync.Stderr).Split('\n').Where(l => l.Contains("vnet97.sxp") || l.Contains("stall", StringComparison.OrdinalIgnoreCase)).Take(3)));
            if (pairs.Count > 0) WaitPing(fleet, pairs[0].From, pairs[0].To, TimeSpan.FromSeconds(10));
            Say("VMs still ping each other on the last good revision");
            File.WriteAllText(bad, good);
            Git(repo, "commit", "-qam", "demo: fix the vnet file");
            agents.Vnetctl(hostA, ["sync"], check: false);

            Step("fleet status");
            Say(agents.FleetStatus(repo));

            Step($"teardown (the whole demo took {total.Elapsed.TotalSeconds:F0} s)");
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            output.WriteLine($"demo failed: {e.Message}");
            output.WriteLine($"agent logs: {work}/*.log");
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
            _sh.StopAll();
            if (!keep)
            {
                fleet.Teardown();
                Say($"deleted namespaces {prefix}-*");
            }
        }
    }

    private static List<(DemoVm From, DemoVm To)> PingPairs(DemoFleet fleet) =>
        fleet.Vms.GroupBy(v => v.Vnet)
            .SelectMany(g => g.Skip(1).Select(to => (From: g.First(), To: to)))
            .ToList();

    private TimeSpan WaitPing(DemoFleet fleet, DemoVm from, DemoVm to, TimeSpan deadline)
    {
        var sw = Stopwatch.StartNew();
        WaitFor(() => fleet.InNs(from.Namespace, "ping", ["-c", "1", "-W", "1", "-q", to.Address.ToString()], check: false).ExitCode == 0,
            deadline, $"{from.Namespace} to reach {to.Address}");
        return sw.Elapsed;
    }

    private string? MasterOf(DemoFleet fleet, string host, string link)
    {
        var r = _sh.Run("ip", ["-n", fleet.HostNs(host), "-j", "link", "show", "dev", link], check: false);
        if (r.ExitCode != 0) return null;
        var l = JsonDocument.Parse(r.Stdout).RootElement[0];
        return l.TryGetProperty("master", out var m) ? m.GetString() : null;
    }

    private static void WaitFor(Func<bool> condition, TimeSpan deadline, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > deadline) throw new TimeoutException($"timed out after {deadline.TotalSeconds:F0} s waiting for {what}");
            Thread.Sleep(100); // poll interval
        }
    }

    private void MakeRepository(string exampleDir, string repo)
    {
        foreach (var file in Directory.EnumerateFiles(exampleDir, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(repo, Path.GetRelativePath(exampleDir, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        Git(repo, "init", "-q", "-b", "main");
        Git(repo, "add", "-A");
        Git(repo, "commit", "-qm", "The example fleet");
    }

    private void Git(string repo, params string[] args) => _sh.Run("git", args, workDir: repo, env: DemoAgents.GitEnvironment);

    private void Step(string title)
    {
        _step++;
        output.WriteLine(Terminal.IsColour(output) ? $"\u001b[1m[{_step}] {title}\u001b[0m" : $"[{_step}] {title}");
    }

    private void Say(string text)
    {
        foreach (var line in text.Split('\n')) output.WriteLine("    " + line);
    }
}
