using VnetReconciler.Dataplane.Links;
using VnetReconciler.Dataplane.Netlink;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// Removes a bridge's learned forwarding entry for a MAC that moved to another host (SPEC §4.2), so local VMs reach it
/// through the vnetif instead of a port where it no longer is. Goes through rtnetlink (<see cref="LinkClient"/>), never
/// the <c>bridge</c> program. Rare (once per move), so it may allocate.
/// </summary>
public sealed class BridgeFdb(LinkClient links)
{
    /// <summary>
    /// Deletes the dynamic (learned) entries for <paramref name="mac"/> on <paramref name="bridge"/>; static and permanent
    /// ones are someone's configuration and stay. Equals <c>bridge fdb del MAC dev PORT master</c> for each. Returns how
    /// many were removed; a bridge that is gone or a refused delete counts as none (the entry ages out anyway).
    /// </summary>
    public int Forget(string bridge, MacAddress mac)
    {
        var removed = 0;
        try
        {
            foreach (var entry in links.DumpFdb(bridge))
            {
                if (entry.Mac != mac || entry.State != FdbState.Dynamic) continue;
                links.DeleteFdb(entry.PortIndex, mac);
                removed++;
            }
        }
        catch (NetlinkException)
        {
            // The bridge or the entry went away meanwhile: nothing stale is left to remove.
        }
        return removed;
    }
}
