using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>An explicit vnet MTU lies between 68 and 65535.</summary>
internal sealed class VnetMtuRule : RecordRule<Vnet>
{
    public override void Check(Vnet vnet, Reporter<Vnet> report)
    {
        if (vnet.Mtu is { } mtu and (< MtuRange.MinVnet or > MtuRange.Max))
            report.Error(vnet.Fields.Of("mtu", vnet.Span), DiagnosticCodes.Mtu, $"mtu {mtu} is out of range: a vnet MTU is {MtuRange.MinVnet} to {MtuRange.Max}");
    }
}
