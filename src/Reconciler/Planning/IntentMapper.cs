using System.Net;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Planning;

/// <summary>What one host must look like for a revision, and the MTU its guests must use per vnet.</summary>
public sealed record Intent(string Host, IPAddress Address, HostSpec Spec, IReadOnlyDictionary<string, int> GuestMtu);

/// <summary>
/// Maps the fleet's desired state onto one host (SPEC §2, §3): for every vnet the host carries a bridge and a
/// vnetif at the vnet MTU, its TAP and link ports enslaved to the bridge at that MTU, and the tunnel's view of
/// the vnet with its peers (the other hosts carrying it and the listed peers).
/// </summary>
public static class IntentMapper
{
    /// <summary>Maps for <paramref name="hostName"/>; null with a message when the fleet does not declare that host.</summary>
    public static Intent? Map(DesiredState state, string hostName, out string? error, IPAddress? addressOverride = null)
    {
        error = null;
        var host = state.FindHost(hostName);
        if (host is null)
        {
            error = $"host '{hostName}' is not declared in hosts/ of this revision (declared: {string.Join(", ", state.Hosts.Select(h => h.Name))})";
            return null;
        }
        var address = addressOverride ?? host.Address;
        var links = new List<LinkSpec>();
        var tunnel = new List<TunnelVnetSpec>();
        var guestMtu = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var announced = state.AnnouncedMacsOf(host);

        foreach (var vnet in state.VnetsOf(host))
        {
            var id = vnet.Id.ToString();
            var mtu = state.MtuOf(vnet);
            guestMtu[id] = mtu;
            links.Add(new LinkSpec { Name = vnet.Bridge, Role = LinkRole.Bridge, Vnet = id, Mtu = mtu, Up = true });
            links.Add(new LinkSpec { Name = vnet.Vnetif, Role = LinkRole.Vnetif, Vnet = id, Master = vnet.Bridge, Mtu = mtu, Up = true });
            tunnel.Add(new TunnelVnetSpec
            {
                Id = id,
                Vnetif = vnet.Vnetif,
                Encapsulation = vnet.Encapsulation,
                Security = vnet.Security,
                Suite = vnet.Security == Security.None ? null : vnet.Suite,
                Key = vnet.Security == Security.None ? null : vnet.Key,
                Mtu = mtu,
                Port = PortOf(state.Fleet, vnet),
                Peers = PeersOf(state, vnet, address),
                AnnouncedMacs = announced.Where(a => a.Vnet == vnet.Id).Select(a => a.Mac.ToString()).Order(StringComparer.Ordinal).ToEquatableArray(),
            });
        }

        foreach (var port in state.PortsOf(host))
        {
            var vnet = state.FindVnet(port.Vnet);
            if (vnet is null || !vnet.IsCarriedBy(host.Name)) continue; // validation reports it
            var mtu = state.MtuOf(vnet);
            links.Add(port.Type == PortType.Tap
                ? new LinkSpec
                {
                    Name = port.Name, Role = LinkRole.Tap, Vnet = vnet.Id.ToString(), Master = vnet.Bridge, Mtu = mtu, Up = true,
                    Owner = port.Owner, Group = port.Group,
                }
                : new LinkSpec { Name = port.Name, Role = LinkRole.Port, Vnet = vnet.Id.ToString(), Master = vnet.Bridge, Mtu = mtu });
        }

        links.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        tunnel.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        var spec = new HostSpec { Links = links.ToEquatableArray(), Tunnel = tunnel.ToEquatableArray() };
        return new Intent(host.Name, address, spec, guestMtu);
    }

    /// <summary>The UDP port a vnet's traffic uses (SPEC §2.4, §4.1, §4.4, §4.5).</summary>
    public static int PortOf(Fleet fleet, Vnet vnet) =>
        vnet.Security != Security.None ? fleet.EspPort : vnet.Encapsulation == Encapsulation.Vxlan ? fleet.VxlanPort : fleet.Port;

    private static EquatableArray<string> PeersOf(DesiredState state, Vnet vnet, IPAddress self)
    {
        var peers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var h in state.HostsCarrying(vnet))
            if (!h.Address.Equals(self)) peers.Add(h.Address.ToString());
        foreach (var p in state.Peers)
            if (p.Carries(vnet.Id)) peers.Add(p.Address.ToString());
        return peers.ToEquatableArray();
    }
}
