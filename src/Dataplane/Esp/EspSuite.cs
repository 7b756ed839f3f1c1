namespace VnetReconciler.Dataplane.Esp;

/// <summary>
/// The four ESP suites of SPEC §4.5, numbered as the handshake's suite byte (offset 21) carries them.
/// </summary>
public enum EspSuite : byte
{
    /// <summary><c>aes-gcm-128</c>: RFC 4106, 8-byte IV = the 64-bit sequence number, 16-byte ICV.</summary>
    AesGcm128 = 1,

    /// <summary><c>null-hmac-sha256-128</c>: RFC 2410 (no encryption) + RFC 4868 (HMAC-SHA-256 truncated to 128 bits).</summary>
    NullHmacSha256128 = 2,

    /// <summary><c>null-hmac-sha1-96</c>: RFC 2410 + RFC 2404 (HMAC-SHA-1 truncated to 96 bits).</summary>
    NullHmacSha196 = 3,

    /// <summary><c>aes-cbc-128-hmac-sha1-96</c>: RFC 3602 (random 16-byte IV) + RFC 2404.</summary>
    AesCbc128HmacSha196 = 4,
}

/// <summary>Per-suite wire properties (SPEC §3.3, §4.5).</summary>
public static class EspSuiteProperties
{
    /// <summary>ESP header: SPI (4) and sequence number low 32 bits (4); RFC 4303 §2.</summary>
    public const int HeaderLength = 8;

    /// <summary>Pad Length and Next Header bytes of the ESP trailer; RFC 4303 §2.4, §2.6.</summary>
    public const int TrailerLength = 2;

    /// <summary>Outer IPv4 (20) and UDP (8) headers; RFC 3948 §2.1 framing without a non-ESP marker.</summary>
    public const int OuterHeadersLength = 28;

    /// <summary>The inner Ethernet header (14) that each carried frame adds to the guest's IP packet.</summary>
    public const int InnerEthernetLength = 14;

    /// <summary>Headroom that fits every suite (the CBC suite's 8 + 16): leave this much before a payload to be sealed.</summary>
    public const int MaxHeadroom = HeaderLength + 16;

    /// <summary>Tailroom that fits every suite (the CBC suite's 15 + 2 + 12, GCM's 3 + 2 + 16 = 21).</summary>
    public const int MaxTailroom = 15 + TrailerLength + 12;

    public static bool IsDefined(EspSuite suite) => suite is >= EspSuite.AesGcm128 and <= EspSuite.AesCbc128HmacSha196;

    /// <summary>The suite's name as SPEC §2.1 and §4.5 write it.</summary>
    public static string Name(this EspSuite suite) => suite switch
    {
        EspSuite.AesGcm128 => "aes-gcm-128",
        EspSuite.NullHmacSha256128 => "null-hmac-sha256-128",
        EspSuite.NullHmacSha196 => "null-hmac-sha1-96",
        EspSuite.AesCbc128HmacSha196 => "aes-cbc-128-hmac-sha1-96",
        _ => $"suite-{(byte)suite}",
    };

    public static bool TryParse(string? name, out EspSuite suite)
    {
        foreach (var s in new[] { EspSuite.AesGcm128, EspSuite.NullHmacSha256128, EspSuite.NullHmacSha196, EspSuite.AesCbc128HmacSha196 })
        {
            if (string.Equals(s.Name(), name, StringComparison.Ordinal)) { suite = s; return true; }
        }
        suite = default;
        return false;
    }

    /// <summary>Bytes of IV carried after the ESP header: RFC 4106 §3.1 (8), RFC 3602 §3 (16), RFC 2410 (none).</summary>
    public static int IvLength(this EspSuite suite) => suite switch
    {
        EspSuite.AesGcm128 => 8,
        EspSuite.AesCbc128HmacSha196 => 16,
        _ => 0,
    };

    /// <summary>ICV bytes: 16 (RFC 4106 §6, RFC 4868 §2.3 HMAC-SHA-256-128), 12 (RFC 2404 §2 HMAC-SHA-1-96).</summary>
    public static int IcvLength(this EspSuite suite) => suite switch
    {
        EspSuite.AesGcm128 or EspSuite.NullHmacSha256128 => 16,
        _ => 12,
    };

    /// <summary>
    /// What payload ‖ padding ‖ pad length ‖ next header must be a multiple of: the cipher block (16, RFC 3602 §3)
    /// or 4 so that the ICV is 32-bit aligned (RFC 4303 §2.4).
    /// </summary>
    public static int Alignment(this EspSuite suite) => suite == EspSuite.AesCbc128HmacSha196 ? 16 : 4;

    /// <summary>L, the HKDF output length of SPEC §4.5: key material for one SA.</summary>
    public static int KeyMaterialLength(this EspSuite suite) => suite switch
    {
        EspSuite.AesGcm128 => 20,
        EspSuite.NullHmacSha256128 => 32,
        EspSuite.NullHmacSha196 => 20,
        EspSuite.AesCbc128HmacSha196 => 36,
        _ => throw new ArgumentOutOfRangeException(nameof(suite)),
    };

    /// <summary>Largest padding (without pad length and next header) a sealed packet can carry.</summary>
    public static int MaxPadding(this EspSuite suite) => suite.Alignment() - 1;

    /// <summary>Bytes the ESP header and IV need in front of the payload (the headroom <c>Seal</c> writes into).</summary>
    public static int Headroom(this EspSuite suite) => HeaderLength + suite.IvLength();

    /// <summary>Bytes <c>Seal</c> may write after the payload: at most the padding, the two trailer bytes and the ICV.</summary>
    public static int Tailroom(this EspSuite suite) => suite.MaxPadding() + TrailerLength + suite.IcvLength();

    /// <summary>
    /// Underlay bytes a carried frame costs beyond the guest's IP packet, exactly the SPEC §3.3 table (76, 68, 64, 92).
    /// The table's figures make payload ‖ trailer land on the suite's alignment for a 1500-byte underlay (1424 + 14 + 2 =
    /// 1440 = 4 × 360; 1408 + 14 + 2 = 1424 = 16 × 89), so the vnet MTU <c>underlay_mtu − overhead</c> needs no padding
    /// there; other underlay MTUs may add up to <see cref="MaxPadding"/> bytes, which the table leaves out by design.
    /// </summary>
    public static int Overhead(this EspSuite suite) => suite switch
    {
        EspSuite.AesGcm128 => 76,
        EspSuite.NullHmacSha256128 => 68,
        EspSuite.NullHmacSha196 => 64,
        EspSuite.AesCbc128HmacSha196 => 92,
        _ => throw new ArgumentOutOfRangeException(nameof(suite)),
    };
}
