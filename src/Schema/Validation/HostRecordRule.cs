using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.2: the host's underlay MTU is in range.</summary>
internal sealed class HostRecordRule : RecordRule<Host>
{
    public override void Check(Host host, Reporter<Host> report)
    {
        if (host.UnderlayMtu is { } mtu and (< MtuRange.MinUnderlay or > MtuRange.Max))
            report.Error(host.Fields.Of("underlay_mtu", host.Span), DiagnosticCodes.Mtu,
                $"underlay_mtu {mtu} of host {host.Name} is out of range: {MtuRange.MinUnderlay} to {MtuRange.Max}");
    }
}
