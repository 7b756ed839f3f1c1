using System.Net;
using System.Runtime.InteropServices;
using VnetReconciler.Dataplane.Netlink;

namespace VnetReconciler.Dataplane.Links;

/// <summary>Writes the rtnetlink requests of <see cref="LinkClient"/> and decodes the kernel's link and FDB messages.</summary>
internal static class LinkCodec
{
    private const ushort NewFlags = NetlinkH.NLM_F_REQUEST | NetlinkH.NLM_F_ACK;

    /// <summary><c>ip link add NAME [mtu M] [master I] [up] type KIND</c>: RTM_NEWLINK with NLM_F_CREATE | NLM_F_EXCL.</summary>
    public static void NewLink(ref NetlinkWriter w, uint seq, string name, string kind, LinkSettings? settings)
    {
        var m = w.BeginMessage(RtnetlinkH.RTM_NEWLINK, NewFlags | NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_EXCL, seq);
        var up = settings?.Up == true;
        w.WriteIfInfo(AddressFamilyH.AF_UNSPEC, 0, up ? IfLinkH.IFF_UP : 0, up ? IfLinkH.IFF_UP : 0);
        w.WriteAttribute(IfLinkH.IFLA_IFNAME, name);
        if (settings?.Mtu is { } mtu) w.WriteAttribute(IfLinkH.IFLA_MTU, (uint)mtu);
        if (settings?.MasterIndex is { } master and > 0) w.WriteAttribute(IfLinkH.IFLA_MASTER, (uint)master);
        var info = w.BeginNested(IfLinkH.IFLA_LINKINFO);
        w.WriteAttribute(IfLinkH.IFLA_INFO_KIND, kind);
        w.EndNested(info);
        w.EndMessage(m);
    }

    /// <summary><c>ip link set dev LINK [master M|nomaster] [mtu N] [alias A] [up|down]</c>: RTM_NEWLINK on an existing link.</summary>
    public static void SetLink(ref NetlinkWriter w, uint seq, LinkRef link, LinkSettings settings)
    {
        var m = w.BeginMessage(RtnetlinkH.RTM_NEWLINK, NewFlags, seq);
        var change = settings.Up is null ? 0 : IfLinkH.IFF_UP;
        w.WriteIfInfo(AddressFamilyH.AF_UNSPEC, link.Index, settings.Up == true ? IfLinkH.IFF_UP : 0, change);
        WriteName(ref w, link);
        if (settings.Mtu is { } mtu) w.WriteAttribute(IfLinkH.IFLA_MTU, (uint)mtu);
        if (settings.MasterIndex is { } master) w.WriteAttribute(IfLinkH.IFLA_MASTER, (uint)master);
        if (settings.Alias is { } alias) w.WriteAttribute(IfLinkH.IFLA_IFALIAS, alias);
        w.EndMessage(m);
    }

    /// <summary><c>ip link del LINK</c>: RTM_DELLINK.</summary>
    public static void DeleteLink(ref NetlinkWriter w, uint seq, LinkRef link)
    {
        var m = w.BeginMessage(RtnetlinkH.RTM_DELLINK, NewFlags, seq);
        w.WriteIfInfo(AddressFamilyH.AF_UNSPEC, link.Index);
        WriteName(ref w, link);
        w.EndMessage(m);
    }

    /// <summary><c>ip link show dev LINK</c>: RTM_GETLINK for one link (statistics skipped).</summary>
    public static void GetLink(ref NetlinkWriter w, uint seq, LinkRef link)
    {
        var m = w.BeginMessage(RtnetlinkH.RTM_GETLINK, NewFlags, seq);
        w.WriteIfInfo(AddressFamilyH.AF_UNSPEC, link.Index);
        WriteName(ref w, link);
        w.WriteAttribute(IfLinkH.IFLA_EXT_MASK, IfLinkH.RTEXT_FILTER_SKIP_STATS);
        w.EndMessage(m);
    }

    /// <summary><c>ip link show</c>: RTM_GETLINK with NLM_F_DUMP (statistics skipped).</summary>
    public static void DumpLinks(ref NetlinkWriter w, uint seq)
    {
        var m = w.BeginMessage(RtnetlinkH.RTM_GETLINK, NetlinkH.NLM_F_REQUEST | NetlinkH.NLM_F_DUMP, seq);
        w.WriteIfInfo(AddressFamilyH.AF_UNSPEC, 0);
        w.WriteAttribute(IfLinkH.IFLA_EXT_MASK, IfLinkH.RTEXT_FILTER_SKIP_STATS);
        w.EndMessage(m);
    }

    /// <summary>
    /// <c>bridge fdb replace MAC dev PORT master static</c> (RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE) or
    /// <c>bridge fdb del MAC dev PORT master</c> (RTM_DELNEIGH): family AF_BRIDGE, NTF_MASTER, NDA_LLADDR.
    /// </summary>
    public static void Fdb(ref NetlinkWriter w, uint seq, bool add, int portIndex, MacAddress mac)
    {
        var m = add
            ? w.BeginMessage(RtnetlinkH.RTM_NEWNEIGH, NewFlags | NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE, seq)
            : w.BeginMessage(RtnetlinkH.RTM_DELNEIGH, NewFlags, seq);
        w.WriteNdMsg(AddressFamilyH.AF_BRIDGE, portIndex, add ? NeighbourH.NUD_NOARP : (ushort)0, NeighbourH.NTF_MASTER);
        Span<byte> lladdr = stackalloc byte[MacAddress.Length];
        mac.Write(lladdr);
        w.WriteAttribute(NeighbourH.NDA_LLADDR, lladdr);
        w.EndMessage(m);
    }

    /// <summary><c>bridge fdb show br BRIDGE</c>: RTM_GETNEIGH dump, family AF_BRIDGE, filtered by NDA_MASTER (strict check).</summary>
    public static void DumpFdb(ref NetlinkWriter w, uint seq, int bridgeIndex)
    {
        var m = w.BeginMessage(RtnetlinkH.RTM_GETNEIGH, NetlinkH.NLM_F_REQUEST | NetlinkH.NLM_F_DUMP, seq);
        w.WriteNdMsg(AddressFamilyH.AF_BRIDGE, 0, 0, 0);
        w.WriteAttribute(NeighbourH.NDA_MASTER, (uint)bridgeIndex);
        w.EndMessage(m);
    }

    /// <summary><c>ip route get DST</c>: RTM_GETROUTE with RTA_DST (a full-length prefix).</summary>
    public static void GetRoute(ref NetlinkWriter w, uint seq, IPAddress destination)
    {
        Span<byte> dst = stackalloc byte[16];
        destination.TryWriteBytes(dst, out var length);
        var m = w.BeginMessage(RtnetlinkH.RTM_GETROUTE, NewFlags, seq);
        w.WriteRtMsg(length == 4 ? AddressFamilyH.AF_INET : AddressFamilyH.AF_INET6, (byte)(length * 8));
        w.WriteAttribute(RtnetlinkH.RTA_DST, dst[..length]);
        w.EndMessage(m);
    }

    /// <summary>Decodes RTM_NEWROUTE: RTA_OIF, RTA_PREFSRC, RTA_GATEWAY and RTAX_MTU in RTA_METRICS (0 when absent).</summary>
    public static RouteInfo DecodeRoute(NetlinkMessage message, IPAddress destination)
    {
        int oif = 0, mtu = 0;
        IPAddress? source = null, gateway = null;
        var attributes = message.Attributes(RtnetlinkH.RtMsgSize);
        while (attributes.TryRead(out var a))
        {
            switch (a.Type)
            {
                case RtnetlinkH.RTA_OIF: oif = a.AsInt32(); break;
                case RtnetlinkH.RTA_PREFSRC: source = new IPAddress(a.Value); break;
                case RtnetlinkH.RTA_GATEWAY: gateway = new IPAddress(a.Value); break;
                case RtnetlinkH.RTA_METRICS:
                    var metrics = a.Nested();
                    while (metrics.TryRead(out var metric))
                        if (metric.Type == RtnetlinkH.RTAX_MTU) mtu = metric.AsInt32();
                    break;
            }
        }
        return new RouteInfo { Destination = destination, OutputIndex = oif, PreferredSource = source, Gateway = gateway, Mtu = mtu };
    }

    private static void WriteName(ref NetlinkWriter w, LinkRef link)
    {
        if (link.Index == 0) w.WriteAttribute(IfLinkH.IFLA_IFNAME, link.Name ?? throw new ArgumentException("a link needs a name or an index"));
    }

    /// <summary>Decodes RTM_NEWLINK / RTM_DELLINK (struct ifinfomsg + IFLA_* attributes).</summary>
    public static LinkInfo DecodeLink(NetlinkMessage message)
    {
        var header = message.Payload;
        if (header.Length < IfLinkH.IfInfoMsgSize)
            throw NetlinkException.Malformed($"link message of {header.Length} bytes");
        var index = MemoryMarshal.Read<int>(header[4..]);
        var flags = MemoryMarshal.Read<uint>(header[8..]);
        string? name = null, alias = null;
        int mtu = 0, master = 0;
        MacAddress? mac = null;
        var kind = LinkKind.Other;
        var attributes = message.Attributes(IfLinkH.IfInfoMsgSize);
        while (attributes.TryRead(out var a))
        {
            switch (a.Type)
            {
                case IfLinkH.IFLA_IFNAME: name = a.AsString(); break;
                case IfLinkH.IFLA_MTU: mtu = a.AsInt32(); break;
                case IfLinkH.IFLA_MASTER: master = a.AsInt32(); break;
                case IfLinkH.IFLA_IFALIAS: alias = a.AsString(); break;
                case IfLinkH.IFLA_ADDRESS when a.Value.Length == MacAddress.Length: mac = MacAddress.Read(a.Value); break;
                case IfLinkH.IFLA_LINKINFO: kind = DecodeKind(a.Nested()); break;
            }
        }
        return new LinkInfo
        {
            Index = index,
            Name = name ?? throw NetlinkException.Malformed($"link {index} without IFLA_IFNAME"),
            Kind = kind,
            MasterIndex = master,
            Mtu = mtu,
            IsUp = (flags & IfLinkH.IFF_UP) != 0,
            Mac = mac,
            Alias = string.IsNullOrEmpty(alias) ? null : alias,
        };
    }

    /// <summary>The ifi_change of a link notification (~0 when the kernel announces a newly registered link).</summary>
    public static uint ChangeMask(NetlinkMessage message) => MemoryMarshal.Read<uint>(message.Payload[12..]);

    public static byte Family(NetlinkMessage message) => message.Payload.IsEmpty ? (byte)0 : message.Payload[0];

    private static LinkKind DecodeKind(NetlinkAttributeReader info)
    {
        while (info.TryRead(out var a))
        {
            if (a.Type != IfLinkH.IFLA_INFO_KIND) continue;
            var v = a.Value;
            if (!v.IsEmpty && v[^1] == 0) v = v[..^1];
            return v switch
            {
                _ when v.SequenceEqual("bridge"u8) => LinkKind.Bridge,
                _ when v.SequenceEqual("tun"u8) => LinkKind.Tun,
                _ when v.SequenceEqual("veth"u8) => LinkKind.Veth,
                _ when v.SequenceEqual("vxlan"u8) => LinkKind.Vxlan,
                _ => LinkKind.Other,
            };
        }
        return LinkKind.Other;
    }

    /// <summary>Decodes RTM_NEWNEIGH of family AF_BRIDGE; null for the ports' own address lists (NTF_SELF).</summary>
    public static FdbEntry? DecodeFdb(NetlinkMessage message)
    {
        var header = message.Payload;
        if (header.Length < NeighbourH.NdMsgSize) throw NetlinkException.Malformed($"neighbour message of {header.Length} bytes");
        if (header[0] != AddressFamilyH.AF_BRIDGE || (header[10] & NeighbourH.NTF_SELF) != 0) return null;
        var port = MemoryMarshal.Read<int>(header[4..]);
        var state = MemoryMarshal.Read<ushort>(header[8..]);
        MacAddress? mac = null;
        int bridge = 0;
        ushort? vlan = null;
        var attributes = message.Attributes(NeighbourH.NdMsgSize);
        while (attributes.TryRead(out var a))
        {
            switch (a.Type)
            {
                case NeighbourH.NDA_LLADDR when a.Value.Length == MacAddress.Length: mac = MacAddress.Read(a.Value); break;
                case NeighbourH.NDA_MASTER: bridge = a.AsInt32(); break;
                case NeighbourH.NDA_VLAN when a.Value.Length >= 2: vlan = MemoryMarshal.Read<ushort>(a.Value); break;
            }
        }
        if (mac is null) return null;
        return new FdbEntry
        {
            Mac = mac.Value,
            PortIndex = port,
            BridgeIndex = bridge,
            Vlan = vlan,
            State = (state & NeighbourH.NUD_PERMANENT) != 0 ? FdbState.Permanent
                : (state & NeighbourH.NUD_NOARP) != 0 ? FdbState.Static
                : FdbState.Dynamic,
        };
    }
}
