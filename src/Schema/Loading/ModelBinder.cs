using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Loading;

/// <summary>
/// Maps the format-neutral tree onto model records, applying the defaults of SPEC §2. Type errors become
/// diagnostics; a record whose required fields are present is still returned (with defaults where a field was
/// wrong) so that the validators can report every other problem in one pass.
/// </summary>
internal static partial class ModelBinder
{
    private static readonly string[] VnetFields = ["id", "bridge", "vnetif", "security", "encapsulation", "mtu", "hosts", "suite", "key"];

    public static Vnet? BindVnet(DataMap map, List<Diagnostic> diagnostics)
    {
        var r = new FieldReader(map, "vnet", VnetFields, [], diagnostics);
        var id = r.Id("id", required: true);
        var bridge = r.Text("bridge");
        var vnetif = r.Text("vnetif");
        var security = r.Choice("security", Spellings.Securities) ?? Security.None;
        var encapsulation = r.Choice("encapsulation", Spellings.Encapsulations) ?? Encapsulation.Udp;
        var mtu = r.Integer("mtu");
        var hosts = r.TextList("hosts");
        var suite = r.Choice("suite", Spellings.Suites);
        var key = r.Text("key");
        if (id is not { } vnetId) return null;
        return new Vnet
        {
            Id = vnetId,
            Bridge = bridge ?? Vnet.DefaultBridge(vnetId),
            Vnetif = vnetif ?? Vnet.DefaultVnetif(vnetId),
            Security = security,
            Encapsulation = encapsulation,
            Suite = security == Security.None ? null : suite ?? Vnet.DefaultSuite(security),
            Key = key ?? Vnet.DefaultKey(vnetId),
            Mtu = mtu,
            Hosts = hosts?.Select(h => h.Text).ToEquatableArray(),
            Span = r.Span,
            Fields = r.Spans,
        };
    }

    private static readonly string[] PeerFields = ["addr", "vnets"];

    public static Peer? BindPeer(DataMap map, string form, List<Diagnostic> diagnostics)
    {
        var r = new FieldReader(map, form, PeerFields, [], diagnostics);
        var address = r.Ipv4("addr", required: true);
        var vnets = r.TextList("vnets");
        var ids = new List<VnetId>();
        foreach (var v in vnets ?? [])
            if (r.ParseId(v) is { } id) ids.Add(id);
        if (address is null) return null;
        return new Peer { Address = address, Vnets = vnets is null ? null : ids.ToEquatableArray(), Span = r.Span, Fields = r.Spans };
    }
}
