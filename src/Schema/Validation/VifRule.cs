using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.2: a vif names a valid bridge and, if any, a valid interface; its MAC is a station address.</summary>
internal sealed class VifRule : RecordRule<Vif>
{
    public override void Check(Vif vif, Reporter<Vif> report)
    {
        if (InterfaceName.Problem(vif.Bridge) is { } b)
            report.Error(vif.Fields.Of("bridge", vif.Span), DiagnosticCodes.Name, $"bridge name '{vif.Bridge}' {b}");
        if (vif.Name is { } name && InterfaceName.Problem(name) is { } n)
            report.Error(vif.Fields.Of("name", vif.Span), DiagnosticCodes.Name, $"vif name '{name}' {n}");
        if (vif.Mac.IsMulticast)
            report.Error(vif.Fields.Of("mac", vif.Span), DiagnosticCodes.Value, $"vif MAC {vif.Mac} is a multicast address: use a unicast MAC (first octet even)");
    }
}
