using VnetReconciler.Dataplane;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.State;
using VnetReconciler.Reconciler.Status;
using VnetReconciler.Reconciler.Tests.Planning;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>One agent cycle against an in-memory kernel and a tunnel engine on an in-memory platform.</summary>
public sealed class ReconcileCycleTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vnet-cycle-");
    private readonly FakeKernel _kernel = new();
    private readonly TunnelEngine _engine = new(new MemoryPlatform(), TimeProvider.System);

    private string Tree => Path.Combine(_dir.FullName, "tree");
    private string State => Path.Combine(_dir.FullName, "state");

    public ReconcileCycleTests()
    {
        foreach (var (path, text) in RepoPaths.ExampleFiles()) Write(path, text!);
        _kernel.Add("vm-a97", KernelLinkKind.Veth);
    }

    private void Write(string path, string text)
    {
        var full = Path.Combine(Tree, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private ReconcileCycle Cycle(string host = "host-a")
    {
        Directory.CreateDirectory(State);
        var inventory = new FileInventory(State);
        var tables = new EngineTunnelTables(_engine);
        return new ReconcileCycle(new DesiredSource(Tree, "HEAD", State, Reconciler.Sources.TrustPolicy.None, TimeProvider.System), host, null,
            new HostConverger(_kernel, inventory, tables), inventory, new AppliedStateStore(State), tables, TimeProvider.System);
    }

    [Fact]
    public async Task ACycleConvergesKernelAndTunnelAndTheNextFindsNothingToDo()
    {
        var cycle = Cycle();
        var first = await cycle.RunAsync(CycleTrigger.Startup, CancellationToken.None);
        Assert.Equal(CycleResult.Success, first.Record.Result);
        Assert.True(first.Record.StepsRun > 0);
        Assert.Contains(first.Plan!.Changes, c => c.Kind == ChangeKind.Vnet);
        Assert.Equal(3, _engine.Observe().Config!.Vnets.Count);
        Assert.Equal("vnet97", _kernel.Dump().Single(l => l.Name == "vm-a97").Master);

        // The engine's tables read back as exactly the intent: no spurious tunnel change, ever.
        var second = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Success, second.Record.Result);
        Assert.Empty(second.Plan!.Changes);
        var peers = _engine.Observe().Config!.Vnets.Single(v => v.Vnetif == "vnif97").Peers.Select(p => p.ToString());
        Assert.Equal(["198.18.0.2", "198.18.0.3", "198.18.0.9"], peers.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AKernelEventHealsTowardsTheRevisionInForceWithoutReadingANewOne()
    {
        var cycle = Cycle();
        await cycle.RunAsync(CycleTrigger.Startup, CancellationToken.None);
        Write("vnets/vnet99.sxp", "(vnet (id 99) (bridge vnet99) (vnetif vnif99))\n");
        _kernel.SetMaster("vm-a97", null);

        var heal = await cycle.RunAsync(CycleTrigger.LinkEvent, CancellationToken.None);
        Assert.Equal(CycleResult.Success, heal.Record.Result);
        Assert.Equal("vnet97", _kernel.Dump().Single(l => l.Name == "vm-a97").Master);
        Assert.DoesNotContain(_kernel.Dump(), l => l.Name == "vnet99");

        await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Contains(_kernel.Dump(), l => l.Name == "vnet99");
    }

    [Fact]
    public async Task SuspendedObservesAndReportsButChangesNothing()
    {
        var cycle = Cycle();
        cycle.Suspended = true;
        var report = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Suspended, report.Record.Result);
        Assert.True(report.Remaining!.HasChanges);
        Assert.Equal(["vm-a97"], _kernel.Dump().Select(l => l.Name));
        Assert.Null(_engine.Observe().Config);
    }

    [Fact]
    public async Task AnInvalidTreeStallsWithPositionsAndAnUndeclaredHostStalls()
    {
        Write("vnets/broken.sxp", "(vnet (id 77)\n  (bridge");
        var report = await Cycle().RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Stalled, report.Record.Result);
        var error = Assert.Single(StatusBook.Errors(report), e => e.File is not null);
        Assert.Equal("vnets/broken.sxp", error.File);
        Assert.True(error.Line > 0);
        Assert.Equal(["vm-a97"], _kernel.Dump().Select(l => l.Name));

        File.Delete(Path.Combine(Tree, "vnets/broken.sxp"));
        var nobody = await Cycle("host-z").RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Stalled, nobody.Record.Result);
        Assert.Contains("host-z", nobody.Record.Message);
    }

    [Fact]
    public async Task SecureVnetsAreConfiguredInTheTunnelWithTheirSecurity()
    {
        var report = await Cycle().RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.DoesNotContain(report.Notes, n => n.Contains("ESP", StringComparison.Ordinal));
        Assert.Contains(_engine.Observe().Config!.Vnets, v => v.Security == VnetSecurity.Conf);
    }

    public void Dispose()
    {
        _engine.Dispose();
        _dir.Delete(recursive: true);
    }
}
