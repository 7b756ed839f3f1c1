using System.Text;
using FsCheck;
using FsCheck.Fluent;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Tests.Validation;

public sealed class LoaderTests
{
    private static LoadResult Load(params (string Path, string Text)[] files) =>
        DesiredStateLoader.Load(files.Select(f => new SourceFile(f.Path, f.Text)));

    [Fact]
    public void Sxp_and_yaml_describe_one_model()
    {
        var sxp = Load(("vnets/a.sxp", "(vnet (id 97) (security conf) (hosts h))"), ("hosts/h.sxp", "(host (name h) (address 198.18.0.1) (port (name p) (vnet 97) (type tap) (owner 0)))"));
        var yaml = Load(("vnets/a.yaml", "vnet: {id: \"97\", security: conf, hosts: [h]}"), ("hosts/h.yaml", "host: {name: h, address: 198.18.0.1, port: [{name: p, vnet: \"97\", type: tap, owner: 0}]}"));
        Assert.Empty(sxp.Diagnostics);
        Assert.Equal(sxp.State, yaml.State);
        var vnet = sxp.State!.Vnets.Single();
        Assert.Equal(("vnet97", "vnif0097", "97", EspSuite.AesGcm128), (vnet.Bridge, vnet.Vnetif, vnet.Key, vnet.Suite));
        Assert.Equal(1424, sxp.State.MtuOf(vnet));
    }

    [Fact]
    public void Fleet_defaults_are_applied()
    {
        var fleet = Load(("fleet.yaml", "fleet:\n  interval: 1m\n")).State!.Fleet;
        Assert.Equal((TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), 1798, 4500, 4789, 1500), (fleet.Interval, fleet.Grace, fleet.Port, fleet.EspPort, fleet.VxlanPort, fleet.UnderlayMtu));
        Assert.Equal("224.10.0.1", fleet.MulticastGroup.ToString());
        Assert.True(fleet.Status.Push);
        Assert.Equal(Fleet.Default, Load().State!.Fleet);
    }

    [Fact]
    public void Vif_forms_become_link_ports_or_announced_macs()
    {
        var state = Load(("vnets/v.sxp", "(vnet (id 97))"),
            ("hosts/h.sxp", "(host (name h) (address 198.18.0.1) (vif (mac aa:00:00:11:00:12) (bridge vnet97) (name vif12.0)) (device (vif (mac aa:00:00:11:00:13) (bridge vnet97))))")).State!;
        var host = state.Hosts.Single();
        var port = Assert.Single(state.PortsOf(host));
        Assert.Equal(("vif12.0", PortType.Link, "aa:00:00:11:00:12"), (port.Name, port.Type, port.Mac.ToString()));
        Assert.Equal(new AnnouncedMac(Mac.Parse("aa:00:00:11:00:13"), VnetId.Parse("97")), Assert.Single(state.AnnouncedMacsOf(host)));
    }

    [Fact]
    public void The_example_fleet_validates()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "testdata", "schema", "valid-example-fleet", "input");
        var result = DesiredStateLoader.LoadDirectory(dir);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(3, result.State!.Vnets.Count);
    }

    [Fact]
    public void A_missing_directory_is_a_diagnostic()
    {
        var result = DesiredStateLoader.LoadDirectory("/nonexistent/desired-state");
        Assert.True(result.HasErrors);
        Assert.Contains("no such directory", Assert.Single(result.Diagnostics).Message);
    }

    /// <summary>User mistakes never raise exceptions: random damage to valid files gives diagnostics, never a throw.</summary>
    [Fact]
    public void Damaged_files_never_throw()
    {
        string[] seeds =
        [
            "(vnet (id 97) (bridge \"vnet97\") (security conf) (hosts a b))\n",
            "(host (name a) (address 198.18.0.1) (port (name p) (vnet 97)) (device (vif (mac aa:00:00:11:00:12) (bridge vnet97))))\n",
            "vnet:\n  id: \"97\"\n  hosts: [a, b]\n  mtu: 1400\n",
            "fleet:\n  rollout:\n    - {name: a, hosts: [a], window: {cron: '0 0 1 * * ?', duration: 1h}}\n  status: {push: false}\n",
        ];
        string[] paths = ["vnets/a.sxp", "hosts/a.sxp", "vnets/b.yaml", "fleet.yaml"];
        var damage =
            from seed in Gen.Choose(0, seeds.Length - 1)
            from edits in Gen.ListOf(Gen.Zip(Gen.Choose(0, 200), Gen.Elements("(", ")", "\"", "'", "\\", ":", "-", " ", "\n", "#", "{", "}", "[", "]", "0", "1", "x", "")), 4)
            select (seed, edits);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(damage.ToArbitrary(), d =>
        {
            var text = new StringBuilder(seeds[d.seed]);
            foreach (var (at, s) in d.edits)
            {
                var i = Math.Min(at, text.Length);
                if (s.Length == 0 && i < text.Length) text.Remove(i, 1);
                else text.Insert(i, s);
            }
            var result = Load((paths[d.seed], text.ToString()), ("hosts/b.sxp", "(host (name b) (address 198.18.0.2))"));
            Assert.Equal(result.HasErrors, result.State is null);
        }));
    }
}
