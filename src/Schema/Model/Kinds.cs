namespace VnetReconciler.Schema.Model;

/// <summary>A vnet's ESP protection (SPEC §2.1, §4.5).</summary>
public enum Security { None, Auth, Conf }

/// <summary>How a vnet's frames travel between hosts (SPEC §4.1, §4.4).</summary>
public enum Encapsulation { Udp, Vxlan }

/// <summary>ESP suites (SPEC §4.5); the numbers are the handshake's suite field.</summary>
public enum EspSuite
{
    AesGcm128 = 1,
    NullHmacSha256_128 = 2,
    NullHmacSha1_96 = 3,
    AesCbc128HmacSha1_96 = 4,
}

/// <summary>A host port: a TAP the agent creates, or a link someone else creates (SPEC §2.2).</summary>
public enum PortType { Link, Tap }

/// <summary>How broadcast and unknown-unicast frames reach peers (SPEC §2.4).</summary>
public enum FloodMode { Unicast, Multicast }

/// <summary>What the fleet adds to the host-local signature policy (SPEC §6.2): it can only make it stricter.</summary>
public enum SignatureRequirement { HostPolicy, Head, EveryCommit }

/// <summary>The spellings used in files, one table for reading, writing and messages.</summary>
public static class Spellings
{
    public static readonly IReadOnlyList<(string Text, Security Value)> Securities =
        [("none", Security.None), ("auth", Security.Auth), ("conf", Security.Conf)];

    public static readonly IReadOnlyList<(string Text, Encapsulation Value)> Encapsulations =
        [("udp", Encapsulation.Udp), ("vxlan", Encapsulation.Vxlan)];

    public static readonly IReadOnlyList<(string Text, EspSuite Value)> Suites =
    [
        ("aes-gcm-128", EspSuite.AesGcm128), ("null-hmac-sha256-128", EspSuite.NullHmacSha256_128),
        ("null-hmac-sha1-96", EspSuite.NullHmacSha1_96), ("aes-cbc-128-hmac-sha1-96", EspSuite.AesCbc128HmacSha1_96),
    ];

    public static readonly IReadOnlyList<(string Text, PortType Value)> PortTypes = [("link", PortType.Link), ("tap", PortType.Tap)];

    public static readonly IReadOnlyList<(string Text, FloodMode Value)> FloodModes =
        [("unicast", FloodMode.Unicast), ("multicast", FloodMode.Multicast)];

    public static readonly IReadOnlyList<(string Text, SignatureRequirement Value)> SignatureRequirements =
        [("host-policy", SignatureRequirement.HostPolicy), ("head", SignatureRequirement.Head), ("every-commit", SignatureRequirement.EveryCommit)];

    public static string Of<T>(IReadOnlyList<(string Text, T Value)> table, T value) where T : struct, Enum
    {
        foreach (var (text, v) in table)
            if (EqualityComparer<T>.Default.Equals(v, value)) return text;
        return value.ToString().ToLowerInvariant();
    }

    public static string Of(Security v) => Of(Securities, v);
    public static string Of(Encapsulation v) => Of(Encapsulations, v);
    public static string Of(EspSuite v) => Of(Suites, v);
    public static string Of(PortType v) => Of(PortTypes, v);
    public static string Of(FloodMode v) => Of(FloodModes, v);
    public static string Of(SignatureRequirement v) => Of(SignatureRequirements, v);

    /// <summary><c>none, auth or conf</c>.</summary>
    public static string Choices<T>(IReadOnlyList<(string Text, T Value)> table)
    {
        var names = table.Select(t => t.Text).ToArray();
        return names.Length == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
    }
}
