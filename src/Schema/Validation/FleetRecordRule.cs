using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.4/§2.5: a positive interval, UDP ports in range and distinct, a sane underlay MTU.</summary>
internal sealed class FleetRecordRule : RecordRule<Fleet>
{
    protected override void Check(Fleet fleet, Reporter<Fleet> report)
    {
        if (fleet.Interval <= TimeSpan.Zero)
            report.Error(fleet.Fields.Of("interval", fleet.Span), DiagnosticCodes.Value, "interval must be more than 0: agents would poll git without pause");
        if (fleet.VerifyWindow <= TimeSpan.Zero)
            report.Error(fleet.Fields.Of("verify_window", fleet.Span), DiagnosticCodes.Value, "verify_window must be more than 0");
        var seen = new Dictionary<int, string>();
        foreach (var (field, port) in new[] { ("port", fleet.Port), ("esp_port", fleet.EspPort), ("vxlan_port", fleet.VxlanPort) })
        {
            var at = fleet.Fields.Of(field, fleet.Span);
            if (port is < 1 or > 65535)
                report.Error(at, DiagnosticCodes.Value, $"{field} {port} is not a UDP port: use 1 to 65535");
            else if (seen.TryGetValue(port, out var other))
                report.Error(at, DiagnosticCodes.Value, $"{field} {port} is also the {other}: each protocol needs its own UDP port");
            else
                seen[port] = field;
        }
        if (fleet.UnderlayMtu is < MtuRange.MinUnderlay or > MtuRange.Max)
            report.Error(fleet.Fields.Of("underlay_mtu", fleet.Span), DiagnosticCodes.Mtu,
                $"underlay_mtu {fleet.UnderlayMtu} is out of range: {MtuRange.MinUnderlay} to {MtuRange.Max}");
    }
}
