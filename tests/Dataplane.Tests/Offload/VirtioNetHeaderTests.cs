using VnetReconciler.Dataplane.Tunnel.Offload;

namespace VnetReconciler.Dataplane.Tests.Offload;

public sealed class VirtioNetHeaderTests
{
    [Fact]
    public void ReadsTheLegacyLittleEndianLayoutByteForByte()
    {
        // flags NEEDS_CSUM, gso TCPV4|ECN, hdr_len 66, gso_size 1448, csum_start 34, csum_offset 16 (linux/virtio_net.h)
        var bytes = Convert.FromHexString("0181" + "4200" + "A805" + "2200" + "1000");
        var header = VirtioNetHeader.Read(bytes);
        Assert.Equal(new VirtioNetHeader(1, 0x81, 66, 1448, 34, 16), header);
        Assert.True(header.NeedsChecksum);
        Assert.True(header.IsSuperFrame);
        Assert.Equal(VirtioNetHeader.GsoTcpV4, header.Segmentation);
        var written = new byte[VirtioNetHeader.Length];
        header.Write(written);
        Assert.Equal(bytes, written);
    }

    [Fact]
    public void TheNoneHeaderIsTenZeroBytes()
    {
        var written = new byte[VirtioNetHeader.Length];
        written.AsSpan().Fill(0xEE);
        VirtioNetHeader.None.Write(written);
        Assert.All(written, b => Assert.Equal(0, b));
        Assert.False(VirtioNetHeader.None.IsSuperFrame);
        Assert.False(VirtioNetHeader.None.NeedsChecksum);
    }
}
