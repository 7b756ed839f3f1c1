namespace VnetReconciler.Reconciler.Tests.Cli;

/// <summary>The verbs against a working tree that is not clean, a detached HEAD, an empty repository, and <c>--push</c>.</summary>
public sealed class VerbsGitStateTests : IDisposable
{
    private const string Vnet99 = "(vnet (id 99) (bridge vnet99) (vnetif vnif99) (security none))\n";
    private readonly VerbsRepository _repo = new();

    public void Dispose() => _repo.Dispose();

    private string WorkFile(string path) => Path.Combine(_repo.Work, path);

    [Fact]
    public void UnrelatedUncommittedChangesAreLeftAloneAndNeverCommitted()
    {
        File.AppendAllText(WorkFile("vnets/vnet97.sxp"), "# edited, not committed\n");
        File.WriteAllText(WorkFile("hosts/host-b.sxp"), "(host (name host-b) (address 198.18.0.2))\n");
        File.WriteAllText(WorkFile("peers/staged.sxp"), "(peer (addr 198.18.0.33))\n");
        _repo.Repo.Git(_repo.Work, "add", "peers/staged.sxp");
        var before = _repo.Status();

        var (exit, _, stderr) = _repo.Run("vnet-create", _repo.WriteInput("v.sxp", Vnet99));
        Assert.True(exit == 0, stderr);
        Assert.Equal(["A vnets/vnet99.sxp"], _repo.LastChange());
        Assert.Equal(before, _repo.Status());
        Assert.EndsWith("# edited, not committed\n", File.ReadAllText(WorkFile("vnets/vnet97.sxp")));
    }

    [Theory]
    [InlineData("untracked", "vnets/vnet99.sxp is untracked")]
    [InlineData("staged", "vnets/vnet99.sxp has staged changes")]
    public void AnUncommittedFileAtThePathToWriteIsRefused(string how, string says)
    {
        File.WriteAllText(WorkFile("vnets/vnet99.sxp"), "# mine\n");
        if (how == "staged") _repo.Repo.Git(_repo.Work, "add", "vnets/vnet99.sxp");
        var head = _repo.Head();
        var (exit, _, stderr) = _repo.Run("vnet-create", _repo.WriteInput("v.sxp", Vnet99));
        Assert.Equal(1, exit);
        Assert.Contains(says, stderr);
        Assert.Contains("nothing was committed", stderr);
        Assert.Equal(head, _repo.Head());
        Assert.Equal("# mine\n", File.ReadAllText(WorkFile("vnets/vnet99.sxp")));
    }

    [Fact]
    public void DeleteRefusesWhenTheFileToRewriteHasUncommittedChanges()
    {
        File.AppendAllText(WorkFile("vnets/lab.sxp"), "# more\n");
        var head = _repo.Head();
        var (exit, _, stderr) = _repo.Run("vnet-delete", "a0");
        Assert.Equal(1, exit);
        Assert.Contains("vnets/lab.sxp has uncommitted changes", stderr);
        Assert.Equal(head, _repo.Head());
        Assert.EndsWith("# more\n", File.ReadAllText(WorkFile("vnets/lab.sxp")));
    }

    [Fact]
    public void ADetachedHeadIsRefusedButCanBeListed()
    {
        _repo.Repo.Git(_repo.Work, "checkout", "--quiet", "--detach");
        var head = _repo.Head();
        var (exit, _, stderr) = _repo.Run("vnet-create", _repo.WriteInput("v.sxp", Vnet99));
        Assert.Equal(1, exit);
        Assert.Contains($"HEAD is detached at {head[..12]}", stderr);
        Assert.Equal(head, _repo.Head());
        Assert.Equal(0, _repo.Run("vnet-list").Exit);
    }

    [Fact]
    public void CommitGpgSignInTheRepositorysConfigurationSignsTheCommit()
    {
        using var signers = new Sources.TestSigners(_repo.Repo.Root);
        var signer = signers.Ssh("ada", trusted: true);
        for (var i = 0; i < signer.SignArgs.Count; i += 2)
        {
            var (key, value) = (signer.SignArgs[i + 1].Split('=', 2)[0], signer.SignArgs[i + 1].Split('=', 2)[1]);
            _repo.Repo.Git(_repo.Work, "config", key, value);
        }
        _repo.Repo.Git(_repo.Work, "config", "commit.gpgSign", "true");
        var (exit, _, stderr) = _repo.Run("peer-add", "198.18.0.20");
        Assert.True(exit == 0, stderr);
        Assert.Contains("-----BEGIN SSH SIGNATURE-----", _repo.Repo.Git(_repo.Work, "cat-file", "commit", "HEAD"));
    }

    [Fact]
    public void TheFirstCommitOfAnEmptyRepositoryWorks()
    {
        using var empty = new VerbsRepository(withFleet: false);
        Assert.Equal("", empty.Run("vnet-list").Out);
        var (exit, _, stderr) = empty.Run("vnet-create", empty.WriteInput("v.sxp", Vnet99));
        Assert.True(exit == 0, stderr);
        Assert.Equal(Vnet99, empty.Show("vnets/vnet99.sxp"));
        Assert.Equal("0000:0000:0000:0000:0000:0000:0000:0099\n", empty.Run("vnet-list").Out);
    }

    [Fact]
    public void PushSendsTheCommitToTheUpstream()
    {
        var bare = _repo.Repo.MakeBare();
        _repo.Repo.Git(_repo.Work, "fetch", "--quiet", "origin");
        _repo.Repo.Git(_repo.Work, "branch", "--quiet", "--set-upstream-to=origin/main");
        var (exit, stdout, stderr) = _repo.Run("vnet-create", _repo.WriteInput("v.sxp", Vnet99), "--push");
        Assert.True(exit == 0, stderr);
        Assert.Contains("pushed", stdout);
        Assert.Equal(_repo.Head(), _repo.Repo.Git(bare, "rev-parse", "main").Trim());
        Assert.Equal(Vnet99, _repo.Repo.Git(bare, "show", "main:vnets/vnet99.sxp"));
    }

    [Fact]
    public void PushWithoutUpstreamGoesToOriginsBranchOfTheSameName()
    {
        var bare = _repo.Repo.MakeBare();
        var (exit, _, stderr) = _repo.Run("peer-add", "198.18.0.20", "--push");
        Assert.True(exit == 0, stderr);
        Assert.Equal(_repo.Head(), _repo.Repo.Git(bare, "rev-parse", "main").Trim());
    }

    [Fact]
    public void PushWithNowhereToGoIsRefusedBeforeCommitting()
    {
        var head = _repo.Head();
        var (exit, _, stderr) = _repo.Run("peer-add", "198.18.0.20", "--push");
        Assert.Equal(1, exit);
        Assert.Contains("no upstream", stderr);
        Assert.Equal(head, _repo.Head());
    }

    [Fact]
    public void ARejectedPushKeepsTheLocalCommitAndSaysSo()
    {
        var bare = _repo.Repo.MakeBare();
        var other = Path.Combine(_repo.Repo.Root, "other");
        _repo.Repo.Git(_repo.Repo.Root, "clone", "--quiet", bare, other);
        File.WriteAllText(Path.Combine(other, "README"), "moved on\n");
        _repo.Repo.Git(other, "add", "README");
        _repo.Repo.Git(other, "commit", "--quiet", "-m", "elsewhere");
        _repo.Repo.Git(other, "push", "--quiet", "origin", "main");
        var (exit, stdout, stderr) = _repo.Run("peer-add", "198.18.0.20", "--push");
        Assert.Equal(1, exit);
        Assert.Contains("committed", stdout);
        Assert.Contains("locally, but the push to origin", stderr);
        Assert.Equal("peer-add: 198.18.0.20", _repo.LastCommit().Split('|')[1]);
        Assert.NotEqual(_repo.Head(), _repo.Repo.Git(bare, "rev-parse", "main").Trim());
    }
}
