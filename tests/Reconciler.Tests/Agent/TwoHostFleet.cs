using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using VnetReconciler.Reconciler.Tests.Cli;
using VnetReconciler.Reconciler.Tests.Sources;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>
/// Two hosts of the example fleet as namespaces joined by a veth underlay (198.18.0.1–.2/24), a VM namespace behind
/// each declared port <c>vm-a97</c>/<c>vm-b97</c> (198.19.0.1–.2/24), one local git repository holding the example, and
/// the real <c>vnetctl agent</c> running inside each host namespace. Everything is removed on Dispose.
/// </summary>
internal sealed class TwoHostFleet : IDisposable
{
    public const int Port = 9797;
    private readonly ITestOutputHelper _output;
    private readonly List<IDisposable> _cleanup = [];
    private readonly Dictionary<string, Process> _agents = [];

    public TwoHostFleet(ITestOutputHelper output)
    {
        _output = output;
        var tag = TestRun.Tag();
        try
        {
            A = Add(NetNs.Create(tag, "a"));
            B = Add(NetNs.Create(tag, "b"));
            VmA = Add(NetNs.Create(tag, "va"));
            VmB = Add(NetNs.Create(tag, "vb"));
            var ua = TestRun.LinkName(tag, "ua");
            var ub = TestRun.LinkName(tag, "ub");
            A.Ip("link", "add", ua, "type", "veth", "peer", "name", ub, "netns", B.Name);
            A.Ip("addr", "add", "198.18.0.1/24", "dev", ua);
            B.Ip("addr", "add", "198.18.0.2/24", "dev", ub);
            A.Ip("link", "set", ua, "up");
            B.Ip("link", "set", ub, "up");
            Vm(A, VmA, "vm-a97", "198.19.0.1/24");
            Vm(B, VmB, "vm-b97", "198.19.0.2/24");
            Repo = Add(new TestRepository());
            Repo.Commit(RepoPaths.ExampleFiles(), "example fleet");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public NetNs A { get; } = null!;
    public NetNs B { get; } = null!;
    public NetNs VmA { get; } = null!;
    public NetNs VmB { get; } = null!;
    public TestRepository Repo { get; } = null!;

    public string StateDir(NetNs host) => Path.Combine(Repo.Root, "state-" + host.Name);

    private T Add<T>(T d) where T : IDisposable
    {
        _cleanup.Add(d);
        return d;
    }

    private static void Vm(NetNs host, NetNs vm, string port, string address)
    {
        host.Ip("link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", vm.Name);
        host.Ip("link", "set", port, "up");
        vm.Ip("addr", "add", address, "dev", "eth0");
        vm.Ip("link", "set", "eth0", "up");
    }

    /// <summary>Every line each agent wrote, by host namespace.</summary>
    public Dictionary<string, List<string>> Logs { get; } = [];

    public Process StartAgent(NetNs host, string name, string interval, params string[] extra) =>
        StartAgentOn(host, name, interval, $"127.0.0.1:{Port}", extra);

    public Process StartAgentOn(NetNs host, string name, string interval, string listen, params string[] extra)
    {
        var state = StateDir(host);
        var p = host.Start("dotnet",
        [
            VnetctlProcess.Dll, "agent", "--repo", Repo.Work, "--host", name, "--state-dir", state, "--trust", Path.Combine(state, "none.yaml"),
            "--listen", listen, "--interval", interval, .. extra,
        ], new Dictionary<string, string> { ["GIT_CONFIG_GLOBAL"] = "/dev/null", ["GIT_CONFIG_NOSYSTEM"] = "1", ["DOTNET_DbgEnableMiniDump"] = "0" });
        p.OutputDataReceived += (_, e) => Log(host, e.Data);
        p.ErrorDataReceived += (_, e) => Log(host, e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _agents[host.Name] = p;
        return p;
    }

    private void Log(NetNs host, string? line)
    {
        if (line is null) return;
        lock (Logs)
        {
            if (!Logs.TryGetValue(host.Name, out var lines)) Logs[host.Name] = lines = [];
            lines.Add(line);
        }
        try
        {
            _output.WriteLine($"[{host.Name}] {line}");
        }
        catch (InvalidOperationException)
        {
            // the test has finished; the agent is being stopped
        }
    }

    /// <summary>SIGTERM, then wait; returns the exit code.</summary>
    public int Stop(NetNs host)
    {
        var p = _agents[host.Name];
        Cmd.Run("kill", "-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!p.WaitForExit(30_000)) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>An HTTP/1.0 request to the agent's local listener, from a socket opened inside the host namespace.</summary>
    public static (int Code, string Body) Http(NetNs host, string method, string path) => Http(host, method, path, IPAddress.Loopback);

    public static (int Code, string Body) Http(NetNs host, string method, string path, IPAddress to, string? bearer = null) => host.Run(() =>
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 120_000 };
        try
        {
            socket.Connect(new IPEndPoint(to, Port));
        }
        catch (SocketException)
        {
            return (0, "");
        }
        var auth = bearer is null ? "" : $"Authorization: Bearer {bearer}\r\n";
        socket.Send(Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.0\r\nHost: localhost\r\n{auth}Content-Length: 0\r\n\r\n"));
        using var ms = new MemoryStream();
        var buffer = new byte[65536];
        int n;
        while ((n = socket.Receive(buffer)) > 0) ms.Write(buffer, 0, n);
        var text = Encoding.UTF8.GetString(ms.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var code = int.Parse(text.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return (code, text[(split + 4)..]);
    });

    public static JsonElement Status(NetNs host)
    {
        var (code, body) = Http(host, "GET", "/status");
        return code == 200 ? JsonDocument.Parse(body).RootElement.Clone() : default;
    }

    public static bool IsReady(NetNs host, string? revision = null)
    {
        var s = Status(host);
        if (s.ValueKind != JsonValueKind.Object) return false;
        var ready = s.GetProperty("conditions").EnumerateArray().Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True");
        return ready && (revision is null || s.GetProperty("revision").GetProperty("applied").GetString() == revision);
    }

    public bool Pings(NetNs from, string to) => from.Exec("ping", "-c", "1", "-W", "1", to).ExitCode == 0;

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
