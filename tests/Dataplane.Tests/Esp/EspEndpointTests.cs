using System.Net;
using VnetReconciler.Dataplane.Esp;
using static VnetReconciler.Dataplane.Tests.Esp.EspTestbed;

namespace VnetReconciler.Dataplane.Tests.Esp;

/// <summary>The facade's packet path: lookups by (vnet, peer) and SPI, drops counted per reason, never delivered.</summary>
public sealed class EspEndpointTests
{
    [Fact]
    public void Drops_are_counted_per_reason_and_never_delivered()
    {
        using var bed = new EspTestbed(KeyDirectory.Epoch(1), KeyDirectory.Epoch(1));
        bed.A.Tick();
        bed.Pump();
        var packet = Seal(bed.A, AddressB)!;

        Assert.Equal(EspOpenResult.Ok, bed.B.Open(packet.ToArray(), AddressA, out var vnet, out var offset, out var length, out var nh));
        Assert.Equal((Vnet, 16, 60, (byte)143), (vnet, offset, length, nh));
        Assert.Equal(EspOpenResult.Replay, Deliver(bed.B, packet, AddressA));

        var forged = Seal(bed.A, AddressB)!;
        forged[30] ^= 4;
        Assert.Equal(EspOpenResult.Auth, Deliver(bed.B, forged, AddressA));

        Assert.Equal(EspOpenResult.Malformed, Deliver(bed.B, Seal(bed.A, AddressB)![..20], AddressA));
        Assert.Equal(EspOpenResult.Malformed, Deliver(bed.B, [0, 0, 0], AddressA));

        var unknown = Seal(bed.A, AddressB)!;
        unknown[3] ^= 0xff;
        Assert.Equal(EspOpenResult.UnknownSpi, Deliver(bed.B, unknown, AddressA));
        Assert.Equal(EspOpenResult.UnknownSpi, Deliver(bed.B, Seal(bed.A, AddressB)!, IPAddress.Parse("198.18.0.7"))); // right SPI, wrong sender

        var counters = bed.B.Counters(Vnet);
        Assert.Equal((1L, 1L, 1L, 1L), (counters.Opened, counters.Replay, counters.Auth, counters.Malformed));
        Assert.Equal((2L, 1L), (bed.B.Unattributed.UnknownSpi, bed.B.Unattributed.Malformed));
        Assert.Equal("replay", EspCounters.Label(EspOpenResult.Replay));
        Assert.Equal("unknown_spi", EspCounters.Label(EspOpenResult.UnknownSpi));
    }

    [Fact]
    public void Seal_needs_an_sa_for_the_vnet_and_peer()
    {
        using var bed = new EspTestbed(KeyDirectory.Epoch(1), KeyDirectory.Epoch(1));
        var buffer = new byte[200];
        Assert.False(bed.A.TrySeal(Vnet, AddressB, buffer, 64, 60, 143, out _, out _)); // handshake not yet run
        bed.A.Tick();
        bed.Pump();
        Assert.True(bed.A.TrySeal(Vnet, AddressB, buffer, 64, 60, 253, out _, out _));
        Assert.False(bed.A.TrySeal(new VnetKey(0x98), AddressB, buffer, 64, 60, 143, out _, out _));
        Assert.False(bed.A.TrySeal(Vnet, IPAddress.Parse("198.18.0.3"), buffer, 64, 60, 143, out _, out _));
        Assert.Equal(1, bed.A.Counters(Vnet).Sealed);
    }

    [Fact]
    public void Removing_a_peer_tears_its_sas_down()
    {
        using var bed = new EspTestbed(KeyDirectory.Epoch(1), KeyDirectory.Epoch(1));
        bed.A.Tick();
        bed.Pump();
        var packet = Seal(bed.B, AddressA)!;
        bed.A.Configure([new EspVnetConfig(Vnet, EspSuite.AesGcm128, KeyName, [])]);
        Assert.Empty(bed.A.SecurityAssociations());
        Assert.Equal(EspOpenResult.UnknownSpi, Deliver(bed.A, packet, AddressB));
        Assert.False(bed.A.TrySeal(Vnet, AddressB, new byte[200], 64, 60, 143, out _, out _));
    }

    [Fact]
    public void Control_path_takes_ipv4_mapped_addresses_and_refuses_ipv6()
    {
        using var bed = new EspTestbed(KeyDirectory.Epoch(1), KeyDirectory.Epoch(1));
        bed.A.Tick();
        var init = bed.Wire.Dequeue().Message;
        Assert.Equal(HandshakeResult.Answered, bed.B.HandleHandshake(init, AddressA.MapToIPv6()));
        Assert.Throws<ArgumentException>(() => bed.A.Configure([new EspVnetConfig(Vnet, EspSuite.AesGcm128, KeyName, [IPAddress.Parse("2001:db8::1")])]));
    }

    [Fact]
    public void Missing_key_file_is_reported_and_sends_nothing()
    {
        using var bed = new EspTestbed(KeyDirectory.Epoch(1), KeyDirectory.Epoch(1));
        File.Delete(Path.Combine(bed.KeysA.Path, KeyName + ".key"));
        var endpoint = bed.Create(AddressA, AddressB, bed.KeysA, bed.ClockA, null);
        using var dispose = endpoint;
        endpoint.Tick();
        Assert.Empty(bed.Wire);
        Assert.Contains("does not exist", Assert.Single(endpoint.KeyErrors[KeyName]).Message);
        endpoint.Tick();
        Assert.Single(bed.Log.Lines, l => l.Id == 5103 && l.Text.Contains("does not exist")); // logged once, not every tick
    }
}
