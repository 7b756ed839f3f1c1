using System.Buffers.Binary;
using System.Security.Cryptography;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>
/// The cryptographic half of one SA: seals or opens an ESP packet in place once the codec has laid out header, payload
/// and trailer. Key objects are created once per SA and reused for every packet; nothing is allocated per packet. Not
/// thread-safe (OpenSSL contexts and <see cref="IncrementalHash"/> carry state); <see cref="SecurityAssociation"/>
/// serializes calls.
/// </summary>
internal abstract class EspTransform : IDisposable
{
    /// <summary>Creates the transform of <paramref name="suite"/> from its HKDF key material (SPEC §4.5 layout).</summary>
    public static EspTransform Create(EspSuite suite, ReadOnlySpan<byte> keyMaterial)
    {
        if (keyMaterial.Length != suite.KeyMaterialLength())
            throw new ArgumentException($"{suite.Name()} needs {suite.KeyMaterialLength()} bytes of key material", nameof(keyMaterial));
        return suite switch
        {
            EspSuite.AesGcm128 => new AesGcmTransform(keyMaterial),
            EspSuite.NullHmacSha256128 => new NullHmacTransform(HashAlgorithmName.SHA256, keyMaterial, 16),
            EspSuite.NullHmacSha196 => new NullHmacTransform(HashAlgorithmName.SHA1, keyMaterial, 12),
            EspSuite.AesCbc128HmacSha196 => new AesCbcHmacTransform(keyMaterial),
            _ => throw new ArgumentOutOfRangeException(nameof(suite)),
        };
    }

    /// <summary>
    /// Seals <paramref name="packet"/> = header (SPI, seq low) ‖ IV space ‖ plaintext (payload, padding, trailer) ‖ ICV
    /// space. The plaintext is <paramref name="plaintextLength"/> bytes, aligned for the suite.
    /// </summary>
    public abstract void Seal(Span<byte> packet, int plaintextLength, ulong sequence);

    /// <summary>Verifies the ICV and decrypts in place; false when the packet is not authentic.</summary>
    public abstract bool Open(Span<byte> packet, int plaintextLength, ulong sequence);

    public abstract void Dispose();

    /// <summary>The high 32 bits of the ESN, which the ICV covers but the wire does not carry (RFC 4303 §2.2.1).</summary>
    protected static void WriteSequenceHigh(Span<byte> destination, ulong sequence) =>
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(sequence >> 32));
}

/// <summary>
/// AES-GCM-128 with a 16-byte ICV as RFC 4106 puts it in ESP: nonce = 4-byte salt ‖ 8-byte IV (§4), the IV being the
/// 64-bit sequence number (SPEC §4.5, allowed by §3.1), AAD = SPI ‖ sequence high ‖ sequence low with ESN (§5).
/// </summary>
internal sealed class AesGcmTransform : EspTransform
{
    private const int KeyLength = 16;
    private const int SaltLength = 4; // RFC 4106 §4
    private const int IvLength = 8;
    private const int TagLength = 16;
    private readonly AesGcm _aes;
    private readonly NativeAesGcm? _native;
    private readonly uint _salt;

    public AesGcmTransform(ReadOnlySpan<byte> keyMaterial)
    {
        _aes = new AesGcm(keyMaterial[..KeyLength], TagLength);
        _native = UseNative ? NativeAesGcm.TryCreate(keyMaterial[..KeyLength]) : null;
        _salt = BinaryPrimitives.ReadUInt32BigEndian(keyMaterial.Slice(KeyLength, SaltLength));
    }

    /// <summary>
    /// OpenSSL's EVP interface straight (<see cref="NativeAesGcm"/>) unless <c>VNET_ESP_NATIVE_GCM=off</c>; .NET's
    /// <see cref="AesGcm"/> where libcrypto 3 is missing.
    /// </summary>
    private static readonly bool UseNative =
        !string.Equals(Environment.GetEnvironmentVariable("VNET_ESP_NATIVE_GCM"), "off", StringComparison.OrdinalIgnoreCase);

    public override void Seal(Span<byte> packet, int plaintextLength, ulong sequence)
    {
        var header = EspSuiteProperties.HeaderLength;
        BinaryPrimitives.WriteUInt64BigEndian(packet.Slice(header, IvLength), sequence);
        Span<byte> nonce = stackalloc byte[SaltLength + IvLength];
        Span<byte> aad = stackalloc byte[12];
        Prepare(packet, sequence, nonce, aad);
        var text = packet.Slice(header + IvLength, plaintextLength);
        var tag = packet.Slice(header + IvLength + plaintextLength, TagLength);
        if (_native is not null) _native.Encrypt(nonce, text, tag, aad); // a failure zeroes the tag: the peer drops the packet (auth)
        else _aes.Encrypt(nonce, text, text, tag, aad);
    }

    public override bool Open(Span<byte> packet, int plaintextLength, ulong sequence)
    {
        var header = EspSuiteProperties.HeaderLength;
        Span<byte> nonce = stackalloc byte[SaltLength + IvLength];
        Span<byte> aad = stackalloc byte[12];
        Prepare(packet, sequence, nonce, aad);
        var text = packet.Slice(header + IvLength, plaintextLength);
        if (_native is not null) return _native.Decrypt(nonce, text, packet.Slice(header + IvLength + plaintextLength, TagLength), aad);
        try
        {
            _aes.Decrypt(nonce, text, packet.Slice(header + IvLength + plaintextLength, TagLength), text, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // OpenSSL reports a forged or damaged packet only by this exception; the SA turns it into EspOpenResult.Auth.
            return false;
        }
    }

    private void Prepare(ReadOnlySpan<byte> packet, ulong sequence, Span<byte> nonce, Span<byte> aad)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nonce, _salt);
        packet.Slice(EspSuiteProperties.HeaderLength, IvLength).CopyTo(nonce[SaltLength..]);
        packet[..4].CopyTo(aad);                      // SPI
        WriteSequenceHigh(aad[4..], sequence);        // ESN high (RFC 4106 §5, table 2)
        packet.Slice(4, 4).CopyTo(aad[8..]);          // sequence low
    }

    public override void Dispose()
    {
        _aes.Dispose();
        _native?.Dispose();
    }
}

/// <summary>
/// ESP with the NULL cipher (RFC 2410) and HMAC integrity: HMAC-SHA-256-128 (RFC 4868) or HMAC-SHA-1-96 (RFC 2404),
/// computed over header ‖ payload ‖ trailer ‖ ESN high (RFC 4303 §2.2.1, §3.3.2).
/// </summary>
internal sealed class NullHmacTransform : EspTransform
{
    private readonly IncrementalHash _hmac;
    private readonly int _icvLength;

    public NullHmacTransform(HashAlgorithmName hash, ReadOnlySpan<byte> key, int icvLength)
    {
        _hmac = IncrementalHash.CreateHMAC(hash, key);
        _icvLength = icvLength;
    }

    public override void Seal(Span<byte> packet, int plaintextLength, ulong sequence)
    {
        var covered = EspSuiteProperties.HeaderLength + plaintextLength;
        Span<byte> mac = stackalloc byte[32];
        EspIntegrity.Compute(_hmac, packet[..covered], sequence, mac);
        mac[.._icvLength].CopyTo(packet.Slice(covered, _icvLength));
    }

    public override bool Open(Span<byte> packet, int plaintextLength, ulong sequence)
    {
        var covered = EspSuiteProperties.HeaderLength + plaintextLength;
        return EspIntegrity.Verify(_hmac, packet[..covered], sequence, packet.Slice(covered, _icvLength));
    }

    public override void Dispose() => _hmac.Dispose();
}

/// <summary>AES-128-CBC with a random explicit IV (RFC 3602 §3) then HMAC-SHA-1-96 over the ciphertext (RFC 2404, RFC 4303 §3.3.2).</summary>
internal sealed class AesCbcHmacTransform : EspTransform
{
    private const int KeyLength = 16;
    private const int IvLength = 16;
    private const int IcvLength = 12;
    private readonly Aes _aes;
    private readonly IncrementalHash _hmac;

    public AesCbcHmacTransform(ReadOnlySpan<byte> keyMaterial)
    {
        _aes = Aes.Create();
        var key = keyMaterial[..KeyLength].ToArray();
        _aes.Key = key;
        CryptographicOperations.ZeroMemory(key);
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keyMaterial[KeyLength..]);
    }

    public override void Seal(Span<byte> packet, int plaintextLength, ulong sequence)
    {
        var header = EspSuiteProperties.HeaderLength;
        var iv = packet.Slice(header, IvLength);
        RandomNumberGenerator.Fill(iv); // RFC 3602 §3: unpredictable IV
        var text = packet.Slice(header + IvLength, plaintextLength);
        _aes.EncryptCbc(text, iv, text, PaddingMode.None);
        var covered = header + IvLength + plaintextLength;
        Span<byte> mac = stackalloc byte[20];
        EspIntegrity.Compute(_hmac, packet[..covered], sequence, mac);
        mac[..IcvLength].CopyTo(packet.Slice(covered, IcvLength));
    }

    public override bool Open(Span<byte> packet, int plaintextLength, ulong sequence)
    {
        var header = EspSuiteProperties.HeaderLength;
        var covered = header + IvLength + plaintextLength;
        if (!EspIntegrity.Verify(_hmac, packet[..covered], sequence, packet.Slice(covered, IcvLength))) return false;
        var text = packet.Slice(header + IvLength, plaintextLength);
        _aes.DecryptCbc(text, packet.Slice(header, IvLength), text, PaddingMode.None);
        return true;
    }

    public override void Dispose()
    {
        _aes.Dispose();
        _hmac.Dispose();
    }
}

/// <summary>The HMAC ICV of the integrity suites: over the covered bytes and the implicit ESN high word (RFC 4303 §2.2.1).</summary>
internal static class EspIntegrity
{
    public static void Compute(IncrementalHash hmac, ReadOnlySpan<byte> covered, ulong sequence, Span<byte> mac)
    {
        Span<byte> high = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(high, (uint)(sequence >> 32));
        hmac.AppendData(covered);
        hmac.AppendData(high);
        hmac.GetHashAndReset(mac);
    }

    public static bool Verify(IncrementalHash hmac, ReadOnlySpan<byte> covered, ulong sequence, ReadOnlySpan<byte> icv)
    {
        Span<byte> mac = stackalloc byte[32];
        Compute(hmac, covered, sequence, mac);
        return CryptographicOperations.FixedTimeEquals(mac[..icv.Length], icv);
    }
}
