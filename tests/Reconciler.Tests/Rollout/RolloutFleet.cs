using System.Diagnostics;
using System.Text.Json;
using VnetReconciler.Reconciler.Tests.Agent;
using VnetReconciler.Reconciler.Tests.Cli;
using VnetReconciler.Reconciler.Tests.Sources;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;

namespace VnetReconciler.Reconciler.Tests.Rollout;

/// <summary>
/// Four hosts in rollout waves, canary <c>c1</c> then rest <c>w1</c>–<c>w3</c>, each a namespace with its underlay
/// address (198.18.0.1–.4/24), and a bare repository as the desired-state and status remote. Vnet 97 is carried by every host.
/// The test commits locally and pushes when it chooses (so it knows a commit's id before any agent sees it); the real
/// <c>vnetctl agent</c> runs in the hosts it starts, polling every second. Everything is removed on Dispose.
/// </summary>
internal sealed class RolloutFleet : IDisposable
{
    public const string Canary = "c1";
    public static readonly string[] Rest = ["w1", "w2", "w3"];
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(45);

    private readonly ITestOutputHelper _output;
    private readonly List<IDisposable> _cleanup = [];
    private readonly Dictionary<string, NetNs> _hosts = [];
    private readonly Dictionary<string, Process> _agents = [];

    public RolloutFleet(ITestOutputHelper output, string grace, string? windows = null)
    {
        _output = output;
        var tag = TestRun.Tag();
        try
        {
            var files = new Dictionary<string, string?>
            {
                ["fleet.yaml"] = FleetYaml(grace, windows),
                ["vnets/vnet97.sxp"] = Vnet(97),
            };
            string[] all = [Canary, .. Rest];
            for (var i = 0; i < all.Length; i++)
            {
                var ns = Add(NetNs.Create(tag, all[i]));
                var underlay = TestRun.LinkName(tag, "u" + i);
                // No traffic crosses hosts here: a veth pair inside the namespace only gives the host its address.
                ns.Ip("link", "add", underlay, "type", "veth", "peer", "name", TestRun.LinkName(tag, "p" + i));
                ns.Ip("addr", "add", $"198.18.0.{i + 1}/24", "dev", underlay);
                ns.Ip("link", "set", underlay, "up");
                _hosts[all[i]] = ns;
                files[$"hosts/{all[i]}.yaml"] = HostYaml(all[i]);
            }
            Repo = Add(new TestRepository());
            Repo.Commit(files, "four hosts in two waves");
            Bare = Repo.MakeBare();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public TestRepository Repo { get; } = null!;
    public string Bare { get; } = null!;
    public NetNs this[string host] => _hosts[host];

    /// <param name="grace">The fleet's <c>grace</c>.</param>
    /// <param name="windows">A <c>windows:</c> entry, indented two spaces, or null.</param>
    public static string FleetYaml(string grace, string? windows = null) => $$"""
        fleet:
          interval: 1s
          grace: {{grace}}
          rollout:
            - { name: canary, hosts: [{{Canary}}] }
            - { name: rest, hosts: ["w*"] }
        {{windows ?? ""}}
        """;

    public static string HostYaml(string host, string? port = null) =>
        $"host:\n  name: {host}\n  address: 198.18.0.{Array.IndexOf([Canary, .. Rest], host) + 1}\n" +
        (port is null ? "" : $"  port:\n    - {{ name: {port}, vnet: \"98\" }}\n");

    public static string Vnet(int id) => $"(vnet (id {id}) (bridge vnet{id}) (vnetif vnif{id}) (security none))\n";

    private T Add<T>(T d) where T : IDisposable
    {
        _cleanup.Add(d);
        return d;
    }

    /// <summary>Commits in the working repository only; <see cref="Push"/> makes it visible to the agents.</summary>
    public string Commit(Dictionary<string, string?> files, string message) => Repo.Commit(files, message);

    public void Push() => Repo.Push("main");

    public string CommitAndPush(Dictionary<string, string?> files, string message)
    {
        var id = Commit(files, message);
        Push();
        return id;
    }

    public void Start(string host)
    {
        var state = Path.Combine(Repo.Root, "state-" + host);
        var p = _hosts[host].Start("dotnet",
        [
            VnetctlProcess.Dll, "agent", "--repo", Bare, "--host", host, "--state-dir", state, "--trust", Path.Combine(state, "none.yaml"),
            "--listen", $"127.0.0.1:{TwoHostFleet.Port}", "--interval", "1s",
        ], new Dictionary<string, string> { ["GIT_CONFIG_GLOBAL"] = "/dev/null", ["GIT_CONFIG_NOSYSTEM"] = "1", ["DOTNET_DbgEnableMiniDump"] = "0" });
        p.OutputDataReceived += (_, e) => Log(host, e.Data);
        p.ErrorDataReceived += (_, e) => Log(host, e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _agents[host] = p;
    }

    /// <summary>SIGTERM and wait for the exit.</summary>
    public void Stop(string host)
    {
        var p = _agents[host];
        Cmd.Run("kill", "-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!p.WaitForExit(30_000)) p.Kill(entireProcessTree: true);
        p.WaitForExit();
    }

    private void Log(string host, string? line)
    {
        if (line is null) return;
        try
        {
            _output.WriteLine($"[{host}] {line}");
        }
        catch (InvalidOperationException)
        {
            // the test has finished; the agent is being stopped
        }
    }

    /// <summary>The agent's <c>/status</c> <c>revision</c> block, or default when it does not answer.</summary>
    public JsonElement Revision(string host) =>
        TwoHostFleet.Status(_hosts[host]) is { ValueKind: JsonValueKind.Object } s ? s.GetProperty("revision").Clone() : default;

    public bool IsReady(string host, string commit) => TwoHostFleet.IsReady(_hosts[host], commit);

    /// <summary>Reports <paramref name="commit"/> pending, waiting for <paramref name="wait"/> (wave, window, halted), its
    /// message naming <paramref name="naming"/> when given.</summary>
    public bool IsPending(string host, string commit, string wait, string? naming = null)
    {
        var r = Revision(host);
        return r.ValueKind == JsonValueKind.Object && r.GetProperty("result").GetString() == "pending"
               && r.GetProperty("attempted").GetString() == commit && r.GetProperty("wait").GetString() == wait
               && (naming is null || r.GetProperty("message").GetString()!.Contains(naming, StringComparison.Ordinal));
    }

    /// <summary>The link exists in the host's namespace (the kernel, asked with <c>ip</c>).</summary>
    public bool HasLink(string host, string name) => _hosts[host].Exec("ip", "link", "show", "dev", name).ExitCode == 0;

    public void Dispose()
    {
        foreach (var p in _agents.Values)
        {
            try
            {
                if (!p.HasExited) p.Kill(entireProcessTree: true);
                p.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
        }
        for (var i = _cleanup.Count - 1; i >= 0; i--) _cleanup[i].Dispose();
    }
}
