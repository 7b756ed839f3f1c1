using VnetReconciler.Dataplane.Netlink;

namespace VnetReconciler.Dataplane.Links;

public sealed partial class LinkClient
{
    /// <summary>
    /// Points <paramref name="mac"/> at <paramref name="port"/> in the port's bridge as a static entry, moving it if it
    /// was elsewhere (a VM's MAC now behind another host). Equals <c>bridge fdb replace MAC dev PORT master static</c>.
    /// </summary>
    public void AddFdb(LinkRef port, MacAddress mac)
    {
        var index = port.Index != 0 ? port.Index : GetLink(port).Index;
        Run((ref NetlinkWriter w, uint seq) => LinkCodec.Fdb(ref w, seq, add: true, index, mac), $"bridge fdb replace {mac} dev {port} master static");
    }

    /// <summary>Removes <paramref name="mac"/> from the bridge of port <paramref name="portIndex"/>. Equals <c>bridge fdb del MAC dev PORT master</c>.</summary>
    public void DeleteFdb(int portIndex, MacAddress mac) =>
        Run((ref NetlinkWriter w, uint seq) => LinkCodec.Fdb(ref w, seq, add: false, portIndex, mac), $"bridge fdb del {mac} dev {portIndex} master");

    /// <summary>
    /// The forwarding entries of a bridge (learned, static and the ports' permanent addresses), without the ports'
    /// own address lists (<c>self</c>). Equals <c>bridge fdb show br BRIDGE</c> minus its <c>self</c> lines.
    /// </summary>
    public IReadOnlyList<FdbEntry> DumpFdb(LinkRef bridge)
    {
        var index = bridge.Index != 0 ? bridge.Index : GetLink(bridge).Index;
        var entries = new List<FdbEntry>();
        RetryInterruptedDump(() =>
        {
            entries.Clear();
            Run((ref NetlinkWriter w, uint seq) => LinkCodec.DumpFdb(ref w, seq, index), $"bridge fdb show br {bridge}", reply =>
            {
                if (reply.Type == RtnetlinkH.RTM_NEWNEIGH && LinkCodec.DecodeFdb(reply) is { } e && e.BridgeIndex == index) entries.Add(e);
            });
        });
        return entries;
    }
}
