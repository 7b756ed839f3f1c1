using VnetReconciler.Dataplane.Tunnel.Offload;
using static VnetReconciler.Dataplane.Tests.Offload.OffloadFrames;

namespace VnetReconciler.Dataplane.Tests.Offload;

public sealed class InternetChecksumTests
{
    [Fact]
    public void MatchesTheRfc1071ExampleAndTheBytePairLoopAtEveryLength()
    {
        // RFC 1071 §3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        byte[] example = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        Assert.Equal(0xddf2u, InternetChecksum.Add(example, 0));
        var random = new Random(1071);
        for (var length = 0; length < 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            if (length % 3 == 0) data.AsSpan().Fill(0xFF); // the carry-heavy case
            Assert.Equal(Rfc1071(data), InternetChecksum.Finish(InternetChecksum.Add(data, 0)));
        }
    }

    [Fact]
    public void ChainsAcrossEvenSplits()
    {
        var data = new byte[1501];
        new Random(7).NextBytes(data);
        var sum = InternetChecksum.Add(data.AsSpan(0, 34), 0);
        sum = InternetChecksum.Add(data.AsSpan(34, 1000), sum);
        sum = InternetChecksum.Add(data.AsSpan(1034), sum);
        Assert.Equal(Rfc1071(data), InternetChecksum.Finish(sum));
    }

    [Fact]
    public void LargePacketsAndOddStartsMatchTheBytePairLoop()
    {
        // The vectorised path (32 bytes at a time) against the reference: a 64 KB carry-heavy packet, and windows that
        // start at every offset of an unaligned buffer.
        var ones = new byte[65535];
        ones.AsSpan().Fill(0xFF);
        Assert.Equal(Rfc1071(ones), InternetChecksum.Finish(InternetChecksum.Add(ones, 0)));
        var data = new byte[2000];
        new Random(6479).NextBytes(data);
        for (var start = 0; start < 40; start++)
            Assert.Equal(Rfc1071(data.AsSpan(start, 1460 + start).ToArray()), InternetChecksum.Finish(InternetChecksum.Add(data.AsSpan(start, 1460 + start), 0)));
    }
}
