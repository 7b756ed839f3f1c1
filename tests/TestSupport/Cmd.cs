using System.Diagnostics;
using System.Text;

namespace VnetReconciler.TestSupport;

/// <summary>The result of a finished external command.</summary>
public sealed record CmdResult(string FileName, IReadOnlyList<string> Args, int ExitCode, string Stdout, string Stderr)
{
    public CmdResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"`{FileName} {string.Join(' ', Args)}` exited {ExitCode}: {Stderr.Trim()} {Stdout.Trim()}");
        }
        return this;
    }
}

/// <summary>
/// Runs external programs (ip, bridge, git, ping, iperf3) for tests: arguments as a list, never a shell
/// string, always with a timeout.
/// </summary>
public static class Cmd
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static CmdResult Run(string fileName, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null,
        string? workingDirectory = null, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        var list = args.ToList();
        foreach (var a in list) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {fileName}");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        if (!p.WaitForExit(timeout ?? DefaultTimeout))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* already gone */ }
            throw new TimeoutException($"`{fileName} {string.Join(' ', list)}` did not finish within {timeout ?? DefaultTimeout}");
        }
        p.WaitForExit();
        return new CmdResult(fileName, list, p.ExitCode, stdout.ToString(), stderr.ToString());
    }

    public static CmdResult Run(string fileName, params string[] args) => Run(fileName, (IEnumerable<string>)args);

    /// <summary>Runs and throws unless the exit code is 0.</summary>
    public static string Ok(string fileName, params string[] args) => Run(fileName, args).EnsureSuccess().Stdout;
}
