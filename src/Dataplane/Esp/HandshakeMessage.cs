using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>Handshake opcodes (SPEC §4.5 offset 2).</summary>
public enum HandshakeOpcode : ushort
{
    Init = 1,
    Response = 2,
}

/// <summary>
/// The 100-byte SA handshake message of SPEC §4.5, carried on the vnet UDP port with message type 4 (§4.1):
/// type, opcode, vnet id, epoch, suite, zero, the SPI its sender will receive on, the sender's nonce, the echoed init
/// nonce (responses), the sender's Unix time in ms, and an HMAC-SHA256 with K_hello over bytes 0-67 ‖ sender address ‖
/// receiver address.
/// </summary>
public readonly record struct HandshakeMessage(
    HandshakeOpcode Opcode, VnetKey Vnet, byte Epoch, EspSuite Suite, uint Spi, UInt128 Nonce, UInt128 EchoedNonce, long UnixTimeMs)
{
    public const int Length = 100;

    /// <summary>Vnet message type of the handshake (SPEC §4.1).</summary>
    public const ushort MessageType = 4;

    private const int MacOffset = 68;

    /// <summary>Writes the message and its HMAC into <paramref name="destination"/> (100 bytes).</summary>
    public void Write(Span<byte> destination, ReadOnlySpan<byte> helloKey, IPAddress sender, IPAddress receiver)
    {
        var m = destination[..Length];
        BinaryPrimitives.WriteUInt16BigEndian(m, MessageType);
        BinaryPrimitives.WriteUInt16BigEndian(m[2..], (ushort)Opcode);
        Vnet.Write(m[4..]);
        m[20] = Epoch;
        m[21] = (byte)Suite;
        m[22] = 0;
        m[23] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(m[24..], Spi);
        BinaryPrimitives.WriteUInt128BigEndian(m[28..], Nonce);
        BinaryPrimitives.WriteUInt128BigEndian(m[44..], EchoedNonce);
        BinaryPrimitives.WriteInt64BigEndian(m[60..], UnixTimeMs);
        ComputeMac(m, helloKey, sender, receiver, m[MacOffset..]);
    }

    /// <summary>
    /// Parses the fields (not the HMAC): false when the length, type, opcode or the zero bytes are wrong. Whether the
    /// message is authentic is <see cref="Verify"/>'s question, asked once the receiver knows the epoch's K_hello.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, out HandshakeMessage parsed)
    {
        parsed = default;
        if (message.Length != Length || BinaryPrimitives.ReadUInt16BigEndian(message) != MessageType) return false;
        var opcode = (HandshakeOpcode)BinaryPrimitives.ReadUInt16BigEndian(message[2..]);
        if (opcode is not (HandshakeOpcode.Init or HandshakeOpcode.Response) || message[22] != 0 || message[23] != 0) return false;
        parsed = new HandshakeMessage(opcode, VnetKey.Read(message[4..]), message[20], (EspSuite)message[21],
            BinaryPrimitives.ReadUInt32BigEndian(message[24..]), BinaryPrimitives.ReadUInt128BigEndian(message[28..]),
            BinaryPrimitives.ReadUInt128BigEndian(message[44..]), BinaryPrimitives.ReadInt64BigEndian(message[60..]));
        return true;
    }

    /// <summary>True when the message's HMAC verifies for this K_hello and this sender → receiver pair (constant time).</summary>
    public static bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> helloKey, IPAddress sender, IPAddress receiver)
    {
        if (message.Length != Length) return false;
        Span<byte> mac = stackalloc byte[32];
        ComputeMac(message, helloKey, sender, receiver, mac);
        return CryptographicOperations.FixedTimeEquals(mac, message[MacOffset..]);
    }

    private static void ComputeMac(ReadOnlySpan<byte> message, ReadOnlySpan<byte> helloKey, IPAddress sender, IPAddress receiver, Span<byte> mac)
    {
        Span<byte> covered = stackalloc byte[MacOffset + 8];
        message[..MacOffset].CopyTo(covered);
        EspKeyDerivation.WriteAddress(covered[MacOffset..], sender);
        EspKeyDerivation.WriteAddress(covered[(MacOffset + 4)..], receiver);
        HMACSHA256.HashData(helloKey, covered, mac);
    }
}
