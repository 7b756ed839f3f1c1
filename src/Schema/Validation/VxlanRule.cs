using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.1: a vxlan vnet's id fits the 24-bit VNI (RFC 7348 §5) and its security is none.</summary>
internal sealed class VxlanRule : RecordRule<Vnet>
{
    public override void Check(Vnet vnet, Reporter<Vnet> report)
    {
        if (vnet.Encapsulation != Encapsulation.Vxlan) return;
        if (vnet.Id.Value > VnetId.MaxVxlan)
            report.Error(vnet.Fields.Of("id", vnet.Span), DiagnosticCodes.Vxlan,
                $"vnet {vnet.Id.ShortForm} uses vxlan, but its id does not fit the 24-bit VNI (at most ffffff, 16777215)");
        if (vnet.Security != Security.None)
            report.Error(vnet.Fields.Of("security", vnet.Span), DiagnosticCodes.Vxlan,
                $"vnet {vnet.Id.ShortForm} uses vxlan, which carries no ESP: security must be none, found {Spellings.Of(vnet.Security)}");
    }
}
