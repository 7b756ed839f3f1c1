using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace VnetReconciler.Reconciler.Sources;

/// <summary>The outcome of one finished git command: exit code and raw output.</summary>
public sealed record GitResult(IReadOnlyList<string> Args, int ExitCode, byte[] StdoutBytes, string Stderr)
{
    /// <summary>Standard output decoded as UTF-8.</summary>
    public string Stdout => Encoding.UTF8.GetString(StdoutBytes);

    /// <summary>Throws a <see cref="GitException"/> (classified by its stderr) unless the exit code is 0.</summary>
    public GitResult EnsureSuccess() =>
        ExitCode == 0 ? this : throw new GitException(Args, ExitCode, Stderr, GitException.Classify(Stderr));
}

/// <summary>One git command as it ran: arguments with credentials redacted, exit code (-1 when it did not finish).</summary>
public sealed record GitCall(string Subcommand, IReadOnlyList<string> Args, string? WorkDir, int ExitCode, TimeSpan Duration)
{
    public override string ToString() => $"git {string.Join(' ', Args)} -> {ExitCode}";
}

/// <summary>
/// The git command line as a typed call: arguments as a list (never a shell string), a timeout on every
/// call, no terminal prompts, the C locale, and none of the caller's <c>GIT_DIR</c>-style variables.
/// Every call is recorded in <see cref="Calls"/> so the agent's status and the tests can see what ran.
/// </summary>
public sealed class GitCli
{
    // Variables that would point git at another repository than the one we name (e.g. when the agent is
    // started from a git hook); they never reach the child.
    private static readonly string[] s_repositoryVariables =
    [
        "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_NAMESPACE", "GIT_COMMON_DIR", "GIT_PREFIX", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
    ];

    private readonly string _executable;
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<GitCall> _calls = new();
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <param name="executable">The git program (default <c>git</c> from PATH).</param>
    /// <param name="environment">Extra variables for every call (a null value removes the variable).</param>
    /// <param name="time">Measures call durations.</param>
    public GitCli(string executable = "git", IReadOnlyDictionary<string, string?>? environment = null, TimeProvider? time = null)
    {
        _executable = executable;
        _environment = environment ?? new Dictionary<string, string?>();
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How many recent calls <see cref="Calls"/> keeps (a running agent calls git forever).</summary>
    public int RecentCapacity { get; init; } = 256;

    /// <summary>The most recent calls (up to <see cref="RecentCapacity"/>), oldest first.</summary>
    public IReadOnlyList<GitCall> Calls => [.. _calls];

    /// <summary>How many calls ran the given git subcommand (<c>fetch</c>, <c>ls-remote</c>, …) since this instance was made.</summary>
    public int CountOf(string subcommand) => _counts.GetValueOrDefault(subcommand);

    /// <summary>Runs git once. A non-zero exit is returned, not thrown (see <see cref="GitResult.EnsureSuccess"/>);
    /// a timeout or a git that cannot start throws a <see cref="GitException"/>.</summary>
    public Task<GitResult> RunAsync(IReadOnlyList<string> args, string? workDir, TimeSpan timeout, CancellationToken ct) =>
        RunAsync(args, workDir, timeout, ct, stdin: null, environment: null);

    /// <summary>Runs git with bytes on its standard input and extra variables for this call.</summary>
    public async Task<GitResult> RunAsync(IReadOnlyList<string> args, string? workDir, TimeSpan timeout, CancellationToken ct,
        ReadOnlyMemory<byte>? stdin, IReadOnlyDictionary<string, string?>? environment)
    {
        var started = _time.GetTimestamp();
        using var process = new Process { StartInfo = StartInfo(args, workDir, stdin is not null, environment) };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            Record(args, workDir, -1, started);
            throw new GitException(args, -1, $"cannot start {_executable}: {e.Message}", GitFailure.Other);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var stdout = new MemoryStream();
        var stdoutTask = process.StandardOutput.BaseStream.CopyToAsync(stdout, deadline.Token);
        var stderrTask = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            if (stdin is { } input)
            {
                await process.StandardInput.BaseStream.WriteAsync(input, deadline.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            await Task.WhenAll(stdoutTask, stderrTask, process.WaitForExitAsync(deadline.Token)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            Kill(process);
            Record(args, workDir, -1, started);
            ct.ThrowIfCancellationRequested();
            if (e is IOException && !deadline.IsCancellationRequested)
            {
                throw new GitException(args, -1, $"lost the pipe to git: {e.Message}", GitFailure.Other);
            }
            throw new GitException(args, -1, $"timed out after {timeout.TotalSeconds:0.#}s", GitFailure.Transient);
        }

        Record(args, workDir, process.ExitCode, started);
        return new GitResult(args, process.ExitCode, stdout.ToArray(), await stderrTask.ConfigureAwait(false));
    }

    private ProcessStartInfo StartInfo(IReadOnlyList<string> args, string? workDir, bool redirectStdin,
        IReadOnlyDictionary<string, string?>? environment)
    {
        var psi = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
            WorkingDirectory = workDir ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var name in s_repositoryVariables) psi.Environment.Remove(name);
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        psi.Environment["LC_ALL"] = "C";
        psi.Environment["LANGUAGE"] = "C";
        foreach (var source in (IEnumerable<IReadOnlyDictionary<string, string?>?>)[_environment, environment])
        {
            if (source is null) continue;
            foreach (var (k, v) in source)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        }
        return psi;
    }

    private void Record(IReadOnlyList<string> args, string? workDir, int exitCode, long started)
    {
        var subcommand = SubcommandOf(args);
        _counts.AddOrUpdate(subcommand, 1, (_, n) => n + 1);
        _calls.Enqueue(new GitCall(subcommand, GitException.Redact(args), workDir, exitCode, _time.GetElapsedTime(started)));
        while (_calls.Count > RecentCapacity) _calls.TryDequeue(out _);
    }

    /// <summary>The first argument that is not a global option (<c>-c k=v</c>, <c>-C dir</c>, <c>--git-dir=…</c>).</summary>
    internal static string SubcommandOf(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "-c" or "-C") { i++; continue; }
            if (!args[i].StartsWith('-')) return args[i];
        }
        return "";
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // It exited between the timeout and the kill: nothing left to stop.
        }
    }
}
