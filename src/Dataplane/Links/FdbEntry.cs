namespace VnetReconciler.Dataplane.Links;

/// <summary>How a bridge FDB entry was made (ndm_state, linux/neighbour.h), as <c>bridge fdb</c> prints it.</summary>
public enum FdbState
{
    /// <summary>Learned from traffic and aged out (NUD_REACHABLE or no static bits).</summary>
    Dynamic,
    /// <summary>NUD_NOARP: configured, forwarded to its port, never aged.</summary>
    Static,
    /// <summary>NUD_PERMANENT: a local address of the bridge; frames to it are delivered to the host.</summary>
    Permanent,
}

/// <summary>One forwarding entry of a bridge (RTM_NEWNEIGH, family AF_BRIDGE).</summary>
public sealed record FdbEntry
{
    public required MacAddress Mac { get; init; }

    /// <summary>The port the MAC is reached through (ndm_ifindex).</summary>
    public required int PortIndex { get; init; }

    /// <summary>The bridge (NDA_MASTER).</summary>
    public int BridgeIndex { get; init; }

    public FdbState State { get; init; }

    /// <summary>NDA_VLAN when the entry is for one VLAN.</summary>
    public ushort? Vlan { get; init; }
}

/// <summary>The host's route towards an address (<c>ip route get</c>) and the MTU it allows (SPEC §3.3).</summary>
public sealed record RouteInfo
{
    public required System.Net.IPAddress Destination { get; init; }

    /// <summary>The output interface (RTA_OIF).</summary>
    public required int OutputIndex { get; init; }

    /// <summary>The source address the host would use (RTA_PREFSRC), when the route has one.</summary>
    public System.Net.IPAddress? PreferredSource { get; init; }

    /// <summary>The next hop (RTA_GATEWAY); null when the destination is on-link.</summary>
    public System.Net.IPAddress? Gateway { get; init; }

    /// <summary>RTAX_MTU of the route when set, else the output link's MTU.</summary>
    public required int Mtu { get; init; }
}
