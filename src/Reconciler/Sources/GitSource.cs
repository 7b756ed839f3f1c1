using System.Globalization;

namespace VnetReconciler.Reconciler.Sources;

/// <summary>
/// The desired-state repository, read through a private bare mirror in the state directory. Fetches are
/// shallow (depth 1) and skipped when <c>ls-remote</c> shows a commit the mirror already holds; history is
/// deepened only when a check needs it (<see cref="DeepenAsync"/>). Nothing is ever checked out: files
/// are read from the object database (<see cref="ReadTreeAsync"/>).
/// </summary>
public sealed partial class GitSource
{
    private const string LocalRefPrefix = "refs/vnet-reconciler/fetched/";

    private readonly GitCli _git;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _initialized;

    public GitSource(string remote, string mirrorDir, GitCli git, TimeProvider time)
    {
        Remote = GitNames.NormalizeRemote(remote);
        MirrorDir = Path.GetFullPath(mirrorDir);
        _git = git;
        _time = time;
    }

    /// <summary>The git the mirror is read with (the signature verifier runs its checks through it).</summary>
    internal GitCli Git => _git;

    /// <summary>The remote as git is given it (a local path made absolute).</summary>
    public string Remote { get; }

    /// <summary>The bare mirror's directory.</summary>
    public string MirrorDir { get; }

    /// <summary>Limit for a call that talks to the remote (ls-remote, fetch).</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Limit for a call that only reads the mirror.</summary>
    public TimeSpan LocalTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>When the remote last answered (ls-remote or fetch), or null if it never did since start.</summary>
    public DateTimeOffset? LastContact { get; private set; }

    /// <summary>
    /// What <paramref name="ref"/> names on the remote now: one <c>ls-remote</c>, a branch before a tag of
    /// the same name. A commit id resolves to itself without asking the remote.
    /// </summary>
    /// <exception cref="GitException">Unreachable (<see cref="GitException.IsTransient"/>) or no such ref (<see cref="GitFailure.NotFound"/>).</exception>
    public async Task<RevisionRef> ResolveAsync(string @ref, CancellationToken ct = default)
    {
        @ref = GitNames.ValidateRef(@ref);
        if (GitNames.IsCommitId(@ref)) return new RevisionRef(@ref, null, @ref);

        // HEAD is the remote's default branch, as a clone would check it out.
        string[] candidates = @ref == "HEAD" || @ref.StartsWith("refs/", StringComparison.Ordinal)
            ? [@ref]
            : [$"refs/heads/{@ref}", $"refs/tags/{@ref}"];
        var result = (await Network(["ls-remote", "--", Remote, .. candidates], ct).ConfigureAwait(false)).EnsureSuccess();
        LastContact = _time.GetUtcNow();
        var advertised = ParseLsRemote(result.Stdout);
        foreach (var name in candidates)
        {
            // An annotated tag is advertised twice: the tag object, and peeled (^{}) the commit it tags.
            if (advertised.TryGetValue(name + "^{}", out var peeled)) return new RevisionRef(@ref, name, peeled);
            if (advertised.TryGetValue(name, out var id)) return new RevisionRef(@ref, name, id);
        }
        throw new GitException(result.Args, 2, $"no ref '{@ref}' on the remote (looked for {string.Join(", ", candidates)})", GitFailure.NotFound);
    }

    /// <summary>
    /// Makes the commit <paramref name="ref"/> names present in the mirror and returns it. Asks the
    /// remote once (<c>ls-remote</c>) and fetches (depth 1) only when that commit is not already here;
    /// a commit id already here needs no network at all.
    /// </summary>
    public async Task<Revision> FetchAsync(string @ref, CancellationToken ct = default)
    {
        @ref = GitNames.ValidateRef(@ref);
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await InitializeAsync(ct).ConfigureAwait(false);
            var localRef = LocalRef(@ref);
            if (GitNames.IsCommitId(@ref) && await HasCommitAsync(@ref, ct).ConfigureAwait(false))
            {
                await UpdateLocalRefAsync(localRef, @ref, ct).ConfigureAwait(false);
                return await DescribeAsync(@ref, @ref, ct).ConfigureAwait(false);
            }

            var resolved = await ResolveAsync(@ref, ct).ConfigureAwait(false);
            if (!await HasCommitAsync(resolved.CommitId, ct).ConfigureAwait(false))
            {
                var source = resolved.FullRef ?? resolved.CommitId;
                (await Network(["fetch", "--depth", "1", "--no-tags", "--no-write-fetch-head", "--", Remote, $"+{source}:{localRef}"], ct)
                    .ConfigureAwait(false)).EnsureSuccess();
                LastContact = _time.GetUtcNow();
                if (!await HasCommitAsync(resolved.CommitId, ct).ConfigureAwait(false))
                {
                    // The ref moved between ls-remote and fetch: take what was fetched, it is newer.
                    resolved = resolved with { CommitId = await PeelAsync(localRef, ct).ConfigureAwait(false) };
                }
            }
            await UpdateLocalRefAsync(localRef, resolved.CommitId, ct).ConfigureAwait(false);
            return await DescribeAsync(resolved.CommitId, @ref, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The revision the last successful <see cref="FetchAsync"/> of <paramref name="ref"/> left in the
    /// mirror (also after a restart), without asking the remote; null if it was never fetched.</summary>
    public async Task<Revision?> LastFetchedAsync(string @ref, CancellationToken ct = default)
    {
        @ref = GitNames.ValidateRef(@ref);
        if (!Directory.Exists(MirrorDir)) return null;
        var id = await Local(["rev-parse", "--verify", "--quiet", "--end-of-options", LocalRef(@ref) + "^{commit}"], ct).ConfigureAwait(false);
        return id.ExitCode == 0 ? await DescribeAsync(id.Stdout.Trim(), @ref, ct).ConfigureAwait(false) : null;
    }

    /// <summary>Commit id, tree, committer time and subject of a commit in the mirror.</summary>
    public async Task<Revision> DescribeAsync(string commitId, string @ref, CancellationToken ct = default)
    {
        GitNames.RequireCommitId(commitId, nameof(commitId));
        var result = (await Local(["log", "-1", "--no-show-signature", "--format=%H%x00%T%x00%ct%x00%s", commitId, "--"], ct)
            .ConfigureAwait(false)).EnsureSuccess();
        var parts = result.Stdout.TrimEnd('\n').Split('\0');
        return new Revision(parts[0], parts[1], @ref,
            DateTimeOffset.FromUnixTimeSeconds(long.Parse(parts[2], CultureInfo.InvariantCulture)), parts[3]);
    }

    private async Task InitializeAsync(CancellationToken ct)
    {
        if (_initialized) return;
        if (!File.Exists(Path.Combine(MirrorDir, "HEAD")))
        {
            Directory.CreateDirectory(MirrorDir);
            (await Local(["init", "--bare", "--quiet", MirrorDir], ct).ConfigureAwait(false)).EnsureSuccess();
            // The mirror's objects are the agent's private cache: no automatic gc pruning under a running check.
            (await Local(["config", "gc.auto", "0"], ct).ConfigureAwait(false)).EnsureSuccess();
        }
        _initialized = true;
    }

    private async Task<bool> HasCommitAsync(string commitId, CancellationToken ct) =>
        (await Local(["cat-file", "-e", commitId + "^{commit}"], ct).ConfigureAwait(false)).ExitCode == 0;

    private async Task<string> PeelAsync(string localRef, CancellationToken ct) =>
        (await Local(["rev-parse", "--verify", "--end-of-options", localRef + "^{commit}"], ct).ConfigureAwait(false))
            .EnsureSuccess().Stdout.Trim();

    private async Task UpdateLocalRefAsync(string localRef, string commitId, CancellationToken ct) =>
        (await Local(["update-ref", localRef, commitId], ct).ConfigureAwait(false)).EnsureSuccess();

    /// <summary>Where the mirror keeps what a ref last fetched: <c>main</c> → <c>…/fetched/heads/main</c>.</summary>
    private static string LocalRef(string @ref) =>
        LocalRefPrefix + (GitNames.IsCommitId(@ref) ? "commits/" + @ref
            : @ref.StartsWith("refs/", StringComparison.Ordinal) ? @ref["refs/".Length..]
            : "named/" + @ref);

    private static Dictionary<string, string> ParseLsRemote(string stdout)
    {
        var refs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var tab = line.IndexOf('\t');
            if (tab == 40) refs[line[(tab + 1)..]] = line[..40];
        }
        return refs;
    }

    private Task<GitResult> Network(IReadOnlyList<string> args, CancellationToken ct) =>
        _git.RunAsync([.. GitNames.TransportConfig, .. args], WorkDir, NetworkTimeout, ct);

    private Task<GitResult> Local(IReadOnlyList<string> args, CancellationToken ct) =>
        _git.RunAsync(args, WorkDir, LocalTimeout, ct);

    // Until the mirror exists (a resolve before the first fetch), git runs where the process is: the
    // commands then take the remote as an argument and read no repository.
    private string? WorkDir => Directory.Exists(MirrorDir) ? MirrorDir : null;
}
