using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Reconciler.State;

namespace VnetReconciler.Reconciler.Tests.Sources;

/// <summary>The cycle's desired state: from git when it can be trusted, else the last applied revision.</summary>
public sealed class RevisionLoaderTests
{
    private static Dictionary<string, string?> Vnet(string id) => new() { ["vnets/v.yaml"] = $"vnet: {{ id: \"{id}\" }}\n" };

    // Stands in for the schema's reading of fleet.yaml's `signatures` field.
    private static SignatureMode FleetRequirement(IReadOnlyList<RevisionFile> files) =>
        files.Any(f => f.Path == "fleet.yaml" && f.Text.Contains("signatures: every-commit"))
            ? SignatureMode.EveryCommit : SignatureMode.None;

    private static void Applied(AppliedStateStore store, RevisionLoad load) =>
        store.Save(new LastApplied { Revision = load.Revision!, Files = load.Files, AppliedAt = DateTimeOffset.UnixEpoch });

    [Fact]
    public async Task A_new_revision_then_unchanged_once_applied_without_a_second_fetch()
    {
        using var repo = new TestRepository();
        var commit = repo.Commit(Vnet("97"), "first");
        var git = TestRepository.ProductGit();
        var store = new AppliedStateStore(Path.Combine(repo.Root, "state"));
        var loader = new RevisionLoader(repo.Source(repo.Work, git), store);

        var first = await loader.LoadAsync("main", TrustPolicy.None);
        Assert.Equal(RevisionLoadOutcome.New, first.Outcome);
        Assert.Equal(commit, first.Revision!.CommitId);
        Assert.Equal("vnets/v.yaml", Assert.Single(first.Files).Path);
        Assert.True(first.PrunePermitted);
        Applied(store, first);

        var second = await loader.LoadAsync("main", TrustPolicy.None);
        Assert.Equal(RevisionLoadOutcome.Unchanged, second.Outcome);
        Assert.Equal(1, git.CountOf("fetch"));
    }

    [Fact]
    public async Task After_a_restart_with_git_unreachable_the_last_applied_files_come_back_and_pruning_is_off()
    {
        using var repo = new TestRepository();
        repo.Commit(Vnet("97"), "first");
        var bare = repo.MakeBare();
        var store = new AppliedStateStore(Path.Combine(repo.Root, "state"));
        var applied = await new RevisionLoader(repo.Source("file://" + bare), store).LoadAsync("main", TrustPolicy.None);
        Applied(store, applied);

        Directory.Move(bare, bare + ".gone");
        Directory.Delete(repo.Mirror, recursive: true);
        var restarted = new RevisionLoader(repo.Source("file://" + bare), new AppliedStateStore(Path.Combine(repo.Root, "state")));
        var load = await restarted.LoadAsync("main", TrustPolicy.None);

        Assert.Equal(RevisionLoadOutcome.Unreachable, load.Outcome);
        Assert.True(load.Error!.IsTransient);
        Assert.False(load.PrunePermitted);
        Assert.Equal(applied.Revision, load.Revision);
        Assert.Equal(applied.Files, load.Files);
    }

    [Fact]
    public async Task A_refused_revision_leaves_the_last_applied_files_in_force()
    {
        using var repo = new TestRepository();
        using var signers = new TestSigners(repo.Root);
        var alice = signers.Ssh("alice", trusted: true);
        repo.Commit(Vnet("97"), "signed", alice.SignArgs);
        var policy = TrustFile.Parse(Path.Combine(repo.Root, "trust.yaml"), "ssh: { allowed_signers: allowed_signers }").Policy!;
        var store = new AppliedStateStore(Path.Combine(repo.Root, "state"));
        var loader = new RevisionLoader(repo.Source(repo.Work), store);
        var applied = await loader.LoadAsync("main", policy);
        Assert.Equal(RevisionLoadOutcome.New, applied.Outcome);
        Applied(store, applied);

        var unsigned = repo.Commit(Vnet("98"), "unsigned");
        var load = await loader.LoadAsync("main", policy);

        Assert.Equal(RevisionLoadOutcome.Refused, load.Outcome);
        Assert.Equal(unsigned, load.Attempted!.CommitId);
        Assert.Equal(TrustFailure.Unsigned, load.Verdict!.Failure);
        Assert.Equal(applied.Revision, load.Revision);
        Assert.Contains("\"97\"", Assert.Single(load.Files).Text);
        Assert.Equal(applied.Revision, store.Load()!.Revision);
    }

    [Fact]
    public async Task An_unverified_commit_cannot_drop_the_fleets_every_commit_requirement()
    {
        using var repo = new TestRepository();
        using var signers = new TestSigners(repo.Root);
        var alice = signers.Ssh("alice", trusted: true);
        repo.Commit(new Dictionary<string, string?> { ["fleet.yaml"] = "fleet: { signatures: every-commit }\n", ["vnets/v.yaml"] = "vnet: { id: \"97\" }\n" },
            "fleet requires every commit signed", alice.SignArgs);
        var hostPolicy = TrustFile.Parse(Path.Combine(repo.Root, "trust.yaml"), "mode: head\nssh: { allowed_signers: allowed_signers }").Policy!;
        var store = new AppliedStateStore(Path.Combine(repo.Root, "state"));
        var loader = new RevisionLoader(repo.Source(repo.Work), store, FleetRequirement);
        var applied = await loader.LoadAsync("main", hostPolicy);
        Assert.Equal(SignatureMode.EveryCommit, applied.Policy!.Mode);
        Applied(store, applied);

        var dropped = repo.Commit(new Dictionary<string, string?> { ["fleet.yaml"] = "fleet: {}\n" }, "quietly drop the requirement");
        repo.Commit(Vnet("98"), "signed on top", alice.SignArgs);
        var load = await loader.LoadAsync("main", hostPolicy);

        Assert.Equal(RevisionLoadOutcome.Refused, load.Outcome);
        Assert.Equal(SignatureMode.EveryCommit, load.Policy!.Mode);
        Assert.Equal(dropped, load.Verdict!.Commit);
    }

    [Fact]
    public async Task A_ref_that_does_not_exist_fails_without_losing_the_last_applied_state()
    {
        using var repo = new TestRepository();
        repo.Commit(Vnet("97"), "first");
        var store = new AppliedStateStore(Path.Combine(repo.Root, "state"));
        var loader = new RevisionLoader(repo.Source(repo.Work), store);
        Applied(store, await loader.LoadAsync("main", TrustPolicy.None));

        var load = await loader.LoadAsync("typo", TrustPolicy.None);

        Assert.Equal(RevisionLoadOutcome.Failed, load.Outcome);
        Assert.Equal(GitFailure.NotFound, load.Error!.Failure);
        Assert.Single(load.Files);
    }

    [Fact]
    public async Task Pointing_the_host_at_an_older_tag_is_not_a_rewind_but_moving_the_tracked_branch_back_is()
    {
        using var repo = new TestRepository();
        repo.Commit(Vnet("97"), "first");
        repo.Git(repo.Work, "tag", "v1");
        repo.Commit(Vnet("98"), "second");
        var store = new AppliedStateStore(Path.Combine(repo.Root, "state"));
        var loader = new RevisionLoader(repo.Source(repo.Work), store);
        Applied(store, await loader.LoadAsync("main", TrustPolicy.None));

        Assert.Equal(RevisionLoadOutcome.New, (await loader.LoadAsync("v1", TrustPolicy.None)).Outcome);

        repo.Git(repo.Work, "reset", "--quiet", "--hard", "v1");
        var rewound = await loader.LoadAsync("main", TrustPolicy.None);
        Assert.Equal(RevisionLoadOutcome.Refused, rewound.Outcome);
        Assert.Equal(TrustFailure.Rewind, rewound.Verdict!.Failure);
    }
}
