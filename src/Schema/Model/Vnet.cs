namespace VnetReconciler.Schema.Model;

/// <summary>A vnet (SPEC §2.1) with its defaults resolved. <see cref="Span"/> and <see cref="Fields"/> never take part in equality.</summary>
public sealed record Vnet
{
    public required VnetId Id { get; init; }
    public required string Bridge { get; init; }
    public required string Vnetif { get; init; }
    public Security Security { get; init; }
    public Encapsulation Encapsulation { get; init; }
    /// <summary>The ESP suite; null exactly when <see cref="Security"/> is none.</summary>
    public EspSuite? Suite { get; init; }
    /// <summary>The key name (SPEC §4.5: <c>&lt;key-dir&gt;/&lt;key&gt;.key</c>).</summary>
    public required string Key { get; init; }
    /// <summary>An explicit MTU, or null for the computed one (<see cref="VnetMtu"/>).</summary>
    public int? Mtu { get; init; }
    /// <summary>The hosts that carry the vnet, or null for every host of the fleet.</summary>
    public EquatableArray<string>? Hosts { get; init; }

    public SourceSpan Span { get; init; }
    public FieldSpans Fields { get; init; } = FieldSpans.Empty;

    /// <summary>A vnet with every default of SPEC §2.1 applied.</summary>
    public static Vnet Create(VnetId id, Security security = Security.None, Encapsulation encapsulation = Encapsulation.Udp) => new()
    {
        Id = id,
        Bridge = DefaultBridge(id),
        Vnetif = DefaultVnetif(id),
        Key = DefaultKey(id),
        Security = security,
        Encapsulation = encapsulation,
        Suite = DefaultSuite(security),
    };

    /// <summary><c>vnet&lt;last group in hex without leading zeros&gt;</c> (<c>vnet97</c>).</summary>
    public static string DefaultBridge(VnetId id) => "vnet" + id.LastGroup;

    /// <summary><c>vnif&lt;last group as 4 hex digits&gt;</c> (<c>vnif0097</c>).</summary>
    public static string DefaultVnetif(VnetId id) => "vnif" + id.LastGroup.PadLeft(4, '0');

    /// <summary>The short form for short ids (<c>97</c>), else the long form with ':' replaced by '-'.</summary>
    public static string DefaultKey(VnetId id) => id.IsShort ? id.ShortForm : id.ToString().Replace(':', '-');

    public static EspSuite? DefaultSuite(Security security) => security switch
    {
        Security.Conf => EspSuite.AesGcm128,
        Security.Auth => EspSuite.NullHmacSha256_128,
        _ => null,
    };

    /// <summary>True when the vnet is carried by <paramref name="host"/> (every host when <see cref="Hosts"/> is null).</summary>
    public bool IsCarriedBy(string host) => Hosts is not { } hosts || hosts.Contains(host);
}
