using System.Diagnostics;

namespace VnetReconciler.Reconciler.Demo;

/// <summary>
/// Runs programs for the demo. The demo builds its test hosts with iproute2, as SPEC §7 allows (the agent
/// itself never runs <c>ip</c>); arguments are lists, never a shell string, every call has a timeout.
/// </summary>
internal sealed class DemoShell(TextWriter log, bool verbose)
{
    private readonly List<Process> _background = [];

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public Result Run(string file, IReadOnlyList<string> args, TimeSpan? timeout = null, IDictionary<string, string>? env = null,
        string? workDir = null, bool check = true)
    {
        var psi = Start(file, args, env, workDir);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)}: no answer within {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds} s");
        }
        var result = new Result(p.ExitCode, stdout.Result, stderr.Result);
        if (verbose) log.WriteLine($"    $ {file} {string.Join(' ', args)} -> {p.ExitCode}");
        if (check && p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {result.Stderr.Trim()}");
        return result;
    }

    /// <summary>Starts a long-running program (an agent); it is stopped by <see cref="StopAll"/>.</summary>
    public Process Spawn(string file, IReadOnlyList<string> args, string logFile, IDictionary<string, string>? env = null)
    {
        var psi = Start(file, args, env, null);
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var sink = new StreamWriter(logFile) { AutoFlush = true };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (sink) sink.WriteLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (sink) sink.WriteLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        lock (_background) _background.Add(p);
        return p;
    }

    /// <summary>SIGTERM every spawned program, then SIGKILL what is still there after a grace period.</summary>
    public void StopAll()
    {
        List<Process> all;
        lock (_background) all = [.. _background];
        foreach (var p in all)
        {
            try
            {
                if (!p.HasExited) Run("kill", ["-TERM", p.Id.ToString()], check: false);
            }
            catch (InvalidOperationException) { /* already gone */ }
        }
        foreach (var p in all)
        {
            try
            {
                if (!p.WaitForExit(TimeSpan.FromSeconds(10))) p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException) { /* already gone */ }
            p.Dispose();
        }
        lock (_background) _background.Clear();
    }

    private static ProcessStartInfo Start(string file, IReadOnlyList<string> args, IDictionary<string, string>? env, string? workDir)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        if (workDir is not null) psi.WorkingDirectory = workDir;
        return psi;
    }
}
