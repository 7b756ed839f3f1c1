using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Planning;

/// <summary>What a kernel link is to the agent (SPEC §3.1).</summary>
public enum LinkRole
{
    /// <summary>A vnet's bridge: created and owned.</summary>
    Bridge,
    /// <summary>A vnet's tunnel interface: a persistent TAP, created and owned, opened by the dataplane.</summary>
    Vnetif,
    /// <summary>A <c>type tap</c> port: a persistent TAP created and owned for a VM to open.</summary>
    Tap,
    /// <summary>A <c>type link</c> port: made by someone else, adopted for its master and MTU only.</summary>
    Port,
}

/// <summary>
/// One kernel link as the agent wants it or finds it. Desired and observed state use this same record
/// (STYLE: one state type), so the differ compares like with like.
/// </summary>
public sealed record LinkSpec
{
    public required string Name { get; init; }
    public required LinkRole Role { get; init; }
    /// <summary>The vnet (canonical id) the link belongs to.</summary>
    public required string Vnet { get; init; }
    /// <summary>The bridge it is enslaved to; null for bridges and for a link with no master.</summary>
    public string? Master { get; init; }
    public int Mtu { get; init; }
    /// <summary>Administrative state; null where the agent does not manage it (adopted ports).</summary>
    public bool? Up { get; init; }
    /// <summary>Owner uid and group of a TAP (SPEC §2.2); null when not set.</summary>
    public uint? Owner { get; init; }
    public uint? Group { get; init; }
}

/// <summary>A vnet as the tunnel dataplane carries it on this host (SPEC §4).</summary>
public sealed record TunnelVnetSpec
{
    public required string Id { get; init; }
    public required string Vnetif { get; init; }
    public Encapsulation Encapsulation { get; init; }
    public Security Security { get; init; }
    public EspSuite? Suite { get; init; }
    /// <summary>Name of the key file (SPEC §4.5), never the key.</summary>
    public string? Key { get; init; }
    public int Mtu { get; init; }
    /// <summary>The UDP port its traffic uses: the vnet port, the VXLAN port, or the ESP port on secure vnets.</summary>
    public int Port { get; init; }
    /// <summary>Tunnel peers of this vnet: the other hosts carrying it and the listed peers (IPv4, sorted).</summary>
    public EquatableArray<string> Peers { get; init; }
    /// <summary>MACs this host announces on the vnet (Xen's <c>vn vif-add</c>), sorted.</summary>
    public EquatableArray<string> AnnouncedMacs { get; init; }
}

/// <summary>The state of one host that the agent converges: kernel links, and the tunnel tables when observed.</summary>
public sealed record HostSpec
{
    /// <summary>Links sorted by name.</summary>
    public EquatableArray<LinkSpec> Links { get; init; }
    /// <summary>Tunnel vnets sorted by id; null when the tunnel was not observed (no agent running).</summary>
    public EquatableArray<TunnelVnetSpec>? Tunnel { get; init; }

    public LinkSpec? Link(string name)
    {
        foreach (var l in Links) if (l.Name == name) return l;
        return null;
    }

    public TunnelVnetSpec? TunnelVnet(string id)
    {
        if (Tunnel is not { } t) return null;
        foreach (var v in t) if (v.Id == id) return v;
        return null;
    }
}
