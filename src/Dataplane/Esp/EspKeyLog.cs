using System.Net;
using System.Text;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>
/// <c>VNET_ESP_KEYLOG=&lt;file&gt;</c> (SPEC §4.5): appends each installed SA as one line of Wireshark 4.0's ESP SA table
/// (<c>esp_sa</c> UAT, Preferences → Protocols → ESP), in its column order and quoting: protocol, source, destination, SPI,
/// encryption algorithm, encryption key, authentication algorithm, authentication key. Algorithm names are Wireshark's
/// own (packet-ipsec.c <c>esp_encryption_type_vals</c>, <c>esp_authentication_type_vals</c>); keys are <c>0x</c>-hex, and
/// the AES-GCM key carries its 4-byte salt at the end, as Wireshark expects. The only place key material is written.
/// </summary>
public sealed class EspKeyLog
{
    public const string EnvironmentVariable = "VNET_ESP_KEYLOG";

    private readonly string _path;
    private readonly Lock _lock = new();

    public EspKeyLog(string path) => _path = path;

    /// <summary>The key log the environment asks for, or null without <c>VNET_ESP_KEYLOG</c>.</summary>
    public static EspKeyLog? FromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path ? new EspKeyLog(path) : null;

    public string Path => _path;

    /// <summary>Appends the SA's line; failures to write are returned, never thrown (debugging must not stop traffic).</summary>
    public bool TryWrite(SecurityAssociation sa, ReadOnlySpan<byte> keyMaterial, out string? error)
    {
        error = null;
        var line = Line(sa.Suite, sa.Source, sa.Destination, sa.Spi, keyMaterial);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
            // a new key log holds keys: readable by its owner only (an existing file keeps the mode it has)
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            var bytes = Encoding.ASCII.GetBytes(line + "\n");
            lock (_lock)
            {
                using var file = new FileStream(_path, options);
                file.Write(bytes);
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot append to {EnvironmentVariable} file {_path}: {e.Message}";
            return false;
        }
    }

    /// <summary>One <c>esp_sa</c> line.</summary>
    public static string Line(EspSuite suite, IPAddress source, IPAddress destination, uint spi, ReadOnlySpan<byte> keyMaterial)
    {
        // (name, key) per column pair; key material is sliced by index so no span needs to live in a tuple
        var (encryption, encryptionKey, authentication, authenticationKey) = suite switch
        {
            EspSuite.AesGcm128 => ("AES-GCM with 16 octet ICV [RFC4106]", HexKey(keyMaterial), "NULL", ""),
            EspSuite.NullHmacSha256128 => ("NULL", "", "HMAC-SHA-256-128 [RFC4868]", HexKey(keyMaterial)),
            EspSuite.NullHmacSha196 => ("NULL", "", "HMAC-SHA-1-96 [RFC2404]", HexKey(keyMaterial)),
            EspSuite.AesCbc128HmacSha196 => ("AES-CBC [RFC3602]", HexKey(keyMaterial[..16]), "HMAC-SHA-1-96 [RFC2404]", HexKey(keyMaterial[16..])),
            _ => throw new ArgumentOutOfRangeException(nameof(suite)),
        };
        var line = new StringBuilder();
        Field(line, "IPv4").Append(',');
        Field(line, source.ToString()).Append(',');
        Field(line, destination.ToString()).Append(',');
        Field(line, $"0x{spi:x8}").Append(',');
        Field(line, encryption).Append(',');
        Field(line, encryptionKey).Append(',');
        Field(line, authentication).Append(',');
        Field(line, authenticationKey);
        return line.ToString();
    }

    private static StringBuilder Field(StringBuilder line, string value) => line.Append('"').Append(value).Append('"');

    private static string HexKey(ReadOnlySpan<byte> key) => key.IsEmpty ? "" : "0x" + Convert.ToHexStringLower(key);
}
