using System.Net;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Tests.Model;

public sealed class ValueTests
{
    [Theory]
    [InlineData("aa:00:00:11:00:12", "aa:00:00:11:00:12")]
    [InlineData("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff")]
    public void Mac_parses_and_prints_lower_case(string text, string printed) => Assert.Equal(printed, Mac.Parse(text).ToString());

    [Theory]
    [InlineData("aa:00:00:11:00")]
    [InlineData("aa-00-00-11-00-12")]
    [InlineData("aa:00:00:11:00:1g")]
    [InlineData("aa:00:00:11:00:123")]
    public void Mac_rejects_other_spellings(string text) => Assert.False(Mac.TryParse(text, out _));

    [Fact]
    public void Mac_knows_the_group_bit()
    {
        Assert.True(Mac.Parse("01:00:5e:00:00:01").IsMulticast);
        Assert.False(Mac.Parse("aa:00:00:11:00:12").IsMulticast);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("0s", 0)]
    public void Durations_read_and_print(string text, long ms)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(ms, (long)value.TotalMilliseconds);
        Assert.Equal(text, Duration.Format(value));
    }

    [Theory]
    [InlineData("30")]
    [InlineData("30 s")]
    [InlineData("1d")]
    [InlineData("s")]
    public void Durations_need_a_unit(string text) => Assert.False(Duration.TryParse(text, out _));

    [Fact]
    public void Positions_take_no_part_in_equality()
    {
        var a = Vnet.Create(VnetId.Parse("97")) with { Span = new SourceSpan("a.sxp", 1, 1) };
        var b = Vnet.Create(VnetId.Parse("97")) with { Span = new SourceSpan("b.yaml", 9, 3) };
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.False(a.Span.SamePlaceAs(b.Span));
        Assert.NotEqual(a, b with { Bridge = "other" });
    }

    [Fact]
    public void Lists_compare_by_value()
    {
        EquatableArray<string> a = ["x", "y"];
        EquatableArray<string> b = new[] { "x", "y" }.ToEquatableArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, ["y", "x"]);
        Assert.Equal(default, EquatableArray<string>.Empty);
        Assert.Equal(new Host { Name = "h", Address = IPAddress.Loopback, Ports = [] }, new Host { Name = "h", Address = IPAddress.Loopback });
    }
}
