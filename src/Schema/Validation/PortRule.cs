using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Validation;

/// <summary>SPEC §2.2: a port has an interface name; owner and group belong to <c>tap</c> ports; its MAC is a station address.</summary>
internal sealed class PortRule : RecordRule<Port>
{
    public override void Check(Port port, Reporter<Port> report)
    {
        if (InterfaceName.Problem(port.Name) is { } problem)
            report.Error(port.Fields.Of("name", port.Span), DiagnosticCodes.Name, $"port name '{port.Name}' {problem}");
        if (port.Type == PortType.Link)
        {
            foreach (var field in new[] { "owner", "group" })
                if (port.Fields.Has(field))
                    report.Error(port.Fields.Of(field, port.Span), DiagnosticCodes.Value,
                        $"port {port.Name} is a link port, created by someone else: '{field}' applies to type tap only");
        }
        if (port.Mac is { IsMulticast: true } mac)
            report.Error(port.Fields.Of("mac", port.Span), DiagnosticCodes.Value, $"MAC {mac} of port {port.Name} is a multicast address: use a unicast MAC (first octet even)");
    }
}
