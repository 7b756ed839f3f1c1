using VnetReconciler.Schema.Loading;
using VnetReconciler.Schema.Model;
using VnetReconciler.Schema.Yaml;

namespace VnetReconciler.Schema.Tests.Yaml;

public sealed class YamlReaderTests
{
    private static List<TopForm> Read(string text, List<Diagnostic> diagnostics) => YamlReader.TopForms(text, "vnets/v.yaml", diagnostics);

    [Fact]
    public void Keeps_positions_for_every_node()
    {
        var diagnostics = new List<Diagnostic>();
        var form = Assert.Single(Read("# c\nvnet:\n  id: \"97\"\n  hosts: [a, b]\n", diagnostics));
        Assert.Empty(diagnostics);
        Assert.Equal(("vnet", 2, 1), (form.Kind, form.KindSpan.Line, form.KindSpan.Column));
        var map = Assert.IsType<DataMap>(form.Body);
        Assert.Equal((3, 7), (map.Entries[0].Value.Span.Line, map.Entries[0].Value.Span.Column));
        var hosts = Assert.IsType<DataList>(map.Entries[1].Value);
        Assert.Equal((4, 14), (hosts.Items[1].Span.Line, hosts.Items[1].Span.Column));
    }

    [Fact]
    public void Numbers_booleans_and_macs_stay_text()
    {
        var diagnostics = new List<Diagnostic>();
        var form = Assert.Single(Read("vnet: { id: 97, a: 10:16:30:00:00:01, b: true, c: 1e3 }\n", diagnostics));
        var texts = ((DataMap)form.Body).Entries.Select(e => ((DataScalar)e.Value).Text);
        Assert.Equal(["97", "10:16:30:00:00:01", "true", "1e3"], texts);
    }

    [Fact]
    public void Reads_several_documents_and_lists_of_forms()
    {
        var diagnostics = new List<Diagnostic>();
        var forms = Read("vnet: {id: \"2\"}\n---\nvnet:\n  - {id: \"3\"}\n  - {id: \"4\"}\n---\n", diagnostics);
        Assert.Empty(diagnostics);
        Assert.Equal(3, forms.Count);
    }

    [Fact]
    public void Duplicate_keys_and_syntax_errors_are_diagnostics_not_exceptions()
    {
        var diagnostics = new List<Diagnostic>();
        Read("vnet:\n  id: a\n  id: b\n", diagnostics);
        Read("vnet: [\n", diagnostics);
        Assert.Equal(2, diagnostics.Count);
        Assert.Equal("vnets/v.yaml:3:3: error: duplicate key 'id' (first at line 2:3)", diagnostics[0].ToString());
        Assert.StartsWith("vnets/v.yaml:2:1: error: YAML syntax: ", diagnostics[1].ToString());
    }
}
