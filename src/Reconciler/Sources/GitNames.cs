using System.Text.RegularExpressions;

namespace VnetReconciler.Reconciler.Sources;

/// <summary>
/// What a remote and a ref may look like before they reach a git command line. Both come from the
/// operator's configuration, but an argument starting with <c>-</c> would be read by git as an option,
/// and a transport other than the four the agent supports (<c>ext::</c>, <c>fd::</c>) could run programs.
/// </summary>
public static partial class GitNames
{
    /// <summary>The transports a remote may use: passed as <c>-c protocol.*.allow</c> to every network call.</summary>
    internal static readonly string[] TransportConfig =
    [
        "-c", "protocol.allow=never", "-c", "protocol.file.allow=always",
        "-c", "protocol.https.allow=always", "-c", "protocol.ssh.allow=always",
    ];

    /// <summary>Forty hex digits: a full SHA-1 commit id.</summary>
    public static bool IsCommitId(string text) => CommitIdPattern().IsMatch(text);

    /// <summary>Returns <paramref name="commitId"/> when it is a full commit id; anything else (which git could read as
    /// an option or revision syntax) is an <see cref="ArgumentException"/>.</summary>
    public static string RequireCommitId(string commitId, string parameter) =>
        IsCommitId(commitId) ? commitId : throw new ArgumentException($"not a commit id: '{commitId}'", parameter);

    /// <summary>
    /// Normalises a remote: <c>https://</c>, <c>ssh://</c>, <c>file://</c>, scp-like <c>user@host:path</c>
    /// or a local path (made absolute, since git runs inside the mirror). Anything else is refused.
    /// </summary>
    public static string NormalizeRemote(string remote)
    {
        if (string.IsNullOrWhiteSpace(remote) || remote.StartsWith('-') || remote.Any(char.IsControl))
        {
            throw new ArgumentException($"not a usable git remote: '{GitException.Redact(remote)}'", nameof(remote));
        }
        var scheme = remote.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            var name = remote[..scheme].ToLowerInvariant();
            return name is "https" or "ssh" or "file"
                ? remote
                : throw new ArgumentException($"unsupported git transport '{name}://' (use https, ssh, file or a path)", nameof(remote));
        }
        if (remote.Contains("::", StringComparison.Ordinal))
        {
            throw new ArgumentException("git remote helpers (<transport>::<address>) are not supported", nameof(remote));
        }
        return ScpLike().IsMatch(remote) ? remote : Path.GetFullPath(remote);
    }

    /// <summary>Refuses refs git would misread: options, refspec syntax, revision syntax.</summary>
    public static string ValidateRef(string @ref)
    {
        if (IsCommitId(@ref)) return @ref.ToLowerInvariant();
        if (string.IsNullOrEmpty(@ref) || @ref.StartsWith('-') || @ref.StartsWith('/') || @ref.EndsWith('/')
            || @ref.EndsWith(".lock", StringComparison.Ordinal) || @ref.Contains("..", StringComparison.Ordinal)
            || @ref.Contains("@{", StringComparison.Ordinal) || @ref.Contains("//", StringComparison.Ordinal)
            || @ref.Any(c => char.IsControl(c) || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\'))
        {
            throw new ArgumentException($"not a valid git ref: '{@ref}'", nameof(@ref));
        }
        return @ref;
    }

    [GeneratedRegex("^[0-9a-fA-F]{40}$")]
    private static partial Regex CommitIdPattern();

    // [user@]host:path, where the host part has no slash (git's own rule for telling it from a path).
    [GeneratedRegex("^(?:[^@/]+@)?[^/:]+:")]
    private static partial Regex ScpLike();
}
