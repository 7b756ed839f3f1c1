using System.Net;
using System.Security.Cryptography;
using VnetReconciler.Dataplane.Esp;

namespace VnetReconciler.Dataplane.Tests.Esp;

public sealed class SecurityAssociationTests
{
    internal static readonly IPAddress A = IPAddress.Parse("198.18.0.1");
    internal static readonly IPAddress B = IPAddress.Parse("198.18.0.2");
    public static TheoryData<EspSuite> Suites => new() { EspSuite.AesGcm128, EspSuite.NullHmacSha256128, EspSuite.NullHmacSha196, EspSuite.AesCbc128HmacSha196 };

    internal static (SecurityAssociation Out, SecurityAssociation In) Pair(EspSuite suite, uint spi = 0x1234)
    {
        var material = Hex.Range(0x40, suite.KeyMaterialLength());
        return (SecurityAssociation.Create(SaDirection.Outbound, spi, suite, new VnetKey(0x97), A, B, 1, default, material),
            SecurityAssociation.Create(SaDirection.Inbound, spi, suite, new VnetKey(0x97), A, B, 1, default, material));
    }

    private static byte[] Seal(SecurityAssociation sa, byte[] payload, out int start, out int length, byte nextHeader = 143)
    {
        var buffer = new byte[64 + payload.Length + 64];
        payload.CopyTo(buffer, 64);
        Assert.True(sa.Seal(buffer, 64, payload.Length, nextHeader, out start, out length));
        return buffer;
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Round_trip_every_length_with_alignment_and_overhead(EspSuite suite)
    {
        var (o, i) = Pair(suite);
        using var disposeOut = o; using var disposeIn = i;
        for (var n = 0; n <= 70; n++)
        {
            var payload = Hex.Range(n, n);
            var buffer = Seal(o, payload, out var start, out var length, (byte)(n % 2 == 0 ? 143 : 253));
            Assert.Equal(64 - suite.Headroom(), start);
            var plaintext = length - suite.Headroom() - suite.IcvLength();
            Assert.Equal(0, plaintext % suite.Alignment());
            Assert.InRange(plaintext - n - 2, 0, suite.MaxPadding());
            var packet = buffer.AsSpan(start, length);
            Assert.Equal(EspOpenResult.Ok, i.Open(packet, out var off, out var len, out var nh));
            Assert.Equal(n % 2 == 0 ? 143 : 253, nh);
            Assert.Equal(payload, packet.Slice(off, len).ToArray());
        }
        Assert.Equal(71, i.Packets);
        Assert.Equal(71UL, i.HighestSequence);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Replay_forgery_truncation_are_dropped_by_reason(EspSuite suite)
    {
        var (o, i) = Pair(suite);
        using var disposeOut = o; using var disposeIn = i;
        var payload = Hex.Range(0, 60);
        var buffer = Seal(o, payload, out var start, out var length);
        var copy = buffer.AsSpan(start, length).ToArray();
        var forged = copy.ToArray();
        forged[^20] ^= 0x80;
        Assert.Equal(EspOpenResult.Auth, i.Open(forged, out _, out _, out _));
        Assert.Equal(EspOpenResult.Malformed, i.Open(copy.AsSpan(0, suite.Headroom() + suite.IcvLength() + 1), out _, out _, out _));
        Assert.Equal(EspOpenResult.Malformed, i.Open(copy.AsSpan(0, 4), out _, out _, out _));
        Assert.Equal(EspOpenResult.Ok, i.Open(copy.ToArray(), out _, out _, out _)); // the forgery did not burn the number
        Assert.Equal(EspOpenResult.Replay, i.Open(copy.ToArray(), out _, out _, out _));
        Assert.Equal(1, i.Packets);
    }

    [Fact]
    public void Wrong_key_is_auth_failure_and_sequence_numbers_start_at_one_and_cross_2_pow_32()
    {
        var (o, i) = Pair(EspSuite.AesGcm128);
        using var disposeOut = o; using var disposeIn = i;
        var buffer = Seal(o, Hex.Range(0, 20), out var start, out var length);
        Assert.Equal(1u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(start + 4)));
        Assert.Equal(EspOpenResult.Ok, i.Open(buffer.AsSpan(start, length), out _, out _, out _));

        // a receiver follows jumps below 2^32 − W (RFC 4303 A2), so walk up in two steps, then across the wrap
        foreach (var last in new ulong[] { 0x7FFF_FFFF, 0xFFFF_FFFD })
        {
            o.SetLastSequence(last);
            var b = Seal(o, Hex.Range(0, 20), out var s, out var l);
            Assert.Equal(EspOpenResult.Ok, i.Open(b.AsSpan(s, l), out _, out _, out _));
        }
        for (var n = 0; n < 3; n++) // 0xFFFFFFFF, 0x1_00000000, 0x1_00000001: the wire shows the low word only
        {
            var b = Seal(o, Hex.Range(n, 20), out var s, out var l);
            Assert.Equal(EspOpenResult.Ok, i.Open(b.AsSpan(s, l), out _, out _, out _));
        }
        Assert.Equal(0x1_0000_0001UL, i.HighestSequence);

        using var other = SecurityAssociation.Create(SaDirection.Inbound, 0x1234, EspSuite.AesGcm128, new VnetKey(0x97), A, B, 1, default, new byte[20]);
        var c = Seal(o, Hex.Range(0, 20), out var cs, out var cl);
        Assert.Equal(EspOpenResult.Auth, other.Open(c.AsSpan(cs, cl), out _, out _, out _));
    }

    [Fact]
    public void Seal_refuses_without_headroom_or_tailroom_and_never_prints_keys()
    {
        var (o, i) = Pair(EspSuite.AesCbc128HmacSha196);
        using var disposeOut = o; using var disposeIn = i;
        var buffer = new byte[100];
        Assert.False(o.Seal(buffer, 10, 20, 143, out _, out _));
        Assert.False(o.Seal(buffer, 40, 50, 143, out _, out _));
        Assert.DoesNotContain("40414243", o.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("0x00001234", o.ToString());
    }

    [Fact]
    public void Concurrent_seals_use_each_sequence_number_once_and_all_open()
    {
        var (o, i) = Pair(EspSuite.AesGcm128);
        using var disposeOut = o; using var disposeIn = i;
        var packets = new System.Collections.Concurrent.ConcurrentBag<byte[]>();
        Parallel.For(0, 4, _ =>
        {
            for (var n = 0; n < 1000; n++)
            {
                var buffer = Seal(o, Hex.Range(n, 40), out var start, out var length);
                packets.Add(buffer.AsSpan(start, length).ToArray());
            }
        });
        var bySequence = packets.OrderBy(p => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4))).ToList();
        Assert.Equal(Enumerable.Range(1, 4000).Select(n => (uint)n),
            bySequence.Select(p => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4))));
        // open in parallel too, a window's worth at a time (so that none can fall behind the window): every one opens
        foreach (var chunk in bySequence.Chunk(ReplayWindow.Size / 2))
        {
            Parallel.ForEach(chunk, p => Assert.Equal(EspOpenResult.Ok, i.Open(p, out _, out _, out _)));
        }
        Assert.Equal(4000, i.Packets);
    }

    [Fact]
    public void Cbc_iv_is_random_per_packet()
    {
        var (o, i) = Pair(EspSuite.AesCbc128HmacSha196);
        using var disposeOut = o; using var disposeIn = i;
        var a = Seal(o, new byte[32], out var s1, out _);
        var b = Seal(o, new byte[32], out var s2, out _);
        Assert.NotEqual(a.AsSpan(s1 + 8, 16).ToArray(), b.AsSpan(s2 + 8, 16).ToArray());
    }

    [Fact]
    public void Suite_overheads_match_spec_3_3()
    {
        var all = new[] { EspSuite.AesGcm128, EspSuite.NullHmacSha256128, EspSuite.NullHmacSha196, EspSuite.AesCbc128HmacSha196 };
        Assert.Equal(new[] { 76, 68, 64, 92 }, all.Select(s => s.Overhead()).ToArray());
        foreach (var s in all)
        {
            // with the SPEC's figure, a 1500-byte underlay carries a full-MTU frame without padding and never overflows
            var frame = 1500 - s.Overhead() + EspSuiteProperties.InnerEthernetLength;
            Assert.Equal(0, (frame + 2) % s.Alignment());
            Assert.InRange(EspSuiteProperties.OuterHeadersLength + s.Headroom() + frame + 2 + s.IcvLength(), 1500 - 15, 1500);
            Assert.True(EspSuiteProperties.TryParse(s.Name(), out var parsed) && parsed == s);
            Assert.InRange(s.Headroom(), 0, EspSuiteProperties.MaxHeadroom);
            Assert.InRange(s.Tailroom(), 0, EspSuiteProperties.MaxTailroom);
        }
    }
}
