using System.Buffers.Binary;
using VnetReconciler.Dataplane.Esp;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.Esp;

/// <summary>
/// An independent decoder: Debian's python3-scapy (scapy.layers.ipsec) opens packets this code sealed, and this code opens
/// packets scapy sealed, for every suite, with extended sequence numbers (a high word of 0 and of 1). Unit tier: the
/// IPv4/UDP/ESP bytes are built in memory and handed over on the command line (testdata/esp/scapy/esp_oracle.py).
/// </summary>
public sealed class ScapyInteropTests
{
    private const string Python = "/usr/bin/python3";
    private const string Oracle = "testdata/esp/scapy/esp_oracle.py";
    private const uint Spi = 0x2002;

    public static TheoryData<EspSuite, ulong> Cases()
    {
        var data = new TheoryData<EspSuite, ulong>();
        foreach (var suite in new[] { EspSuite.AesGcm128, EspSuite.NullHmacSha256128, EspSuite.NullHmacSha196, EspSuite.AesCbc128HmacSha196 })
        {
            data.Add(suite, 1);
            data.Add(suite, 0x1_0000_0005);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Scapy_opens_what_we_seal(EspSuite suite, ulong sequence)
    {
        var material = Hex.Range(0x30, suite.KeyMaterialLength());
        using var sa = SecurityAssociation.Create(SaDirection.Outbound, Spi, suite, new VnetKey(0x97),
            SecurityAssociationTests.A, SecurityAssociationTests.B, 1, default, material);
        sa.SetLastSequence(sequence - 1);
        var frame = Hex.Range(7, 61);
        var buffer = new byte[256];
        frame.CopyTo(buffer, 64);
        Assert.True(sa.Seal(buffer, 64, frame.Length, 143, out var start, out var length));
        var ip = Ipv4Udp(buffer.AsSpan(start, length));

        var result = Cmd.Run(Python, Oracle, "open", ((byte)suite).ToString(), $"0x{Spi:x}", Hex.Of(material), Hex.Of(ip),
            (sequence >> 32).ToString()).EnsureSuccess();
        Assert.Equal($"143 {Hex.Of(frame)}", result.Stdout.Trim());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void We_open_what_scapy_seals(EspSuite suite, ulong sequence)
    {
        var material = Hex.Range(0x50, suite.KeyMaterialLength());
        var (ours, inbound) = (SecurityAssociation.Create(SaDirection.Outbound, Spi, suite, new VnetKey(0x97),
            SecurityAssociationTests.A, SecurityAssociationTests.B, 1, default, material),
            SecurityAssociation.Create(SaDirection.Inbound, Spi, suite, new VnetKey(0x97),
            SecurityAssociationTests.A, SecurityAssociationTests.B, 1, default, material));
        using var disposeOurs = ours;
        using var disposeInbound = inbound;
        if (sequence > uint.MaxValue)
        {
            // bring the receiver's window near the high sequence number with our own packets (RFC 4303 A2 inference)
            foreach (var last in new ulong[] { 0x7FFF_FFFF, sequence - 10 })
            {
                ours.SetLastSequence(last);
                var b = new byte[128];
                Assert.True(ours.Seal(b, 32, 10, 143, out var s, out var l));
                Assert.Equal(EspOpenResult.Ok, inbound.Open(b.AsSpan(s, l), out _, out _, out _));
            }
        }
        var payload = Hex.Range(3, 57);
        var result = Cmd.Run(Python, Oracle, "seal", ((byte)suite).ToString(), $"0x{Spi:x}", Hex.Of(material), $"0x{sequence:x}",
            "253", Hex.Of(payload)).EnsureSuccess();
        var packet = Hex.Bytes(result.Stdout);
        Assert.Equal(EspOpenResult.Ok, inbound.Open(packet, out var offset, out var length, out var nextHeader));
        Assert.Equal(253, nextHeader);
        Assert.Equal(Hex.Of(payload), Hex.Of(packet.AsSpan(offset, length)));
        Assert.Equal(sequence, inbound.HighestSequence);
        Assert.Equal(EspOpenResult.Replay, inbound.Open(Hex.Bytes(result.Stdout), out _, out _, out _));
    }

    /// <summary>IPv4 (RFC 791, protocol 17) and UDP (RFC 768, ports 4500 as RFC 3948 uses, checksum 0) around an ESP packet.</summary>
    private static byte[] Ipv4Udp(ReadOnlySpan<byte> esp)
    {
        var packet = new byte[28 + esp.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 17;
        SecurityAssociationTests.A.TryWriteBytes(packet.AsSpan(12), out _);
        SecurityAssociationTests.B.TryWriteBytes(packet.AsSpan(16), out _);
        uint sum = 0;
        for (var i = 0; i < 20; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), (ushort)~sum);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 4500);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 4500);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + esp.Length));
        esp.CopyTo(packet.AsSpan(28));
        return packet;
    }
}
