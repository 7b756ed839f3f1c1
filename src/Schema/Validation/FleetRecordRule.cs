using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.4/§2.5: a positive interval, UDP ports in range and distinct, a sane underlay MTU.</summary>
internal sealed class FleetRecordRule : RecordRule<Fleet>
{
    public override void Check(Fleet fleet, Reporter<Fleet> report)
    {
        if (fleet.Interval <= TimeSpan.Zero)
            report.Error(fleet.Fields.Of("interval", fleet.Span), DiagnosticCodes.Value, "interval must be more than 0: agents would poll git without pause");
        if (fleet.VerifyWindow <= TimeSpan.Zero)
            report.Error(fleet.Fields.Of("verify_window", fleet.Span), DiagnosticCodes.Value, "verify_window must be more than 0");
        var ports = new[] { ("port", fleet.Port), ("esp_port", fleet.EspPort), ("vxlan_port", fleet.VxlanPort) };
        for (var i = 0; i < ports.Length; i++)
        {
            var (field, port) = ports[i];
            if (port is < 1 or > 65535)
            {
                report.Error(fleet.Fields.Of(field, fleet.Span), DiagnosticCodes.Value, $"{field} {port} is not a UDP port: use 1 to 65535");
                continue;
            }
            for (var j = 0; j < i; j++)
            {
                if (ports[j].Item2 != port) continue;
                // Report at the field that was written (a default clashing with a written value is the written one's fault).
                var (at, other) = fleet.Fields.Has(field) ? (field, ports[j].Item1) : (ports[j].Item1, field);
                report.Error(fleet.Fields.Of(at, fleet.Span), DiagnosticCodes.Value, $"{at} {port} is also the {other}: each protocol needs its own UDP port");
            }
        }
        if (fleet.UnderlayMtu is < MtuRange.MinUnderlay or > MtuRange.Max)
            report.Error(fleet.Fields.Of("underlay_mtu", fleet.Span), DiagnosticCodes.Mtu,
                $"underlay_mtu {fleet.UnderlayMtu} is out of range: {MtuRange.MinUnderlay} to {MtuRange.Max}");
    }
}
