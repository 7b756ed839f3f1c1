using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>
/// SPEC §2.1: interface names are unique across vnets. Bridges and vnetifs must differ between any two vnets (not just
/// two on one host), because a vif names its vnet by bridge.
/// </summary>
internal sealed class SharedVnetNameRule : StateRule
{
    public override void Check(DesiredState state, Reporter<DesiredState> report)
    {
        var seen = new Dictionary<string, (Vnet Vnet, string Field)>(state.Vnets.Count * 2, StringComparer.Ordinal);
        var ids = new HashSet<VnetId>();
        foreach (var vnet in state.Vnets)
        {
            if (!ids.Add(vnet.Id)) continue; // a duplicate id is reported once, by DuplicateVnetIdRule
            for (var f = 0; f < 2; f++)
            {
                var (field, name) = f == 0 ? ("bridge", vnet.Bridge) : ("vnetif", vnet.Vnetif);
                var at = vnet.Fields.Of(field, vnet.Span);
                if (seen.TryGetValue(name, out var first))
                {
                    if (first.Vnet == (object)vnet) continue; // bridge == vnetif: VnetNamesRule
                    var firstAt = first.Vnet.Fields.Of(first.Field, first.Vnet.Span);
                    report.Error(at, DiagnosticCodes.Duplicate,
                        $"{field} name '{name}' of vnet {vnet.Id.ShortForm} is already the {first.Field} of vnet {first.Vnet.Id.ShortForm} ({firstAt.Describe(at.File)})");
                }
                else
                    seen[name] = (vnet, field);
            }
        }
    }
}
