using System.Net;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.3/§2.5: a peer is listed once, is not a fleet host, and names known vnets.</summary>
internal sealed class PeerRule : StateRule
{
    public override void Check(DesiredState state, Reporter<DesiredState> report)
    {
        if (state.Peers.Count == 0) return;
        var hosts = new Dictionary<IPAddress, Host>();
        foreach (var host in state.Hosts) hosts.TryAdd(host.Address, host);
        var vnets = state.Vnets.Select(v => v.Id).ToHashSet();
        var seen = new Dictionary<IPAddress, Peer>();
        foreach (var peer in state.Peers)
        {
            var at = peer.Fields.Of("addr", peer.Span);
            if (seen.TryGetValue(peer.Address, out var first))
                report.Error(at, DiagnosticCodes.Duplicate, $"peer {peer.Address} is already listed at {first.Fields.Of("addr", first.Span).Describe(at.File)}");
            else
                seen[peer.Address] = peer;
            if (hosts.TryGetValue(peer.Address, out var host))
                report.Error(at, DiagnosticCodes.Duplicate,
                    $"peer {peer.Address} is the address of fleet host {host.Name} ({host.Fields.Of("address", host.Span).Describe(at.File)}): fleet hosts are peers already");
            if (!report.ReferencesCheckable || peer.Vnets is not { } ids) continue;
            for (var i = 0; i < ids.Count; i++)
                if (!vnets.Contains(ids[i]))
                    report.Error(peer.Fields.Of("vnets", i, peer.Span), DiagnosticCodes.Reference, $"peer {peer.Address} names vnet {ids[i].ShortForm}, which no file under vnets/ defines");
        }
    }
}
