using System.Net;
using VnetReconciler.Schema.Model;
using VnetReconciler.Schema.Sxp;
using VnetReconciler.Schema.Yaml;

namespace VnetReconciler.Schema.Tests.Sxp;

/// <summary>The canonical forms that <c>vnetctl vnet-list --long</c> and <c>vnet-create</c> print.</summary>
public sealed class SxpWriterTests
{
    private static readonly Host HostA = new()
    {
        Name = "host-a",
        Address = IPAddress.Parse("198.18.0.1"),
        Ports = [new Port { Name = "tap97", Vnet = VnetId.Parse("97"), Type = PortType.Tap, Owner = 1000 }],
        Vifs = [new Vif { Mac = Mac.Parse("aa:00:00:11:00:12"), Bridge = "vnet97" }],
    };

    [Fact]
    public void A_vnet_shows_its_id_names_and_security()
    {
        Assert.Equal("(vnet (id 97) (bridge vnet97) (vnetif vnif0097) (security none))\n", SxpWriter.Write(Vnet.Create(VnetId.Parse("97"))));
        var vnet = Vnet.Create(VnetId.Parse("1:0:0:0:0:0:0:2"), Security.Conf) with { Bridge = "br", Vnetif = "vif", Suite = EspSuite.AesCbc128HmacSha1_96, Mtu = 1400 };
        Assert.Equal("(vnet (id 0001:0000:0000:0000:0000:0000:0000:0002) (bridge br) (vnetif vif) (security conf) (suite aes-cbc-128-hmac-sha1-96) (mtu 1400))\n", SxpWriter.Write(vnet));
    }

    [Fact]
    public void A_host_puts_each_port_on_its_own_line() =>
        Assert.Equal(
            "(host (name host-a) (address 198.18.0.1)\n  (port (name tap97) (vnet 97) (type tap) (owner 1000))\n  (vif (mac aa:00:00:11:00:12) (bridge vnet97)))\n",
            SxpWriter.Write(HostA));

    [Fact]
    public void Yaml_is_the_twin_with_text_quoted()
    {
        Assert.Equal("vnet:\n  id: \"97\"\n  bridge: vnet97\n  vnetif: vnif0097\n  security: none\n", YamlWriter.Write(Vnet.Create(VnetId.Parse("97"))));
        Assert.Equal(
            "host:\n  name: host-a\n  address: 198.18.0.1\n  port:\n    - name: tap97\n      vnet: \"97\"\n      type: tap\n      owner: 1000\n  vif:\n    - mac: \"aa:00:00:11:00:12\"\n      bridge: vnet97\n",
            YamlWriter.Write(HostA));
        Assert.Equal("peer:\n  addr: 198.18.0.9\n  vnets: [\"97\", \"98\"]\n", YamlWriter.Write(new Peer { Address = IPAddress.Parse("198.18.0.9"), Vnets = [VnetId.Parse("97"), VnetId.Parse("98")] }));
    }
}
