using VnetReconciler.Schema.Model;

namespace VnetReconciler.Schema.Tests.Model;

public sealed class VnetIdTests
{
    [Theory]
    [InlineData("97", "0000:0000:0000:0000:0000:0000:0000:0097", "97")]
    [InlineData("0097", "0000:0000:0000:0000:0000:0000:0000:0097", "97")]
    [InlineData("FFFF", "0000:0000:0000:0000:0000:0000:0000:ffff", "ffff")]
    [InlineData("0:0:0:0:0:0:0:97", "0000:0000:0000:0000:0000:0000:0000:0097", "97")]
    [InlineData("1:2:3:4:5:6:7:8", "0001:0002:0003:0004:0005:0006:0007:0008", "0001:0002:0003:0004:0005:0006:0007:0008")]
    [InlineData("abcd:0:0:0:0:0:1:0", "abcd:0000:0000:0000:0000:0000:0001:0000", "abcd:0000:0000:0000:0000:0000:0001:0000")]
    public void Parses_long_and_short_forms_and_prints_canonically(string text, string canonical, string shortForm)
    {
        var id = VnetId.Parse(text);
        Assert.Equal(canonical, id.ToString());
        Assert.Equal(shortForm, id.ShortForm);
        Assert.Equal(id, VnetId.Parse(canonical));
    }

    [Fact]
    public void Short_form_is_hex_so_97_is_151() => Assert.Equal((UInt128)0x97, VnetId.Parse("97").Value);

    [Theory]
    [InlineData("", VnetIdError.Empty)]
    [InlineData("0", VnetIdError.Zero)]
    [InlineData("0:0:0:0:0:0:0:0", VnetIdError.Zero)]
    [InlineData("1", VnetIdError.Reserved)]
    [InlineData("0:0:0:0:0:0:0:1", VnetIdError.Reserved)]
    [InlineData("12345", VnetIdError.ShortTooLong)]
    [InlineData("1:2:3:4:5:6:7", VnetIdError.GroupCount)]
    [InlineData("1:2:3:4:5:6:7:8:9", VnetIdError.GroupCount)]
    [InlineData("1:2:3:4:5:6:7:12345", VnetIdError.GroupTooLong)]
    [InlineData("1::2:3:4:5:6:7", VnetIdError.EmptyGroup)]
    [InlineData("1:2:3:4:5:6:7:", VnetIdError.EmptyGroup)]
    [InlineData("9g", VnetIdError.NotHex)]
    [InlineData("0x97", VnetIdError.NotHex)]
    [InlineData(" 97", VnetIdError.NotHex)]
    public void Rejects_what_the_spec_rejects(string text, VnetIdError expected)
    {
        Assert.Equal(expected, VnetId.TryParse(text, out _));
        Assert.Throws<FormatException>(() => VnetId.Parse(text));
        Assert.False(string.IsNullOrEmpty(VnetId.Describe(expected, text)));
    }

    [Fact]
    public void Zero_and_the_reserved_id_cannot_be_made()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => VnetId.FromValue(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => VnetId.FromValue(1));
        Assert.Equal((UInt128)2, VnetId.FromValue(2).Value);
    }

    [Fact]
    public void Defaults_derive_from_the_last_group()
    {
        var id = VnetId.Parse("97");
        Assert.Equal("vnet97", Vnet.DefaultBridge(id));
        Assert.Equal("vnif0097", Vnet.DefaultVnetif(id));
        Assert.Equal("97", Vnet.DefaultKey(id));
        var longId = VnetId.Parse("1:0:0:0:0:0:0:97");
        Assert.Equal("0001-0000-0000-0000-0000-0000-0000-0097", Vnet.DefaultKey(longId));
    }
}
