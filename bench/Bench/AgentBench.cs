using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using VnetReconciler.Dataplane.Links;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Bench;

/// <summary>
/// <c>bench/run heal [trials]</c>: one host namespace running <c>vnetctl agent</c> with a one-hour poll interval (so only
/// the kernel link event can explain a heal) on the example fleet, a VM namespace behind <c>vm-a97</c>; each trial
/// breaks one thing by hand with <c>ip</c> (the vnetif deleted, the port released, the bridge deleted, in turn) and
/// measures until the agent has put vnif97 and vm-a97 back on vnet97. Prints every trial, p50, max and last
/// <c>p95_ms=</c> (target ≤ 1000).
/// <c>bench/run agent-rss [vnets]</c>: the agent converging 1,000 vnets (bridges, vnetifs open in the tunnel); prints the
/// cycle time and last <c>rss_mb=</c> (target ≤ 150).
/// </summary>
public static class AgentBench
{
    internal const int Port = 9797;
    private static readonly string Vnetctl = Path.Combine(AppContext.BaseDirectory, "vnetctl.dll");

    public static Task<int> HealAsync(string[] args)
    {
        var trials = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var tag = "vb" + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
        using var host = NetNs.Create(tag, "a");
        using var vm = NetNs.Create(tag, "va");
        var work = Directory.CreateTempSubdirectory("vnet-heal-");
        try
        {
            host.Ip("link", "add", "vm-a97", "type", "veth", "peer", "name", "eth0", "netns", vm.Name);
            host.Ip("link", "set", "vm-a97", "up");
            var repo = Repository(host, work.FullName, ExampleFiles());
            using var agent = Start(host, repo, Path.Combine(work.FullName, "state"), "1h");
            WaitReady(host, TimeSpan.FromSeconds(120));
            var drifts = new (string What, string[] Ip)[]
            {
                ("vnetif deleted", ["link", "del", "vnif97"]),
                ("port released", ["link", "set", "vm-a97", "nomaster"]),
                ("bridge deleted", ["link", "del", "vnet97"]),
            };
            var times = new List<double>();
            host.Run(() =>
            {
                using var links = LinkClient.Open();
                for (var i = 0; i < trials; i++)
                {
                    var (what, ip) = drifts[i % drifts.Length];
                    var clock = Stopwatch.StartNew();
                    host.Ip(ip);
                    while (!Healed(links))
                    {
                        if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"not healed after 30 s: {what}");
                        Thread.Sleep(2);
                    }
                    var ms = clock.Elapsed.TotalMilliseconds;
                    times.Add(ms);
                    Console.WriteLine($"trial {i + 1,2}: {what,-15} healed in {ms,7:F1} ms (at {DateTimeOffset.UtcNow:HH:mm:ss.fff})");
                    Thread.Sleep(200); // let the agent's follow-up cycle settle before the next break
                }
            });
            Stop(agent);
            times.Sort();
            Console.WriteLine($"trials={times.Count} p50_ms={Percentile(times, 0.50):F0} max_ms={times[^1]:F0}");
            Console.WriteLine($"p95_ms={Percentile(times, 0.95):F0}");
            return Task.FromResult(0);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    public static Task<int> RssAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var tag = "vb" + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
        using var host = NetNs.Create(tag, "a");
        var work = Directory.CreateTempSubdirectory("vnet-rss-");
        try
        {
            var files = new Dictionary<string, string>
            {
                ["fleet.yaml"] = "fleet:\n  interval: 30s\n",
                ["hosts/host-a.sxp"] = "(host (name host-a) (address 198.18.0.1))\n",
                ["hosts/host-b.sxp"] = "(host (name host-b) (address 198.18.0.2))\n",
            };
            var sb = new StringBuilder();
            for (var i = 0; i < count; i++)
                sb.Append(CultureInfo.InvariantCulture, $"(vnet (id {0x1000 + i:x}) (security none))\n");
            files["vnets/many.sxp"] = sb.ToString();
            var repo = Repository(host, work.FullName, files);
            var clock = Stopwatch.StartNew();
            using var agent = Start(host, repo, Path.Combine(work.FullName, "state"), "30s");
            WaitReady(host, TimeSpan.FromMinutes(10));
            var converged = clock.Elapsed;
            var body = Http(host, "GET", "/status").Body;
            var carried = body.Split("\"carried\": true").Length - 1;
            // A few more cycles (polls, a sync) so the figure is the steady state, not the first one.
            for (var i = 0; i < 3; i++) Http(host, "POST", "/sync");
            var rss = RssMegabytes(agent.Id);
            var heap = Http(host, "GET", "/metrics").Body.Split('\n').FirstOrDefault(l => l.StartsWith("dotnet_gc_heap_size_bytes ", StringComparison.Ordinal));
            Console.WriteLine($"managed heap after the last GC: {heap?.Split(' ')[1]} bytes");
            Console.WriteLine($"{count} vnets converged and carried ({carried} vnetifs open) in {converged.TotalSeconds:F1} s");
            Console.WriteLine($"after 3 more sync cycles: VmRSS {rss:F1} MB, VmHWM {RssMegabytes(agent.Id, "VmHWM:"):F1} MB");
            Console.WriteLine($"where it is (resident MB by mapping): {RssByMapping(agent.Id)}");
            Stop(agent);
            Console.WriteLine($"rss_mb={rss:F0}");
            return Task.FromResult(0);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static bool Healed(LinkClient links)
    {
        var all = links.DumpLinks();
        var byIndex = all.ToDictionary(l => l.Index, l => l.Name);
        string? Master(string name) => all.FirstOrDefault(l => l.Name == name) is { HasMaster: true } l ? byIndex.GetValueOrDefault(l.MasterIndex) : null;
        return Master("vnif97") == "vnet97" && Master("vm-a97") == "vnet97";
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static double RssMegabytes(int pid, string field = "VmRSS:")
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>Resident memory from /proc/PID/smaps grouped by what is mapped (a file's name, or anonymous), largest first.</summary>
    private static string RssByMapping(int pid)
    {
        var totals = new Dictionary<string, long>();
        var name = "?";
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
                name = fields.Length >= 6 ? Path.GetFileName(fields[5]) is { Length: > 0 } f ? f : fields[5] : "anonymous";
            else if (fields is ["Rss:", var kb, "kB"])
                totals[name] = totals.GetValueOrDefault(name) + long.Parse(kb, CultureInfo.InvariantCulture);
        }
        return string.Join(", ", totals.OrderByDescending(t => t.Value).Take(6).Select(t => $"{t.Key} {t.Value / 1024.0:F1}"));
    }

    internal static Dictionary<string, string> ExampleFiles()
    {
        var root = Path.Combine(RepoPaths.Root, "examples", "desired-state");
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllText);
    }

    /// <summary>A git repository holding <paramref name="files"/>, made by git run inside the bench's namespace.</summary>
    internal static string Repository(NetNs host, string dir, IReadOnlyDictionary<string, string> files)
    {
        var repo = Path.Combine(dir, "repo");
        foreach (var (path, text) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(repo, path))!);
            File.WriteAllText(Path.Combine(repo, path), text);
        }
        var env = new Dictionary<string, string> { ["GIT_CONFIG_GLOBAL"] = "/dev/null", ["GIT_CONFIG_NOSYSTEM"] = "1" };
        host.Exec("git", ["-C", repo, "init", "-q", "-b", "main"], env: env).EnsureSuccess();
        host.Exec("git", ["-C", repo, "add", "-A"], env: env).EnsureSuccess();
        host.Exec("git", ["-C", repo, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-q", "-m", "bench"], env: env).EnsureSuccess();
        return repo;
    }

    internal static Process Start(NetNs host, string repo, string state, string interval, string name = "host-a", params string[] extra)
    {
        var p = host.Start("dotnet",
        [
            Vnetctl, "agent", "--repo", repo, "--host", name, "--state-dir", state, "--trust", Path.Combine(state, "none.yaml"),
            "--listen", $"127.0.0.1:{Port}", "--interval", interval, .. extra,
        ], new Dictionary<string, string> { ["GIT_CONFIG_GLOBAL"] = "/dev/null", ["GIT_CONFIG_NOSYSTEM"] = "1" });
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    internal static void Stop(Process agent)
    {
        Cmd.Run("kill", "-TERM", agent.Id.ToString(CultureInfo.InvariantCulture));
        if (!agent.WaitForExit(30_000)) agent.Kill(entireProcessTree: true);
    }

    internal static void WaitReady(NetNs host, TimeSpan deadline) =>
        Poll.Until(() => Http(host, "GET", "/readyz").Code == 200, deadline, "the agent is Ready", TimeSpan.FromMilliseconds(100));

    /// <summary>HTTP/1.0 to the agent from a socket opened inside its namespace.</summary>
    internal static (int Code, string Body) Http(NetNs host, string method, string path) => host.Run(() =>
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 600_000 };
        try
        {
            socket.Connect(new IPEndPoint(IPAddress.Loopback, Port));
        }
        catch (SocketException)
        {
            return (0, "");
        }
        socket.Send(Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.0\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"));
        using var ms = new MemoryStream();
        var buffer = new byte[65536];
        int n;
        while ((n = socket.Receive(buffer)) > 0) ms.Write(buffer, 0, n);
        var text = Encoding.UTF8.GetString(ms.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (int.Parse(text.Split(' ')[1], CultureInfo.InvariantCulture), split < 0 ? "" : text[(split + 4)..]);
    });
}
