using System.Runtime.InteropServices;
using FsCheck;
using FsCheck.Fluent;
using VnetReconciler.Dataplane.Netlink;

namespace VnetReconciler.Dataplane.Tests.Netlink;

/// <summary>The writer's framing (lengths back-patched, 4-byte alignment, zero padding) and round trips through the reader.</summary>
public sealed class NetlinkWriterTests
{
    [Fact]
    public void NestedAttributesGetBackPatchedLengthsAndPadding()
    {
        var buffer = new byte[256];
        buffer.AsSpan().Fill(0xEE); // padding must be zeroed, not left over
        var w = new NetlinkWriter(buffer);
        var m = w.BeginMessage(16, 0x0605, 0x01020304, 0x0A0B0C0D);
        w.WriteIfInfo(0, 7, 1, 1);
        var nest = w.BeginNested(18);
        w.WriteAttribute(1, "br");
        w.WriteAttribute(9, (byte)5);
        w.EndNested(nest);
        w.EndMessage(m);

        var expected = Convert.FromHexString(
            "34000000" + "1000" + "0506" + "04030201" + "0D0C0B0A" + // nlmsghdr: len 52, type 16, flags 0x605
            "00000000" + "07000000" + "01000000" + "01000000" +      // ifinfomsg index 7 flags/change IFF_UP
            "14001200" +                                             // IFLA_LINKINFO, nla_len 20
            "07000100" + "62720000" +                                // "br\0" + 1 byte pad
            "05000900" + "05000000");                                // u8 5 + 3 bytes pad
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(w.Written));
        Assert.Equal(0, w.Length % 4);
    }

    [Fact]
    public void AFullBufferIsRefusedNotOverrun()
    {
        var w = new NetlinkWriter(new byte[20]);
        w.BeginMessage(1, 0, 0);
        var error = false;
        try { w.WriteAttribute(3, "too long for the rest"); }
        catch (InvalidOperationException) { error = true; }
        Assert.True(error);
    }

    [Fact]
    public void AttributesRoundTrip() =>
        Prop.ForAll(
            Gen.ListOf(Gen.Zip(Gen.Choose(1, 0x3FFF), Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))))
                .Select(l => l.Take(20).Select(t => (Type: (ushort)t.Item1, Value: t.Item2.Take(300).ToArray())).ToArray())
                .ToArbitrary(),
            attributes =>
            {
                var buffer = new byte[16 + 20 * 320 + 64];
                var w = new NetlinkWriter(buffer);
                var m = w.BeginMessage(100, 1, 42);
                var nest = w.BeginNested(7, markNested: true);
                foreach (var (type, value) in attributes) w.WriteAttribute(type, value);
                w.EndNested(nest);
                w.EndMessage(m);

                var reader = new NetlinkReader(w.Written);
                Assert.True(reader.TryRead(out var message));
                Assert.Equal(100, message.Type);
                Assert.Equal(42u, message.Sequence);
                Assert.Equal(w.Length, (int)MemoryMarshal.Read<uint>(w.Written));
                var outer = message.Attributes(0);
                Assert.True(outer.TryRead(out var nested));
                Assert.True(nested.IsNested);
                Assert.Equal(7, nested.Type);
                var inner = nested.Nested();
                foreach (var (type, value) in attributes)
                {
                    Assert.True(inner.TryRead(out var a));
                    Assert.Equal(type, a.Type);
                    Assert.Equal(value, a.Value.ToArray());
                }
                Assert.False(inner.TryRead(out _));
                Assert.False(reader.TryRead(out _));
            }).QuickCheckThrowOnFailure();

    [Fact]
    public void TruncatedHeaderIsAProtocolError()
    {
        var bytes = Convert.FromHexString("40000000020000000100000000000000"); // claims 64 bytes, has 16
        var error = Assert.Throws<NetlinkException>(() =>
        {
            var reader = new NetlinkReader(bytes);
            reader.TryRead(out _);
        });
        Assert.Equal(71, error.Errno); // EPROTO
        Assert.False(error.IsTransient);
    }
}
