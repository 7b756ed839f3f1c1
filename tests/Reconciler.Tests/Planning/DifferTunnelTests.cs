using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Tests.Planning;

public sealed class DifferTunnelTests
{
    private static TunnelVnetSpec Vnet97(Security security = Security.None, params string[] peers) => new()
    {
        Id = "0000:0000:0000:0000:0000:0000:0000:0097", Vnetif = "vnif0097", Security = security,
        Suite = security == Security.None ? null : EspSuite.AesGcm128, Mtu = 1436, Port = security == Security.None ? 1798 : 4500,
        Peers = peers.ToEquatableArray(),
    };

    private static Plan Diff(TunnelVnetSpec[] want, TunnelVnetSpec[] have) => Differ.Diff("host-a", "r", new HostSpec { Tunnel = want.ToEquatableArray() },
        new Observation { Spec = new HostSpec { Tunnel = have.ToEquatableArray() } }, new Dictionary<string, int>());

    [Fact]
    public void SecurityChangeIsAWireChange()
    {
        var plan = Diff([Vnet97(Security.Conf, "198.18.0.2")], [Vnet97(Security.None, "198.18.0.2")]);
        var change = Assert.Single(plan.Changes);
        Assert.True(change.WireChange);
        Assert.Contains("security=none", change.Before);
        Assert.Contains("security=conf", change.After);
    }

    [Fact]
    public void PeersAreAddedAndRemovedOneByOneAndRemovalsComeFirst()
    {
        var plan = Diff([Vnet97(Security.None, "198.18.0.2", "198.18.0.3")], [Vnet97(Security.None, "198.18.0.2", "198.18.0.9")]);
        Assert.Equal(["delete 198.18.0.9", "create 198.18.0.3"], plan.Changes.Select(c => $"{c.Action.ToString().ToLowerInvariant()} {c.Name}"));
        Assert.All(plan.Changes, c => Assert.False(c.WireChange));
    }

    [Fact]
    public void UnobservedTunnelIsNotDiffed()
    {
        var plan = Differ.Diff("host-a", "r", new HostSpec { Tunnel = [Vnet97()] }, new Observation { Spec = new HostSpec() },
            new Dictionary<string, int>());
        Assert.False(plan.TunnelObserved);
        Assert.Empty(plan.Changes);
    }
}
