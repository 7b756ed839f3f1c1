using System.Buffers.Binary;
using VnetReconciler.Dataplane.Esp;
using static VnetReconciler.Dataplane.Tests.Esp.EspTestbed;

namespace VnetReconciler.Dataplane.Tests.Esp;

/// <summary>The SA handshake state machine of SPEC §4.5 between two endpoints, with a hand-driven clock.</summary>
public sealed class HandshakeTests
{
    private static readonly string OneEpoch = KeyDirectory.Epoch(1);

    [Fact]
    public void Establishes_on_start_and_frames_flow_both_ways()
    {
        using var bed = new EspTestbed(OneEpoch, OneEpoch);
        Assert.Null(Seal(bed.A, AddressB));
        bed.A.Tick();
        bed.Pump();
        Assert.Equal([(AddressB, HandshakeOpcode.Init, HandshakeResult.Answered), (AddressA, HandshakeOpcode.Response, HandshakeResult.Established)], bed.Results);
        Assert.True(bed.Connected());
        var sas = bed.A.SecurityAssociations();
        Assert.Equal(2, sas.Count);
        Assert.All(sas, sa => Assert.True(sa.Spi >= 256));
        Assert.All(sas, sa => Assert.Equal(1, sa.Epoch));
        // A's outbound SPI is the one B chose for its inbound SA, and the other way round
        var aOut = sas.Single(s => s.Direction == SaDirection.Outbound).Spi;
        Assert.Equal(aOut, bed.B.SecurityAssociations().Single(s => s.Direction == SaDirection.Inbound).Spi);
        Assert.Equal(1, bed.B.Counters(Vnet).Opened);
    }

    [Fact]
    public void Every_suite_establishes()
    {
        foreach (var suite in new[] { EspSuite.NullHmacSha256128, EspSuite.NullHmacSha196, EspSuite.AesCbc128HmacSha196 })
        {
            using var bed = new EspTestbed(OneEpoch, OneEpoch, suite);
            bed.Tick();
            bed.Pump();
            Assert.True(bed.Connected(), suite.Name());
        }
    }

    [Fact]
    public void Spis_are_random_at_least_256_and_unique_among_inbound()
    {
        using var bed = new EspTestbed(OneEpoch, OneEpoch);
        var candidates = new Queue<uint>([0, 255, 0x4242, 0x4242, 0x4242, 0x4343, 0x4444]);
        bed.A.SpiSource = () => candidates.Dequeue();
        bed.A.Tick();                       // A reserves 0x4242 for its init
        bed.Pump();
        Assert.Equal(0x4242u, bed.A.SecurityAssociations().Single(s => s.Direction == SaDirection.Inbound).Spi);
        bed.Advance(TimeSpan.FromHours(1)); // rekey: 0x4242 is taken by the current inbound SA
        bed.A.Tick();
        bed.Pump();
        var inbound = bed.A.SecurityAssociations().Where(s => s.Direction == SaDirection.Inbound).Select(s => s.Spi).Order().ToArray();
        Assert.Equal([0x4242u, 0x4343u], inbound);
    }

    [Fact]
    public void Crossing_inits_answer_the_lower_address()
    {
        using var bed = new EspTestbed(OneEpoch, OneEpoch);
        bed.Tick(); // both start, both send an init
        bed.Pump();
        Assert.Contains((AddressB, HandshakeOpcode.Init, HandshakeResult.Answered), bed.Results);    // A (lower) is answered
        Assert.Contains((AddressA, HandshakeOpcode.Init, HandshakeResult.Crossing), bed.Results);    // B's init is dropped
        Assert.Contains((AddressA, HandshakeOpcode.Response, HandshakeResult.Established), bed.Results);
        Assert.True(bed.Connected());
        bed.Advance(TimeSpan.FromSeconds(5));
        bed.Tick();
        Assert.Empty(bed.Wire); // B abandoned its own init: nothing is retried
    }

    [Fact]
    public void Crossing_inits_delivered_out_of_order_still_leave_both_sides_on_the_same_sas()
    {
        using var bed = new EspTestbed(OneEpoch, OneEpoch);
        bed.Tick();
        var initA = bed.Wire.Dequeue().Message;
        var initB = bed.Wire.Dequeue().Message;
        Assert.Equal(HandshakeResult.Answered, bed.B.HandleHandshake(initA, AddressA)); // B (higher) answers A's init
        Assert.Equal(HandshakeResult.Established, bed.A.HandleHandshake(bed.Wire.Dequeue().Message, AddressB));
        // B's init overtaken by its response: A has no init outstanding any more, so it answers, as for a restart
        Assert.Equal(HandshakeResult.Answered, bed.A.HandleHandshake(initB, AddressB));
        // B gave its init up when it answered A's, but still takes the response to it
        Assert.Equal(HandshakeResult.Established, bed.B.HandleHandshake(bed.Wire.Dequeue().Message, AddressA));
        Assert.True(bed.Connected());
        bed.Advance(TimeSpan.FromSeconds(61)); // the replaced inbound SAs are gone now
        bed.Tick();
        Assert.Empty(bed.Wire);
        Assert.True(bed.Connected());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Responses_to_a_retry_and_the_original_init_in_either_order_end_on_the_peers_sas(bool lateFirst)
    {
        using var bed = new EspTestbed(OneEpoch, OneEpoch);
        bed.A.Tick();
        var init1 = bed.Wire.Dequeue().Message;
        bed.Advance(TimeSpan.FromSeconds(1));
        bed.A.Tick();                                  // no response yet: a retry with a fresh nonce and SPI
        var init2 = bed.Wire.Dequeue().Message;
        Assert.NotEqual(init1.AsSpan(24, 20).ToArray(), init2.AsSpan(24, 20).ToArray());
        Assert.Equal(HandshakeResult.Answered, bed.B.HandleHandshake(init1, AddressA));
        var response1 = bed.Wire.Dequeue().Message;
        Assert.Equal(HandshakeResult.Answered, bed.B.HandleHandshake(init2, AddressA)); // B now sends on the second pair
        var response2 = bed.Wire.Dequeue().Message;
        foreach (var response in lateFirst ? new[] { response1, response2 } : [response2, response1])
            Assert.Equal(HandshakeResult.Established, bed.A.HandleHandshake(response, AddressB));
        Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(response2.AsSpan(24)), bed.A.Negotiator(Vnet, AddressB)!.Outbound!.Spi);
        Assert.True(bed.Connected());
        bed.Advance(TimeSpan.FromSeconds(61));
        bed.Tick();
        Assert.Empty(bed.Wire);
        Assert.True(bed.Connected());
    }

    [Fact]
    public void Initiator_steps_down_an_epoch_after_three_unanswered_inits_with_fresh_nonces()
    {
        using var bed = new EspTestbed(KeyDirectory.Epoch(1) + KeyDirectory.Epoch(2), OneEpoch);
        var nonces = new List<UInt128>();
        for (var i = 0; i < 3; i++)
        {
            bed.A.Tick();
            Assert.True(bed.Wire.TryPeek(out var init));
            Assert.Equal(2, init.Message[20]);
            nonces.Add(BinaryPrimitives.ReadUInt128BigEndian(init.Message.AsSpan(28)));
            bed.Pump();
            Assert.Equal(HandshakeResult.UnknownEpoch, bed.Results[^1].Result); // B lacks epoch 2 and stays silent
            bed.A.Tick();
            Assert.Empty(bed.Wire);                                               // no retry before a second has passed
            bed.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal(3, nonces.Distinct().Count());
        bed.A.Tick();
        bed.Pump();
        Assert.Equal(HandshakeResult.Established, bed.Results[^1].Result);
        Assert.Equal(1, bed.A.Epoch(Vnet, AddressB));
        Assert.True(bed.Connected());

        // B gains epoch 2: it renegotiates offering 2, which A has, so both move up
        bed.KeysB.Write(KeyName, KeyDirectory.Epoch(1) + KeyDirectory.Epoch(2));
        bed.Advance(EspEndpoint.KeyPollInterval);
        bed.Tick();
        bed.Pump();
        Assert.Equal(2, bed.A.Epoch(Vnet, AddressB));
        Assert.Equal(2, bed.B.Epoch(Vnet, AddressA));
        Assert.True(bed.Connected());
    }

    [Fact]
    public void Key_files_are_polled_through_the_clock_and_a_new_epoch_renegotiates()
    {
        using var bed = new EspTestbed(OneEpoch, OneEpoch);
        bed.A.Tick();
        bed.Pump();
        bed.KeysA.Write(KeyName, OneEpoch + KeyDirectory.Epoch(2));
        bed.A.Tick();
        Assert.Empty(bed.Wire); // not yet looked at: the poll runs once per KeyPollInterval of the endpoint's clock
        bed.Advance(EspEndpoint.KeyPollInterval);
        bed.A.Tick();
        Assert.True(bed.Wire.TryPeek(out var init));
        Assert.Equal(2, init.Message[20]); // the new highest epoch is offered
        bed.Pump();
        Assert.Equal(HandshakeResult.UnknownEpoch, bed.Results[^1].Result);
        Assert.True(bed.Connected()); // the epoch-1 SAs keep carrying traffic meanwhile
    }

    [Fact]
    public void Removing_an_epoch_renegotiates_without_losing_traffic()
    {
        var both = KeyDirectory.Epoch(1) + KeyDirectory.Epoch(2);
        using var bed = new EspTestbed(both, both);
        bed.Tick();
        bed.Pump();
        Assert.Equal(2, bed.A.Epoch(Vnet, AddressB));
        var inFlight = Seal(bed.A, AddressB)!;
        bed.KeysA.Write(KeyName, KeyDirectory.Epoch(3) + KeyDirectory.Epoch(2));
        bed.KeysB.Write(KeyName, KeyDirectory.Epoch(3) + KeyDirectory.Epoch(2));
        bed.Advance(EspEndpoint.KeyPollInterval);
        bed.Tick();
        bed.Pump();
        Assert.Equal(3, bed.A.Epoch(Vnet, AddressB));
        Assert.Equal(EspOpenResult.Ok, Deliver(bed.B, inFlight, AddressA)); // sealed under epoch 2, accepted in the overlap
        Assert.True(bed.Connected());
    }

    [Fact]
    public void A_valid_init_from_a_restarted_peer_renegotiates_and_the_old_inbound_sa_lives_60_seconds()
    {
        using var bed = new EspTestbed(OneEpoch, OneEpoch);
        bed.A.Tick();
        bed.Pump();
        var oldB = bed.B;
        var beforeRestart = Seal(oldB, AddressA)!;
        bed.RestartB();
        using var disposeOld = oldB;
        bed.B.Tick();
        bed.Pump();
        Assert.Equal((AddressA, HandshakeOpcode.Init, HandshakeResult.Answered), bed.Results[^2]);
        Assert.True(bed.Connected());

        bed.Advance(TimeSpan.FromSeconds(59));
        bed.Tick();
        Assert.Equal(EspOpenResult.Ok, Deliver(bed.A, beforeRestart, AddressB));
        bed.Advance(TimeSpan.FromSeconds(2));
        bed.Tick();
        Assert.Equal(EspOpenResult.UnknownSpi, Deliver(bed.A, Seal(oldB, AddressA)!, AddressB));
        Assert.True(bed.Connected());
    }

    [Fact]
    public void Rekeys_after_one_hour_and_after_2_pow_31_packets()
    {
        using var bed = new EspTestbed(OneEpoch, OneEpoch);
        bed.A.Tick();
        bed.Pump();
        var first = bed.A.Negotiator(Vnet, AddressB)!.Outbound!;
        bed.Advance(TimeSpan.FromMinutes(59));
        bed.A.Tick();
        Assert.Empty(bed.Wire);
        bed.Advance(TimeSpan.FromMinutes(1));
        bed.A.Tick();
        bed.Advance(TimeSpan.FromMilliseconds(500));
        bed.A.Tick();                     // still waiting for the response: no second init
        Assert.Single(bed.Wire);
        bed.Pump();
        bed.Advance(TimeSpan.FromSeconds(2));
        bed.A.Tick();                     // and none after it arrived
        Assert.Empty(bed.Wire);
        var second = bed.A.Negotiator(Vnet, AddressB)!.Outbound!;
        Assert.NotSame(first, second);
        Assert.NotEqual(first.Spi, second.Spi);

        second.SetPackets(SaNegotiator.RekeyPackets - 1);
        bed.A.Tick();
        Assert.Empty(bed.Wire);
        second.SetPackets(SaNegotiator.RekeyPackets);
        bed.A.Tick();
        bed.Pump();
        Assert.NotSame(second, bed.A.Negotiator(Vnet, AddressB)!.Outbound);
        Assert.True(bed.Connected());
    }

    [Fact]
    public void Replaced_inbound_sa_accepts_for_60_seconds_then_is_unknown()
    {
        using var bed = new EspTestbed(OneEpoch, OneEpoch);
        bed.A.Tick();
        bed.Pump();
        var early = Seal(bed.A, AddressB)!;
        var late = Seal(bed.A, AddressB)!;
        bed.Advance(TimeSpan.FromHours(1));
        bed.A.Tick();
        bed.Pump();
        Assert.Equal(EspOpenResult.Ok, Deliver(bed.B, early, AddressA));
        Assert.Equal(EspOpenResult.Replay, Deliver(bed.B, early, AddressA));
        bed.Advance(TimeSpan.FromSeconds(60));
        bed.B.Tick();
        Assert.Equal(EspOpenResult.UnknownSpi, Deliver(bed.B, late, AddressA));
        Assert.Equal(1, bed.B.Unattributed.UnknownSpi);
        Assert.True(bed.Connected());
    }

    [Fact]
    public void Rejects_bad_hmac_time_skew_replayed_init_and_response_without_init()
    {
        using var bed = new EspTestbed(OneEpoch, OneEpoch);
        bed.A.Tick();
        var init = bed.Wire.Dequeue().Message;

        var forged = init.ToArray();
        forged[25] ^= 1; // the SPI
        Assert.Equal(HandshakeResult.BadMac, bed.B.HandleHandshake(forged, AddressA));
        Assert.Equal(HandshakeResult.NotPeer, bed.B.HandleHandshake(init, System.Net.IPAddress.Parse("198.18.0.9")));
        Assert.Equal(HandshakeResult.Malformed, bed.B.HandleHandshake(init.AsSpan(0, 99), AddressA));

        bed.ClockB.Advance(TimeSpan.FromSeconds(121));
        Assert.Equal(HandshakeResult.TimeSkew, bed.B.HandleHandshake(init, AddressA));
        bed.ClockB.Advance(TimeSpan.FromSeconds(-121 - 121));
        Assert.Equal(HandshakeResult.TimeSkew, bed.B.HandleHandshake(init, AddressA));
        bed.ClockB.Advance(TimeSpan.FromSeconds(121 + 119));
        Assert.Equal(HandshakeResult.Answered, bed.B.HandleHandshake(init, AddressA));
        Assert.Equal(HandshakeResult.ReplayedNonce, bed.B.HandleHandshake(init, AddressA));
        var response = bed.Wire.Dequeue().Message;
        Assert.Equal(HandshakeResult.Established, bed.A.HandleHandshake(response, AddressB));
        Assert.Equal(HandshakeResult.NoOutstandingInit, bed.A.HandleHandshake(response, AddressB)); // no longer outstanding

        // a response echoing a nonce A never sent, correctly signed with the real K_hello
        var kHello = EspKeyDerivation.HelloKey(Convert.FromHexString(OneEpoch[6..^1]), Vnet, 1);
        var stray = new byte[HandshakeMessage.Length];
        new HandshakeMessage(HandshakeOpcode.Response, Vnet, 1, EspSuite.AesGcm128, 0x5000, 7, 8, bed.ClockA.Now.ToUnixTimeMilliseconds())
            .Write(stray, kHello, AddressB, AddressA);
        Assert.Equal(HandshakeResult.NoOutstandingInit, bed.A.HandleHandshake(stray, AddressB));
        Assert.True(bed.Connected());
    }

    [Fact]
    public void Init_nonces_are_forgotten_after_240_seconds_but_the_old_init_is_then_too_old()
    {
        using var bed = new EspTestbed(OneEpoch, OneEpoch);
        bed.A.Tick();
        var init = bed.Wire.Dequeue().Message;
        Assert.Equal(HandshakeResult.Answered, bed.B.HandleHandshake(init, AddressA));
        bed.ClockB.Advance(TimeSpan.FromSeconds(241));
        bed.B.Tick();
        Assert.Equal(HandshakeResult.TimeSkew, bed.B.HandleHandshake(init, AddressA));
    }
}
