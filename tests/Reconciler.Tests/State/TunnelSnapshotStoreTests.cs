using System.Net;
using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.State;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Tests.State;

/// <summary>The tunnel snapshot a restarted agent carries at once: a lossless round trip, written only when it changes.</summary>
public sealed class TunnelSnapshotStoreTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vnet-tunnel-snapshot-");

    private static readonly TunnelSettings Settings = new()
    {
        LocalAddress = IPAddress.Parse("198.18.0.1"), Port = 1798, VxlanPort = 4789, Flood = Dataplane.Tunnel.FloodMode.Multicast,
        FloodGroup = IPAddress.Parse("198.18.0.255"), AcceptUnknownPeers = true, RelayPeers = new[] { IPAddress.Parse("198.18.0.9") },
        Bridges = new Dictionary<string, string> { ["0000:0000:0000:0000:0000:0000:0000:0097"] = "vnet97" },
    };

    private static readonly EquatableArray<TunnelVnetSpec> Vnets = new[]
    {
        new TunnelVnetSpec
        {
            Id = "0000:0000:0000:0000:0000:0000:0000:0097", Vnetif = "vnif97", Mtu = 1436, Port = 1798,
            Peers = new[] { "198.18.0.2" }.ToEquatableArray(), AnnouncedMacs = new[] { "aa:00:00:11:00:12" }.ToEquatableArray(),
        },
        new TunnelVnetSpec
        {
            Id = "0000:0000:0000:0000:0000:0000:0000:00b1", Vnetif = "vnifb1", Encapsulation = Encapsulation.Vxlan, Security = Security.Conf,
            Suite = EspSuite.AesGcm128, Key = "blue", Mtu = 1400, Port = 4500, Peers = new[] { "198.18.0.2", "198.18.0.3" }.ToEquatableArray(),
            AnnouncedMacs = EquatableArray<string>.Empty,
        },
    }.ToEquatableArray();

    [Fact]
    public void ASnapshotReadsBackAsTheSettingsAndVnetsItWasMadeOf()
    {
        var store = new TunnelSnapshotStore(_dir.FullName);
        Assert.True(store.Save(TunnelRestore.ToSnapshot("c0ffee", Settings, Vnets)));
        var loaded = store.Load(out var problem);
        Assert.Null(problem);
        Assert.Equal("c0ffee", loaded!.Revision);
        Assert.True(TunnelRestore.TryRead(loaded, out var settings, out var vnets, out problem), problem);
        Assert.Equal(Vnets, vnets);
        Assert.Equal((Settings.LocalAddress, Settings.Port, Settings.VxlanPort, Settings.Flood, Settings.FloodGroup, Settings.AcceptUnknownPeers),
            (settings!.LocalAddress, settings.Port, settings.VxlanPort, settings.Flood, settings.FloodGroup, settings.AcceptUnknownPeers));
        Assert.Equal(Settings.RelayPeers, settings.RelayPeers);
        Assert.Equal("vnet97", settings.Bridges["0000:0000:0000:0000:0000:0000:0000:0097"]);
    }

    [Fact]
    public void AnUnchangedSnapshotIsNotWrittenAgain()
    {
        var store = new TunnelSnapshotStore(_dir.FullName);
        Assert.True(store.Save(TunnelRestore.ToSnapshot("r1", Settings, Vnets)));
        Assert.False(store.Save(TunnelRestore.ToSnapshot("r1", Settings, Vnets)));
        Assert.True(store.Save(TunnelRestore.ToSnapshot("r2", Settings, Vnets)));
    }

    [Fact]
    public void AnUnreadableSnapshotIsAProblemNotACrash()
    {
        var store = new TunnelSnapshotStore(_dir.FullName);
        Assert.Null(store.Load(out var problem));
        Assert.Null(problem);
        File.WriteAllText(Path.Combine(_dir.FullName, TunnelSnapshotStore.FileName), "{ broken");
        Assert.Null(store.Load(out problem));
        Assert.Contains(TunnelSnapshotStore.FileName, problem);
        var bad = TunnelRestore.ToSnapshot("r1", Settings, Vnets) with { LocalAddress = "not-an-address" };
        Assert.False(TunnelRestore.TryRead(bad, out _, out _, out problem));
        Assert.NotNull(problem);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
