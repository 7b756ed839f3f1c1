using VnetReconciler.Schema.Sxp;

namespace VnetReconciler.Schema.Tests.Sxp;

public sealed class SxpReaderTests
{
    [Fact]
    public void Every_node_keeps_its_file_line_and_column()
    {
        var doc = SxpReader.Read("# comment\n(vnet (id 97)\n  (bridge \"vnet97\"))\n", "vnets/a.sxp");
        Assert.Empty(doc.Diagnostics);
        var form = Assert.IsType<SxpList>(Assert.Single(doc.Forms));
        Assert.Equal(("vnets/a.sxp", 2, 1), (form.Span.File, form.Span.Line, form.Span.Column));
        var id = Assert.IsType<SxpList>(form.Items[1]);
        Assert.Equal((2, 7), (id.Span.Line, id.Span.Column));
        Assert.Equal((2, 11), (id.Items[1].Span.Line, id.Items[1].Span.Column));
        var bridge = Assert.IsType<SxpList>(form.Items[2]);
        Assert.Equal((3, 11), (bridge.Items[1].Span.Line, bridge.Items[1].Span.Column));
        Assert.Equal("vnet97", ((SxpAtom)bridge.Items[1]).Text);
    }

    [Theory]
    [InlineData("\"a\\nb\"", "a\nb")]
    [InlineData("\"\\t\\\\\\\"\\'\"", "\t\\\"'")]
    [InlineData("'it\\'s'", "it's")]
    [InlineData("\"\\x41\\x4a\"", "AJ")]
    [InlineData("\"\\101\\0\"", "A\0")]
    [InlineData("\"a(b) c#d\"", "a(b) c#d")]
    [InlineData("a#b", "a#b")]
    [InlineData("\"\"", "")]
    public void Strings_decode_c_escapes(string source, string text)
    {
        var doc = SxpReader.Read("(x " + source + ")", "t.sxp");
        Assert.Empty(doc.Diagnostics);
        Assert.Equal(text, ((SxpAtom)((SxpList)doc.Forms[0]).Items[1]).Text);
    }

    [Fact]
    public void Comments_run_to_the_end_of_the_line_and_several_forms_are_read()
    {
        var doc = SxpReader.Read("(a 1) # (b 2)\n#(c 3)\n(d 4)", "t.sxp");
        Assert.Equal(["a", "d"], doc.Forms.Select(f => ((SxpList)f).Head));
    }

    [Theory]
    [InlineData("(a (b 1)", "t.sxp:1:1: error: unclosed '(': missing ')' before the end of the file")]
    [InlineData("(a))", "t.sxp:1:4: error: unexpected ')' with no matching '('")]
    [InlineData("(a \"b)", "t.sxp:1:4: error: unterminated string: missing the closing \" before the end of the file")]
    [InlineData("(a \"\\z\")", "t.sxp:1:5: error: invalid escape '\\z' in string: use \\n \\t \\r \\\\ \\\" \\' \\xHH or octal \\NNN")]
    public void Errors_name_the_position(string source, string diagnostic) =>
        Assert.Equal(diagnostic, Assert.Single(SxpReader.Read(source, "t.sxp").Diagnostics).ToString());

    [Fact]
    public void Printing_reads_back_to_the_same_nodes()
    {
        var source = "(host (name \"a b\") (port (name p) (vnet 97)) (x \"\\x01\" 'q\"'))";
        var first = SxpReader.Read(source, "t.sxp").Forms.Single();
        var printed = SxpPrinter.Print(first);
        Assert.Equal("(host (name \"a b\")\n  (port (name p) (vnet 97))\n  (x \"\\x01\" \"q\\\"\"))", printed);
        Assert.Equal(first, SxpReader.Read(printed, "u.sxp").Forms.Single());
    }
}
