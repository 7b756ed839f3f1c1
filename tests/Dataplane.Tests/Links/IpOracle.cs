using System.Text.Json;
using VnetReconciler.Dataplane.Links;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.Links;

/// <summary>Kernel state as iproute2 reports it (<c>ip -j -d link</c>, <c>bridge -j fdb</c>): the independent oracle.</summary>
internal static class IpOracle
{
    /// <summary>Every link of the namespace in the shape of <see cref="LinkInfo"/>, built from ip's JSON alone.</summary>
    public static IReadOnlyList<LinkInfo> Links(NetNs ns)
    {
        var json = JsonDocument.Parse(ns.Ip("-j", "-d", "link", "show")).RootElement;
        var indexByName = json.EnumerateArray().ToDictionary(l => l.GetProperty("ifname").GetString()!, l => l.GetProperty("ifindex").GetInt32());
        return json.EnumerateArray().Select(l => new LinkInfo
        {
            Index = l.GetProperty("ifindex").GetInt32(),
            Name = l.GetProperty("ifname").GetString()!,
            Kind = l.TryGetProperty("linkinfo", out var info) && info.TryGetProperty("info_kind", out var kind)
                ? kind.GetString() switch
                {
                    "bridge" => LinkKind.Bridge,
                    "tun" => LinkKind.Tun,
                    "veth" => LinkKind.Veth,
                    "vxlan" => LinkKind.Vxlan,
                    _ => LinkKind.Other,
                }
                : LinkKind.Other,
            MasterIndex = l.TryGetProperty("master", out var master) ? indexByName[master.GetString()!] : 0,
            Mtu = l.GetProperty("mtu").GetInt32(),
            IsUp = l.GetProperty("flags").EnumerateArray().Any(f => f.GetString() == "UP"),
            Mac = l.TryGetProperty("address", out var a) && MacAddress.TryParse(a.GetString(), out var mac) ? mac : null,
            Alias = l.TryGetProperty("ifalias", out var alias) ? alias.GetString() : null,
        }).ToList();
    }

    public static LinkInfo? Link(NetNs ns, string name) => Links(ns).SingleOrDefault(l => l.Name == name);

    /// <summary><c>bridge -j fdb show br BRIDGE</c> without the ports' own (<c>self</c>) entries: "mac port state" lines.</summary>
    public static IReadOnlyList<string> Fdb(NetNs ns, string bridge)
    {
        var json = JsonDocument.Parse(Cmd.Ok("bridge", "-n", ns.Name, "-j", "fdb", "show", "br", bridge)).RootElement;
        return json.EnumerateArray()
            .Where(e => !e.GetProperty("flags").EnumerateArray().Any(f => f.GetString() == "self"))
            .Select(e => $"{e.GetProperty("mac").GetString()} {e.GetProperty("ifname").GetString()} {(e.TryGetProperty("state", out var s) ? s.GetString() : "")}")
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
