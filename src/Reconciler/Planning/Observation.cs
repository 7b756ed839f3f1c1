using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Planning;

/// <summary>The host as observed, in the desired state's own terms, plus what the agent must leave alone.</summary>
public sealed record Observation
{
    public required HostSpec Spec { get; init; }
    public EquatableArray<Conflict> Conflicts { get; init; }
    public EquatableArray<string> Notes { get; init; }
    /// <summary>Links the inventory says we created whose alias is missing (a crash mid-create); the plan marks them.</summary>
    public EquatableArray<string> Unmarked { get; init; }
}

/// <summary>
/// Projects the kernel's links onto <see cref="HostSpec"/> (SPEC §3.2): links carrying our alias are ours; a declared
/// <c>link</c> port and a port adopted earlier (the inventory) are seen for their master and MTU; everything else is
/// not ours and appears only as a conflict (a declared name held by it) or a note (a member of an owned bridge).
/// An unowned link with an undeclared name is never seen at all.
/// </summary>
public static class Observer
{
    public static Observation Observe(IReadOnlyList<KernelLink> kernel, HostSpec desired, IReadOnlyCollection<InventoryEntry> inventory,
        EquatableArray<TunnelVnetSpec>? tunnel)
    {
        var adoptedPorts = new Dictionary<string, string>(StringComparer.Ordinal);
        var created = new Dictionary<string, InventoryEntry>(StringComparer.Ordinal);
        foreach (var e in inventory)
        {
            if (e.Role == LinkRole.Port) adoptedPorts[e.Name] = e.Vnet;
            else created[e.Name] = e;
        }
        var unmarked = new List<string>();
        var links = new List<LinkSpec>();
        var conflicts = new List<Conflict>();
        var notes = new List<string>();
        var byName = new Dictionary<string, KernelLink>(StringComparer.Ordinal);
        foreach (var k in kernel) byName[k.Name] = k;

        bool IsOwned(string? name) => name is not null && byName.TryGetValue(name, out var l) && Ownership.IsOwnedAlias(l.Alias);

        foreach (var k in kernel)
        {
            var want = desired.Link(k.Name);
            var owned = Ownership.TryParse(k.Alias, out var role, out var vnet);
            if (!owned && k.Alias is null or "" && created.TryGetValue(k.Name, out var entry))
            {
                // Created by us, and a crash came before its alias was set: ours, to be marked.
                (owned, role, vnet) = (true, entry.Role, entry.Vnet);
                unmarked.Add(k.Name);
            }
            if (owned)
            {
                links.Add(new LinkSpec
                {
                    Name = k.Name, Role = role, Vnet = vnet, Master = k.Master, Mtu = k.Mtu, Up = k.Up,
                    Owner = role is LinkRole.Tap or LinkRole.Vnetif ? k.TunOwner : null,
                    Group = role is LinkRole.Tap or LinkRole.Vnetif ? k.TunGroup : null,
                });
                continue;
            }
            if (want is { Role: LinkRole.Port } || adoptedPorts.ContainsKey(k.Name))
            {
                var portVnet = want?.Vnet ?? adoptedPorts[k.Name];
                if (k.Master is not null && !IsOwned(k.Master))
                {
                    conflicts.Add(new Conflict
                    {
                        Name = k.Name, Vnet = portVnet,
                        Reason = $"link port {k.Name} is enslaved to {k.Master}, a bridge vnet-reconciler does not own",
                    });
                    continue;
                }
                links.Add(new LinkSpec { Name = k.Name, Role = LinkRole.Port, Vnet = portVnet, Master = k.Master, Mtu = k.Mtu });
                continue;
            }
            if (want is not null)
            {
                conflicts.Add(new Conflict
                {
                    Name = k.Name, Vnet = want.Vnet,
                    Reason = $"{k.Name} exists and is not owned by vnet-reconciler (no '{Ownership.AliasPrefix}' alias); it is left untouched",
                });
                continue;
            }
            if (k.Master is not null && IsOwned(k.Master))
                notes.Add($"{k.Name} was enslaved to {k.Master} by someone else; left alone");
        }

        foreach (var w in desired.Links)
        {
            if (w.Role == LinkRole.Port && !byName.ContainsKey(w.Name))
                notes.Add($"link port {w.Name} does not exist yet; it is enslaved to {w.Master} when it appears");
        }

        links.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new Observation
        {
            Spec = new HostSpec { Links = links.ToEquatableArray(), Tunnel = tunnel },
            Conflicts = conflicts.ToEquatableArray(),
            Notes = notes.ToEquatableArray(),
            Unmarked = unmarked.ToEquatableArray(),
        };
    }
}
