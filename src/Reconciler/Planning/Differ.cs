using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Planning;

/// <summary>
/// Compares the desired host with the observed one and orders the steps by dependency (SPEC §6.1): tunnel
/// tables are emptied before the interfaces they use go, ports are released before their bridges go; then
/// bridges, vnetifs, TAPs and ports are made, and the tunnel tables last.
/// </summary>
public static partial class Differ
{
    private enum Phase
    {
        TunnelPeerDelete, TunnelVnetDelete,
        // Going away: ports leave their bridges before the bridges go (the reverse of the order they come in).
        PortRelease, TapDelete, VnetifDelete, BridgeDelete,
        Bridge, Vnetif, Tap, Port,
        TunnelVnet, TunnelPeer,
    }

    public static Plan Diff(string host, string? revision, HostSpec desired, Observation observed, IReadOnlyDictionary<string, int> guestMtu)
    {
        var steps = new List<(Phase Phase, int Order, Change Change)>();
        void Add(Phase phase, Change change) => steps.Add((phase, steps.Count, change));

        var conflicted = new HashSet<string>(observed.Conflicts.Select(c => c.Name), StringComparer.Ordinal);
        DiffLinks(desired, observed.Spec, conflicted, Add);
        foreach (var name in observed.Unmarked)
        {
            if (observed.Spec.Link(name) is not { } l || desired.Link(name)?.Role != l.Role) continue; // deleted anyway
            Add(PhaseOf(l.Role), new Change
            {
                Action = ChangeAction.Update, Kind = KindOf(l.Role), Name = name, Vnet = l.Vnet, Before = "none",
                After = Ownership.Alias(l.Role, l.Vnet), Path = $"links[{name}].alias", Link = l, Field = LinkField.Alias,
                Reason = "created by vnet-reconciler but not yet marked (interrupted apply)",
            });
        }
        var tunnelObserved = desired.Tunnel is not null && observed.Spec.Tunnel is not null;
        if (tunnelObserved) DiffTunnel(desired.Tunnel!.Value, observed.Spec.Tunnel!.Value, Add);

        steps.Sort((a, b) => a.Phase != b.Phase ? a.Phase.CompareTo(b.Phase) : a.Order.CompareTo(b.Order));
        return new Plan
        {
            Host = host,
            Revision = revision,
            Changes = steps.Select(s => s.Change).ToEquatableArray(),
            Conflicts = observed.Conflicts,
            GuestMtu = guestMtu,
            TunnelObserved = tunnelObserved,
            Notes = observed.Notes,
        };
    }

    private static void DiffLinks(HostSpec desired, HostSpec observed, HashSet<string> conflicted, Action<Phase, Change> add)
    {
        foreach (var have in observed.Links)
        {
            var want = desired.Link(have.Name);
            if (want is not null && want.Role == have.Role) continue;
            if (have.Role == LinkRole.Port)
            {
                if (have.Master is null) continue; // already released
                add(Phase.PortRelease, new Change
                {
                    Action = ChangeAction.Update, Kind = ChangeKind.Port, Name = have.Name, Vnet = have.Vnet,
                    Before = have.Master, After = "none", Path = $"links[{have.Name}].master", Field = LinkField.Master,
                    Reason = "no longer declared: released from its bridge, not deleted",
                    Link = have with { Master = null },
                });
                continue;
            }
            add(DeletePhaseOf(have.Role), new Change
            {
                Action = ChangeAction.Delete, Kind = KindOf(have.Role), Name = have.Name, Vnet = have.Vnet,
                Before = Describe(have), Path = $"links[{have.Name}]",
                Reason = want is null ? $"no longer declared for this host (vnet {have.Vnet})" : $"declared as a {Ownership.RoleText(want.Role)} now",
            });
        }

        foreach (var want in desired.Links)
        {
            if (conflicted.Contains(want.Name)) continue;
            if (want.Master is not null && conflicted.Contains(want.Master)) continue; // never enslave to someone else's link
            var have = observed.Link(want.Name);
            var phase = PhaseOf(want.Role);
            if (have is null || have.Role != want.Role)
            {
                if (want.Role == LinkRole.Port) continue; // not ours to create: enslaved when it appears
                add(phase, new Change
                {
                    Action = ChangeAction.Create, Kind = KindOf(want.Role), Name = want.Name, Vnet = want.Vnet,
                    After = Describe(want), Path = $"links[{want.Name}]", Reason = "declared and missing", Link = want,
                });
                continue;
            }
            DiffLinkFields(want, have, phase, add);
        }
    }

    private static void DiffLinkFields(LinkSpec want, LinkSpec have, Phase phase, Action<Phase, Change> add)
    {
        Change Update(ChangeKind kind, LinkField field, string? before, string? after, string reason) => new()
        {
            Action = ChangeAction.Update, Kind = kind, Name = want.Name, Vnet = want.Vnet, Before = before, After = after,
            Path = $"links[{want.Name}].{field.ToString().ToLowerInvariant()}", Reason = reason, Link = want, Field = field,
        };

        if ((want.Role is LinkRole.Tap or LinkRole.Vnetif) && (want.Owner != have.Owner || want.Group != have.Group))
            add(phase, Update(KindOf(want.Role), LinkField.Owner, OwnerText(have), OwnerText(want), "TAP owner differs"));
        if (want.Master != have.Master)
            add(phase, Update(KindOf(want.Role), LinkField.Master, have.Master ?? "none", want.Master ?? "none",
                want.Role == LinkRole.Port ? "port not on its vnet's bridge" : "not enslaved to its vnet's bridge"));
        if (want.Mtu != have.Mtu)
            add(phase, Update(ChangeKind.Mtu, LinkField.Mtu, have.Mtu.ToString(), want.Mtu.ToString(), "MTU differs from the vnet MTU (SPEC §3.3)"));
        if (want.Up is { } up && have.Up != up)
            add(phase, Update(KindOf(want.Role), LinkField.Up, UpText(have.Up), UpText(up), up ? "link is down" : "link is up"));
    }

    private static Phase PhaseOf(LinkRole role) => role switch
    {
        LinkRole.Bridge => Phase.Bridge,
        LinkRole.Vnetif => Phase.Vnetif,
        LinkRole.Tap => Phase.Tap,
        _ => Phase.Port,
    };

    private static Phase DeletePhaseOf(LinkRole role) => role switch
    {
        LinkRole.Bridge => Phase.BridgeDelete,
        LinkRole.Vnetif => Phase.VnetifDelete,
        _ => Phase.TapDelete,
    };

    internal static ChangeKind KindOf(LinkRole role) => role switch
    {
        LinkRole.Bridge => ChangeKind.Bridge,
        LinkRole.Vnetif => ChangeKind.Vnetif,
        LinkRole.Tap => ChangeKind.Tap,
        _ => ChangeKind.Port,
    };

    private static string Describe(LinkSpec l) =>
        $"{Ownership.RoleText(l.Role)} vnet={l.Vnet}" + (l.Master is null ? "" : $" master={l.Master}") + $" mtu={l.Mtu}" +
        (l.Owner is null ? "" : $" owner={l.Owner}") + (l.Group is null ? "" : $" group={l.Group}");

    private static string OwnerText(LinkSpec l) => $"owner={l.Owner?.ToString() ?? "none"} group={l.Group?.ToString() ?? "none"}";

    private static string UpText(bool? up) => up switch { true => "up", false => "down", null => "unknown" };
}
