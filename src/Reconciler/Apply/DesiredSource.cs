using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Reconciler.State;
using VnetReconciler.Schema;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Apply;

/// <summary>A revision of the desired state, read and validated (or why it could not be).</summary>
public sealed record DesiredRevision
{
    /// <summary>The commit id, or <c>dir:PATH</c> for a plain directory.</summary>
    public required string Label { get; init; }
    public Revision? Revision { get; init; }
    public IReadOnlyList<RevisionFile> Files { get; init; } = [];
    public DesiredState? State { get; init; }
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];
    /// <summary>Why no state could be had (git refused, unreachable, invalid); null when <see cref="State"/> is set.</summary>
    public string? Error { get; init; }
    /// <summary>True when the error is an outage worth retrying, not a bad revision.</summary>
    public bool Transient { get; init; }
    public RevisionLoad? Load { get; init; }
    /// <summary>
    /// True when the requested revision could not be had (<see cref="Error"/> says why) and <see cref="State"/> is the
    /// last applied revision from the state directory instead: the last good state stays in force (SPEC §6.3).
    /// </summary>
    public bool IsFallback { get; init; }
}

/// <summary>
/// Where <c>--repo</c> points: a git remote or repository (fetched into the state directory's mirror and
/// verified under the trust policy, SPEC §6.1–§6.2), or a plain directory holding a desired-state tree (read as
/// it is; handy for trying a change before committing it).
/// </summary>
public sealed class DesiredSource
{
    private readonly string _repo;
    private readonly string _ref;
    private readonly string _stateDir;
    private readonly TrustPolicy _trust;
    private readonly GitSource? _git;
    private readonly RevisionLoader? _loader;

    public DesiredSource(string repo, string @ref, string stateDir, TrustPolicy trust, TimeProvider time, GitCli? git = null)
    {
        _repo = repo;
        _ref = @ref;
        _stateDir = stateDir;
        _trust = trust;
        if (IsPlainDirectory(repo)) return;
        _git = new GitSource(repo, Path.Combine(stateDir, "mirror"), git ?? new GitCli(time: time), time);
        _loader = new RevisionLoader(_git, new AppliedStateStore(stateDir), FleetRequirement);
    }

    public GitSource? Git => _git;

    /// <summary>A directory that is not a git repository (no <c>.git</c>, not bare).</summary>
    public static bool IsPlainDirectory(string repo) =>
        Directory.Exists(repo) && !Directory.Exists(Path.Combine(repo, ".git")) && !File.Exists(Path.Combine(repo, ".git"))
        && !(File.Exists(Path.Combine(repo, "HEAD")) && Directory.Exists(Path.Combine(repo, "objects")));

    public async Task<DesiredRevision> LoadAsync(CancellationToken ct = default)
    {
        if (_loader is null)
        {
            var full = Path.GetFullPath(_repo);
            var result = DesiredStateLoader.LoadDirectory(full);
            return Validated($"dir:{full}", null, [], result, null);
        }
        var load = await _loader.LoadAsync(_ref, _trust, ct).ConfigureAwait(false);
        switch (load.Outcome)
        {
            case RevisionLoadOutcome.New or RevisionLoadOutcome.Unchanged:
                var schema = DesiredStateLoader.Load(load.Files.Select(f => new SourceFile(f.Path, f.Text)));
                var validated = Validated(load.Revision!.CommitId, load.Revision, load.Files, schema, load);
                return validated.State is null ? WithFallback(validated) : validated;
            case RevisionLoadOutcome.Refused:
                return WithFallback(new DesiredRevision
                {
                    Label = load.Attempted?.CommitId ?? _ref, Revision = load.Attempted, Load = load,
                    Error = $"revision {load.Attempted?.ShortId} refused by the trust policy: {load.Verdict?.Message}",
                });
            default:
                return WithFallback(new DesiredRevision
                {
                    Label = load.Attempted?.CommitId ?? _ref, Revision = load.Attempted, Load = load,
                    Transient = load.Outcome == RevisionLoadOutcome.Unreachable,
                    Error = load.Error?.Message ?? $"could not load {_ref} from {GitException.Redact(_repo)}",
                });
        }
    }

    /// <summary>The last applied revision in place of one that could not be had, when there is one.</summary>
    private static DesiredRevision WithFallback(DesiredRevision failed)
    {
        if (failed.Load?.LastApplied is not { } last || FromLastApplied(last) is not { } restored) return failed;
        return failed with
        {
            Label = restored.Label, Revision = restored.Revision, Files = restored.Files, State = restored.State, IsFallback = true,
            Diagnostics = failed.Diagnostics,
        };
    }

    /// <summary>The revision in force as the state directory keeps it (read again from its files); null when those no
    /// longer read without errors.</summary>
    public static DesiredRevision? FromLastApplied(LastApplied last)
    {
        var schema = DesiredStateLoader.Load(last.Files.Select(f => new SourceFile(f.Path, f.Text)));
        if (schema.HasErrors) return null;
        return new DesiredRevision { Label = last.Revision.CommitId, Revision = last.Revision, Files = last.Files, State = schema.State };
    }

    private static DesiredRevision Validated(string label, Revision? revision, IReadOnlyList<RevisionFile> files, LoadResult schema, RevisionLoad? load) =>
        new()
        {
            Label = label, Revision = revision, Files = files, State = schema.HasErrors ? null : schema.State,
            Diagnostics = schema.Diagnostics, Load = load,
            Error = schema.HasErrors ? $"revision {Short(label)} is invalid: {schema.Diagnostics.Count(d => d.IsError)} error(s)" : null,
        };

    private static string Short(string label) => label.Length == 40 ? label[..12] : label;

    /// <summary>The signature requirement a revision's fleet file asks for (SPEC §2.4 <c>signatures</c>).</summary>
    private static SignatureMode FleetRequirement(IReadOnlyList<RevisionFile> files)
    {
        var fleetFiles = files.Where(f => f.Path is "fleet.yaml" or "fleet.yml" or "fleet.sxp").Select(f => new SourceFile(f.Path, f.Text));
        var result = DesiredStateLoader.Load(fleetFiles);
        return result.State?.Fleet.Signatures switch
        {
            SignatureRequirement.EveryCommit => SignatureMode.EveryCommit,
            SignatureRequirement.Head => SignatureMode.Head,
            _ => SignatureMode.None,
        };
    }
}
