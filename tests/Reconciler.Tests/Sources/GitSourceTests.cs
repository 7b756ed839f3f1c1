using VnetReconciler.Reconciler.Sources;

namespace VnetReconciler.Reconciler.Tests.Sources;

/// <summary>The git source against real repositories: local paths and file:// bare repositories.</summary>
public sealed class GitSourceTests
{
    private static readonly Dictionary<string, string?> s_tree = new()
    {
        ["fleet.yaml"] = "fleet: { interval: 30s }\n",
        ["vnets/red.yaml"] = "vnet: { id: \"97\" }\n",
        ["vnets/nested/blue.sxp"] = "(vnet (id 98))\n",
        ["vnets/README.md"] = "not desired state\n",
        ["hosts/host-a.sxp"] = "(host (name host-a) (address 198.18.0.1))\n",
        ["peers/legacy.yml"] = "peer: { addr: 198.18.0.9 }\n",
        ["notes.txt"] = "ignored\n",
        ["fleet.json"] = "{}\n",
    };

    [Fact]
    public async Task Fetches_a_branch_from_a_local_path_and_reads_only_desired_state_files()
    {
        using var repo = new TestRepository();
        var commit = repo.Commit(s_tree, "initial");
        var source = repo.Source(repo.Work);

        var revision = await source.FetchAsync("main");

        Assert.Equal(commit, revision.CommitId);
        Assert.Equal(repo.Head("HEAD^{tree}"), revision.TreeId);
        Assert.Equal("main", revision.Ref);
        Assert.Equal("initial", revision.Subject);
        var files = await source.ReadTreeAsync(revision.CommitId);
        Assert.Equal(["fleet.yaml", "hosts/host-a.sxp", "peers/legacy.yml", "vnets/nested/blue.sxp", "vnets/red.yaml"],
            files.Select(f => f.Path));
        Assert.Equal("(vnet (id 98))\n", files.Single(f => f.Path == "vnets/nested/blue.sxp").Text);
    }

    [Fact]
    public async Task Fetches_lightweight_and_annotated_tags_from_a_file_url_bare_repository()
    {
        using var repo = new TestRepository();
        var first = repo.Commit(s_tree, "first");
        repo.Git(repo.Work, "tag", "v1");
        var second = repo.Commit("vnets/green.yaml", "vnet: { id: \"99\" }\n", "second");
        repo.Git(repo.Work, "tag", "-a", "-m", "release 2", "v2");
        repo.Commit("vnets/green.yaml", "vnet: { id: \"9a\" }\n", "third");
        var bare = repo.MakeBare();
        var source = repo.Source("file://" + bare);

        Assert.Equal(first, (await source.FetchAsync("v1")).CommitId);
        var v2 = await source.FetchAsync("v2");
        Assert.Equal(second, v2.CommitId);
        Assert.Equal("refs/tags/v2", (await source.ResolveAsync("v2")).FullRef);
        Assert.Contains(await source.ReadTreeAsync(v2.CommitId), f => f.Path == "vnets/green.yaml" && f.Text.Contains("\"99\""));
    }

    [Fact]
    public async Task Fetches_a_commit_id_once_and_then_needs_no_network()
    {
        using var repo = new TestRepository();
        var old = repo.Commit(s_tree, "old");
        repo.Commit("vnets/red.yaml", "vnet: { id: \"a7\" }\n", "new");
        var git = TestRepository.ProductGit();
        var source = repo.Source("file://" + repo.MakeBare(), git);

        var revision = await source.FetchAsync(old);
        Assert.Equal(old, revision.CommitId);
        Assert.Equal(1, git.CountOf("fetch"));
        Assert.Equal(0, git.CountOf("ls-remote"));

        Assert.Equal(old, (await source.FetchAsync(old)).CommitId);
        Assert.Equal(1, git.CountOf("fetch"));
        Assert.Equal(0, git.CountOf("ls-remote"));
        Assert.Contains(await source.ReadTreeAsync(old), f => f.Path == "vnets/red.yaml" && f.Text.Contains("\"97\""));
    }

    [Fact]
    public async Task Skips_the_fetch_when_ls_remote_shows_nothing_moved()
    {
        using var repo = new TestRepository();
        repo.Commit(s_tree, "first");
        var git = TestRepository.ProductGit();
        var source = repo.Source(repo.Work, git);

        var first = await source.FetchAsync("main");
        var again = await source.FetchAsync("main");
        Assert.Equal(first, again);
        Assert.Equal(1, git.CountOf("fetch"));
        Assert.Equal(2, git.CountOf("ls-remote"));

        var moved = repo.Commit("vnets/red.yaml", "vnet: { id: \"a7\" }\n", "moved");
        Assert.Equal(moved, (await source.FetchAsync("main")).CommitId);
        Assert.Equal(2, git.CountOf("fetch"));
        Assert.Equal(3, git.CountOf("ls-remote"));
    }

    [Fact]
    public async Task Fetches_shallow_and_deepens_until_the_older_commit_is_reached()
    {
        using var repo = new TestRepository();
        var root = repo.Commit(s_tree, "root");
        for (var i = 0; i < 40; i++) repo.Commit("vnets/red.yaml", $"vnet: {{ id: \"{i + 2:x}\" }}\n", $"step {i}");
        var source = repo.Source("file://" + repo.MakeBare());

        var head = await source.FetchAsync("main");
        Assert.Equal("true", repo.Git(source.MirrorDir, "rev-parse", "--is-shallow-repository").Trim());
        Assert.Equal("1", repo.Git(source.MirrorDir, "rev-list", "--count", head.CommitId).Trim());
        Assert.False(await source.IsAncestorAsync(root, head.CommitId));

        Assert.True(await source.DeepenAsync(head, root));
        Assert.Equal(40, (await source.CommitsBetweenAsync(root, head.CommitId)).Count);
        Assert.Contains(await source.ReadTreeAsync(root), f => f.Path == "vnets/red.yaml" && f.Text.Contains("\"97\""));
    }

    [Fact]
    public async Task Deepening_towards_a_commit_that_is_not_an_ancestor_answers_false()
    {
        using var repo = new TestRepository();
        repo.Commit(s_tree, "root");
        repo.Git(repo.Work, "checkout", "--quiet", "-b", "side");
        var side = repo.Commit("vnets/red.yaml", "vnet: { id: \"b1\" }\n", "side");
        repo.Git(repo.Work, "checkout", "--quiet", "main");
        repo.Commit("vnets/red.yaml", "vnet: { id: \"c1\" }\n", "main");
        var source = repo.Source(repo.Work);
        await source.FetchAsync("side");
        var head = await source.FetchAsync("main");

        Assert.False(await source.DeepenAsync(head, side));
    }

    [Fact]
    public async Task An_unreachable_remote_is_a_transient_error_and_the_last_fetched_revision_stays_readable()
    {
        using var repo = new TestRepository();
        var commit = repo.Commit(s_tree, "first");
        var bare = repo.MakeBare();
        var source = repo.Source("file://" + bare);
        await source.FetchAsync("main");
        Directory.Move(bare, bare + ".gone");

        var error = await Assert.ThrowsAsync<GitException>(() => source.FetchAsync("main"));
        Assert.True(error.IsTransient, error.Message);

        // A new source over the same mirror, as after a restart.
        var restarted = repo.Source("file://" + bare);
        var last = await restarted.LastFetchedAsync("main");
        Assert.NotNull(last);
        Assert.Equal(commit, last.CommitId);
        Assert.Equal(5, (await restarted.ReadTreeAsync(last.CommitId)).Count);
        Assert.Null(await restarted.LastFetchedAsync("other"));
    }

    [Fact]
    public async Task A_ref_the_remote_does_not_have_is_not_found_not_transient()
    {
        using var repo = new TestRepository();
        repo.Commit(s_tree, "first");
        var source = repo.Source(repo.Work);

        var error = await Assert.ThrowsAsync<GitException>(() => source.FetchAsync("no-such-branch"));
        Assert.Equal(GitFailure.NotFound, error.Failure);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task Skips_symlinks_drops_a_byte_order_mark_and_refuses_non_commit_ids()
    {
        using var repo = new TestRepository();
        File.WriteAllText(Path.Combine(repo.Root, "outside.yaml"), "secret: 1\n");
        Directory.CreateDirectory(Path.Combine(repo.Work, "vnets"));
        File.CreateSymbolicLink(Path.Combine(repo.Work, "vnets", "link.yaml"), Path.Combine(repo.Root, "outside.yaml"));
        var commit = repo.Commit(new Dictionary<string, string?> { ["vnets/bom.yaml"] = "\uFEFFvnet: { id: \"97\" }\n" });
        var source = repo.Source(repo.Work);
        await source.FetchAsync("main");

        var file = Assert.Single(await source.ReadTreeAsync(commit));
        Assert.Equal(new RevisionFile("vnets/bom.yaml", "vnet: { id: \"97\" }\n"), file);
        await Assert.ThrowsAsync<ArgumentException>(() => source.ReadTreeAsync("--output=/tmp/x"));
        await Assert.ThrowsAsync<ArgumentException>(() => source.IsAncestorAsync("HEAD", commit));
    }

    [Fact]
    public void Splits_cat_file_batch_output_by_the_sizes_it_announces()
    {
        var output = "0123456789012345678901234567890123456789 blob 3\na\nb\n0123456789012345678901234567890123456789 blob 0\n\n"u8.ToArray();
        var objects = GitSource.ParseBatch(output, 2);
        Assert.Equal("a\nb", System.Text.Encoding.UTF8.GetString(objects[0].Span));
        Assert.Equal(0, objects[1].Length);
        Assert.Throws<InvalidDataException>(() => GitSource.ParseBatch(output[..10], 1));
    }
}
