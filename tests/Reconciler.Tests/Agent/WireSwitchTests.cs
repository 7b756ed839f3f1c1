using System.Net;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.State;
using VnetReconciler.Reconciler.Status;
using VnetReconciler.Reconciler.Tests.Planning;
using VnetReconciler.Reconciler.Tests.Rollout;
using VnetReconciler.Schema.Model;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>SPEC §6.4 wire changes in the agent: when senders switch, and when the old settings stop being accepted.</summary>
public sealed class WireSwitchTests : IDisposable
{
    private const string Vnet97 = "0000:0000:0000:0000:0000:0000:0000:0097";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vnet-wire-");
    private readonly FakeKernel _kernel = new();
    private readonly TunnelEngine _engine = new(new MemoryPlatform(), TimeProvider.System);
    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));

    private string Tree => Path.Combine(_dir.FullName, "tree");
    private string StateDir => Path.Combine(_dir.FullName, "state");

    public WireSwitchTests()
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

    private TunnelVnet Engine97() => _engine.Observe().Config!.Vnets.Single(v => v.Vnetif == "vnif97");

    [Fact]
    public async Task WithoutAStatusRemoteSendersSwitchAtOnceAndTheOldSettingsGoAfterTheHold()
    {
        Directory.CreateDirectory(StateDir);
        var inventory = new FileInventory(StateDir);
        var tables = new EngineTunnelTables(_engine);
        var cycle = new ReconcileCycle(new DesiredSource(Tree, "HEAD", StateDir, Reconciler.Sources.TrustPolicy.None, TimeProvider.System), "host-a",
            null, new HostConverger(_kernel, inventory, tables), inventory, new AppliedStateStore(StateDir), tables, _clock)
        {
            Wires = new WireSwitch(tables, "host-a", _clock) { Interval = TimeSpan.FromSeconds(1) },
        };
        Assert.Equal(CycleResult.Success, (await cycle.RunAsync(CycleTrigger.Startup, CancellationToken.None)).Record.Result);
        Assert.Null(Engine97().Previous); // the first configuration starts no wire change: nothing was sent before
        Assert.Empty(tables.WireChanges);

        Write("vnets/vnet97.sxp", "(vnet (id 97) (bridge vnet97) (vnetif vnif97) (security conf))\n");
        var applied = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Equal(CycleResult.Success, applied.Record.Result);
        Assert.Contains(applied.Plan!.Changes, c => c.WireChange && c.Vnet == Vnet97);
        Assert.Equal(VnetSecurity.Conf, Engine97().Security);
        Assert.Equal(new WireTransition { Security = VnetSecurity.None, SendPrevious = false }, Engine97().Previous);
        Assert.Contains(applied.Notes, n => n.StartsWith("vnet 97: wire change security=none → security=conf", StringComparison.Ordinal)
            && n.Contains("senders switched", StringComparison.Ordinal));

        _clock.Advance(TimeSpan.FromSeconds(5));
        var held = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Empty(held.Plan!.Changes); // the transition is no drift
        Assert.NotNull(Engine97().Previous);
        _clock.Advance(WireSwitch.MinimumHold);
        var done = await cycle.RunAsync(CycleTrigger.Poll, CancellationToken.None);
        Assert.Null(Engine97().Previous);
        Assert.Empty(tables.WireChanges);
        Assert.DoesNotContain(done.Notes, n => n.Contains("wire change", StringComparison.Ordinal));
    }

    [Fact]
    public void TheTablesTrackWhatFramesLeaveInAcrossConfigurations()
    {
        var tables = new EngineTunnelTables(_engine);
        tables.Use(new TunnelSettings { LocalAddress = IPAddress.Parse("198.18.0.1") });
        var none = new TunnelVnetSpec { Id = Vnet97, Vnetif = "vnif97", Mtu = 1436, Port = 1798, Peers = new[] { "198.18.0.2" }.ToEquatableArray() };
        var conf = none with { Security = Security.Conf, Suite = EspSuite.AesGcm128, Key = "97", Mtu = 1424, Port = 4500 };
        tables.Configure([none]);
        tables.Configure([conf]);
        Assert.Equal(none, Assert.Single(tables.WireChanges).Previous);
        tables.Configure([conf with { Peers = new[] { "198.18.0.2", "198.18.0.3" }.ToEquatableArray() }]); // a peer change keeps it
        Assert.False(Assert.Single(tables.WireChanges).Switched);
        tables.Configure([none]); // reverted before the switch: nothing to roll out
        Assert.Empty(tables.WireChanges);
        Assert.Null(Engine97().Previous);

        tables.Configure([conf]);
        tables.SwitchSenders(Vnet97, _clock.GetUtcNow());
        Assert.False(Engine97().Previous!.SendPrevious);
        var vxlan = none with { Encapsulation = Schema.Model.Encapsulation.Vxlan, Port = 4789 };
        tables.Configure([vxlan]); // a newer change after the switch starts from what frames leave in now
        var next = Assert.Single(tables.WireChanges);
        Assert.Equal(conf, next.Previous);
        Assert.Equal(new WireTransition { Security = VnetSecurity.Conf, SendPrevious = true }, Engine97().Previous);
        tables.FinishWireChange(Vnet97);
        Assert.Null(Engine97().Previous);
    }

    [Fact]
    public void SendersWaitForEveryFreshCarrierThatHasNotAppliedTheRevision()
    {
        var v97 = VnetId.Parse("97");
        var state = ConvergerTests.Fleet(Vnet.Create(v97)) with
        {
            Hosts =
            [
                .. ConvergerTests.Fleet().Hosts,
                new Host { Name = "host-c", Address = IPAddress.Parse("198.18.0.3") },
                new Host { Name = "host-d", Address = IPAddress.Parse("198.18.0.4") },
                new Host { Name = "host-e", Address = IPAddress.Parse("198.18.0.5") },
            ],
        };
        PublishedStatus Published(string host, string applied, TimeSpan? age = null) => new()
        {
            Host = host, CommitId = "c-" + host, Document = StatusFixture.Document(host, applied), Age = age ?? TimeSpan.FromSeconds(4),
            IsStale = age is null ? false : age > TimeSpan.FromSeconds(3),
        };
        var fleet = new FleetSnapshot
        {
            HasRemote = true,
            Hosts = [Published("host-a", "old"), Published("host-b", "new"), Published("host-c", "old", TimeSpan.FromSeconds(10)),
                Published("host-d", "old", state.Fleet.Grace + TimeSpan.FromSeconds(1))],
        };
        var (waiting, reported) = WireSwitch.Gate(state, Vnet97, "host-a", "new", fleet);
        // host-c is a little late (the reader's own staleness) and still holds the switch; host-d has been silent for longer
        // than grace and host-e never reported: neither is running to hear anything.
        Assert.Equal(["host-c"], waiting);
        Assert.Equal(["host-b"], reported.Select(h => h.Name));
        var noRemote = WireSwitch.Gate(state, Vnet97, "host-a", "new", FleetSnapshot.Empty);
        Assert.Empty(noRemote.Waiting);
        Assert.Empty(noRemote.Reported);
    }

    public void Dispose()
    {
        _engine.Dispose();
        _dir.Delete(recursive: true);
    }
}
