namespace VnetReconciler.Reconciler.Sources;

public sealed partial class GitSource
{
    // How far each deepening step reaches back before giving up and fetching the whole history.
    private static readonly int[] s_deepenSteps = [32, 512];

    /// <summary>
    /// Whether <paramref name="ancestor"/> is <paramref name="head"/> or one of its ancestors, fetching more of
    /// head's history (<c>fetch --deepen</c>, then <c>--unshallow</c>) until the answer is certain. Afterwards
    /// every commit between the two is in the mirror (see <see cref="CommitsBetweenAsync"/>).
    /// </summary>
    public async Task<bool> DeepenAsync(Revision head, string ancestor, CancellationToken ct = default)
    {
        GitNames.RequireCommitId(ancestor, nameof(ancestor));
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            for (var step = 0; ; step++)
            {
                if (await IsAncestorAsync(ancestor, head.CommitId, ct).ConfigureAwait(false)) return true;
                // After --unshallow head's history is complete; other shallow boundaries (an old commit
                // fetched alone) may keep the mirror "shallow", but they cannot change the answer.
                if (step > s_deepenSteps.Length || !await IsShallowAsync(ct).ConfigureAwait(false)) return false;
                string[] depth = step < s_deepenSteps.Length ? [$"--deepen={s_deepenSteps[step]}"] : ["--unshallow"];
                await DeepenOnceAsync(head, depth, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whether <paramref name="ancestor"/> is reachable from <paramref name="descendant"/> in the mirror as
    /// it is now (no network; false when either commit is not here). A commit is its own ancestor.</summary>
    public async Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken ct = default)
    {
        GitNames.RequireCommitId(ancestor, nameof(ancestor));
        GitNames.RequireCommitId(descendant, nameof(descendant));
        var result = await Local(["merge-base", "--is-ancestor", ancestor, descendant], ct).ConfigureAwait(false);
        return result.ExitCode switch
        {
            0 => true,
            1 => false,
            _ when result.Stderr.Contains("not a valid commit name", StringComparison.OrdinalIgnoreCase) => false,
            _ => throw new GitException(result.Args, result.ExitCode, result.Stderr, GitFailure.Other),
        };
    }

    /// <summary>
    /// The commits reachable from <paramref name="head"/> but not from <paramref name="since"/>, newest first
    /// (<c>git rev-list since..head</c>); just head when <paramref name="since"/> is null. Call
    /// <see cref="DeepenAsync"/> first, so the mirror holds that history.
    /// </summary>
    public async Task<IReadOnlyList<string>> CommitsBetweenAsync(string? since, string head, CancellationToken ct = default)
    {
        GitNames.RequireCommitId(head, nameof(head));
        if (since is null) return [head];
        GitNames.RequireCommitId(since, nameof(since));
        var result = (await Local(["rev-list", $"{since}..{head}", "--"], ct).ConfigureAwait(false)).EnsureSuccess();
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private async Task<bool> IsShallowAsync(CancellationToken ct) =>
        (await Local(["rev-parse", "--is-shallow-repository"], ct).ConfigureAwait(false)).EnsureSuccess().Stdout.Trim() == "true";

    private async Task DeepenOnceAsync(Revision head, string[] depth, CancellationToken ct)
    {
        // Deepen by the commit itself, so a ref that moved since does not change what is being checked;
        // a server that refuses unadvertised commit ids is asked for the ref instead.
        var byId = await Network(["fetch", .. depth, "--no-tags", "--no-write-fetch-head", "--", Remote, head.CommitId], ct)
            .ConfigureAwait(false);
        if (byId.ExitCode == 0 || GitNames.IsCommitId(head.Ref))
        {
            byId.EnsureSuccess();
        }
        else
        {
            var resolved = await ResolveAsync(head.Ref, ct).ConfigureAwait(false);
            (await Network(["fetch", .. depth, "--no-tags", "--no-write-fetch-head", "--", Remote, resolved.FullRef!], ct)
                .ConfigureAwait(false)).EnsureSuccess();
        }
        LastContact = _time.GetUtcNow();
    }
}
