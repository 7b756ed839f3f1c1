namespace VnetReconciler.Reconciler.Tests.Cli;

/// <summary><c>vnetctl vnet-create</c>, <c>vnet-delete</c>, <c>vnet-list</c> (SPEC §5) against real git repositories.</summary>
public sealed class VnetVerbsTests : IDisposable
{
    private const string Vnet99 = "(vnet (id 99) (bridge vnet99) (vnetif vnif99) (security none))\n";
    private readonly VerbsRepository _repo = new();

    public void Dispose() => _repo.Dispose();

    [Fact]
    public void CreateCommitsTheFileAsVnetsBridgeSxpWithTheConfiguredAuthorAndTheTreeStillValidates()
    {
        var file = _repo.WriteInput("vnet99.sxp", "# lab vnet\n" + Vnet99);
        var (exit, stdout, stderr) = _repo.Run("vnet-create", file);
        Assert.True(exit == 0, stderr);
        Assert.Contains("vnet-create: vnet 99 (vnet99): committed", stdout);
        Assert.Equal($"{VerbsRepository.Author}|vnet-create: vnet 99 (vnet99)", _repo.LastCommit());
        Assert.Equal(["A vnets/vnet99.sxp"], _repo.LastChange());
        Assert.Equal("# lab vnet\n" + Vnet99, _repo.Show("vnets/vnet99.sxp"));
        Assert.Equal("", _repo.Status());
        var loaded = _repo.LoadHead();
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Diagnostics));
        Assert.Equal("vnif99", loaded.State!.FindVnet(Schema.Model.VnetId.Parse("99"))!.Vnetif);
    }

    [Fact]
    public void CreateOfAnIdThatExistsIsRefusedNamingTheDefinitionAndCommitsNothing()
    {
        var head = _repo.Head();
        var (exit, _, stderr) = _repo.Run("vnet-create", _repo.WriteInput("again.sxp", "(vnet (id 0097) (bridge other97))"));
        Assert.Equal(1, exit);
        Assert.Contains("again.sxp:1:11: error: vnet id 97 is already defined at vnets/vnet97.sxp:1:11", stderr);
        Assert.Contains("nothing was committed", stderr);
        Assert.Equal(head, _repo.Head());
    }

    [Theory]
    [InlineData("(vnet (id 99) (bridge vnet99)\n", "1:1", "unclosed")]
    [InlineData("(vnet (id 99)\n  (secuirty none))\n", "2:4", "security")]
    [InlineData("(vnet (id 99) (security maybe))\n", "1:25", "maybe")]
    [InlineData("(vnet (id 1))\n", "1:11", "reserved")]
    public void AnInvalidFileIsRefusedNamingFileLineColAndCommitsNothing(string text, string at, string says)
    {
        var head = _repo.Head();
        var file = _repo.WriteInput("bad.sxp", text);
        var (exit, _, stderr) = _repo.Run("vnet-create", file);
        Assert.Equal(1, exit);
        Assert.Contains($"{file}:{at}: error:", stderr);
        Assert.Contains(says, stderr);
        Assert.Contains("nothing was committed", stderr);
        Assert.Equal(head, _repo.Head());
        Assert.Equal("", _repo.Status());
    }

    [Fact]
    public void AVnetThatWouldBreakTheTreeIsRefusedWithThePositionInTheOperatorsFile()
    {
        var head = _repo.Head();
        var file = _repo.WriteInput("v99.sxp", "(vnet (id 99)\n  (hosts host-z))\n");
        var (exit, _, stderr) = _repo.Run("vnet-create", file);
        Assert.Equal(1, exit);
        Assert.Contains($"{file}:2:10: error: vnet 99 names host host-z", stderr);
        Assert.Equal(head, _repo.Head());
    }

    [Fact]
    public void CreateTakesYamlAndFallsBackToBridgeKeyWhenTheNameIsTaken()
    {
        _repo.Repo.Commit("vnets/vnet99.yaml", "vnet: { id: \"199\" }\n");
        var text = "vnet: { id: \"99\", bridge: vnet99 }\n";
        var (exit, _, stderr) = _repo.Run("vnet-create", _repo.WriteInput("v.yml", text));
        Assert.True(exit == 0, stderr);
        Assert.Equal(["A vnets/vnet99-99.yaml"], _repo.LastChange());
        Assert.Equal(text, _repo.Show("vnets/vnet99-99.yaml"));
    }

    [Fact]
    public void AFileWrittenInTheWorkTreeUnderVnetsIsCommittedWhereItIs()
    {
        var file = Path.Combine(_repo.Work, "vnets", "lab99.sxp");
        File.WriteAllText(file, Vnet99.TrimEnd());
        var (exit, _, stderr) = _repo.Run("vnet-create", file);
        Assert.True(exit == 0, stderr);
        Assert.Equal(["A vnets/lab99.sxp"], _repo.LastChange());
        Assert.Equal(Vnet99.TrimEnd(), File.ReadAllText(file));
        Assert.Equal("", _repo.Status());
        Assert.Contains("vnet id 99 is already defined at vnets/lab99.sxp:1:11", _repo.Run("vnet-create", file).Err);
        File.WriteAllText(file, "(vnet (id 9b))\n");
        var edited = _repo.Run("vnet-create", file);
        Assert.Equal(1, edited.Exit);
        Assert.Contains("vnets/lab99.sxp is committed already", edited.Err);
    }

    [Fact]
    public void DeleteOfAVnetAloneInItsFileRemovesTheFile()
    {
        var (exit, stdout, stderr) = _repo.Run("vnet-delete", "96");
        Assert.True(exit == 0, stderr);
        Assert.Contains("vnet-delete: vnet 96 (vnet96): committed", stdout);
        Assert.Equal($"{VerbsRepository.Author}|vnet-delete: vnet 96 (vnet96)", _repo.LastCommit());
        Assert.Equal(["D vnets/vnet96.yaml"], _repo.LastChange());
        Assert.False(File.Exists(Path.Combine(_repo.Work, "vnets/vnet96.yaml")));
        Assert.Equal("", _repo.Status());
    }

    [Fact]
    public void DeleteOfAVnetInAMultiFormFileRewritesTheFileWithoutItKeepingTheRest()
    {
        var (exit, _, stderr) = _repo.Run("vnet-delete", "0:0:0:0:0:0:0:a0");
        Assert.True(exit == 0, stderr);
        Assert.Equal(["M vnets/lab.sxp"], _repo.LastChange());
        Assert.Equal("# lab vnets\n(vnet (id 98) (bridge vnet98))\n(vnet (id a1) (bridge vnet-a1))\n", _repo.Show("vnets/lab.sxp"));
        Assert.Equal(_repo.Show("vnets/lab.sxp"), File.ReadAllText(Path.Combine(_repo.Work, "vnets/lab.sxp")));
        Assert.False(_repo.LoadHead().HasErrors);
    }

    [Fact]
    public void DeleteOfAVnetInAMultiDocumentYamlFileIsRefusedNamingIt()
    {
        var head = _repo.Repo.Commit("vnets/two.yaml", "vnet: { id: \"b1\" }\n---\nvnet: { id: \"b2\" }\n");
        var (exit, _, stderr) = _repo.Run("vnet-delete", "b2");
        Assert.Equal(1, exit);
        Assert.Contains("vnets/two.yaml holds 2 definitions and vnetctl rewrites only SXP files: remove the one at vnets/two.yaml:3:", stderr);
        Assert.Equal(head, _repo.Head());
    }

    [Fact]
    public void DeleteOfAVnetThatPortsStillUseIsRefused()
    {
        var head = _repo.Head();
        var (exit, _, stderr) = _repo.Run("vnet-delete", "97");
        Assert.Equal(1, exit);
        Assert.Contains("hosts/host-a.sxp:2:29: error: port vm-a97 names vnet 97", stderr);
        Assert.Contains("the repository would not validate; nothing was committed", stderr);
        Assert.Equal(head, _repo.Head());
    }

    [Fact]
    public void DeleteOfAnUnknownOrMalformedIdIsAnError()
    {
        Assert.Contains("no vnet 42", _repo.Run("vnet-delete", "42").Err);
        Assert.Contains("not hexadecimal", _repo.Run("vnet-delete", "x1").Err);
    }

    [Fact]
    public void ListPrintsCanonicalIdsOrSxpForms()
    {
        var (exit, stdout, _) = _repo.Run("vnet-list");
        Assert.Equal(0, exit);
        Assert.Equal(
            "0000:0000:0000:0000:0000:0000:0000:0096\n0000:0000:0000:0000:0000:0000:0000:0097\n0000:0000:0000:0000:0000:0000:0000:0098\n" +
            "0000:0000:0000:0000:0000:0000:0000:00a0\n0000:0000:0000:0000:0000:0000:0000:00a1\n", stdout);
        var all = _repo.Run("vnet-list", "--long").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, all.Length);
        Assert.Equal("(vnet (id 97) (bridge vnet97) (vnetif vnif97) (security none))", all[1]);
        var some = _repo.Run("vnet-list", "a1", "96");
        Assert.Equal("(vnet (id a1) (bridge vnet-a1) (vnetif vnif00a1) (security none))\n(vnet (id 96) (bridge vnet96) (vnetif vnif0096) (security none))\n", some.Out);
        var missing = _repo.Run("vnet-list", "97", "42");
        Assert.Equal(1, missing.Exit);
        Assert.StartsWith("(vnet (id 97)", missing.Out);
        Assert.Contains("no vnet 42", missing.Err);
    }
}
