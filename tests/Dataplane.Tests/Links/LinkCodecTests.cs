using System.Runtime.InteropServices;
using VnetReconciler.Dataplane.Links;
using VnetReconciler.Dataplane.Netlink;

namespace VnetReconciler.Dataplane.Tests.Links;

/// <summary>Requests written by <see cref="LinkCodec"/> read back with <see cref="NetlinkReader"/> (round trips).</summary>
public sealed class LinkCodecTests
{
    [Fact]
    public void SetLinkCarriesEverySettingOnce()
    {
        var buffer = new byte[1024];
        var w = new NetlinkWriter(buffer);
        LinkCodec.SetLink(ref w, 9, "vnbr97", new LinkSettings { Mtu = 1436, MasterIndex = 0, Alias = "vnet-reconciler vnet97", Up = false });
        var reader = new NetlinkReader(w.Written);
        Assert.True(reader.TryRead(out var m));
        Assert.Equal((RtnetlinkH.RTM_NEWLINK, NetlinkH.NLM_F_REQUEST | NetlinkH.NLM_F_ACK, 9u), (m.Type, (int)m.Flags, m.Sequence));
        var header = m.Payload;
        Assert.Equal((0, 0u, IfLinkH.IFF_UP), (MemoryMarshal.Read<int>(header[4..]), MemoryMarshal.Read<uint>(header[8..]), MemoryMarshal.Read<uint>(header[12..])));
        var seen = new Dictionary<ushort, string>();
        var attributes = m.Attributes(IfLinkH.IfInfoMsgSize);
        while (attributes.TryRead(out var a))
            seen.Add(a.Type, a.Type is IfLinkH.IFLA_IFNAME or IfLinkH.IFLA_IFALIAS ? a.AsString() : a.AsUInt32().ToString());
        Assert.Equal(new Dictionary<ushort, string>
        {
            [IfLinkH.IFLA_IFNAME] = "vnbr97",
            [IfLinkH.IFLA_MTU] = "1436",
            [IfLinkH.IFLA_MASTER] = "0",
            [IfLinkH.IFLA_IFALIAS] = "vnet-reconciler vnet97",
        }, seen);
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void FdbRequestsAddStaticAndDeleteByPortIndex()
    {
        var buffer = new byte[256];
        var w = new NetlinkWriter(buffer);
        var mac = MacAddress.Parse("02:00:00:00:97:99");
        LinkCodec.Fdb(ref w, 1, add: true, 7, mac);
        LinkCodec.Fdb(ref w, 2, add: false, 7, mac);
        var reader = new NetlinkReader(w.Written);
        foreach (var (type, flags, state) in new[]
        {
            (RtnetlinkH.RTM_NEWNEIGH, NetlinkH.NLM_F_REQUEST | NetlinkH.NLM_F_ACK | NetlinkH.NLM_F_CREATE | NetlinkH.NLM_F_REPLACE, NeighbourH.NUD_NOARP),
            (RtnetlinkH.RTM_DELNEIGH, NetlinkH.NLM_F_REQUEST | NetlinkH.NLM_F_ACK, (ushort)0),
        })
        {
            Assert.True(reader.TryRead(out var m));
            Assert.Equal((type, flags), (m.Type, (int)m.Flags));
            var nd = m.Payload;
            Assert.Equal((AddressFamilyH.AF_BRIDGE, 7, state, NeighbourH.NTF_MASTER),
                (nd[0], MemoryMarshal.Read<int>(nd[4..]), MemoryMarshal.Read<ushort>(nd[8..]), nd[10]));
            var attributes = m.Attributes(NeighbourH.NdMsgSize);
            Assert.True(attributes.TryRead(out var lladdr));
            Assert.Equal((NeighbourH.NDA_LLADDR, mac), (lladdr.Type, MacAddress.Read(lladdr.Value)));
        }
    }
}
