using System.Globalization;
using System.Text;
using VnetReconciler.Dataplane.Forwarding;
using VnetReconciler.Dataplane.Tunnel;

namespace VnetReconciler.Dataplane.Tests.Tunnel;

/// <summary>
/// The wire codecs against hand-made hex fixtures of SPEC §4.1–§4.4 messages (tests/testdata/tunnel/*/datagram.hex,
/// expected decode in expected.txt), and each valid one re-encoded byte for byte.
/// </summary>
public sealed class WireFixtureTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "testdata", "tunnel");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Root).Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(dir));
        return data;
    }

    [Fact]
    public void FixturesExist() => Assert.True(Cases().Count >= 9);

    [Theory]
    [MemberData(nameof(Cases))]
    public void DecodesAsExpected(string name)
    {
        var (datagram, port) = Load(name);
        var expected = File.ReadAllText(Path.Combine(Root, name, "expected.txt")).Replace("\r", "").Trim();
        var actual = new StringBuilder($"port={port}\n");
        Describe(datagram, port, actual);
        Assert.Equal(expected, actual.ToString().Trim());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ValidMessagesReencodeByteForByte(string name)
    {
        var (datagram, port) = Load(name);
        var described = new StringBuilder();
        Describe(datagram, port, described);
        if (described.ToString().Contains("drop=")) return; // invalid on purpose: nothing to re-encode
        Assert.Equal(Convert.ToHexString(datagram), Convert.ToHexString(Encode(datagram, port)));
    }

    private static (byte[] Datagram, ushort Port) Load(string name)
    {
        var text = File.ReadAllLines(Path.Combine(Root, name, "datagram.hex"))
            .Where(l => !l.TrimStart().StartsWith('#'))
            .SelectMany(l => l.Where(Uri.IsHexDigit));
        var expected = File.ReadAllLines(Path.Combine(Root, name, "expected.txt"));
        var port = ushort.Parse(expected[0]["port=".Length..], CultureInfo.InvariantCulture);
        return (Convert.FromHexString(string.Concat(text)), port);
    }

    private static void Describe(ReadOnlySpan<byte> datagram, ushort port, StringBuilder sb)
    {
        if (port == VxlanHeader.DefaultPort)
        {
            var reason = VxlanHeader.TryRead(datagram, out var vxlan);
            if (reason != DropReason.None) { sb.Append($"drop={reason}\n"); return; }
            sb.Append($"vni={vxlan.Vni}\n");
            DescribeInner(datagram[VxlanHeader.Length..], sb);
            return;
        }
        if (!VnetMessageHeader.TryRead(datagram, out var header)) { sb.Append("drop=TooShort\n"); return; }
        sb.Append($"type={header.Type} opcode={header.Opcode}\n");
        switch (header.Type)
        {
            case VnetMessageType.Frame:
                var r = EtherIpHeader.TryRead(datagram[VnetMessageHeader.Length..], out var etherip);
                if (r != DropReason.None) { sb.Append($"drop={r}\n"); return; }
                sb.Append($"vnet={etherip.Vnet}\n");
                DescribeInner(datagram[EtherIpHeader.FrameOverhead..], sb);
                break;
            case VnetMessageType.Varp:
                r = VarpMessage.TryRead(datagram, out var varp);
                if (r != DropReason.None) { sb.Append($"drop={r}\n"); return; }
                sb.Append($"varp={varp.Opcode} vnet={varp.Vnet} mac={varp.Mac} address={UnderlayAddress.ToIPAddress(varp.Address)}\n");
                break;
            case VnetMessageType.Forwarded:
                r = ForwardedPacket.TryRead(datagram, VnetMessageHeader.DefaultPort, out var fwd);
                if (r != DropReason.None) { sb.Append($"drop={r}\n"); return; }
                sb.Append($"forwarded={UnderlayAddress.ToIPAddress(fwd.OriginalSource)}->{UnderlayAddress.ToIPAddress(fwd.OriginalDestination)} payload={fwd.PayloadLength}\n");
                Describe(datagram.Slice(fwd.PayloadOffset, fwd.PayloadLength), port, sb);
                break;
        }
    }

    private static void DescribeInner(ReadOnlySpan<byte> frame, StringBuilder sb) =>
        sb.Append($"inner={MacAddress.Read(frame[6..])}->{MacAddress.Read(frame)} length={frame.Length}\n");

    /// <summary>Builds the datagram again from its decoded fields with the codecs' writers.</summary>
    private static byte[] Encode(ReadOnlySpan<byte> original, ushort port)
    {
        var output = new byte[original.Length];
        if (port == VxlanHeader.DefaultPort)
        {
            VxlanHeader.TryRead(original, out var vxlan);
            vxlan.Write(output);
            original[VxlanHeader.Length..].CopyTo(output.AsSpan(VxlanHeader.Length));
            return output;
        }
        VnetMessageHeader.TryRead(original, out var header);
        switch (header.Type)
        {
            case VnetMessageType.Frame:
                EtherIpHeader.TryRead(original[VnetMessageHeader.Length..], out var etherip);
                EtherIpHeader.WriteFramePrefix(output, etherip.Vnet);
                original[EtherIpHeader.FrameOverhead..].CopyTo(output.AsSpan(EtherIpHeader.FrameOverhead));
                return output;
            case VnetMessageType.Varp:
                VarpMessage.TryRead(original, out var varp);
                varp.Write(output);
                return output;
            case VnetMessageType.Forwarded:
                ForwardedPacket.TryRead(original, port, out var fwd);
                ForwardedPacket.WritePrefix(output, fwd.OriginalSource, fwd.OriginalDestination, port, fwd.PayloadLength);
                Encode(original.Slice(fwd.PayloadOffset, fwd.PayloadLength), port).CopyTo(output.AsSpan(fwd.PayloadOffset));
                return output;
            default:
                throw new InvalidOperationException($"no encoder for {header.Type}");
        }
    }
}
