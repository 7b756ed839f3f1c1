using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.1: a vnet's <c>hosts</c> name hosts of the fleet.</summary>
internal sealed class VnetHostsRule : StateRule
{
    public override void Check(DesiredState state, Reporter<DesiredState> report)
    {
        if (!report.ReferencesCheckable) return;
        var hosts = state.Hosts.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var vnet in state.Vnets)
        {
            if (vnet.Hosts is not { } names) continue;
            for (var i = 0; i < names.Count; i++)
                if (!hosts.Contains(names[i]))
                    report.Error(vnet.Fields.Of("hosts", i, vnet.Span), DiagnosticCodes.Reference,
                        $"vnet {vnet.Id.ShortForm} names host {names[i]}, which no file under hosts/ defines");
        }
    }
}
