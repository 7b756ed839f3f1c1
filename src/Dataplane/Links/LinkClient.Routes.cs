using System.Net;
using System.Net.Sockets;
using VnetReconciler.Dataplane.Netlink;

namespace VnetReconciler.Dataplane.Links;

public sealed partial class LinkClient
{
    /// <summary>
    /// The route the host would use towards <paramref name="destination"/> and the MTU along it: RTAX_MTU of the route
    /// when set (RTA_METRICS), else the output link's MTU (SPEC §3.3 underlay MTU). Equals <c>ip route get DST</c>.
    /// Throws ENETUNREACH / EHOSTUNREACH when there is no route.
    /// </summary>
    public RouteInfo RouteTo(IPAddress destination)
    {
        if (destination.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new ArgumentException($"{destination} is neither IPv4 nor IPv6", nameof(destination));
        RouteInfo? route = null;
        Run((ref NetlinkWriter w, uint seq) => LinkCodec.GetRoute(ref w, seq, destination), $"ip route get {destination}", reply =>
        {
            if (reply.Type == RtnetlinkH.RTM_NEWROUTE) route = LinkCodec.DecodeRoute(reply, destination);
        });
        if (route is null) throw new NetlinkException($"ip route get {destination}", Interop.Libc.EPROTO, "the kernel answered without a route");
        var (oif, mtu) = (route.OutputIndex, route.Mtu);
        return mtu == 0 && oif != 0 ? route with { Mtu = GetLink(oif).Mtu } : route;
    }
}
