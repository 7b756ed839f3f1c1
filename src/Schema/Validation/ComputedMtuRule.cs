using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §3.3: an explicit MTU above the computed one is allowed with a warning; a computed MTU below 68 is an error.</summary>
internal sealed class ComputedMtuRule : StateRule
{
    public override void Check(DesiredState state, Reporter<DesiredState> report)
    {
        if (!report.ReferencesCheckable) return;
        var underlay = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var host in state.Hosts) underlay.TryAdd(host.Name, state.UnderlayMtuOf(host)); // duplicates: DuplicateHostRule
        var fleetMin = underlay.Count == 0 ? state.Fleet.UnderlayMtu : underlay.Values.Min();
        foreach (var vnet in state.Vnets)
        {
            var min = vnet.Hosts is { } names
                ? names.Select(n => underlay.GetValueOrDefault(n, int.MaxValue)).DefaultIfEmpty(int.MaxValue).Min()
                : fleetMin;
            if (min == int.MaxValue) min = state.Fleet.UnderlayMtu;
            var computed = min - VnetMtu.Overhead(vnet);
            if (vnet.Mtu is { } mtu and <= MtuRange.Max && mtu > computed)
                report.Warning(vnet.Fields.Of("mtu", vnet.Span), DiagnosticCodes.Mtu,
                    $"mtu {mtu} of vnet {vnet.Id.ShortForm} is above the {computed} its hosts' underlay allows: larger frames are fragmented or refused");
            else if (vnet.Mtu is null && computed < MtuRange.MinVnet)
                report.Error(vnet.Span, DiagnosticCodes.Mtu, $"vnet {vnet.Id.ShortForm} gets MTU {computed} from its hosts' underlay: below the IPv4 minimum of {MtuRange.MinVnet}");
        }
    }
}
