using System.Net;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.State;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>
/// Hitless restart: the tunnel tables the agent last converged, kept as a <see cref="TunnelSnapshot"/>, are carried again
/// by a new agent process before anything else (no revision to parse, no git, no HTTP server to wait for). The bridges,
/// ports and persistent vnetifs stayed in the kernel; peers kept sending to this host's address, so once the vnetifs are
/// open and the ports bound, traffic flows and the MAC table fills again from it (local MACs are announced by VARP as
/// soon as they are seen).
/// </summary>
public static class TunnelRestore
{
    public static TunnelSnapshot ToSnapshot(string revision, TunnelSettings settings, EquatableArray<TunnelVnetSpec> vnets) => new()
    {
        Revision = revision,
        LocalAddress = settings.LocalAddress.ToString(),
        Port = settings.Port,
        VxlanPort = settings.VxlanPort,
        MulticastFlood = settings.Flood == Dataplane.Tunnel.FloodMode.Multicast,
        FloodGroup = settings.FloodGroup.ToString(),
        AcceptUnknownPeers = settings.AcceptUnknownPeers,
        RelayPeers = [.. settings.RelayPeers.Select(p => p.ToString())],
        Bridges = new SortedDictionary<string, string>(settings.Bridges.ToDictionary(), StringComparer.Ordinal),
        Vnets = [.. vnets.Select(v => new TunnelSnapshotVnet
        {
            Id = v.Id, Vnetif = v.Vnetif, Encapsulation = v.Encapsulation, Security = v.Security, Suite = v.Suite, Key = v.Key,
            Mtu = v.Mtu, Port = v.Port, Peers = [.. v.Peers], AnnouncedMacs = [.. v.AnnouncedMacs],
        })],
    };

    /// <summary>The settings and vnets of a snapshot; false (with the reason) when it holds something that does not parse.</summary>
    public static bool TryRead(TunnelSnapshot s, out TunnelSettings? settings, out EquatableArray<TunnelVnetSpec> vnets, out string? problem)
    {
        settings = null;
        vnets = EquatableArray<TunnelVnetSpec>.Empty;
        problem = null;
        if (!IPAddress.TryParse(s.LocalAddress, out var local) || !IPAddress.TryParse(s.FloodGroup, out var group)
            || s.RelayPeers.Any(p => !IPAddress.TryParse(p, out _)) || s.Vnets.Any(v => v.Peers.Any(p => !IPAddress.TryParse(p, out _))))
        {
            problem = "tunnel snapshot: an address does not parse";
            return false;
        }
        settings = new TunnelSettings
        {
            LocalAddress = local, Port = (ushort)s.Port, VxlanPort = (ushort)s.VxlanPort,
            Flood = s.MulticastFlood ? Dataplane.Tunnel.FloodMode.Multicast : Dataplane.Tunnel.FloodMode.Unicast,
            FloodGroup = group, AcceptUnknownPeers = s.AcceptUnknownPeers,
            RelayPeers = s.RelayPeers.Select(IPAddress.Parse).ToArray(),
            Bridges = s.Bridges,
        };
        vnets = s.Vnets.Select(v => new TunnelVnetSpec
        {
            Id = v.Id, Vnetif = v.Vnetif, Encapsulation = v.Encapsulation, Security = v.Security, Suite = v.Suite, Key = v.Key,
            Mtu = v.Mtu, Port = v.Port, Peers = v.Peers.ToEquatableArray(), AnnouncedMacs = v.AnnouncedMacs.ToEquatableArray(),
        }).ToEquatableArray();
        return true;
    }

    /// <summary>
    /// Carries <paramref name="vnets"/> whose vnetif is still in the kernel. A vnetif that is gone is left to the first
    /// cycle: opening it here would make a TAP that the agent has not marked as its own.
    /// </summary>
    public static void Carry(EngineTunnelTables tables, TunnelSettings settings, EquatableArray<TunnelVnetSpec> vnets, IReadOnlyList<KernelLink> links)
    {
        var taps = links.Where(l => l.Kind == KernelLinkKind.Tun).Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var present = vnets.Where(v => taps.Contains(v.Vnetif)).ToEquatableArray();
        tables.Use(settings);
        // Plain vnets first: they carry traffic at once, while the secure ones wait for the ESP transport (key files read,
        // SAs negotiated). The second call keeps the first one's vnets (same id and vnetif) as they are.
        if (present.Any(v => v.Security != Security.None)) tables.Configure(present.Where(v => v.Security == Security.None).ToEquatableArray());
        tables.Configure(present);
    }

    /// <summary>Carries the stored snapshot; returns its revision, or null when there is none (or it is unreadable: <paramref name="problem"/>).</summary>
    public static string? FromStore(TunnelSnapshotStore store, EngineTunnelTables tables, IReadOnlyList<KernelLink> links, out string? problem)
    {
        if (store.Load(out problem) is not { } snapshot || !TryRead(snapshot, out var settings, out var vnets, out problem)) return null;
        Carry(tables, settings!, vnets, links);
        return snapshot.Revision;
    }
}
