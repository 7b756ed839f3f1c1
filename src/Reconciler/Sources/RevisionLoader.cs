using VnetReconciler.Reconciler.State;

namespace VnetReconciler.Reconciler.Sources;

/// <summary>
/// One cycle's desired state from git: fetch the ref, read its files, verify it under the effective trust
/// policy, and fall back to the last applied revision (from the state directory, without git) when the
/// remote is unreachable or the revision is refused. It never saves state: the caller saves
/// <see cref="LastApplied"/> only after the revision was validated and applied.
/// </summary>
public sealed class RevisionLoader
{
    private readonly GitSource _source;
    private readonly SignatureVerifier _verifier;
    private readonly AppliedStateStore _store;
    private readonly Func<IReadOnlyList<RevisionFile>, SignatureMode> _fleetRequirement;

    /// <param name="fleetRequirement">The signature mode a revision's fleet file asks for (SPEC §2.4 <c>signatures</c>;
    /// the schema reads it); <see cref="SignatureMode.None"/> when it asks for nothing.</param>
    public RevisionLoader(GitSource source, AppliedStateStore store, Func<IReadOnlyList<RevisionFile>, SignatureMode>? fleetRequirement = null)
    {
        _source = source;
        _verifier = new SignatureVerifier(source);
        _store = store;
        _fleetRequirement = fleetRequirement ?? (_ => SignatureMode.None);
    }

    /// <summary>
    /// Gets the desired state for this cycle. The fleet's requirement is read from the new revision before it
    /// is verified, which is safe because it can only tighten the policy, and from the last applied one, so
    /// an unverified commit cannot lower it either: a fleet file that relaxes the requirement must itself
    /// pass the old one.
    /// </summary>
    public async Task<RevisionLoad> LoadAsync(string @ref, TrustPolicy hostPolicy, CancellationToken ct = default)
    {
        var last = _store.Load();
        Revision head;
        try
        {
            head = await _source.FetchAsync(@ref, ct).ConfigureAwait(false);
        }
        catch (GitException e)
        {
            return Fallback(e.IsTransient ? RevisionLoadOutcome.Unreachable : RevisionLoadOutcome.Failed, last) with { Error = e };
        }

        try
        {
            var files = await _source.ReadTreeAsync(head.CommitId, ct).ConfigureAwait(false);
            var fleetMinimum = (SignatureMode)Math.Max((int)_fleetRequirement(files),
                last is null ? 0 : (int)_fleetRequirement(last.Files));
            var policy = EffectivePolicy.Combine(hostPolicy, fleetMinimum);
            // Descent is judged along one tracked ref: when the operator points the host at another ref
            // (a host-local decision, like the trust file), the new ref starts its own history.
            var since = last is not null && last.Revision.Ref == head.Ref ? last.Revision.CommitId : null;
            var verdict = await _verifier.VerifyAsync(policy, head, since, ct).ConfigureAwait(false);
            if (!verdict.Accepted)
            {
                return Fallback(RevisionLoadOutcome.Refused, last) with { Attempted = head, Policy = policy, Verdict = verdict };
            }
            return new RevisionLoad
            {
                Outcome = head.CommitId == last?.Revision.CommitId ? RevisionLoadOutcome.Unchanged : RevisionLoadOutcome.New,
                Attempted = head,
                Revision = head,
                Files = files,
                LastApplied = last,
                Policy = policy,
                Verdict = verdict,
            };
        }
        catch (GitException e)
        {
            // Deepening for a check needs the remote again; losing it midway is an outage like any other.
            return Fallback(e.IsTransient ? RevisionLoadOutcome.Unreachable : RevisionLoadOutcome.Failed, last) with { Attempted = head, Error = e };
        }
    }

    private static RevisionLoad Fallback(RevisionLoadOutcome outcome, LastApplied? last) => new()
    {
        Outcome = outcome,
        Revision = last?.Revision,
        Files = last?.Files ?? [],
        LastApplied = last,
    };
}
