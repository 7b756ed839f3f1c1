using System.Net;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Schema.Model;
using TunnelEncapsulation = VnetReconciler.Dataplane.Tunnel.Encapsulation;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>
/// A vnet whose wire settings (encapsulation, security, suite or port) changed at the last configuration, as SPEC §6.4
/// rolls it out: the engine accepts the old and the new settings, and sends in the old ones until
/// <see cref="EngineTunnelTables.SwitchSenders"/>; then, after a hold, <see cref="EngineTunnelTables.FinishWireChange"/>
/// stops accepting the old ones.
/// </summary>
/// <param name="Vnet">The canonical vnet id.</param>
/// <param name="Previous">The settings the vnet is leaving (the spec last sent with).</param>
/// <param name="Next">The settings the revision asks for.</param>
/// <param name="SwitchedAt">When senders switched to <paramref name="Next"/>; null while they still send in <paramref name="Previous"/>.</param>
public sealed record VnetWireChange(string Vnet, TunnelVnetSpec Previous, TunnelVnetSpec Next, DateTimeOffset? SwitchedAt = null)
{
    public bool Switched => SwitchedAt is not null;

    /// <summary>"security=none → security=conf": the wire fields that differ.</summary>
    public string Describe() => string.Join(", ", Fields(Previous).Zip(Fields(Next)).Where(p => p.First != p.Second)
        .Select(p => $"{p.First} → {p.Second}"));

    /// <summary>True when the two specs put the vnet's frames on the wire alike (SPEC §6.4's wire fields).</summary>
    public static bool SameWire(TunnelVnetSpec a, TunnelVnetSpec b) =>
        a.Encapsulation == b.Encapsulation && a.Security == b.Security && a.Suite == b.Suite && a.Port == b.Port;

    private static IEnumerable<string> Fields(TunnelVnetSpec v) =>
    [
        $"encapsulation={Spellings.Of(v.Encapsulation)}", $"security={Spellings.Of(v.Security)}",
        $"suite={(v.Suite is { } s ? Spellings.Of(s) : "-")}", $"port={v.Port}",
    ];
}

// Wire changes (SPEC §6.4): tracked per vnet across configurations, switched and finished by the agent's cycle.
public sealed partial class EngineTunnelTables
{
    private readonly Dictionary<string, VnetWireChange> _wire = new(StringComparer.Ordinal);
    private EquatableArray<TunnelVnetSpec> _vnets = EquatableArray<TunnelVnetSpec>.Empty;

    /// <summary>The vnets whose wire change is under way, by id.</summary>
    public IReadOnlyList<VnetWireChange> WireChanges
    {
        get
        {
            lock (_gate) return [.. _wire.Values.OrderBy(w => w.Vnet, StringComparer.Ordinal)];
        }
    }

    /// <summary>Senders of <paramref name="vnet"/> move to its new settings; the old ones are still accepted.</summary>
    public void SwitchSenders(string vnet, DateTimeOffset now) => Reconfigure(vnet, w => w.Switched ? w : w with { SwitchedAt = now });

    /// <summary>The wire change of <paramref name="vnet"/> is over: its old settings are no longer accepted.</summary>
    public void FinishWireChange(string vnet) => Reconfigure(vnet, _ => null);

    /// <summary>True when ESP has an outbound SA to <paramref name="peer"/> on <paramref name="vnet"/> (senders can seal to it).</summary>
    public bool HasSecurityAssociation(string vnet, IPAddress peer) =>
        esp?.Endpoint is { } endpoint && endpoint.Epoch(KeyOf(vnet), peer) != 0;

    private bool Reconfigure(string vnet, Func<VnetWireChange, VnetWireChange?> change)
    {
        TunnelConfig config;
        List<TunnelVnetSpec> secure;
        lock (_gate)
        {
            if (!_wire.TryGetValue(vnet, out var current)) return false;
            var next = change(current);
            if (next == current) return false;
            if (next is null) _wire.Remove(vnet);
            else _wire[vnet] = next;
            config = WithWireChanges(ToConfig(_settings, _vnets));
            secure = SecureVnets(_vnets);
        }
        ConfigureEngine(config, secure);
        return true;
    }

    /// <summary>
    /// Starts, keeps or ends each vnet's wire change for the specs about to be configured. The settings compared are the
    /// ones frames leave in now: a vnet still sending in the settings of an unfinished change starts from those. A vnet
    /// configured for the first time (agent start) starts no change: there is nothing it sent before.
    /// </summary>
    private void TrackWireChanges(EquatableArray<TunnelVnetSpec> vnets)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var next in vnets)
        {
            ids.Add(next.Id);
            _wire.TryGetValue(next.Id, out var current);
            var sending = current is { Switched: false } ? current.Previous : _configured.GetValueOrDefault(next.Id);
            if (sending is null || VnetWireChange.SameWire(sending, next))
            {
                // Back where it was before the change, or no change: nothing to roll out. A switched change whose new
                // settings still hold keeps its hold, so peers that switch later are still heard.
                if (current is not null && !(current.Switched && VnetWireChange.SameWire(current.Next, next))) _wire.Remove(next.Id);
                else if (current is not null) _wire[next.Id] = current with { Next = next };
                continue;
            }
            _wire[next.Id] = current is not null && VnetWireChange.SameWire(current.Next, next) && !current.Switched
                ? current with { Next = next }
                : new VnetWireChange(next.Id, sending, next);
        }
        foreach (var gone in _wire.Keys.Where(k => !ids.Contains(k)).ToList()) _wire.Remove(gone);
    }

    /// <summary>The engine's configuration with each vnet's previous settings, accepted and (until the switch) sent.</summary>
    private TunnelConfig WithWireChanges(TunnelConfig config)
    {
        if (_wire.Count == 0) return config;
        return config with
        {
            Vnets = config.Vnets.Select(v => _wire.TryGetValue(v.Id.ToString(), out var w) ? v with
            {
                Previous = new WireTransition
                {
                    Encapsulation = w.Previous.Encapsulation == Schema.Model.Encapsulation.Vxlan ? TunnelEncapsulation.Vxlan : TunnelEncapsulation.Udp,
                    Security = w.Previous.Security switch { Security.Auth => VnetSecurity.Auth, Security.Conf => VnetSecurity.Conf, _ => VnetSecurity.None },
                    SendPrevious = !w.Switched,
                },
            } : v).ToArray(),
        };
    }

    /// <summary>
    /// The vnets ESP negotiates SAs for: the secure ones, early in a change to a secure setting (so the new path is up
    /// when senders switch), and, in a change away from one, the previous secure settings until the change is over.
    /// A change between two ESP suites negotiates the new suite at once (one SA pair per peer and vnet).
    /// </summary>
    private List<TunnelVnetSpec> SecureVnets(EquatableArray<TunnelVnetSpec> vnets) =>
    [
        .. vnets.Select(v => v.Security == Security.None && _wire.TryGetValue(v.Id, out var w) && w.Previous.Security != Security.None
                ? w.Previous with { Peers = v.Peers }
                : v)
            .Where(v => v.Security != Security.None && v.Suite is not null),
    ];
}
