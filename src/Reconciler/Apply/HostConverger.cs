using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Apply;

/// <summary>The tunnel dataplane's tables as the reconciler sees them: observed and set as a whole (SPEC §4).</summary>
public interface ITunnelTables
{
    EquatableArray<TunnelVnetSpec> Observe();
    void Configure(EquatableArray<TunnelVnetSpec> vnets);
}

/// <summary>How an apply ended.</summary>
public enum ApplyOutcome
{
    /// <summary>Every step ran and a fresh observation matches the intent.</summary>
    Converged,
    /// <summary>Every step ran but the host, observed again, still differs (<see cref="ApplyResult.Mismatch"/>).</summary>
    VerifyFailed,
    /// <summary>A step failed (<see cref="ApplyResult.Error"/>); <see cref="ApplyResult.Transient"/> says whether a retry can help.</summary>
    StepFailed,
}

public sealed record ApplyResult
{
    public required ApplyOutcome Outcome { get; init; }
    public required Plan Plan { get; init; }
    public int StepsRun { get; init; }
    public string? Error { get; init; }
    public bool Transient { get; init; }
    /// <summary>The first difference found by verification: <c>links[vnet97].mtu: want 1436, got 1500</c>.</summary>
    public string? Mismatch { get; init; }
    /// <summary>The plan a fresh observation gives after the apply (empty when converged).</summary>
    public Plan? Remaining { get; init; }
}

/// <summary>
/// Plans and applies one host (SPEC §6.1): observe, diff, execute in dependency order, observe again and verify
/// (nmstate's apply/verify). The plan printed by <c>vnetctl plan</c> is the very object <see cref="Apply"/> executes.
/// </summary>
public sealed class HostConverger(IKernelLinks kernel, IInventory inventory, ITunnelTables? tunnel = null)
{
    /// <summary>Called before each kernel step with its description; tests inject crashes here.</summary>
    public Action<string>? BeforeStep { get; init; }

    public Observation Observe(Intent intent) =>
        Observer.Observe(kernel.Dump(), intent.Spec, inventory.Entries, tunnel?.Observe());

    public Plan Plan(Intent intent, string? revision) =>
        Differ.Diff(intent.Host, revision, intent.Spec, Observe(intent), intent.GuestMtu);

    public ApplyResult Apply(Plan plan, Intent intent)
    {
        var steps = 0;
        try
        {
            var tunnelChanged = false;
            foreach (var change in plan.Changes)
            {
                if (change.Kind is ChangeKind.Vnet or ChangeKind.Peer or ChangeKind.Sa)
                {
                    tunnelChanged = true;
                    continue;
                }
                Execute(change);
                steps++;
            }
            if (tunnelChanged && tunnel is not null && intent.Spec.Tunnel is { } tables)
            {
                Step($"configure tunnel tables ({tables.Count} vnets)");
                tunnel.Configure(tables);
                steps++;
            }
        }
        catch (KernelOperationException e)
        {
            return new ApplyResult { Outcome = ApplyOutcome.StepFailed, Plan = plan, StepsRun = steps, Error = e.Message, Transient = e.IsTransient };
        }

        var remaining = Plan(intent, plan.Revision);
        if (remaining.HasChanges)
        {
            var first = remaining.Changes[0];
            return new ApplyResult
            {
                Outcome = ApplyOutcome.VerifyFailed, Plan = plan, StepsRun = steps, Remaining = remaining,
                Mismatch = Describe(first),
            };
        }
        return new ApplyResult { Outcome = ApplyOutcome.Converged, Plan = plan, StepsRun = steps, Remaining = remaining };
    }

    /// <summary>A change as a field-level difference: <c>links[vnet97].mtu: want 1436, got 1500</c>.</summary>
    public static string Describe(Change c) => c.Action switch
    {
        ChangeAction.Create => $"{c.Path}: missing (want {c.After})",
        ChangeAction.Delete => $"{c.Path}: present, not declared ({c.Before})",
        _ => $"{c.Path}: want {c.After}, got {c.Before}",
    };

    private void Execute(Change c)
    {
        var link = c.Link;
        switch (c.Action)
        {
            case ChangeAction.Create when link is not null:
                Step($"record {c.Name} in the inventory");
                inventory.Record(new InventoryEntry(link.Name, link.Role, link.Vnet));
                var alias = Ownership.Alias(link.Role, link.Vnet);
                Step($"create {Ownership.RoleText(link.Role)} {c.Name}");
                if (link.Role == LinkRole.Bridge) kernel.CreateBridge(link.Name, link.Mtu, alias, link.Up == true);
                else kernel.CreateTap(link.Name, link.Owner, link.Group, link.Mtu, alias, link.Master, link.Up == true);
                break;
            case ChangeAction.Delete:
                Step($"delete {c.Name}");
                kernel.Delete(c.Name);
                inventory.Forget(c.Name);
                break;
            case ChangeAction.Update when link is not null:
                if (link.Role == LinkRole.Port && link.Master is not null && inventory.Find(link.Name) is null)
                {
                    // Adopted before it is touched, with the MTU it had, to give back when it is released.
                    var mtu = kernel.Dump().FirstOrDefault(k => k.Name == link.Name)?.Mtu;
                    inventory.Record(new InventoryEntry(link.Name, LinkRole.Port, link.Vnet, mtu));
                }
                Step($"update {c.Path}");
                switch (c.Field)
                {
                    case LinkField.Master:
                        kernel.SetMaster(link.Name, link.Master);
                        if (link.Role == LinkRole.Port && link.Master is null) Release(link.Name);
                        break;
                    case LinkField.Mtu: kernel.SetMtu(link.Name, link.Mtu); break;
                    case LinkField.Up: kernel.SetUp(link.Name, link.Up ?? true); break;
                    case LinkField.Owner: kernel.SetTapOwner(link.Name, link.Owner, link.Group); break;
                    case LinkField.Alias: kernel.SetAlias(link.Name, Ownership.Alias(link.Role, link.Vnet)); break;
                }
                break;
            default:
                throw new InvalidOperationException($"plan step without a target: {c.Path}");
        }
    }

    /// <summary>A released port gets back the MTU it had when it was adopted, then leaves the inventory.</summary>
    private void Release(string name)
    {
        if (inventory.Find(name) is { OriginalMtu: { } mtu })
        {
            Step($"restore the MTU of {name} to {mtu}");
            kernel.SetMtu(name, mtu);
        }
        inventory.Forget(name);
    }

    private void Step(string description) => BeforeStep?.Invoke(description);
}
