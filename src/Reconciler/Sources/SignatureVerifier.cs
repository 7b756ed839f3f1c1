namespace VnetReconciler.Reconciler.Sources;

/// <summary>
/// Decides whether a fetched revision may be applied under a trust policy (SPEC §6.2): the ref must
/// still descend from the last applied commit (unless rewinds are allowed), and the head, or every commit
/// since the last applied one, must carry a signature by a signer the host-local trust file names.
/// History is deepened in the mirror as far as the checks need.
/// </summary>
public sealed partial class SignatureVerifier
{
    private readonly GitSource _source;

    public SignatureVerifier(GitSource source) => _source = source;

    /// <param name="policy">The effective policy (<see cref="EffectivePolicy.Combine"/>).</param>
    /// <param name="head">The fetched revision to apply.</param>
    /// <param name="lastApplied">The commit applied last, or null on a first run (then only the head is checked).</param>
    public async Task<TrustVerdict> VerifyAsync(TrustPolicy policy, Revision head, string? lastApplied, CancellationToken ct = default)
    {
        var descends = true;
        if (lastApplied is not null && lastApplied != head.CommitId)
        {
            descends = await _source.DeepenAsync(head, lastApplied, ct).ConfigureAwait(false);
            if (!descends && !policy.AllowRewind)
            {
                return TrustVerdict.Refuse(head.CommitId, TrustFailure.Rewind,
                    $"{head.Ref} moved to {head.ShortId}, which does not descend from the last applied commit {lastApplied[..12]} "
                    + "(history rewritten or rolled back); set allow_rewind in the trust file to accept this");
            }
        }
        if (policy.Mode == SignatureMode.None) return TrustVerdict.Accept("signatures not required");
        if (!policy.HasAnchor)
        {
            return TrustVerdict.Refuse(head.CommitId, TrustFailure.NoTrustAnchor,
                "signatures are required but the host-local trust file names no signer (ssh.allowed_signers or gpg.keyring)");
        }

        List<string> commits = [head.CommitId];
        // After an allowed rewind there is no "since the last applied commit" on the new history (the mirror
        // may hold the old commit without its ancestors), so only the new head is checked; allow_rewind is
        // the host's explicit acceptance of rewritten history (docs/trust.md).
        if (policy.Mode == SignatureMode.EveryCommit && lastApplied is not null && lastApplied != head.CommitId && descends)
        {
            commits.AddRange((await _source.CommitsBetweenAsync(lastApplied, head.CommitId, ct).ConfigureAwait(false))
                .Where(c => c != head.CommitId));
        }

        var checks = await CheckAsync(policy, commits, ct).ConfigureAwait(false);
        foreach (var check in checks)
        {
            if (check.Failure is { } failure) return TrustVerdict.Refuse(check.Commit, failure, check.Message);
        }
        return TrustVerdict.Accept(commits.Count == 1
            ? $"{head.ShortId} signed by {checks[0].Signer}"
            : $"{commits.Count} commits since {lastApplied![..12]} signed by trusted keys");
    }
}
