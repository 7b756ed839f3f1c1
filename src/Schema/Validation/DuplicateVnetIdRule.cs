using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.1: two vnets with one id are an error, reported at the later one.</summary>
internal sealed class DuplicateVnetIdRule : StateRule
{
    public override void Check(DesiredState state, Reporter<DesiredState> report)
    {
        var seen = new Dictionary<VnetId, Vnet>(state.Vnets.Count);
        foreach (var vnet in state.Vnets)
        {
            var at = vnet.Fields.Of("id", vnet.Span);
            if (seen.TryGetValue(vnet.Id, out var first))
                report.Error(at, DiagnosticCodes.Duplicate, $"vnet id {vnet.Id.ShortForm} is already defined at {first.Fields.Of("id", first.Span).Describe(at.File)}");
            else
                seen[vnet.Id] = vnet;
        }
    }
}
