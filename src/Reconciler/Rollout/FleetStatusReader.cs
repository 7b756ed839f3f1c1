using System.Text;
using VnetReconciler.Reconciler.Sources;

namespace VnetReconciler.Reconciler.Rollout;

/// <summary>One host's published status as read from its ref: the document, or why it could not be read.</summary>
public sealed record PublishedStatus
{
    /// <summary>The host, from the ref name (the server lets each host write only its own ref, so the name is trusted
    /// over the document's <c>host</c> field).</summary>
    public required string Host { get; init; }
    public required string CommitId { get; init; }
    public HostStatusDocument? Document { get; init; }
    /// <summary>Why the document could not be read, or a mismatch between the ref and the document's host.</summary>
    public string? Error { get; init; }
    /// <summary>Time since <see cref="HostStatusDocument.ReportedAt"/> at the moment of reading; null without a document.</summary>
    public TimeSpan? Age { get; init; }
    /// <summary>Older than the reader's <see cref="FleetStatusReader.StaleAfter"/>, or unreadable.</summary>
    public bool IsStale { get; init; }
}

/// <summary>
/// Reads every host's published status (SPEC §6.6) from the status remote: one <c>ls-remote</c> of
/// <c>refs/vnet-status/*</c>, a fetch of those refs into a private bare repository only when a commit is new, and one
/// <c>cat-file --batch</c> for all the <c>status.json</c> blobs. Used by <c>vnetctl fleet status</c> and by the agent's
/// rollout gate every cycle.
/// </summary>
public sealed class FleetStatusReader
{
    private readonly GitCli _git;
    private readonly TimeProvider _time;

    /// <param name="cacheDir">A private bare repository the refs are fetched into (created when missing).</param>
    public FleetStatusReader(GitCli git, string remote, string cacheDir, TimeProvider time)
    {
        _git = git;
        _time = time;
        Remote = GitNames.NormalizeRemote(remote);
        CacheDir = Path.GetFullPath(cacheDir);
    }

    public string Remote { get; }
    public string CacheDir { get; }

    /// <summary>A host whose last report is older than this is marked stale (default 5 minutes, the default grace).</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan LocalTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Every published status, ordered by host name.</summary>
    /// <exception cref="GitException">The remote could not be read (<see cref="GitException.IsTransient"/> when unreachable).</exception>
    public async Task<IReadOnlyList<PublishedStatus>> ReadAsync(CancellationToken ct = default)
    {
        var listed = (await Network(["ls-remote", "--", Remote, StatusPublisher.RefPrefix + "*"], ct).ConfigureAwait(false)).EnsureSuccess();
        var refs = ParseLsRemote(listed.Stdout);
        if (refs.Count == 0) return [];
        await EnsureRepositoryAsync(ct).ConfigureAwait(false);
        var blobs = await ReadBlobsAsync(refs.Values, ct).ConfigureAwait(false);
        if (blobs.Any(b => b.Value is null))
        {
            (await Network(["fetch", "--no-tags", "--no-write-fetch-head", "--", Remote, $"+{StatusPublisher.RefPrefix}*:{StatusPublisher.RefPrefix}*"], ct)
                .ConfigureAwait(false)).EnsureSuccess();
            // A host that force-pushed between the listing and the fetch has a newer commit than the one listed, and the
            // listed one was not fetched: take what the fetch brought for it (newer still, and read in the same pass).
            var fetched = await LocalRefsAsync(ct).ConfigureAwait(false);
            foreach (var (host, commit) in refs.Where(r => blobs[r.Value] is null).ToList())
                if (fetched.TryGetValue(host, out var newer)) refs[host] = newer;
            blobs = await ReadBlobsAsync(refs.Values, ct).ConfigureAwait(false);
        }
        var now = _time.GetUtcNow();
        return [.. refs.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => Describe(r.Key, r.Value, blobs[r.Value], now))];
    }

    private PublishedStatus Describe(string host, string commit, byte[]? json, DateTimeOffset now)
    {
        if (json is null) return new PublishedStatus { Host = host, CommitId = commit, Error = "status.json is missing from the commit", IsStale = true };
        HostStatusDocument document;
        try
        {
            document = HostStatusDocument.Parse(json);
        }
        catch (InvalidDataException e)
        {
            return new PublishedStatus { Host = host, CommitId = commit, Error = e.Message, IsStale = true };
        }
        var age = now - document.ReportedAt;
        return new PublishedStatus
        {
            Host = host, CommitId = commit, Document = document, Age = age, IsStale = age > StaleAfter,
            Error = document.Host == host ? null : $"the document names host '{document.Host}' but was published to {StatusPublisher.RefPrefix}{host}",
        };
    }

    private async Task EnsureRepositoryAsync(CancellationToken ct)
    {
        if (File.Exists(Path.Combine(CacheDir, "HEAD"))) return;
        Directory.CreateDirectory(CacheDir);
        (await _git.RunAsync(["init", "--bare", "--quiet", CacheDir], CacheDir, LocalTimeout, ct).ConfigureAwait(false)).EnsureSuccess();
    }

    /// <summary><c>git cat-file --batch</c> of <c>&lt;commit&gt;:status.json</c> for each commit: its bytes, or null when
    /// the commit (or the file in it) is not in the cache.</summary>
    private async Task<Dictionary<string, byte[]?>> ReadBlobsAsync(IEnumerable<string> commits, CancellationToken ct)
    {
        var wanted = commits.Distinct(StringComparer.Ordinal).ToList();
        var input = Encoding.ASCII.GetBytes(string.Concat(wanted.Select(c => c + ":status.json\n")));
        var result = (await _git.RunAsync(["cat-file", "--batch"], CacheDir, LocalTimeout, ct, input, environment: null).ConfigureAwait(false))
            .EnsureSuccess();
        var output = result.StdoutBytes;
        var blobs = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        var at = 0;
        foreach (var commit in wanted)
        {
            var eol = Array.IndexOf(output, (byte)'\n', at);
            if (eol < 0) throw new GitException(result.Args, 0, "cat-file --batch ended early", GitFailure.Other);
            var header = Encoding.ASCII.GetString(output, at, eol - at).Split(' ');
            at = eol + 1;
            // "<id> blob <size>" then the content and a newline; "<name> missing" (or "ambiguous") otherwise.
            if (header is [_, "blob", var sizeText] && int.TryParse(sizeText, out var size))
            {
                blobs[commit] = output[at..(at + size)];
                at += size + 1;
            }
            else
            {
                blobs[commit] = null;
            }
        }
        return blobs;
    }

    /// <summary>Host name → commit id of the refs the last fetch left in the cache.</summary>
    private async Task<Dictionary<string, string>> LocalRefsAsync(CancellationToken ct)
    {
        var listed = (await _git.RunAsync(["for-each-ref", "--format=%(objectname)%09%(refname)", StatusPublisher.RefPrefix], CacheDir, LocalTimeout, ct)
            .ConfigureAwait(false)).EnsureSuccess();
        return ParseLsRemote(listed.Stdout);
    }

    /// <summary>Host name → commit id for each <c>refs/vnet-status/&lt;host&gt;</c> line of <c>ls-remote</c>.</summary>
    internal static Dictionary<string, string> ParseLsRemote(string stdout)
    {
        var refs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t');
            if (tab != 40) continue;
            var name = line[(tab + 1)..];
            if (!name.StartsWith(StatusPublisher.RefPrefix, StringComparison.Ordinal)) continue;
            var host = name[StatusPublisher.RefPrefix.Length..];
            if (StatusPublisher.IsValidHostName(host)) refs[host] = line[..40];
        }
        return refs;
    }

    private Task<GitResult> Network(IReadOnlyList<string> args, CancellationToken ct) =>
        _git.RunAsync([.. GitNames.TransportConfig, .. args], File.Exists(Path.Combine(CacheDir, "HEAD")) ? CacheDir : null, NetworkTimeout, ct);
}
