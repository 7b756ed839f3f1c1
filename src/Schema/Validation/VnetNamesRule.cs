using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.1: bridge and vnetif are valid interface names; the key name is a valid file name.</summary>
internal sealed class VnetNamesRule : RecordRule<Vnet>
{
    public override void Check(Vnet vnet, Reporter<Vnet> report)
    {
        if (InterfaceName.Problem(vnet.Bridge) is { } b)
            report.Error(vnet.Fields.Of("bridge", vnet.Span), DiagnosticCodes.Name, $"bridge name '{vnet.Bridge}' {b}");
        if (InterfaceName.Problem(vnet.Vnetif) is { } v)
            report.Error(vnet.Fields.Of("vnetif", vnet.Span), DiagnosticCodes.Name, $"vnetif name '{vnet.Vnetif}' {v}");
        if (vnet.Bridge == vnet.Vnetif)
            report.Error(vnet.Fields.Of("vnetif", vnet.Span), DiagnosticCodes.Name, $"vnetif name '{vnet.Vnetif}' is the vnet's bridge name too: they must differ");
        if (vnet.Key.Length == 0 || vnet.Key is "." or ".." || vnet.Key.AsSpan().IndexOfAny("/\0") >= 0 || vnet.Key.Any(char.IsWhiteSpace))
            report.Error(vnet.Fields.Of("key", vnet.Span), DiagnosticCodes.Name, $"key name '{vnet.Key}' cannot name a key file: use letters, digits, '-', '_' or '.'");
    }
}
