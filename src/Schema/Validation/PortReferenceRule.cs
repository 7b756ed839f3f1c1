using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.2: a port's vnet exists and is carried by its host; a vif's bridge is a vnet's bridge carried by its host.</summary>
internal sealed class PortReferenceRule : StateRule
{
    public override void Check(DesiredState state, Reporter<DesiredState> report)
    {
        if (!report.ReferencesCheckable || state.Hosts.Count == 0) return;
        var byId = new Dictionary<VnetId, Vnet>();
        var byBridge = new Dictionary<string, Vnet>(StringComparer.Ordinal);
        foreach (var vnet in state.Vnets)
        {
            byId.TryAdd(vnet.Id, vnet);
            byBridge.TryAdd(vnet.Bridge, vnet);
        }
        foreach (var host in state.Hosts)
        {
            foreach (var port in host.Ports)
            {
                var at = port.Fields.Of("vnet", port.Span);
                if (!byId.TryGetValue(port.Vnet, out var vnet))
                    report.Error(at, DiagnosticCodes.Reference, $"port {port.Name} names vnet {port.Vnet.ShortForm}, which no file under vnets/ defines");
                else if (!vnet.IsCarriedBy(host.Name))
                    report.Error(at, DiagnosticCodes.Reference, $"port {port.Name} is on vnet {port.Vnet.ShortForm}, which host {host.Name} does not carry (the vnet's hosts: {string.Join(", ", vnet.Hosts!)})");
            }
            foreach (var vif in host.Vifs)
            {
                var at = vif.Fields.Of("bridge", vif.Span);
                if (!byBridge.TryGetValue(vif.Bridge, out var vnet))
                    report.Error(at, DiagnosticCodes.Reference, $"vif {vif.Mac} names bridge '{vif.Bridge}', which is the bridge of no vnet");
                else if (!vnet.IsCarriedBy(host.Name))
                    report.Error(at, DiagnosticCodes.Reference, $"vif {vif.Mac} is on vnet {vnet.Id.ShortForm} (bridge {vif.Bridge}), which host {host.Name} does not carry");
            }
        }
    }
}
