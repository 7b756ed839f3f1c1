using System.Net;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>How a vnet's frames travel between hosts (SPEC §2.1 <c>encapsulation</c>).</summary>
public enum Encapsulation
{
    /// <summary>The vnet UDP protocol with etherip header (SPEC §4.1).</summary>
    Udp,
    /// <summary>RFC 7348 VXLAN, VNI = the vnet id (SPEC §4.4).</summary>
    Vxlan,
}

/// <summary>SPEC §2.1 <c>security</c>; <c>auth</c> and <c>conf</c> go through ESP (SPEC §4.5).</summary>
public enum VnetSecurity
{
    None,
    Auth,
    Conf,
}

/// <summary>SPEC §2.4 <c>flood</c>.</summary>
public enum FloodMode
{
    /// <summary>Head-end replication: one unicast copy to every peer of the vnet.</summary>
    Unicast,
    /// <summary>One copy to the multicast group (or the underlay broadcast address), plus forwarded copies to relay peers (§4.3).</summary>
    Multicast,
}

/// <summary>
/// One vnet as the tunnel carries it: desired state from the reconciler and observed state from
/// <see cref="TunnelEngine.Observe"/> use this one type, so they compare with <c>==</c>.
/// </summary>
public sealed record TunnelVnet
{
    public required VnetKey Id { get; init; }
    /// <summary>The persistent TAP the engine opens for this vnet (SPEC §2.1 <c>vnetif</c>).</summary>
    public required string Vnetif { get; init; }
    /// <summary>The vnet's bridge; stale forwarding entries are removed from it when a MAC moves away (§4.2).</summary>
    public string? Bridge { get; init; }
    public Encapsulation Encapsulation { get; init; } = Encapsulation.Udp;
    public VnetSecurity Security { get; init; } = VnetSecurity.None;
    /// <summary>The vnet MTU: the largest inner IP packet (SPEC §3.3).</summary>
    public int Mtu { get; init; } = 1436;
    /// <summary>Underlay addresses of the other hosts (and §2.3 peers) that carry this vnet.</summary>
    public ValueList<IPAddress> Peers { get; init; } = ValueList<IPAddress>.Empty;
    /// <summary>MACs declared to live on this host (SPEC §2.2 <c>vif</c> without a name): announced and answered for.</summary>
    public ValueList<MacAddress> LocalMacs { get; init; } = ValueList<MacAddress>.Empty;
    /// <summary>
    /// The wire settings the vnet is leaving while a wire change rolls out (SPEC §6.4), or null: received traffic in
    /// either these or the vnet's own settings is accepted, and frames leave in these until
    /// <see cref="WireTransition.SendPrevious"/> is cleared.
    /// </summary>
    public WireTransition? Previous { get; init; }
}

/// <summary>
/// A vnet's previous encapsulation and security during a wire change (SPEC §6.4 "made before they are broken"):
/// receivers accept the old and the new settings until every host carrying the vnet has the new revision, and senders
/// keep the old ones until then. The agent decides when senders switch and when the old settings stop being accepted.
/// </summary>
public sealed record WireTransition
{
    public Encapsulation Encapsulation { get; init; } = Encapsulation.Udp;
    public VnetSecurity Security { get; init; } = VnetSecurity.None;
    /// <summary>True until the agent switches senders: frames and control messages leave in these (old) settings.</summary>
    public bool SendPrevious { get; init; } = true;
}

/// <summary>Everything the tunnel engine needs from the reconciler: the host's endpoint, the fleet settings, the vnets.</summary>
public sealed record TunnelConfig
{
    /// <summary>This host's underlay address (its care-of address, SPEC §2.2 <c>address</c>).</summary>
    public required IPAddress LocalAddress { get; init; }
    /// <summary>SPEC §2.4 <c>port</c>.</summary>
    public ushort Port { get; init; } = VnetMessageHeader.DefaultPort;
    /// <summary>SPEC §2.4 <c>vxlan_port</c>.</summary>
    public ushort VxlanPort { get; init; } = VxlanHeader.DefaultPort;
    public FloodMode Flood { get; init; } = FloodMode.Unicast;
    /// <summary>SPEC §2.4 <c>multicast_group</c>: a multicast group or the underlay subnet's broadcast address.</summary>
    public IPAddress FloodGroup { get; init; } = IPAddress.Parse("224.10.0.1");
    /// <summary>Peers that multicast floods are relayed to and forwarded packets are accepted from (SPEC §4.3).</summary>
    public ValueList<IPAddress> RelayPeers { get; init; } = ValueList<IPAddress>.Empty;
    public bool AcceptUnknownPeers { get; init; }
    /// <summary>MAC ageing (SPEC §4.2, default 60 s without traffic).</summary>
    public TimeSpan MacAgeing { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Per-vnet MAC table cap (SPEC §4.2 <c>max_macs</c>, default 4096).</summary>
    public int MaxMacs { get; init; } = 4096;
    /// <summary>Per-vnet flood rate limit, frames per second (≤ 0: unlimited), and its burst.</summary>
    public double FloodRate { get; init; } = 2000;
    public int FloodBurst { get; init; } = 200;
    public ValueList<TunnelVnet> Vnets { get; init; } = ValueList<TunnelVnet>.Empty;
}
