using System.Globalization;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Loading;

/// <summary>
/// The inverse of <see cref="ModelBinder"/>: a record as the format-neutral tree, in canonical field order, with the
/// fields that differ from their defaults (a vnet always shows its id, bridge, vnetif and security). Both writers print it.
/// </summary>
internal static class ModelTree
{
    private static DataScalar Text(string s) => new(s, default);
    private static DataScalar Plain(string s) => new(s, default, isText: false);
    private static DataScalar Number(long n) => Plain(n.ToString(CultureInfo.InvariantCulture));
    private static DataList Texts(IEnumerable<string> items) => new(items.Select(DataNode (i) => Text(i)).ToList(), default);
    private static DataEntry E(string key, DataNode value) => new(key, default, value);
    private static DataMap Map(List<DataEntry> entries) => new(entries, default);

    public static TopForm Of(Vnet v)
    {
        var e = new List<DataEntry>
        {
            E("id", Text(v.Id.ShortForm)),
            E("bridge", Text(v.Bridge)),
            E("vnetif", Text(v.Vnetif)),
            E("security", Plain(Spellings.Of(v.Security))),
        };
        if (v.Encapsulation != Encapsulation.Udp) e.Add(E("encapsulation", Plain(Spellings.Of(v.Encapsulation))));
        if (v.Suite is { } suite && suite != Vnet.DefaultSuite(v.Security)) e.Add(E("suite", Plain(Spellings.Of(suite))));
        if (v.Key != Vnet.DefaultKey(v.Id)) e.Add(E("key", Text(v.Key)));
        if (v.Mtu is { } mtu) e.Add(E("mtu", Number(mtu)));
        if (v.Hosts is { } hosts) e.Add(E("hosts", Texts(hosts)));
        return new TopForm("vnet", default, Map(e));
    }

    public static TopForm Of(Host h)
    {
        var e = new List<DataEntry> { E("name", Text(h.Name)), E("address", Plain(h.Address.ToString())) };
        if (h.UnderlayMtu is { } mtu) e.Add(E("underlay_mtu", Number(mtu)));
        if (h.Ports.Count > 0) e.Add(E("port", new DataList(h.Ports.Select(DataNode (p) => Of(p)).ToList(), default)));
        if (h.Vifs.Count > 0) e.Add(E("vif", new DataList(h.Vifs.Select(DataNode (v) => Of(v)).ToList(), default)));
        return new TopForm("host", default, Map(e));
    }

    private static DataMap Of(Port p)
    {
        var e = new List<DataEntry> { E("name", Text(p.Name)), E("vnet", Text(p.Vnet.ShortForm)) };
        if (p.Type != PortType.Link) e.Add(E("type", Plain(Spellings.Of(p.Type))));
        if (p.Owner is { } owner) e.Add(E("owner", Number(owner)));
        if (p.Group is { } group) e.Add(E("group", Number(group)));
        if (p.Mac is { } mac) e.Add(E("mac", Text(mac.ToString())));
        return Map(e);
    }

    private static DataMap Of(Vif v)
    {
        var e = new List<DataEntry> { E("mac", Text(v.Mac.ToString())), E("bridge", Text(v.Bridge)) };
        if (v.Name is { } name) e.Add(E("name", Text(name)));
        return Map(e);
    }

    public static TopForm Of(Peer p)
    {
        var e = new List<DataEntry> { E("addr", Plain(p.Address.ToString())) };
        if (p.Vnets is { } vnets) e.Add(E("vnets", Texts(vnets.Select(v => v.ShortForm))));
        return new TopForm("peer", default, Map(e));
    }

    public static TopForm Of(Fleet f)
    {
        var d = Fleet.Default;
        var e = new List<DataEntry>();
        if (f.Interval != d.Interval) e.Add(E("interval", Plain(Duration.Format(f.Interval))));
        if (f.Port != d.Port) e.Add(E("port", Number(f.Port)));
        if (f.EspPort != d.EspPort) e.Add(E("esp_port", Number(f.EspPort)));
        if (f.VxlanPort != d.VxlanPort) e.Add(E("vxlan_port", Number(f.VxlanPort)));
        if (f.UnderlayMtu != d.UnderlayMtu) e.Add(E("underlay_mtu", Number(f.UnderlayMtu)));
        if (f.Flood != d.Flood) e.Add(E("flood", Plain(Spellings.Of(f.Flood))));
        if (!f.MulticastGroup.Equals(d.MulticastGroup)) e.Add(E("multicast_group", Plain(f.MulticastGroup.ToString())));
        if (f.AcceptUnknownPeers) e.Add(E("accept_unknown_peers", Plain("true")));
        if (f.Rollout.Count > 0) e.Add(E("rollout", new DataList(f.Rollout.Select(DataNode (w) => Of(w)).ToList(), default)));
        if (f.Grace != 5 * f.Interval) e.Add(E("grace", Plain(Duration.Format(f.Grace))));
        if (f.VerifyWindow != d.VerifyWindow) e.Add(E("verify_window", Plain(Duration.Format(f.VerifyWindow))));
        if (f.Windows.Count > 0) e.Add(E("windows", new DataList(f.Windows.Select(DataNode (w) => Of(w)).ToList(), default)));
        if (f.Signatures != d.Signatures) e.Add(E("signatures", Plain(Spellings.Of(f.Signatures))));
        if (f.Status != d.Status)
        {
            var s = new List<DataEntry>();
            if (!f.Status.Push) s.Add(E("push", Plain("false")));
            if (f.Status.Remote is { } remote) s.Add(E("remote", Text(remote)));
            e.Add(E("status", Map(s)));
        }
        return new TopForm("fleet", default, Map(e));
    }

    private static DataMap Of(RolloutWave w)
    {
        var e = new List<DataEntry> { E("name", Text(w.Name)), E("hosts", Texts(w.Hosts)) };
        if (w.Window is { } window) e.Add(E("window", Of(window)));
        return Map(e);
    }

    private static DataMap Of(MaintenanceWindow w) =>
        Map([E("cron", Text(w.Cron)), E("duration", Plain(Duration.Format(w.Duration)))]);
}
