namespace VnetReconciler.Dataplane.Links;

/// <summary>What kind of device a link is (IFLA_INFO_KIND of IFLA_LINKINFO, linux/if_link.h).</summary>
public enum LinkKind
{
    /// <summary>No IFLA_INFO_KIND or one not listed (loopback, physical NICs, dummy, ...).</summary>
    Other,
    Bridge,
    /// <summary>A TUN or TAP device (kind "tun").</summary>
    Tun,
    Veth,
    Vxlan,
}

/// <summary>One network interface as the kernel reports it (RTM_NEWLINK, linux/if_link.h).</summary>
public sealed record LinkInfo
{
    public required int Index { get; init; }

    public required string Name { get; init; }

    public LinkKind Kind { get; init; }

    /// <summary>The bridge (or other master) this link is a port of (IFLA_MASTER); 0 when none.</summary>
    public int MasterIndex { get; init; }

    public int Mtu { get; init; }

    /// <summary>Administratively up (IFF_UP).</summary>
    public bool IsUp { get; init; }

    /// <summary>The link-layer address (IFLA_ADDRESS) when it is a 6-byte MAC.</summary>
    public MacAddress? Mac { get; init; }

    /// <summary>The interface alias (IFLA_IFALIAS); the agent marks what it owns with it (SPEC §3.2).</summary>
    public string? Alias { get; init; }

    public bool HasMaster => MasterIndex != 0;
}

/// <summary>A link named by its index or its name; strings and ints convert implicitly.</summary>
public readonly record struct LinkRef
{
    private LinkRef(int index, string? name)
    {
        Index = index;
        Name = name;
    }

    /// <summary>The ifindex, or 0 when the link is named.</summary>
    public int Index { get; }

    public string? Name { get; }

    public static LinkRef ByIndex(int index) =>
        index > 0 ? new LinkRef(index, null) : throw new ArgumentOutOfRangeException(nameof(index), index, "an ifindex is positive");

    public static LinkRef ByName(string name)
    {
        InterfaceName.Validate(name);
        return new LinkRef(0, name);
    }

    public static implicit operator LinkRef(int index) => ByIndex(index);

    public static implicit operator LinkRef(string name) => ByName(name);

    public override string ToString() => Name ?? Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// Changes to apply to an existing link in one RTM_NEWLINK (<c>ip link set</c>); null leaves a property as it is.
/// </summary>
public sealed record LinkSettings
{
    public int? Mtu { get; init; }

    /// <summary>True sets IFF_UP, false clears it.</summary>
    public bool? Up { get; init; }

    /// <summary>The alias; the empty string removes it.</summary>
    public string? Alias { get; init; }

    /// <summary>The master's ifindex; 0 releases the link from its master (<c>nomaster</c>).</summary>
    public int? MasterIndex { get; init; }

    /// <summary>The <c>ip link set</c> arguments these settings equal, e.g. <c>master 7 mtu 1436 alias x up</c>.</summary>
    public string Describe()
    {
        var parts = new List<string>(4);
        if (MasterIndex is { } m) parts.Add(m == 0 ? "nomaster" : $"master {m}");
        if (Mtu is { } mtu) parts.Add($"mtu {mtu}");
        if (Alias is { } a) parts.Add($"alias \"{a}\"");
        if (Up is { } up) parts.Add(up ? "up" : "down");
        return string.Join(' ', parts);
    }
}
