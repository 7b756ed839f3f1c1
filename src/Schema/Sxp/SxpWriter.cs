using System.Collections.Immutable;
using System.Text;
using VnetReconciler.Schema.Loading;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Sxp;

/// <summary>
/// Prints model records as canonical SXP (the <c>xm vnet-create</c> format) that <see cref="DesiredStateLoader"/> reads
/// back to equal records: <c>(vnet (id 97) (bridge vnet97) (vnetif vnif0097) (security none))</c>.
/// </summary>
public static class SxpWriter
{
    public static string Write(Vnet vnet) => Print([ModelTree.Of(vnet)]);
    public static string Write(Host host) => Print([ModelTree.Of(host)]);
    public static string Write(Peer peer) => Print([ModelTree.Of(peer)]);
    public static string Write(Fleet fleet) => Print([ModelTree.Of(fleet)]);
    public static string Write(IEnumerable<Vnet> vnets) => Print(vnets.Select(ModelTree.Of));
    public static string Write(IEnumerable<Peer> peers) => Print(peers.Select(ModelTree.Of));

    /// <summary>A whole state as a tree of SXP files (<see cref="StateFiles"/> names them).</summary>
    public static IReadOnlyList<SourceFile> WriteFiles(DesiredState state) => StateFiles.Layout(state, ".sxp", Print);

    /// <summary>The S-expression of a record (for callers that want the nodes, not the text).</summary>
    internal static SxpList ToSxp(TopForm form) => Form(form.Kind, (DataMap)form.Body);

    internal static string Print(IEnumerable<TopForm> forms)
    {
        var sb = new StringBuilder();
        foreach (var form in forms)
        {
            SxpPrinter.Print(ToSxp(form), sb, 0);
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static SxpList Form(string head, DataMap map)
    {
        var items = ImmutableArray.CreateBuilder<SxpNode>(map.Entries.Count + 1);
        items.Add(Atom(head));
        foreach (var entry in map.Entries)
        {
            switch (entry.Value)
            {
                case DataScalar s:
                    items.Add(List(Atom(entry.Key), Atom(s.Text)));
                    break;
                case DataMap m:
                    items.Add(Form(entry.Key, m));
                    break;
                case DataList l when l.Items.Count > 0 && l.Items[0] is DataMap:
                    foreach (var item in l.Items) items.Add(Form(entry.Key, (DataMap)item)); // a repeated field
                    break;
                case DataList l:
                    items.Add(List([Atom(entry.Key), .. l.Items.Select(i => (SxpNode)Atom(((DataScalar)i).Text))]));
                    break;
            }
        }
        return new SxpList(new EquatableArray<SxpNode>(items.ToImmutable()), default);
    }

    private static SxpAtom Atom(string text) => new(text, default);

    private static SxpList List(params SxpNode[] items) => new(EquatableArray.Create<SxpNode>(items), default);
}
