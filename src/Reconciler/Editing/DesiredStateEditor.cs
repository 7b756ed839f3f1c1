using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Schema;

namespace VnetReconciler.Reconciler.Editing;

/// <summary>
/// A desired-state git work tree opened for the <c>xm vnet-*</c> / <c>vn peer-*</c> verbs (SPEC §5): the
/// committed tree at HEAD, loaded and validated, and commits of whole-file edits on top of it.
/// </summary>
/// <remarks>
/// Everything is read from and committed to the object database, never from the working tree: the tree that is
/// validated is exactly the tree that is committed, whatever else the working tree holds. A commit is built in
/// a temporary index (<c>read-tree</c>, <c>update-index</c>, <c>write-tree</c>, <c>commit-tree</c>) and the branch
/// moved with <c>update-ref</c> against the commit that was read, so a branch that moved meanwhile refuses
/// instead of committing an unvalidated tree. Only then are the edited paths written to the working tree and
/// the index. The author and committer come from git's configuration (and <c>GIT_AUTHOR_*</c>), as for
/// <c>git commit</c>; <c>commit.gpgSign</c> applies (passed to <c>commit-tree</c> as <c>-S</c>).
/// </remarks>
public sealed partial class DesiredStateEditor
{
    private readonly GitCli _git;

    private DesiredStateEditor(GitCli git, string topLevel, string gitDir, string? branch, string? headCommit,
        IReadOnlyList<RevisionFile> files)
    {
        _git = git;
        TopLevel = topLevel;
        GitDir = gitDir;
        Branch = branch;
        HeadCommit = headCommit;
        Files = files;
        Loaded = DesiredStateLoader.Load(files.Select(f => new SourceFile(f.Path, f.Text)));
    }

    /// <summary>Limit for a call that stays on this machine.</summary>
    public static TimeSpan LocalTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>Limit for <c>git push</c>.</summary>
    public static TimeSpan NetworkTimeout { get; } = TimeSpan.FromMinutes(2);

    /// <summary>The root of the work tree.</summary>
    public string TopLevel { get; }

    /// <summary>The repository's git directory (absolute).</summary>
    public string GitDir { get; }

    /// <summary>The checked-out branch (<c>refs/heads/main</c>), or null when HEAD is detached.</summary>
    public string? Branch { get; }

    /// <summary>The commit HEAD points at, or null on a branch with no commit yet.</summary>
    public string? HeadCommit { get; }

    /// <summary>The desired-state files of <see cref="HeadCommit"/> in path order.</summary>
    public IReadOnlyList<RevisionFile> Files { get; }

    /// <summary><see cref="Files"/> loaded and validated.</summary>
    public LoadResult Loaded { get; }

    /// <summary>The branch name without <c>refs/heads/</c>, for people.</summary>
    public string BranchName => Branch is { } b && b.StartsWith("refs/heads/", StringComparison.Ordinal) ? b["refs/heads/".Length..] : Branch ?? "(detached HEAD)";

    /// <summary>Opens the work tree that holds <paramref name="dir"/>; the error says why it cannot be used.</summary>
    /// <exception cref="GitException">git itself failed (not a usable repository state).</exception>
    public static async Task<(DesiredStateEditor? Editor, string? Error)> OpenAsync(string dir, GitCli git, CancellationToken ct)
    {
        if (!Directory.Exists(dir)) return (null, $"{dir}: no such directory");
        var where = await git.RunAsync(["rev-parse", "--show-toplevel", "--absolute-git-dir"], dir, LocalTimeout, ct).ConfigureAwait(false);
        if (where.ExitCode != 0)
            return (null, $"{dir} is not a git work tree (the verbs commit to a checked-out repository): {where.Stderr.Trim()}");
        var lines = where.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var (top, gitDir) = (lines[0], lines[1]);
        var symbolic = await git.RunAsync(["symbolic-ref", "-q", "HEAD"], top, LocalTimeout, ct).ConfigureAwait(false);
        var branch = symbolic.ExitCode == 0 ? symbolic.Stdout.Trim() : null;
        var head = await git.RunAsync(["rev-parse", "-q", "--verify", "HEAD^{commit}"], top, LocalTimeout, ct).ConfigureAwait(false);
        var headCommit = head.ExitCode == 0 ? head.Stdout.Trim() : null;
        // The work repository's own object database plays the mirror: the same tree reader the agent uses.
        var files = headCommit is null
            ? []
            : await new GitSource(top, gitDir, git, TimeProvider.System).ReadTreeAsync(headCommit, ct).ConfigureAwait(false);
        return (new DesiredStateEditor(git, top, gitDir, branch, headCommit, files), null);
    }

    /// <summary>The file at <paramref name="path"/> in HEAD, or null.</summary>
    public RevisionFile? FileAt(string path) => Files.FirstOrDefault(f => f.Path == path);

    private Task<GitResult> Local(IReadOnlyList<string> args, CancellationToken ct,
        ReadOnlyMemory<byte>? stdin = null, IReadOnlyDictionary<string, string?>? environment = null) =>
        _git.RunAsync(args, TopLevel, LocalTimeout, ct, stdin, environment);
}
