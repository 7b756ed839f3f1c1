namespace VnetReconciler.Schema.Model;

/// <summary>A whole desired-state revision (SPEC §2): records in path order, compared structurally.</summary>
public sealed record DesiredState
{
    public Fleet Fleet { get; init; } = Fleet.Default;
    public EquatableArray<Vnet> Vnets { get; init; }
    public EquatableArray<Host> Hosts { get; init; }
    public EquatableArray<Peer> Peers { get; init; }

    public Vnet? FindVnet(VnetId id) => Vnets.FirstOrDefault(v => v.Id == id);

    public Vnet? FindVnetByBridge(string bridge) => Vnets.FirstOrDefault(v => v.Bridge == bridge);

    public Host? FindHost(string name) => Hosts.FirstOrDefault(h => h.Name == name);

    /// <summary>The hosts that carry <paramref name="vnet"/>, in path order.</summary>
    public IEnumerable<Host> HostsCarrying(Vnet vnet) => Hosts.Where(h => vnet.IsCarriedBy(h.Name));

    /// <summary>The vnets that <paramref name="host"/> carries.</summary>
    public IEnumerable<Vnet> VnetsOf(Host host) => Vnets.Where(v => v.IsCarriedBy(host.Name));

    /// <summary>The host's underlay MTU: its own, else the fleet's.</summary>
    public int UnderlayMtuOf(Host host) => host.UnderlayMtu ?? Fleet.UnderlayMtu;

    /// <summary>The vnet MTU of SPEC §3.3.</summary>
    public int MtuOf(Vnet vnet) => VnetMtu.Of(this, vnet);

    /// <summary>The host's ports: its <c>port</c> forms, then its named vifs as <c>link</c> ports on the vnet of their bridge.</summary>
    public IReadOnlyList<Port> PortsOf(Host host)
    {
        var ports = new List<Port>(host.Ports);
        foreach (var vif in host.Vifs)
        {
            if (vif.Name is null || FindVnetByBridge(vif.Bridge) is not { } vnet) continue;
            ports.Add(new Port { Name = vif.Name, Vnet = vnet.Id, Type = PortType.Link, Mac = vif.Mac, Span = vif.Span, Fields = vif.Fields });
        }
        return ports;
    }

    /// <summary>The MACs the host announces: its vifs without a name (Xen's <c>vn vif-add</c>).</summary>
    public IReadOnlyList<AnnouncedMac> AnnouncedMacsOf(Host host) =>
        host.Vifs.Where(v => v.Name is null)
            .Select(v => (v.Mac, Vnet: FindVnetByBridge(v.Bridge)))
            .Where(x => x.Vnet is not null)
            .Select(x => new AnnouncedMac(x.Mac, x.Vnet!.Id))
            .ToList();
}
