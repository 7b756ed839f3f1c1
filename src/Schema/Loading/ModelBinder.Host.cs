using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Loading;

internal static partial class ModelBinder
{
    private static readonly string[] HostFields = ["name", "address", "underlay_mtu"];
    private static readonly string[] HostRepeated = ["port", "vif", "device", "dev"];
    private static readonly string[] PortFields = ["name", "vnet", "type", "owner", "group", "mac"];
    private static readonly string[] VifFields = ["mac", "bridge", "name"];
    private static readonly string[] DeviceRepeated = ["vif"];

    public static Host? BindHost(DataMap map, List<Diagnostic> diagnostics)
    {
        var r = new FieldReader(map, "host", HostFields, HostRepeated, diagnostics);
        var name = r.Text("name", required: true);
        var address = r.Ipv4("address", required: true);
        var underlayMtu = r.Integer("underlay_mtu");
        var ports = new List<Port>();
        foreach (var p in r.Maps("port"))
            if (BindPort(p, diagnostics) is { } port) ports.Add(port);
        var vifs = new List<Vif>();
        foreach (var v in r.Maps("vif"))
            if (BindVif(v, diagnostics) is { } vif) vifs.Add(vif);
        // Xen VM configs wrap vifs as (device (vif …)) or (dev (vif …)).
        foreach (var device in r.Maps("device").Concat(r.Maps("dev")))
        {
            var d = new FieldReader(device, "device", [], DeviceRepeated, diagnostics);
            foreach (var v in d.Maps("vif"))
                if (BindVif(v, diagnostics) is { } vif) vifs.Add(vif);
        }
        if (name is null || address is null) return null;
        return new Host
        {
            Name = name,
            Address = address,
            UnderlayMtu = underlayMtu,
            Ports = ports.ToEquatableArray(),
            Vifs = vifs.ToEquatableArray(),
            Span = r.Span,
            Fields = r.Spans,
        };
    }

    private static Port? BindPort(DataMap map, List<Diagnostic> diagnostics)
    {
        var r = new FieldReader(map, "port", PortFields, [], diagnostics);
        var name = r.Text("name", required: true);
        var vnet = r.Id("vnet", required: true);
        var type = r.Choice("type", Spellings.PortTypes) ?? PortType.Link;
        var owner = r.Unsigned("owner");
        var group = r.Unsigned("group");
        var mac = r.Mac("mac");
        if (name is null || vnet is not { } id) return null;
        return new Port { Name = name, Vnet = id, Type = type, Owner = owner, Group = group, Mac = mac, Span = r.Span, Fields = r.Spans };
    }

    private static Vif? BindVif(DataMap map, List<Diagnostic> diagnostics)
    {
        var r = new FieldReader(map, "vif", VifFields, [], diagnostics);
        var mac = r.Mac("mac", required: true);
        var bridge = r.Text("bridge", required: true);
        var name = r.Text("name");
        if (mac is not { } m || bridge is null) return null;
        return new Vif { Mac = m, Bridge = bridge, Name = name, Span = r.Span, Fields = r.Spans };
    }
}
