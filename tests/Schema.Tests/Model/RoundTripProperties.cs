using FsCheck;
using FsCheck.Fluent;
using VnetReconciler.Schema.Loading;
using VnetReconciler.Schema.Model;
using VnetReconciler.Schema.Sxp;
using VnetReconciler.Schema.Yaml;

namespace VnetReconciler.Schema.Tests.Model;

/// <summary>Any model prints to SXP and to YAML and reads back equal (SPEC §2: one model, two formats).</summary>
public sealed class RoundTripProperties
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(150);

    /// <summary>Binds without validating: the property is about the formats, not the rules (random models break rules).</summary>
    private static DesiredState Read(IReadOnlyList<SourceFile> files)
    {
        var content = new DesiredState();
        var vnets = new List<Vnet>();
        var hosts = new List<Host>();
        var peers = new List<Peer>();
        var fleet = Fleet.Default;
        foreach (var file in files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var (role, format) = RepositoryLayout.Classify(file.Path);
            var c = FileBinder.Bind(file, role, format);
            Assert.True(c.Diagnostics.Count == 0, $"{file.Path}:\n{file.Text}\n{string.Join("\n", c.Diagnostics)}");
            vnets.AddRange(c.Vnets);
            hosts.AddRange(c.Hosts);
            peers.AddRange(c.Peers);
            fleet = c.Fleet ?? fleet;
        }
        return content with { Fleet = fleet, Vnets = vnets.ToEquatableArray(), Hosts = hosts.ToEquatableArray(), Peers = peers.ToEquatableArray() };
    }

    [Fact]
    public void Any_state_prints_to_sxp_and_reads_back_equal() =>
        Check.One(Config, Prop.ForAll(ModelGen.State.ToArbitrary(), state => Assert.Equal(state, Read(SxpWriter.WriteFiles(state)))));

    [Fact]
    public void Any_state_prints_to_yaml_and_reads_back_equal() =>
        Check.One(Config, Prop.ForAll(ModelGen.State.ToArbitrary(), state => Assert.Equal(state, Read(YamlWriter.WriteFiles(state)))));

    [Fact]
    public void Sxp_printing_is_canonical_reading_then_printing_gives_the_same_text() =>
        Check.One(Config, Prop.ForAll(ModelGen.Vnet.ToArbitrary(), vnet =>
        {
            var text = SxpWriter.Write(vnet);
            var again = Read([new SourceFile("vnets/v.sxp", text)]).Vnets.Single();
            Assert.Equal(text, SxpWriter.Write(again));
        }));

    [Fact]
    public void Any_text_survives_sxp_atom_printing() =>
        Check.One(Config, Prop.ForAll(ModelGen.AnyText.ToArbitrary(), text =>
        {
            var printed = SxpPrinter.Print(new SxpAtom(text, default));
            var doc = SxpReader.Read("(x " + printed + ")", "t.sxp");
            Assert.Empty(doc.Diagnostics);
            var list = Assert.IsType<SxpList>(Assert.Single(doc.Forms));
            Assert.Equal(text, Assert.IsType<SxpAtom>(list.Items[1]).Text);
        }));
}
