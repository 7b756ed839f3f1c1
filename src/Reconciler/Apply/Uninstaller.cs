using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Apply;

/// <summary>What <c>vnetctl uninstall</c> would do to the kernel: ports to release, then owned links to delete, in that order.</summary>
public sealed record UninstallPlan
{
    /// <summary>Releases (<c>nomaster</c>) of adopted <c>link</c> ports first, then deletions of TAPs, vnetifs and bridges.</summary>
    public EquatableArray<Change> Changes { get; init; }
    /// <summary>Things left alone and why (a foreign member of an owned bridge, an inventory entry whose link is gone).</summary>
    public EquatableArray<string> Notes { get; init; }

    public int Releases => Changes.Count(c => c.Action == ChangeAction.Update);
    public int Deletions => Changes.Count(c => c.Action == ChangeAction.Delete);
}

/// <summary>One kernel step of an uninstall that failed.</summary>
public sealed record UninstallFailure(string Name, string Error, bool Transient);

/// <summary>How an uninstall's kernel steps went: the steps that ran and the ones that failed.</summary>
public sealed record UninstallResult
{
    public required UninstallPlan Plan { get; init; }
    public EquatableArray<Change> Done { get; init; }
    public EquatableArray<UninstallFailure> Failures { get; init; }
    public bool Succeeded => Failures.Count == 0;
}

/// <summary>
/// Removes everything the agent owns on a host (SPEC §3.2, §5 <c>uninstall</c>), and only that: links carrying the
/// <c>vnet-reconciler</c> alias, links the inventory says the agent created and whose alias is missing (a crash
/// between create and mark), and the adopted <c>link</c> ports, which are released (<c>nomaster</c>), never deleted.
/// A released port keeps the vnet MTU: the agent never recorded the MTU it had before (as a prune in git does, a
/// release only detaches; the hypervisor or operator owns the rest of the interface).
/// </summary>
public static class Uninstaller
{
    /// <summary>Plans the removals from a kernel dump and the inventory; reads nothing else and changes nothing.</summary>
    public static UninstallPlan Plan(IReadOnlyList<KernelLink> kernel, IReadOnlyCollection<InventoryEntry> inventory)
    {
        var byName = kernel.ToDictionary(k => k.Name, StringComparer.Ordinal);
        var recorded = inventory.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var owned = new Dictionary<string, (LinkRole Role, string Vnet)>(StringComparer.Ordinal);
        var notes = new List<string>();
        foreach (var k in kernel)
        {
            if (Ownership.TryParse(k.Alias, out var role, out var vnet)) owned[k.Name] = (role, vnet);
            else if (Ownership.IsOwnedAlias(k.Alias)) owned[k.Name] = (k.Kind == KernelLinkKind.Bridge ? LinkRole.Bridge : LinkRole.Tap, ""); // our marker, role unreadable
            else if (k.Alias is null && recorded.TryGetValue(k.Name, out var e) && e.Role != LinkRole.Port) owned[k.Name] = (e.Role, e.Vnet);
        }

        var releases = new List<Change>();
        foreach (var e in inventory.Where(e => e.Role == LinkRole.Port).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (!byName.TryGetValue(e.Name, out var k)) notes.Add($"adopted port {e.Name} no longer exists; forgotten");
            else if (owned.ContainsKey(e.Name)) continue; // carries our alias after all: deleted below
            else if (k.Master is null) notes.Add($"adopted port {e.Name} is not enslaved; nothing to release");
            else if (!owned.ContainsKey(k.Master)) notes.Add($"adopted port {e.Name} is enslaved to {k.Master}, which vnet-reconciler does not own; left alone");
            else releases.Add(new Change
            {
                Action = ChangeAction.Update, Kind = ChangeKind.Port, Name = e.Name, Vnet = NullIfEmpty(e.Vnet), Before = k.Master, After = "none",
                Path = $"links[{e.Name}].master", Field = LinkField.Master, Reason = "adopted link port: released from its bridge, not deleted",
                Link = new LinkSpec { Name = e.Name, Role = LinkRole.Port, Vnet = e.Vnet, Mtu = e.OriginalMtu ?? k.Mtu },
            });
        }
        foreach (var e in inventory.Where(e => e.Role != LinkRole.Port && !owned.ContainsKey(e.Name)).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            notes.Add(byName.ContainsKey(e.Name)
                ? $"{e.Name} is in the inventory but carries another alias: someone else's now; left alone"
                : $"{e.Name} is in the inventory but no longer exists; forgotten");
        }
        foreach (var k in kernel)
        {
            if (k.Master is not null && owned.ContainsKey(k.Master) && !owned.ContainsKey(k.Name) && !recorded.ContainsKey(k.Name))
                notes.Add($"{k.Name} was enslaved to {k.Master} by someone else; it is detached when the bridge goes, not deleted");
        }

        var deletions = owned
            .OrderBy(o => DeleteOrder(o.Value.Role)).ThenBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => new Change
            {
                Action = ChangeAction.Delete, Kind = Differ.KindOf(o.Value.Role), Name = o.Key, Vnet = NullIfEmpty(o.Value.Vnet),
                Before = Describe(byName[o.Key], o.Value.Role, o.Value.Vnet), Path = $"links[{o.Key}]",
                Reason = byName[o.Key].Alias is null ? "created by vnet-reconciler (inventory), never marked" : "owned by vnet-reconciler",
            });
        return new UninstallPlan { Changes = releases.Concat(deletions).ToEquatableArray(), Notes = notes.ToEquatableArray() };
    }

    /// <summary>
    /// Runs every step through <paramref name="kernel"/>; a failed step is recorded and the rest still run (a link
    /// that cannot go must not keep the others). A link already gone counts as removed.
    /// </summary>
    public static UninstallResult Execute(UninstallPlan plan, IKernelLinks kernel)
    {
        var done = new List<Change>();
        var failures = new List<UninstallFailure>();
        foreach (var c in plan.Changes)
        {
            try
            {
                if (c.Action == ChangeAction.Delete) kernel.Delete(c.Name);
                else
                {
                    kernel.SetMaster(c.Name, null);
                    // Give the port back as it was found: the MTU recorded when it was adopted.
                    if (c.Link is { } port && kernel.Dump().FirstOrDefault(k => k.Name == c.Name) is { } now && now.Mtu != port.Mtu)
                        kernel.SetMtu(c.Name, port.Mtu);
                }
                done.Add(c);
            }
            catch (KernelOperationException e)
            {
                if (!kernel.Dump().Any(k => k.Name == c.Name)) done.Add(c);
                else failures.Add(new UninstallFailure(c.Name, e.Message, e.IsTransient));
            }
        }
        return new UninstallResult { Plan = plan, Done = done.ToEquatableArray(), Failures = failures.ToEquatableArray() };
    }

    // Members before the bridges they sit on, as Differ prunes: TAPs, then vnetifs, then bridges.
    private static int DeleteOrder(LinkRole role) => role switch
    {
        LinkRole.Tap or LinkRole.Port => 0,
        LinkRole.Vnetif => 1,
        _ => 2,
    };

    private static string Describe(KernelLink k, LinkRole role, string vnet) =>
        $"{Ownership.RoleText(role)}" + (vnet == "" ? "" : $" vnet={vnet}") + (k.Master is null ? "" : $" master={k.Master}") + $" mtu={k.Mtu}";

    private static string? NullIfEmpty(string text) => text == "" ? null : text;
}
