using System.Globalization;
using System.Net;
using VnetReconciler.Dataplane;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Schema.Model;
using SchemaEncapsulation = VnetReconciler.Schema.Model.Encapsulation;
using TunnelEncapsulation = VnetReconciler.Dataplane.Tunnel.Encapsulation;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>
/// The reconciler's view of the embedded <see cref="TunnelEngine"/> (SPEC §4): maps <see cref="TunnelVnetSpec"/> onto the
/// engine's <see cref="TunnelVnet"/> records and back, so the differ compares the engine's actual tables with the intent.
/// The engine does not keep what it has no use for (the ESP suite and key name): those are carried over from the spec
/// last configured for the same vnet.
/// </summary>
public sealed partial class EngineTunnelTables(TunnelEngine engine, AgentEsp? esp = null) : ITunnelTables
{
    private readonly object _gate = new();
    private Dictionary<string, TunnelVnetSpec> _configured = new(StringComparer.Ordinal);
    private TunnelSettings _settings = new() { LocalAddress = IPAddress.Any };

    /// <summary>Problems the last <see cref="Configure"/> reported (a vnetif that could not be opened, a port that could not be bound).</summary>
    public IReadOnlyList<string> Problems { get; private set; } = [];

    /// <summary>This host's endpoint and the fleet settings, set before each cycle's plan.</summary>
    public void Use(TunnelSettings settings)
    {
        lock (_gate) _settings = settings;
    }

    public EquatableArray<TunnelVnetSpec> Observe()
    {
        var snapshot = engine.Observe();
        if (snapshot.Config is not { } config) return EquatableArray<TunnelVnetSpec>.Empty;
        lock (_gate)
        {
            // Settings that apply to every vnet (the local address, ports) changed: every vnet must be configured again.
            var stale = !config.LocalAddress.Equals(_settings.LocalAddress) || config.Port != _settings.Port || config.VxlanPort != _settings.VxlanPort
                        || config.Flood != _settings.Flood || !config.FloodGroup.Equals(_settings.FloodGroup) || config.AcceptUnknownPeers != _settings.AcceptUnknownPeers;
            var list = new List<TunnelVnetSpec>();
            foreach (var v in config.Vnets)
            {
                var id = v.Id.ToString();
                _configured.TryGetValue(id, out var last);
                list.Add(new TunnelVnetSpec
                {
                    Id = id,
                    Vnetif = v.Vnetif,
                    Encapsulation = v.Encapsulation == TunnelEncapsulation.Vxlan ? SchemaEncapsulation.Vxlan : SchemaEncapsulation.Udp,
                    Security = v.Security switch { VnetSecurity.Auth => Security.Auth, VnetSecurity.Conf => Security.Conf, _ => Security.None },
                    Suite = last?.Suite,
                    Key = last?.Key,
                    Mtu = v.Mtu,
                    Port = stale ? 0 : v.Security != VnetSecurity.None ? last?.Port ?? 0 : v.Encapsulation == TunnelEncapsulation.Vxlan ? config.VxlanPort : config.Port,
                    Peers = v.Peers.Select(p => p.ToString()).Order(StringComparer.Ordinal).ToEquatableArray(),
                    AnnouncedMacs = v.LocalMacs.Select(m => m.ToString()).Order(StringComparer.Ordinal).ToEquatableArray(),
                });
            }
            list.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
            return list.ToEquatableArray();
        }
    }

    public void Configure(EquatableArray<TunnelVnetSpec> vnets)
    {
        TunnelConfig config;
        List<TunnelVnetSpec> secure;
        lock (_gate)
        {
            TrackWireChanges(vnets);
            _configured = vnets.ToDictionary(v => v.Id, StringComparer.Ordinal);
            _vnets = vnets;
            config = WithWireChanges(ToConfig(_settings, vnets));
            secure = SecureVnets(vnets);
        }
        ConfigureEngine(config, secure);
    }

    /// <summary>Configures ESP with <paramref name="secure"/>, then the engine; keeps the problems both report.</summary>
    private void ConfigureEngine(TunnelConfig config, List<TunnelVnetSpec> secure)
    {
        var problems = new List<string>();
        if (esp is not null)
        {
            // ESP first, so the engine binds the ESP port the transport uses (SPEC §4.5).
            try
            {
                esp.Configure(config.LocalAddress, (ushort)(secure.FirstOrDefault()?.Port ?? Dataplane.Esp.EspSecureTransport.DefaultPort),
                    secure.Select(v => new Dataplane.Esp.EspVnetConfig(KeyOf(v.Id), (Dataplane.Esp.EspSuite)(int)v.Suite!.Value, v.Key ?? v.Id,
                        v.Peers.Select(IPAddress.Parse).ToArray())).ToArray());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                problems.Add($"ESP: {e.Message}");
            }
            if (esp.Endpoint is { } endpoint)
                foreach (var (_, errors) in endpoint.KeyErrors)
                    foreach (var error in errors) problems.Add($"ESP key file {error}");
        }
        problems.AddRange(engine.Configure(config));
        if (config.Vnets.Any(v => v.Security != VnetSecurity.None)) esp?.Negotiate();
        Problems = problems;
    }

    /// <summary>The engine's configuration for these vnets under these settings.</summary>
    public static TunnelConfig ToConfig(TunnelSettings settings, EquatableArray<TunnelVnetSpec> vnets) => new()
    {
        LocalAddress = settings.LocalAddress,
        Port = settings.Port,
        VxlanPort = settings.VxlanPort,
        Flood = settings.Flood,
        FloodGroup = settings.FloodGroup,
        AcceptUnknownPeers = settings.AcceptUnknownPeers,
        RelayPeers = settings.RelayPeers,
        Vnets = vnets.Select(v => new TunnelVnet
        {
            Id = KeyOf(v.Id),
            Vnetif = v.Vnetif,
            Bridge = settings.Bridges.GetValueOrDefault(v.Id),
            Encapsulation = v.Encapsulation == SchemaEncapsulation.Vxlan ? TunnelEncapsulation.Vxlan : TunnelEncapsulation.Udp,
            Security = v.Security switch { Security.Auth => VnetSecurity.Auth, Security.Conf => VnetSecurity.Conf, _ => VnetSecurity.None },
            Mtu = v.Mtu,
            Peers = v.Peers.Select(IPAddress.Parse).ToArray(),
            LocalMacs = v.AnnouncedMacs.Select(MacAddress.Parse).ToArray(),
        }).ToArray(),
    };

    /// <summary>A canonical vnet id (<c>0000:…:0097</c>) as the wire's 128-bit key.</summary>
    public static VnetKey KeyOf(string canonicalId) =>
        new(UInt128.Parse(canonicalId.Replace(":", "", StringComparison.Ordinal), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
}

/// <summary>What the tunnel needs besides the vnets: this host's endpoint and the fleet's settings (SPEC §2.4).</summary>
public sealed record TunnelSettings
{
    public required IPAddress LocalAddress { get; init; }
    public ushort Port { get; init; } = 1798;
    public ushort VxlanPort { get; init; } = 4789;
    public Dataplane.Tunnel.FloodMode Flood { get; init; }
    public IPAddress FloodGroup { get; init; } = IPAddress.Parse("224.10.0.1");
    public bool AcceptUnknownPeers { get; init; }
    public ValueList<IPAddress> RelayPeers { get; init; } = ValueList<IPAddress>.Empty;
    /// <summary>Bridge of each vnet (canonical id), so the engine can forget a moved MAC's bridge entry (SPEC §4.2).</summary>
    public IReadOnlyDictionary<string, string> Bridges { get; init; } = new Dictionary<string, string>();

    public static TunnelSettings For(DesiredState state, Intent intent) => new()
    {
        LocalAddress = intent.Address,
        Port = (ushort)state.Fleet.Port,
        VxlanPort = (ushort)state.Fleet.VxlanPort,
        Flood = state.Fleet.Flood == Schema.Model.FloodMode.Multicast ? Dataplane.Tunnel.FloodMode.Multicast : Dataplane.Tunnel.FloodMode.Unicast,
        FloodGroup = state.Fleet.MulticastGroup,
        AcceptUnknownPeers = state.Fleet.AcceptUnknownPeers,
        RelayPeers = state.Fleet.Flood == Schema.Model.FloodMode.Multicast ? state.Peers.Select(p => p.Address).ToArray() : ValueList<IPAddress>.Empty,
        Bridges = intent.Spec.Links.Where(l => l.Role == LinkRole.Bridge).ToDictionary(l => l.Vnet, l => l.Name, StringComparer.Ordinal),
    };
}
