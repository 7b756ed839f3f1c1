using System.Text.RegularExpressions;

namespace VnetReconciler.Reconciler.Sources;

/// <summary>Why a git command failed, as far as the agent's retry policy cares.</summary>
public enum GitFailure
{
    /// <summary>Anything else: a broken repository, a bad argument. Retrying will not help.</summary>
    Other,

    /// <summary>The remote could not be reached or the call timed out: retry with backoff, keep the last applied revision.</summary>
    Transient,

    /// <summary>The ref or commit does not exist on the remote: a configuration mistake, stalls until fixed.</summary>
    NotFound,
}

/// <summary>
/// A git command that failed. The command and stderr are kept with every <c>user:password@</c> of a URL
/// replaced by <c>***@</c>, so the message can go to logs and status.
/// </summary>
public sealed partial class GitException : Exception
{
    public GitException(IReadOnlyList<string> args, int exitCode, string stderr, GitFailure failure)
        : base($"git {string.Join(' ', Redact(args))} failed ({(exitCode < 0 ? "did not finish" : $"exit {exitCode}")}): {Redact(stderr.Trim())}")
    {
        Command = Redact(args);
        ExitCode = exitCode;
        Stderr = Redact(stderr);
        Failure = failure;
    }

    /// <summary>The arguments, credentials redacted.</summary>
    public IReadOnlyList<string> Command { get; }

    /// <summary>git's exit code, or -1 when it was killed or could not start.</summary>
    public int ExitCode { get; }

    /// <summary>git's standard error, credentials redacted.</summary>
    public string Stderr { get; }

    public GitFailure Failure { get; }

    /// <summary>The remote was unreachable or too slow: worth retrying later.</summary>
    public bool IsTransient => Failure == GitFailure.Transient;

    /// <summary>Replaces the user information of every <c>scheme://user[:password]@host</c> URL in a text.</summary>
    public static string Redact(string text) => UserInfo().Replace(text, "://***@");

    public static IReadOnlyList<string> Redact(IReadOnlyList<string> args) => [.. args.Select(Redact)];

    // The messages git (and the ssh, curl and upload-pack it drives) prints when the remote is not
    // there; everything else is a permanent failure.
    private static readonly string[] s_unreachable =
    [
        "could not resolve host", "could not resolve hostname", "connection refused", "connection timed out",
        "operation timed out", "network is unreachable", "no route to host", "connection reset",
        "could not read from remote repository", "does not appear to be a git repository",
        "the remote end hung up unexpectedly", "early eof", "temporary failure in name resolution",
        "failed to connect", "ssl_connect", "gnutls", "http/2 stream", "rpc failed", "remote: internal server error",
        "returned error: 5", "returned error: 429", "couldn't connect to server", "resolving timed out",
    ];

    private static readonly string[] s_notFound =
    [
        "couldn't find remote ref", "not our ref", "unadvertised object", "no such remote ref", "bad object",
        "invalid refspec",
    ];

    /// <summary>Sorts a failure by git's stderr (we run git with <c>LC_ALL=C</c>, so the messages are English).</summary>
    internal static GitFailure Classify(string stderr)
    {
        var lower = stderr.ToLowerInvariant();
        if (s_notFound.Any(lower.Contains)) return GitFailure.NotFound;
        if (s_unreachable.Any(lower.Contains)) return GitFailure.Transient;
        return GitFailure.Other;
    }

    [GeneratedRegex(@"://[^/@\s]+@")]
    private static partial Regex UserInfo();
}
