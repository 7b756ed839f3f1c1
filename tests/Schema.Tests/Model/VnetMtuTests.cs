using System.Net;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Tests.Model;

/// <summary>The table of SPEC §3.3.</summary>
public sealed class VnetMtuTests
{
    [Theory]
    [InlineData(Encapsulation.Udp, null, 1436)]
    [InlineData(Encapsulation.Vxlan, null, 1450)]
    [InlineData(Encapsulation.Udp, EspSuite.AesGcm128, 1424)]
    [InlineData(Encapsulation.Udp, EspSuite.NullHmacSha256_128, 1432)]
    [InlineData(Encapsulation.Udp, EspSuite.NullHmacSha1_96, 1436)]
    [InlineData(Encapsulation.Udp, EspSuite.AesCbc128HmacSha1_96, 1408)]
    public void Overhead_matches_the_spec_table_on_a_1500_underlay(Encapsulation encapsulation, EspSuite? suite, int mtu) =>
        Assert.Equal(mtu, 1500 - VnetMtu.Overhead(encapsulation, suite));

    [Fact]
    public void The_mtu_is_the_minimum_over_the_hosts_that_carry_the_vnet()
    {
        var vnet = Vnet.Create(VnetId.Parse("97"), Security.Conf) with { Hosts = ["a", "b"] };
        var state = new DesiredState
        {
            Fleet = new Fleet { UnderlayMtu = 9000 },
            Vnets = [vnet],
            Hosts =
            [
                new Host { Name = "a", Address = IPAddress.Parse("198.18.0.1") },
                new Host { Name = "b", Address = IPAddress.Parse("198.18.0.2"), UnderlayMtu = 1500 },
                new Host { Name = "c", Address = IPAddress.Parse("198.18.0.3"), UnderlayMtu = 1280 },
            ],
        };
        Assert.Equal(1424, state.MtuOf(vnet));
        Assert.Equal(1400, state.MtuOf(vnet with { Mtu = 1400 }));
        Assert.Equal(9000 - 64, state.MtuOf(Vnet.Create(VnetId.Parse("98")) with { Hosts = ["a"] }));
        Assert.Equal(1280 - 64, state.MtuOf(Vnet.Create(VnetId.Parse("99"))));
    }
}
