using System.Globalization;
using System.Text;
using VnetReconciler.Reconciler.Sources;

namespace VnetReconciler.Reconciler.Rollout;

/// <summary>Building the status commit with git's plumbing in a private bare repository: no work tree, no index, no
/// user configuration needed (author and committer are fixed, the date is the document's).</summary>
public sealed partial class StatusPublisher
{
    /// <summary>The name and e-mail of every status commit's author and committer.</summary>
    public const string AuthorName = "vnet-reconciler";

    // Loose objects of pushed commits pile up (a heartbeat a minute); every so many pushes the unreachable ones go.
    private const int PushesBetweenPrunes = 64;
    private const string LastPushedRef = "refs/vnet-status/last-pushed";

    private string RepositoryDir => Path.Combine(JournalDir, "publish.git");

    private async Task<string> BuildCommitAsync(byte[] json, DateTimeOffset date, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(RepositoryDir, "HEAD")))
        {
            (await Local(["init", "--bare", "--quiet", RepositoryDir], JournalDir, ct).ConfigureAwait(false)).EnsureSuccess();
            (await Local(["config", "gc.auto", "0"], RepositoryDir, ct).ConfigureAwait(false)).EnsureSuccess();
        }
        var blob = (await Local(["hash-object", "-w", "--stdin"], RepositoryDir, ct, json).ConfigureAwait(false)).EnsureSuccess().Stdout.Trim();
        var tree = (await Local(["mktree"], RepositoryDir, ct, Encoding.UTF8.GetBytes($"100644 blob {blob}\tstatus.json\n")).ConfigureAwait(false))
            .EnsureSuccess().Stdout.Trim();
        var stamp = $"@{date.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)} +0000";
        var email = $"{AuthorName}@{Host}";
        var identity = new Dictionary<string, string?>
        {
            ["GIT_AUTHOR_NAME"] = AuthorName, ["GIT_AUTHOR_EMAIL"] = email, ["GIT_AUTHOR_DATE"] = stamp,
            ["GIT_COMMITTER_NAME"] = AuthorName, ["GIT_COMMITTER_EMAIL"] = email, ["GIT_COMMITTER_DATE"] = stamp,
        };
        // No -S and no commit.gpgSign: the status is signed by the transport's credentials, not by a key on the host.
        var commit = await _git.RunAsync(["-c", "commit.gpgSign=false", "commit-tree", tree, "-m", $"status of {Host}"],
            RepositoryDir, LocalTimeout, ct, stdin: null, environment: identity).ConfigureAwait(false);
        return commit.EnsureSuccess().Stdout.Trim();
    }

    private async Task PruneNowAndThenAsync(string pushed, CancellationToken ct)
    {
        // Failing to tidy costs disk, not correctness: the push already succeeded, so results are not checked.
        try
        {
            await Local(["update-ref", LastPushedRef, pushed], RepositoryDir, ct).ConfigureAwait(false);
            if (++_pushesSincePrune < PushesBetweenPrunes) return;
            _pushesSincePrune = 0;
            await Local(["prune", "--expire=now"], RepositoryDir, ct).ConfigureAwait(false);
        }
        catch (GitException)
        {
            _pushesSincePrune = 0;
        }
    }

    private Task<GitResult> Local(IReadOnlyList<string> args, string workDir, CancellationToken ct, byte[]? stdin = null) =>
        _git.RunAsync(args, workDir, LocalTimeout, ct, stdin, environment: null);
}
