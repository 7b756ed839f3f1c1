using System.Net;
using System.Security.Cryptography;
using VnetReconciler.Dataplane.Esp;

namespace VnetReconciler.Dataplane.Tests.Esp;

/// <summary>SPEC §4.5's worked example, byte for byte (fixture: testdata/esp/worked-example/expected.txt).</summary>
public sealed class WorkedExampleTests
{
    private static readonly byte[] Secret = Hex.Range(0, 32);
    private static readonly VnetKey Vnet = new(0x97);
    private static readonly IPAddress A = IPAddress.Parse("198.18.0.1");
    private static readonly IPAddress B = IPAddress.Parse("198.18.0.2");
    private static readonly UInt128 Na = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(Hex.Range(0xa0, 16));
    private static readonly UInt128 Nb = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(Hex.Range(0xb0, 16));
    private static readonly Dictionary<string, byte[]> Expected = File.ReadLines("testdata/esp/worked-example/expected.txt")
        .Where(l => l.Length > 0 && l[0] != '#')
        .Select(l => l.Split('=', 2))
        .ToDictionary(p => p[0].Trim(), p => Hex.Bytes(p[1]));

    [Fact]
    public void K_hello()
    {
        Assert.Equal(Hex.Of(Expected["k_hello"]), Hex.Of(EspKeyDerivation.HelloKey(Secret, Vnet, 1)));
    }

    [Fact]
    public void Init_message_bytes_and_round_trip()
    {
        var message = new HandshakeMessage(HandshakeOpcode.Init, Vnet, 1, EspSuite.AesGcm128, 0x1001, Na, 0, 1700000000000);
        var bytes = new byte[HandshakeMessage.Length];
        var kHello = EspKeyDerivation.HelloKey(Secret, Vnet, 1);
        message.Write(bytes, kHello, A, B);
        Assert.Equal(Hex.Of(Expected["init"]), Hex.Of(bytes));

        Assert.True(HandshakeMessage.TryRead(bytes, out var parsed));
        Assert.Equal(message, parsed);
        Assert.True(HandshakeMessage.Verify(bytes, kHello, A, B));
        Assert.False(HandshakeMessage.Verify(bytes, kHello, B, A)); // addresses are covered, in order
        bytes[30] ^= 1;
        Assert.False(HandshakeMessage.Verify(bytes, kHello, A, B));
    }

    [Theory]
    [InlineData(1, 0x05)]   // type 4 → 5
    [InlineData(3, 0x03)]   // opcode 1 → 3
    [InlineData(22, 0x01)]  // reserved byte not zero
    public void Malformed_messages_are_refused_by_the_codec(int offset, byte value)
    {
        var bytes = Expected["init"].ToArray();
        bytes[offset] = value;
        Assert.False(HandshakeMessage.TryRead(bytes, out _));
        Assert.False(HandshakeMessage.TryRead(Expected["init"].AsSpan(0, 99), out _));
        Assert.True(HandshakeMessage.TryRead(Expected["init"], out _));
    }

    [Fact]
    public void Sa_keys_and_salts()
    {
        var ab = EspKeyDerivation.SaKeyMaterial(Secret, Vnet, A, B, 1, EspSuite.AesGcm128, Na, Nb);
        var ba = EspKeyDerivation.SaKeyMaterial(Secret, Vnet, B, A, 1, EspSuite.AesGcm128, Na, Nb);
        Assert.Equal(Hex.Of(Expected["sa_a_to_b_key"]) + Hex.Of(Expected["sa_a_to_b_salt"]), Hex.Of(ab));
        Assert.Equal(Hex.Of(Expected["sa_b_to_a_key"]) + Hex.Of(Expected["sa_b_to_a_salt"]), Hex.Of(ba));
    }

    [Fact]
    public void Sealed_esp_packet_bytes_and_open()
    {
        var material = EspKeyDerivation.SaKeyMaterial(Secret, Vnet, A, B, 1, EspSuite.AesGcm128, Na, Nb);
        using var outbound = SecurityAssociation.Create(SaDirection.Outbound, 0x2002, EspSuite.AesGcm128, Vnet, A, B, 1, default, material);
        using var inbound = SecurityAssociation.Create(SaDirection.Inbound, 0x2002, EspSuite.AesGcm128, Vnet, A, B, 1, default, material);
        CryptographicOperations.ZeroMemory(material);
        var frame = Expected["frame"];
        Assert.Equal(60, frame.Length);
        var buffer = new byte[200];
        const int payloadOffset = 64;
        frame.CopyTo(buffer, payloadOffset);

        Assert.True(outbound.Seal(buffer, payloadOffset, frame.Length, 143, out var start, out var length));
        Assert.Equal(Hex.Of(Expected["esp"]), Hex.Of(buffer.AsSpan(start, length)));

        var packet = buffer.AsSpan(start, length);
        Assert.Equal(EspOpenResult.Ok, inbound.Open(packet, out var offset, out var payloadLength, out var nextHeader));
        Assert.Equal(143, nextHeader);
        Assert.Equal(Hex.Of(frame), Hex.Of(packet.Slice(offset, payloadLength)));
    }
}
