namespace VnetReconciler.Dataplane.Netlink;

// Wire constants of the netlink protocol family, named as in the kernel's uapi headers so they can be grepped.
#pragma warning disable CA1707 // kernel names keep their underscores

/// <summary>linux/netlink.h: header, flags, control messages, socket options.</summary>
internal static class NetlinkH
{
    public const int NETLINK_ROUTE = 0;
    public const int NLMSG_ALIGNTO = 4;
    public const int NLMSG_HDRLEN = 16;   // struct nlmsghdr { u32 len; u16 type; u16 flags; u32 seq; u32 pid; }
    public const int NLA_HDRLEN = 4;      // struct nlattr { u16 nla_len; u16 nla_type; }

    public const ushort NLMSG_NOOP = 1;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;
    public const ushort NLMSG_OVERRUN = 4;

    public const ushort NLM_F_REQUEST = 0x01;
    public const ushort NLM_F_MULTI = 0x02;
    public const ushort NLM_F_ACK = 0x04;
    public const ushort NLM_F_ECHO = 0x08;
    public const ushort NLM_F_DUMP_INTR = 0x10;
    // Modifiers to GET requests
    public const ushort NLM_F_ROOT = 0x100;
    public const ushort NLM_F_MATCH = 0x200;
    public const ushort NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    // Modifiers to NEW requests
    public const ushort NLM_F_REPLACE = 0x100;
    public const ushort NLM_F_EXCL = 0x200;
    public const ushort NLM_F_CREATE = 0x400;
    public const ushort NLM_F_APPEND = 0x800;
    // Flags of an NLMSG_ERROR (acknowledgement)
    public const ushort NLM_F_CAPPED = 0x100;
    public const ushort NLM_F_ACK_TLVS = 0x200;

    public const ushort NLA_F_NESTED = 0x8000;
    public const ushort NLA_F_NET_BYTEORDER = 0x4000;
    public const ushort NLA_TYPE_MASK = 0x3FFF;

    // enum nlmsgerr_attrs
    public const ushort NLMSGERR_ATTR_MSG = 1;
    public const ushort NLMSGERR_ATTR_OFFS = 2;

    // SOL_NETLINK socket options (linux/socket.h: SOL_NETLINK 270)
    public const int SOL_NETLINK = 270;
    public const int NETLINK_ADD_MEMBERSHIP = 1;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_EXT_ACK = 11;
    public const int NETLINK_GET_STRICT_CHK = 12;

    public static int Align(int length) => (length + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);
}

/// <summary>linux/rtnetlink.h: message types, groups, struct rtmsg, route attributes.</summary>
internal static class RtnetlinkH
{
    public const ushort RTM_NEWLINK = 16;
    public const ushort RTM_DELLINK = 17;
    public const ushort RTM_GETLINK = 18;
    public const ushort RTM_SETLINK = 19;
    public const ushort RTM_NEWROUTE = 24;
    public const ushort RTM_DELROUTE = 25;
    public const ushort RTM_GETROUTE = 26;
    public const ushort RTM_NEWNEIGH = 28;
    public const ushort RTM_DELNEIGH = 29;
    public const ushort RTM_GETNEIGH = 30;

    // enum rtnetlink_groups; bind() takes the legacy bit mask 1 << (group - 1)
    public const uint RTNLGRP_LINK = 1;
    public const uint RTMGRP_LINK = 1;

    // struct rtmsg { u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags; }
    public const int RtMsgSize = 12;

    // enum rtattr_type_t
    public const ushort RTA_DST = 1;
    public const ushort RTA_OIF = 4;
    public const ushort RTA_GATEWAY = 5;
    public const ushort RTA_PREFSRC = 7;
    public const ushort RTA_METRICS = 8;
    public const ushort RTA_TABLE = 15;

    // RTAX_* metrics nested in RTA_METRICS
    public const ushort RTAX_MTU = 2;

    // rtm_flags
    public const uint RTM_F_LOOKUP_TABLE = 0x1000;
}

/// <summary>linux/if_link.h and linux/if.h: struct ifinfomsg, IFLA_* attributes, interface flags.</summary>
internal static class IfLinkH
{
    // struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; }
    public const int IfInfoMsgSize = 16;

    public const ushort IFLA_ADDRESS = 1;
    public const ushort IFLA_IFNAME = 3;
    public const ushort IFLA_MTU = 4;
    public const ushort IFLA_LINK = 5;
    public const ushort IFLA_MASTER = 10;
    public const ushort IFLA_OPERSTATE = 16;
    public const ushort IFLA_LINKINFO = 18;
    public const ushort IFLA_IFALIAS = 20;
    public const ushort IFLA_EXT_MASK = 29;

    // enum IFLA_INFO_* nested in IFLA_LINKINFO
    public const ushort IFLA_INFO_KIND = 1;
    public const ushort IFLA_INFO_DATA = 2;

    // linux/if.h net_device_flags
    public const uint IFF_UP = 0x1;
    public const uint IFF_RUNNING = 0x40;

    // linux/rtnetlink.h RTEXT_FILTER_*: IFLA_EXT_MASK bits
    public const uint RTEXT_FILTER_SKIP_STATS = 1 << 3;
}

/// <summary>linux/neighbour.h: struct ndmsg, NDA_* attributes, neighbour states and flags.</summary>
internal static class NeighbourH
{
    // struct ndmsg { u8 family; u8 pad1; u16 pad2; s32 ifindex; u16 state; u8 flags; u8 type; }
    public const int NdMsgSize = 12;

    public const ushort NDA_DST = 1;
    public const ushort NDA_LLADDR = 2;
    public const ushort NDA_VLAN = 5;
    public const ushort NDA_MASTER = 9;

    public const ushort NUD_REACHABLE = 0x02;
    public const ushort NUD_NOARP = 0x40;
    public const ushort NUD_PERMANENT = 0x80;

    public const byte NTF_SELF = 0x02;
    public const byte NTF_MASTER = 0x04;
}

/// <summary>linux/socket.h address families used in message headers.</summary>
internal static class AddressFamilyH
{
    public const byte AF_UNSPEC = 0;
    public const byte AF_INET = 2;
    public const byte AF_BRIDGE = 7;
    public const byte AF_INET6 = 10;
}
