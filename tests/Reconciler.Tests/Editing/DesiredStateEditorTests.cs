using VnetReconciler.Reconciler.Editing;
using VnetReconciler.Reconciler.Tests.Cli;
using VnetReconciler.Reconciler.Tests.Sources;

namespace VnetReconciler.Reconciler.Tests.Editing;

public sealed class DesiredStateEditorTests : IDisposable
{
    private readonly VerbsRepository _repo = new();

    public void Dispose() => _repo.Dispose();

    private async Task<DesiredStateEditor> OpenAsync()
    {
        var (editor, error) = await DesiredStateEditor.OpenAsync(_repo.Work, TestRepository.ProductGit(), CancellationToken.None);
        Assert.True(editor is not null, error);
        return editor;
    }

    [Fact]
    public async Task OpensHeadsCommittedTreeNotTheWorkingTree()
    {
        File.WriteAllText(Path.Combine(_repo.Work, "vnets", "junk.sxp"), "(vnet (id");
        var editor = await OpenAsync();
        Assert.Equal(_repo.Head(), editor.HeadCommit);
        Assert.Equal("refs/heads/main", editor.Branch);
        Assert.False(editor.Loaded.HasErrors);
        Assert.Equal(5, editor.Loaded.State!.Vnets.Count);
        Assert.Null(editor.FileAt("vnets/junk.sxp"));
    }

    [Fact]
    public async Task ABranchThatMovedAfterTheTreeWasReadIsRefusedAndNothingIsWritten()
    {
        var editor = await OpenAsync();
        var moved = _repo.Repo.Commit("README", "elsewhere\n");
        var result = await editor.CommitAsync([new FileEdit("peers/p.sxp", "(peer (addr 198.18.0.40))\n")], "peer-add: 198.18.0.40", CancellationToken.None);
        Assert.Equal(EditStatus.Refused, result.Status);
        Assert.Contains("main moved", result.Message);
        Assert.Equal(moved, _repo.Head());
        Assert.False(File.Exists(Path.Combine(_repo.Work, "peers", "p.sxp")));
    }

    [Fact]
    public async Task AnEditThatBreaksTheTreeReturnsEveryDiagnosticAndCommitsNothing()
    {
        var editor = await OpenAsync();
        var head = _repo.Head();
        var result = await editor.CommitAsync([new FileEdit("vnets/vnet97.sxp", null), new FileEdit("peers/all.sxp", "(peer (addr 198.18.0.9) (vnets 97))\n")],
            "x", CancellationToken.None);
        Assert.Equal(EditStatus.Invalid, result.Status);
        Assert.Equal(["hosts/host-a.sxp", "peers/all.sxp"], result.Diagnostics.Select(d => d.File).Distinct());
        Assert.Equal(head, _repo.Head());
        Assert.True(File.Exists(Path.Combine(_repo.Work, "vnets", "vnet97.sxp")));
    }
}
