using VnetReconciler.Dataplane.Links;
using VnetReconciler.Dataplane.Netlink;
using VnetReconciler.Dataplane.Tun;
using VnetReconciler.Reconciler.Planning;

namespace VnetReconciler.Reconciler.Apply;

/// <summary>
/// The reconciler's kernel port over the dataplane's rtnetlink client and TUN/TAP ioctls. Works in the network
/// namespace of the thread that created it. Errors become <see cref="KernelOperationException"/> with the
/// kernel's own words and whether a retry can help.
/// </summary>
public sealed class NetlinkKernel(LinkClient client) : IKernelLinks, IDisposable
{
    public static NetlinkKernel Open() => new(LinkClient.Open());

    public IReadOnlyList<KernelLink> Dump() => Guard(() =>
    {
        var links = client.DumpLinks();
        var names = links.ToDictionary(l => l.Index, l => l.Name);
        return (IReadOnlyList<KernelLink>)links.Select(l => new KernelLink
        {
            Index = l.Index,
            Name = l.Name,
            Kind = l.Kind switch
            {
                LinkKind.Bridge => KernelLinkKind.Bridge,
                LinkKind.Tun => KernelLinkKind.Tun,
                LinkKind.Veth => KernelLinkKind.Veth,
                LinkKind.Vxlan => KernelLinkKind.Vxlan,
                _ => KernelLinkKind.Other,
            },
            Master = l.HasMaster ? names.GetValueOrDefault(l.MasterIndex) : null,
            Mtu = l.Mtu,
            Up = l.IsUp,
            Alias = string.IsNullOrEmpty(l.Alias) ? null : l.Alias,
            TunOwner = l.TunOwner,
            TunGroup = l.TunGroup,
        }).ToList();
    });

    public void CreateBridge(string name, int mtu, string alias, bool up) =>
        Guard(() => client.CreateBridge(name, new LinkSettings { Mtu = mtu, Alias = alias, Up = up ? true : null }));

    public void CreateTap(string name, uint? owner, uint? group, int mtu, string alias, string? master, bool up) => Guard(() =>
    {
        client.CreateTap(name, owner, group);
        client.Update(name, new LinkSettings
        {
            Mtu = mtu, Alias = alias, Up = up ? true : null, MasterIndex = master is null ? null : client.GetLink(master).Index,
        });
    });

    public void SetTapOwner(string name, uint? owner, uint? group) => Guard(() => TapOwnership.Set(name, owner, group));

    public void SetMaster(string name, string? master) => Guard(() =>
    {
        if (master is null) client.Release(name);
        else client.SetMaster(name, master);
    });

    public void SetMtu(string name, int mtu) => Guard(() => client.SetMtu(name, mtu));

    public void SetAlias(string name, string alias) => Guard(() => client.SetAlias(name, alias));

    public void SetUp(string name, bool up) => Guard(() => client.SetUp(name, up));

    public void Delete(string name) => Guard(() => client.DeleteLink(name));

    public void Dispose() => client.Dispose();

    private static void Guard(Action action) => Guard(() => { action(); return 0; });

    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (NetlinkException e)
        {
            throw new KernelOperationException(e.Message, e.IsTransient, e);
        }
        catch (TapException e)
        {
            throw new KernelOperationException(e.Message, e.Errno is 11 or 16 /* EAGAIN, EBUSY */, e);
        }
    }
}
