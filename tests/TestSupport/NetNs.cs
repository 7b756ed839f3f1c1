using System.Diagnostics;
using System.Runtime.InteropServices;

namespace VnetReconciler.TestSupport;

/// <summary>
/// Names for one test run. Every namespace and link a test creates starts with <see cref="Prefix"/>
/// ("vt" and four hex digits), so parallel runs never collide and <c>.ci/run</c> can tell leftovers apart.
/// </summary>
public static class TestRun
{
    public static readonly string Prefix = "vt" + Random.Shared.Next(0, 0x10000).ToString("x4");
    private static int _counter;

    /// <summary>A fresh unique tag inside this run: <c>vt1a2b3</c>-style, short enough for link names.</summary>
    public static string Tag() => Prefix + Interlocked.Increment(ref _counter).ToString("x");

    /// <summary>A link name made of a fresh tag and a suffix; fails if the kernel would refuse it (over 15 bytes).</summary>
    public static string LinkName(string tag, string suffix)
    {
        var name = tag + suffix;
        if (name.Length > 15) throw new ArgumentException($"link name '{name}' is longer than 15 characters");
        return name;
    }

    public static bool IsRoot => Environment.UserName == "root" || geteuid() == 0;

    [DllImport("libc")]
    private static extern uint geteuid();
}

/// <summary>
/// A network namespace this test created; deleted, with every process started in it, on Dispose.
/// IPv6 is disabled inside so nothing but the test's 198.18.0.0/15 addresses is ever used.
/// </summary>
public sealed partial class NetNs : IDisposable
{
    private const int CLONE_NEWNET = 0x40000000;
    private readonly List<Process> _processes = [];
    private bool _disposed;

    public string Name { get; }

    private NetNs(string name) => Name = name;

    /// <summary>Creates namespace <c>{tag}-{role}</c>, sets lo up and disables IPv6.</summary>
    public static NetNs Create(string tag, string role)
    {
        var ns = new NetNs($"{tag}-{role}");
        Cmd.Ok("ip", "netns", "add", ns.Name);
        try
        {
            ns.Sysctl("net.ipv6.conf.all.disable_ipv6", "1");
            ns.Sysctl("net.ipv6.conf.default.disable_ipv6", "1");
            ns.Ip("link", "set", "lo", "up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>Sets a sysctl inside the namespace (never in the root namespace).</summary>
    public void Sysctl(string key, string value) => Exec("sysctl", "-qw", $"{key}={value}").EnsureSuccess();

    /// <summary>Runs <c>ip -n NAME args…</c> and returns stdout; throws on failure.</summary>
    public string Ip(params string[] args) => Cmd.Ok("ip", ["-n", Name, .. args]);

    /// <summary>Runs a program inside the namespace and returns its result (does not throw on a non-zero exit).</summary>
    public CmdResult Exec(string fileName, IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? env = null) =>
        Cmd.Run("ip", ["netns", "exec", Name, fileName, .. args], timeout, env: env);

    public CmdResult Exec(string fileName, params string[] args) => Exec(fileName, (IEnumerable<string>)args);

    /// <summary>Starts a long-running program inside the namespace; it is killed on Dispose.</summary>
    public Process Start(string fileName, IEnumerable<string> args, IDictionary<string, string>? env = null, bool redirect = true)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = redirect, RedirectStandardError = redirect };
        foreach (var a in (string[])["netns", "exec", Name, fileName, .. args]) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {fileName}");
        lock (_processes) _processes.Add(p);
        return p;
    }

    /// <summary>
    /// Runs <paramref name="body"/> on a fresh thread that has entered this namespace (setns is per thread),
    /// so sockets and TAPs the product opens there belong to it. The thread ends with the call.
    /// </summary>
    public T Run<T>(Func<T> body)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using (var handle = File.OpenHandle($"/run/netns/{Name}"))
                {
                    if (setns((int)handle.DangerousGetHandle(), CLONE_NEWNET) != 0)
                        throw new InvalidOperationException($"setns({Name}) failed: errno {Marshal.GetLastPInvokeError()}");
                }
                result = body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true, Name = $"netns {Name}" };
        thread.Start();
        thread.Join();
        if (failure is not null) throw new AggregateException($"in namespace {Name}", failure);
        return result;
    }

    public void Run(Action body) => Run(() => { body(); return 0; });

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (_processes)
        {
            foreach (var p in _processes)
            {
                try
                {
                    if (!p.HasExited)
                    {
                        p.Kill(entireProcessTree: true);
                        p.WaitForExit(5000);
                    }
                }
                catch (InvalidOperationException) { /* already gone */ }
                p.Dispose();
            }
        }
        // Kill anything else still running inside (e.g. daemons started through ip netns exec).
        Cmd.Run("ip", "netns", "pids", Name).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToList().ForEach(pid => Cmd.Run("kill", "-9", pid.Trim()));
        Cmd.Run("ip", "netns", "del", Name);
    }
}
