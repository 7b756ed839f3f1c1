namespace VnetReconciler.Reconciler.Tests.Cli;

/// <summary><c>vnetctl peer-add</c>, <c>peer-delete</c>, <c>peers</c> (SPEC §5, §2.3) against real git repositories.</summary>
public sealed class PeerVerbsTests : IDisposable
{
    private readonly VerbsRepository _repo = new();

    public void Dispose() => _repo.Dispose();

    [Fact]
    public void AddCommitsPeersAddrSxp()
    {
        var (exit, stdout, stderr) = _repo.Run("peer-add", "198.18.0.20");
        Assert.True(exit == 0, stderr);
        Assert.Contains("peer-add: 198.18.0.20: committed", stdout);
        Assert.Equal($"{VerbsRepository.Author}|peer-add: 198.18.0.20", _repo.LastCommit());
        Assert.Equal(["A peers/198.18.0.20.sxp"], _repo.LastChange());
        Assert.Equal("(peer (addr 198.18.0.20))\n", _repo.Show("peers/198.18.0.20.sxp"));
        Assert.False(_repo.LoadHead().HasErrors);
    }

    [Fact]
    public void AddWithVnetsNamesThem()
    {
        Assert.Equal(0, _repo.Run("peer-add", "198.18.0.21", "--vnets", "97", "98").Exit);
        Assert.Equal("(peer (addr 198.18.0.21) (vnets 97 98))\n", _repo.Show("peers/198.18.0.21.sxp"));
        var head = _repo.Head();
        var unknown = _repo.Run("peer-add", "198.18.0.22", "--vnets", "42");
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("error: peer 198.18.0.22 names vnet 42, which no file under vnets/ defines", unknown.Err);
        Assert.Equal(head, _repo.Head());
    }

    [Theory]
    [InlineData("198.18.0.10", "peer 198.18.0.10 is already listed at peers/all.sxp:2:17")]
    [InlineData("198.18.0.300", "invalid IPv4 address '198.18.0.300'")]
    [InlineData("198.18.0.1", "is the address of fleet host host-a")]
    public void AddIsRefusedForAListedPeerABadAddressOrAFleetHost(string addr, string says)
    {
        var head = _repo.Head();
        var (exit, _, stderr) = _repo.Run("peer-add", addr);
        Assert.Equal(1, exit);
        Assert.Contains(says, stderr);
        Assert.Equal(head, _repo.Head());
    }

    [Fact]
    public void DeleteFindsAPeerInAnyFileAndRewritesOrRemovesIt()
    {
        var (exit, _, stderr) = _repo.Run("peer-delete", "198.18.0.10");
        Assert.True(exit == 0, stderr);
        Assert.Equal($"{VerbsRepository.Author}|peer-delete: 198.18.0.10", _repo.LastCommit());
        Assert.Equal("(peer (addr 198.18.0.9))\n", _repo.Show("peers/all.sxp"));
        Assert.Equal(0, _repo.Run("peer-delete", "198.18.0.9").Exit);
        Assert.Equal(["D peers/all.sxp"], _repo.LastChange());
        Assert.Equal("", _repo.Run("peers").Out);
        Assert.Contains("no peer 198.18.0.9", _repo.Run("peer-delete", "198.18.0.9").Err);
    }

    [Fact]
    public void PeersListsEveryPeerInPathOrder()
    {
        Assert.Equal(0, _repo.Run("peer-add", "198.18.0.5").Exit);
        Assert.Equal("(peer (addr 198.18.0.5))\n(peer (addr 198.18.0.9))\n(peer (addr 198.18.0.10))\n", _repo.Run("peers").Out);
    }
}
