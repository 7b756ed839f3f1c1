using System.Buffers.Binary;
using VnetReconciler.Dataplane.Esp;
using VnetReconciler.TestSupport;
using static VnetReconciler.Dataplane.Tests.Esp.EspTestbed;

namespace VnetReconciler.Dataplane.Tests.Esp;

/// <summary>
/// Interop with a second implementation of SPEC §4.5 written from the SPEC alone (testdata/esp/spec-peer/spec_peer.py):
/// it answers our init and initiates to us, and the two exchange ESP packets both ways on the agreed SAs.
/// </summary>
public sealed class SpecPeerInteropTests
{
    private const string Python = "/usr/bin/python3";
    private const string Peer = "testdata/esp/spec-peer/spec_peer.py";
    private static readonly string Secret = Hex.Of(Enumerable.Range(0, 32).Select(i => (byte)(i + 7)).ToArray()); // KeyDirectory.Epoch(1)
    private static readonly string VnetHex = Hex.Of(Hex.Bytes("00000000000000000000000000000097"));

    private static string Run(params string[] args) => Cmd.Run(Python, [Peer, .. args]).EnsureSuccess().Stdout.Trim();

    [Fact]
    public void Spec_peer_itself_reproduces_the_worked_example()
    {
        var expected = File.ReadLines("testdata/esp/worked-example/expected.txt").Where(l => l.Contains('=') && !l.StartsWith('#'))
            .ToDictionary(l => l.Split('=')[0].Trim(), l => Hex.Of(Hex.Bytes(l.Split('=')[1])));
        var secret = Hex.Of(Hex.Range(0, 32));
        Assert.Equal(expected["init"], Run("init", secret, VnetHex, "1", "1001", Hex.Of(Hex.Range(0xa0, 16)), "1700000000000", "198.18.0.1", "198.18.0.2"));
        Assert.Equal(expected["esp"], Run("seal", secret, VnetHex, "1", Hex.Of(Hex.Range(0xa0, 16)), Hex.Of(Hex.Range(0xb0, 16)),
            "198.18.0.1", "198.18.0.2", "2002", "1", "143", expected["frame"]));
    }

    [Fact]
    public void Spec_peer_answers_our_init_and_packets_flow_both_ways()
    {
        using var bed = new EspTestbed(KeyDirectory.Epoch(1), KeyDirectory.Epoch(1));
        bed.A.Tick();
        var init = bed.Wire.Dequeue().Message;
        var now = bed.ClockA.Now.ToUnixTimeMilliseconds().ToString();
        var nb = Hex.Of(Hex.Range(0xb0, 16));
        var response = Hex.Bytes(Run("respond", Secret, Hex.Of(init), "3003", nb, now, "198.18.0.2", "198.18.0.1"));
        Assert.Equal(HandshakeResult.Established, bed.A.HandleHandshake(response, AddressB));

        var na = Hex.Of(init.AsSpan(28, 16));
        var ourSpi = BinaryPrimitives.ReadUInt32BigEndian(init.AsSpan(24));
        var payload = Hex.Of(Hex.Range(9, 60));
        var fromPeer = Hex.Bytes(Run("seal", Secret, VnetHex, "1", na, nb, "198.18.0.2", "198.18.0.1", ourSpi.ToString("x"), "1", "143", payload));
        Assert.Equal(EspOpenResult.Ok, bed.A.Open(fromPeer, AddressB, out var vnet, out var offset, out var length, out var nh));
        Assert.Equal((Vnet, (byte)143, payload), (vnet, nh, Hex.Of(fromPeer.AsSpan(offset, length))));

        var toPeer = Seal(bed.A, AddressB, fill: 0x33)!;
        Assert.Equal(0x3003u, BinaryPrimitives.ReadUInt32BigEndian(toPeer));
        Assert.Equal("143 " + Hex.Of(Enumerable.Repeat((byte)0x33, 60).ToArray()),
            Run("open", Secret, VnetHex, "1", na, nb, "198.18.0.1", "198.18.0.2", Hex.Of(toPeer)));
    }

    [Fact]
    public void We_answer_the_spec_peers_init_and_packets_flow_both_ways()
    {
        using var bed = new EspTestbed(KeyDirectory.Epoch(1), KeyDirectory.Epoch(1));
        var now = bed.ClockB.Now.ToUnixTimeMilliseconds().ToString();
        var na = Hex.Of(Hex.Range(0xa0, 16));
        var init = Hex.Bytes(Run("init", Secret, VnetHex, "1", "4004", na, now, "198.18.0.1", "198.18.0.2"));
        Assert.Equal(HandshakeResult.Answered, bed.B.HandleHandshake(init, AddressA));
        var response = bed.Wire.Dequeue().Message;
        Assert.Equal("ok", Run("check", Secret, Hex.Of(response), now, "198.18.0.2", "198.18.0.1", na));

        var nb = Hex.Of(response.AsSpan(28, 16));
        var ourSpi = BinaryPrimitives.ReadUInt32BigEndian(response.AsSpan(24));
        var toPeer = Seal(bed.B, AddressA, fill: 0x44)!;
        Assert.Equal(0x4004u, BinaryPrimitives.ReadUInt32BigEndian(toPeer));
        Assert.Equal("143 " + Hex.Of(Enumerable.Repeat((byte)0x44, 60).ToArray()),
            Run("open", Secret, VnetHex, "1", na, nb, "198.18.0.2", "198.18.0.1", Hex.Of(toPeer)));

        var payload = Hex.Of(Hex.Range(1, 36));
        var fromPeer = Hex.Bytes(Run("seal", Secret, VnetHex, "1", na, nb, "198.18.0.1", "198.18.0.2", ourSpi.ToString("x"), "1", "253", payload));
        Assert.Equal(EspOpenResult.Ok, bed.B.Open(fromPeer, AddressA, out _, out var offset, out var length, out var nh));
        Assert.Equal((253, payload), (nh, Hex.Of(fromPeer.AsSpan(offset, length))));
    }
}
