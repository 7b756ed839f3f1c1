using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.1: an id whose first 7 groups are not all zero names both its bridge and its vnetif.</summary>
internal sealed class VnetLongIdRule : RecordRule<Vnet>
{
    public override void Check(Vnet vnet, Reporter<Vnet> report)
    {
        if (vnet.Id.IsShort || !vnet.Fields.Has("id")) return; // records built in code have no written fields
        var missing = new[] { "bridge", "vnetif" }.Where(f => !vnet.Fields.Has(f)).ToArray();
        if (missing.Length == 0) return;
        report.Error(vnet.Fields.Of("id", vnet.Span), DiagnosticCodes.MissingField,
            $"vnet {vnet.Id} has a long id, so it must name its {string.Join(" and its ", missing)} (the defaults are made from the last group only)");
    }
}
