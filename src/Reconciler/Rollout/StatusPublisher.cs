using System.Text;
using System.Text.RegularExpressions;
using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Reconciler.State;

namespace VnetReconciler.Reconciler.Rollout;

/// <summary>What one <see cref="StatusPublisher.PublishAsync"/> or <see cref="StatusPublisher.FlushAsync"/> did.</summary>
public enum PublishOutcome
{
    /// <summary>The remote holds the document now.</summary>
    Published,
    /// <summary>Nothing to do: the remote already holds the same content, published less than a heartbeat ago.</summary>
    Unchanged,
    /// <summary>The push failed; the document waits in the journal for the next call.</summary>
    Journalled,
}

/// <summary>The outcome and, when journalled, why the push failed (credentials redacted).</summary>
public sealed record PublishResult(PublishOutcome Outcome, string? CommitId = null, string? Error = null, bool Transient = false);

/// <summary>
/// Publishes this host's <see cref="HostStatusDocument"/> to the status remote (SPEC §6.6): a single parentless
/// commit holding <c>status.json</c>, force-pushed to <c>refs/vnet-status/&lt;host&gt;</c>, through git's own
/// credentials. It pushes only when the content changed (the timestamp aside) or a <see cref="Heartbeat"/> passed, so
/// readers can tell a quiet host from a silent one. While the remote cannot be reached the newest document is kept in
/// the journal directory (surviving a restart) and pushed by the next call; no call waits longer than
/// <see cref="NetworkTimeout"/> for the remote.
/// </summary>
public sealed partial class StatusPublisher
{
    /// <summary>The ref namespace every host publishes under.</summary>
    public const string RefPrefix = "refs/vnet-status/";

    private const string PendingFile = "pending.json";
    private const string PublishedFile = "published.json";

    private readonly GitCli _git;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset? _lastPush;
    private DateTimeOffset? _retryAt;
    private TimeSpan _backoff;
    private int _pushesSincePrune;

    /// <param name="git">Runs every git command.</param>
    /// <param name="remote">The status remote (URL or path).</param>
    /// <param name="host">This host's name: its ref is <c>refs/vnet-status/&lt;host&gt;</c>.</param>
    /// <param name="journalDir">Private to this publisher: the journal and a bare repository to build commits in.</param>
    /// <param name="time">Stamps <see cref="HostStatusDocument.ReportedAt"/> and the commit's dates.</param>
    /// <exception cref="ArgumentException">A remote git would misread or a host name that cannot be a ref.</exception>
    public StatusPublisher(GitCli git, string remote, string host, string journalDir, TimeProvider time)
    {
        if (!IsValidHostName(host)) throw new ArgumentException($"host name '{host}' cannot name a ref under {RefPrefix}", nameof(host));
        _git = git;
        _time = time;
        Remote = GitNames.NormalizeRemote(remote);
        Host = host;
        Ref = RefPrefix + host;
        JournalDir = Path.GetFullPath(journalDir);
    }

    public string Remote { get; }
    public string Host { get; }
    /// <summary><c>refs/vnet-status/&lt;host&gt;</c>.</summary>
    public string Ref { get; }
    public string JournalDir { get; }

    /// <summary>Limit for the push.</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Limit for a call that builds the commit locally.</summary>
    public TimeSpan LocalTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An unchanged document is pushed again after this long, so that its <c>reported_at</c> shows the host is
    /// alive. Keep it well under the fleet's <c>grace</c> (the agent uses its poll interval).</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>After a failed push, the next waits this long (doubling up to <see cref="MaxRetryBackoff"/>); calls in
    /// between only journal, so an unreachable remote costs one timeout per backoff, not one per cycle.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryBackoff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>When the next push may be tried after a failure, or null when nothing failed since the last push.</summary>
    public DateTimeOffset? RetryAt => _retryAt;

    /// <summary>True when a document waits in the journal for the remote.</summary>
    public bool HasPending => File.Exists(Path.Combine(JournalDir, PendingFile));

    /// <summary>A host name usable as the last component of a ref: letters, digits, <c>.</c>, <c>_</c>, <c>-</c>.</summary>
    public static bool IsValidHostName(string host) =>
        HostPattern().IsMatch(host) && !host.EndsWith(".lock", StringComparison.Ordinal) && !host.Contains("..", StringComparison.Ordinal);

    /// <summary>
    /// Publishes <paramref name="document"/> (its host and timestamp are set here) unless the remote already holds the
    /// same content from less than a <see cref="Heartbeat"/> ago. A failed push journals it and returns
    /// <see cref="PublishOutcome.Journalled"/>; it never throws for the remote's sake.
    /// </summary>
    public async Task<PublishResult> PublishAsync(HostStatusDocument document, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(JournalDir);
            var now = _time.GetUtcNow();
            var stamped = document with { Host = Host, ReportedAt = TruncateToSeconds(now) };
            var published = ReadJournal(PublishedFile);
            var fresh = _lastPush is { } last && now - last < Heartbeat;
            if (!HasPending && fresh && published?.Fingerprint() == stamped.Fingerprint())
            {
                return new PublishResult(PublishOutcome.Unchanged);
            }
            AtomicFile.Write(Path.Combine(JournalDir, PendingFile), Encoding.UTF8.GetBytes(stamped.ToJson()));
            return await PushPendingAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Pushes the journalled document, if any (after an outage, or at start-up).</summary>
    public async Task<PublishResult> FlushAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return HasPending ? await PushPendingAsync(ct).ConfigureAwait(false) : new PublishResult(PublishOutcome.Unchanged);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The document the remote was last seen to accept from this publisher (also after a restart), or null.</summary>
    public HostStatusDocument? LastPublished => ReadJournal(PublishedFile);

    private async Task<PublishResult> PushPendingAsync(CancellationToken ct)
    {
        if (_retryAt is { } retryAt && _time.GetUtcNow() < retryAt)
        {
            return new PublishResult(PublishOutcome.Journalled, Error: $"the last push failed; next try at {retryAt:u}", Transient: true);
        }
        var pendingPath = Path.Combine(JournalDir, PendingFile);
        var json = await File.ReadAllBytesAsync(pendingPath, ct).ConfigureAwait(false);
        HostStatusDocument document;
        try
        {
            document = HostStatusDocument.Parse(json);
        }
        catch (InvalidDataException e)
        {
            // Written by another version, or damaged: the agent's next publish replaces it with a fresh document.
            File.Delete(pendingPath);
            return new PublishResult(PublishOutcome.Unchanged, Error: $"dropped an unreadable journalled status: {e.Message}");
        }
        string commit;
        try
        {
            commit = await BuildCommitAsync(json, document.ReportedAt, ct).ConfigureAwait(false);
        }
        catch (GitException e)
        {
            return Failed(null, e.Message, e.IsTransient);
        }
        GitResult push;
        try
        {
            push = await _git.RunAsync([.. GitNames.TransportConfig, "push", "--force", "--quiet", "--no-verify", "--", Remote, $"{commit}:{Ref}"],
                RepositoryDir, NetworkTimeout, ct).ConfigureAwait(false);
        }
        catch (GitException e)
        {
            return Failed(commit, e.Message, e.IsTransient);
        }
        if (push.ExitCode != 0)
        {
            var failure = GitException.Classify(push.Stderr);
            return Failed(commit, new GitException(push.Args, push.ExitCode, push.Stderr, failure).Message, failure == GitFailure.Transient);
        }
        File.Move(pendingPath, Path.Combine(JournalDir, PublishedFile), overwrite: true);
        _lastPush = _time.GetUtcNow();
        _retryAt = null;
        _backoff = TimeSpan.Zero;
        await PruneNowAndThenAsync(commit, ct).ConfigureAwait(false);
        return new PublishResult(PublishOutcome.Published, commit);
    }

    private PublishResult Failed(string? commit, string error, bool transient)
    {
        _backoff = _backoff == TimeSpan.Zero ? RetryBackoff : TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxRetryBackoff.Ticks));
        _retryAt = _time.GetUtcNow() + _backoff;
        return new PublishResult(PublishOutcome.Journalled, commit, error, transient);
    }

    private HostStatusDocument? ReadJournal(string name)
    {
        var path = Path.Combine(JournalDir, name);
        if (!File.Exists(path)) return null;
        try
        {
            return HostStatusDocument.Parse(File.ReadAllBytes(path));
        }
        catch (InvalidDataException)
        {
            // A journal this publisher cannot read (another version wrote it) is as good as none: publish afresh.
            return null;
        }
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) => DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds());

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,252}$")]
    private static partial Regex HostPattern();
}
