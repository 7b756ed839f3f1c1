using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>
/// The key schedule of SPEC §4.5, HKDF-SHA256 (RFC 5869) with salt ASCII <c>vnet-esp-v1</c>:
/// K_hello = HKDF(secret, info = "hello" ‖ vnet id ‖ epoch, 32) authenticates handshake messages;
/// SA key material = HKDF(secret, info = "sa" ‖ vnet id ‖ sender ‖ receiver ‖ epoch ‖ suite ‖ Na ‖ Nb, L).
/// Callers own the returned arrays and zero them (<see cref="CryptographicOperations.ZeroMemory"/>) when done.
/// </summary>
public static class EspKeyDerivation
{
    public const int KHelloLength = 32;
    public const int NonceLength = 16;

    private static readonly byte[] Salt = Encoding.ASCII.GetBytes("vnet-esp-v1");

    public static byte[] HelloKey(ReadOnlySpan<byte> secret, VnetKey vnet, byte epoch)
    {
        Span<byte> info = stackalloc byte[5 + VnetKey.Length + 1];
        "hello"u8.CopyTo(info);
        vnet.Write(info[5..]);
        info[^1] = epoch;
        var key = new byte[KHelloLength];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, key, Salt, info);
        return key;
    }

    /// <summary>
    /// Key material of the SA from <paramref name="sender"/> to <paramref name="receiver"/>; <paramref name="initiatorNonce"/>
    /// is Na (the init's), <paramref name="responderNonce"/> Nb (the response's), for both directions.
    /// </summary>
    public static byte[] SaKeyMaterial(ReadOnlySpan<byte> secret, VnetKey vnet, IPAddress sender, IPAddress receiver, byte epoch,
        EspSuite suite, UInt128 initiatorNonce, UInt128 responderNonce)
    {
        Span<byte> info = stackalloc byte[2 + VnetKey.Length + 4 + 4 + 1 + 1 + NonceLength * 2];
        "sa"u8.CopyTo(info);
        vnet.Write(info[2..]);
        WriteAddress(info[18..], sender);
        WriteAddress(info[22..], receiver);
        info[26] = epoch;
        info[27] = (byte)suite;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(info[28..], initiatorNonce);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(info[44..], responderNonce);
        var material = new byte[suite.KeyMaterialLength()];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, material, Salt, info);
        return material;
    }

    /// <summary>Writes an IPv4 address's 4 bytes (SPEC §4: addresses are IPv4).</summary>
    internal static void WriteAddress(Span<byte> destination, IPAddress address)
    {
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || !address.TryWriteBytes(destination, out _))
            throw new ArgumentException($"{address} is not an IPv4 address (SPEC §4)", nameof(address));
    }
}
