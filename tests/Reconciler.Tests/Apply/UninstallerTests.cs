using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.Tests.Planning;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Tests.Apply;

/// <summary><c>vnetctl uninstall</c>'s logic against the in-memory kernel: only what the agent owns goes, adopted ports are released.</summary>
public sealed class UninstallerTests
{
    private static readonly VnetId V97 = VnetId.Parse("97");

    /// <summary>host-a converged on vnet 97 (bridge, vnetif, a TAP port, an adopted veth), beside links that are not ours.</summary>
    private static (FakeKernel Kernel, MemoryInventory Inventory) Converged()
    {
        var kernel = new FakeKernel();
        kernel.Add("vm-a97", KernelLinkKind.Veth);
        kernel.Add("theirbr", KernelLinkKind.Bridge, mtu: 1400);
        var inventory = new MemoryInventory();
        var intent = IntentMapper.Map(ConvergerTests.Fleet(Vnet.Create(V97)), "host-a", out _)!;
        var converger = new HostConverger(kernel, inventory);
        Assert.Equal(ApplyOutcome.Converged, converger.Apply(converger.Plan(intent, "r1"), intent).Outcome);
        kernel.Add("foreign0", KernelLinkKind.Veth, master: "vnet97"); // someone else enslaved it to our bridge
        return (kernel, inventory);
    }

    private static string[] Steps(UninstallPlan plan) =>
        [.. plan.Changes.Select(c => $"{c.Action.ToString().ToLowerInvariant()} {c.Kind.ToString().ToLowerInvariant()} {c.Name}")];

    [Fact]
    public void ReleasesAdoptedPortsFirstThenDeletesMembersBeforeBridges()
    {
        var (kernel, inventory) = Converged();
        var plan = Uninstaller.Plan(kernel.Dump(), inventory.Entries);
        Assert.Equal(["update port vm-a97", "delete tap tap-a97", "delete vnetif vnif0097", "delete bridge vnet97"], Steps(plan));
        Assert.Equal((1, 3), (plan.Releases, plan.Deletions));
        Assert.Contains(plan.Notes, n => n.StartsWith("foreign0 was enslaved to vnet97 by someone else", StringComparison.Ordinal));
    }

    [Fact]
    public void ExecuteLeavesOnlyWhatIsNotOursAndGivesReleasedPortsTheirMtuBack()
    {
        var (kernel, inventory) = Converged();
        kernel.Calls.Clear();
        var result = Uninstaller.Execute(Uninstaller.Plan(kernel.Dump(), inventory.Entries), kernel);

        Assert.True(result.Succeeded);
        Assert.Equal(4, result.Done.Count);
        Assert.Equal(["master vm-a97 none", "mtu vm-a97 1500", "delete tap-a97", "delete vnif0097", "delete vnet97"], kernel.Calls);
        Assert.Equal(["foreign0", "theirbr", "vm-a97"], kernel.Dump().Select(l => l.Name));
        Assert.Null(kernel["vm-a97"].Master);
        Assert.Equal(1500, kernel["vm-a97"].Mtu); // the MTU it had when it was adopted
        Assert.Equal(1400, kernel["theirbr"].Mtu);
        Assert.Empty(Uninstaller.Plan(kernel.Dump(), []).Changes); // nothing of ours is left, even without the inventory
    }

    [Fact]
    public void OwnedLinksAreFoundByTheirAliasWithoutAnInventory()
    {
        var (kernel, _) = Converged();
        var plan = Uninstaller.Plan(kernel.Dump(), []);
        Assert.Equal(["delete tap tap-a97", "delete vnetif vnif0097", "delete bridge vnet97"], Steps(plan));
    }

    [Fact]
    public void AnUnmarkedInventoryLinkIsDeletedAndARenamedOrForeignOneIsNot()
    {
        var kernel = new FakeKernel();
        kernel.Add("vnet97", KernelLinkKind.Bridge); // created, crash before the alias was set
        kernel.Add("vnif97", KernelLinkKind.Tun, alias: "somebody else's");
        InventoryEntry[] inventory =
        [
            new("vnet97", LinkRole.Bridge, V97.ToString()), new("vnif97", LinkRole.Vnetif, V97.ToString()),
            new("gone0", LinkRole.Tap, V97.ToString()),
        ];
        var plan = Uninstaller.Plan(kernel.Dump(), inventory);
        Assert.Equal(["delete bridge vnet97"], Steps(plan));
        Assert.Contains(plan.Notes, n => n.Contains("vnif97 is in the inventory but carries another alias", StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.Contains("gone0 is in the inventory but no longer exists", StringComparison.Ordinal));
    }

    [Fact]
    public void AnAdoptedPortOnSomeoneElsesBridgeIsLeftAlone()
    {
        var kernel = new FakeKernel();
        kernel.Add("theirbr", KernelLinkKind.Bridge);
        kernel.Add("vm-a97", KernelLinkKind.Veth, master: "theirbr");
        kernel.Add("vm-b97", KernelLinkKind.Veth);
        var plan = Uninstaller.Plan(kernel.Dump(),
            [new("vm-a97", LinkRole.Port, V97.ToString()), new("vm-b97", LinkRole.Port, V97.ToString()), new("vm-c97", LinkRole.Port, V97.ToString())]);
        Assert.Empty(plan.Changes);
        Assert.Equal(3, plan.Notes.Count);
        Assert.Contains(plan.Notes, n => n.Contains("enslaved to theirbr, which vnet-reconciler does not own", StringComparison.Ordinal));
    }

    [Fact]
    public void AFailedStepIsReportedAndTheOthersStillRun()
    {
        var (kernel, inventory) = Converged();
        var plan = Uninstaller.Plan(kernel.Dump(), inventory.Entries);
        var result = Uninstaller.Execute(plan, new RefusingKernel(kernel, "vnif0097"));
        Assert.False(result.Succeeded);
        var failure = Assert.Single(result.Failures);
        Assert.Equal("vnif0097", failure.Name);
        Assert.True(failure.Transient);
        Assert.False(kernel.Has("vnet97"));
        Assert.True(kernel.Has("vnif0097"));
    }

    [Fact]
    public void ALinkThatWentAwayMeanwhileCountsAsRemoved()
    {
        var (kernel, inventory) = Converged();
        var plan = Uninstaller.Plan(kernel.Dump(), inventory.Entries);
        kernel.Delete("tap-a97");
        var result = Uninstaller.Execute(plan, kernel);
        Assert.True(result.Succeeded);
        Assert.Contains(result.Done, c => c.Name == "tap-a97");
    }

    /// <summary>A kernel that answers EBUSY when one link is deleted.</summary>
    private sealed class RefusingKernel(FakeKernel inner, string refuse) : IKernelLinks
    {
        public IReadOnlyList<KernelLink> Dump() => inner.Dump();
        public void CreateBridge(string name, int mtu, string alias, bool up) => inner.CreateBridge(name, mtu, alias, up);
        public void CreateTap(string name, uint? owner, uint? group, int mtu, string alias, string? master, bool up) =>
            inner.CreateTap(name, owner, group, mtu, alias, master, up);
        public void SetTapOwner(string name, uint? owner, uint? group) => inner.SetTapOwner(name, owner, group);
        public void SetMaster(string name, string? master) => inner.SetMaster(name, master);
        public void SetMtu(string name, int mtu) => inner.SetMtu(name, mtu);
        public void SetAlias(string name, string alias) => inner.SetAlias(name, alias);
        public void SetUp(string name, bool up) => inner.SetUp(name, up);

        public void Delete(string name)
        {
            if (name == refuse) throw new KernelOperationException($"{name}: Device or resource busy", true);
            inner.Delete(name);
        }
    }
}
