using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Planning;

public static partial class Differ
{
    private static void DiffTunnel(EquatableArray<TunnelVnetSpec> desired, EquatableArray<TunnelVnetSpec> observed, Action<Phase, Change> add)
    {
        var have = observed.ToDictionary(v => v.Id, StringComparer.Ordinal);
        var want = desired.ToDictionary(v => v.Id, StringComparer.Ordinal);

        foreach (var h in observed)
        {
            if (want.ContainsKey(h.Id)) continue;
            foreach (var p in h.Peers) add(Phase.TunnelPeerDelete, PeerChange(ChangeAction.Delete, h.Id, p, "vnet no longer carried"));
            add(Phase.TunnelVnetDelete, new Change
            {
                Action = ChangeAction.Delete, Kind = ChangeKind.Vnet, Name = h.Id, Vnet = h.Id, Before = Describe(h),
                Path = $"tunnel.vnets[{h.Id}]", Reason = "no longer declared for this host",
            });
        }

        foreach (var w in desired)
        {
            if (!have.TryGetValue(w.Id, out var h))
            {
                add(Phase.TunnelVnet, new Change
                {
                    Action = ChangeAction.Create, Kind = ChangeKind.Vnet, Name = w.Id, Vnet = w.Id, After = Describe(w),
                    Path = $"tunnel.vnets[{w.Id}]", Reason = "declared and not carried yet",
                });
                foreach (var p in w.Peers) add(Phase.TunnelPeer, PeerChange(ChangeAction.Create, w.Id, p, "peer of the vnet"));
                continue;
            }
            if (w with { Peers = default } != h with { Peers = default })
            {
                var wire = w.Encapsulation != h.Encapsulation || w.Security != h.Security || w.Suite != h.Suite || w.Port != h.Port;
                add(Phase.TunnelVnet, new Change
                {
                    Action = ChangeAction.Update, Kind = ChangeKind.Vnet, Name = w.Id, Vnet = w.Id,
                    Before = Describe(h), After = Describe(w), Path = $"tunnel.vnets[{w.Id}]", WireChange = wire,
                    Reason = wire ? "the vnet's wire format changes (encapsulation, security, suite or port)" : "vnet settings differ",
                });
            }
            foreach (var p in h.Peers.Except(w.Peers)) add(Phase.TunnelPeerDelete, PeerChange(ChangeAction.Delete, w.Id, p, "no longer a peer of the vnet"));
            foreach (var p in w.Peers.Except(h.Peers)) add(Phase.TunnelPeer, PeerChange(ChangeAction.Create, w.Id, p, "new peer of the vnet"));
        }
    }

    private static Change PeerChange(ChangeAction action, string vnet, string peer, string reason) => new()
    {
        Action = action, Kind = ChangeKind.Peer, Name = peer, Vnet = vnet,
        Before = action == ChangeAction.Delete ? peer : null, After = action == ChangeAction.Create ? peer : null,
        Path = $"tunnel.vnets[{vnet}].peers[{peer}]", Reason = reason,
    };

    private static string Describe(TunnelVnetSpec v) =>
        $"vnetif={v.Vnetif} encapsulation={Spellings.Of(v.Encapsulation)} security={Spellings.Of(v.Security)}" +
        (v.Suite is { } s ? $" suite={Spellings.Of(s)}" : "") + $" mtu={v.Mtu} port={v.Port}";
}
