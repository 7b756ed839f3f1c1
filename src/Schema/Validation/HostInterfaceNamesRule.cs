using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.1: on one host, port names differ from each other and from the bridges and vnetifs it carries.</summary>
internal sealed class HostInterfaceNamesRule : StateRule
{
    public override void Check(DesiredState state, Reporter<DesiredState> report)
    {
        if (state.Hosts.Count == 0) return;
        var vnetNames = new Dictionary<string, Vnet>(StringComparer.Ordinal);
        foreach (var vnet in state.Vnets)
        {
            vnetNames.TryAdd(vnet.Bridge, vnet);
            vnetNames.TryAdd(vnet.Vnetif, vnet);
        }
        foreach (var host in state.Hosts)
        {
            var ports = new Dictionary<string, SourceSpan>(StringComparer.Ordinal);
            var named = host.Ports.Select(p => (p.Name, At: p.Fields.Of("name", p.Span)))
                .Concat(host.Vifs.Where(v => v.Name is not null).Select(v => (Name: v.Name!, At: v.Fields.Of("name", v.Span))));
            foreach (var (name, at) in named)
            {
                if (ports.TryGetValue(name, out var first))
                    report.Error(at, DiagnosticCodes.Duplicate, $"port name '{name}' is already used on host {host.Name} ({first.Describe(at.File)})");
                else if (vnetNames.TryGetValue(name, out var vnet) && vnet.IsCarriedBy(host.Name))
                    report.Error(at, DiagnosticCodes.Duplicate,
                        $"port name '{name}' on host {host.Name} is already the {(vnet.Bridge == name ? "bridge" : "vnetif")} of vnet {vnet.Id.ShortForm}");
                else
                    ports[name] = at;
            }
        }
    }
}
