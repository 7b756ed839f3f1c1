using System.Buffers.Binary;
using VnetReconciler.Dataplane.Esp;
using VnetReconciler.TestSupport;
using static VnetReconciler.Dataplane.Tests.Esp.EspTestbed;

namespace VnetReconciler.Dataplane.Tests.Esp;

/// <summary>
/// VNET_ESP_KEYLOG lines in Wireshark 4.0's esp_sa column order, checked by the real tshark: it decrypts a packet our
/// code sealed using nothing but the logged line as its ESP SA table.
/// </summary>
public sealed class EspKeyLogTests
{
    public static TheoryData<EspSuite> Suites => new() { EspSuite.AesGcm128, EspSuite.NullHmacSha256128, EspSuite.NullHmacSha196, EspSuite.AesCbc128HmacSha196 };

    [Fact]
    public void Line_has_wireshark_columns_and_names()
    {
        var material = Hex.Range(0, 36);
        Assert.Equal("\"IPv4\",\"198.18.0.1\",\"198.18.0.2\",\"0x00002002\",\"AES-CBC [RFC3602]\",\"0x000102030405060708090a0b0c0d0e0f\"," +
            "\"HMAC-SHA-1-96 [RFC2404]\",\"0x101112131415161718191a1b1c1d1e1f20212223\"",
            EspKeyLog.Line(EspSuite.AesCbc128HmacSha196, AddressA, AddressB, 0x2002, material));
        Assert.Equal("\"IPv4\",\"198.18.0.2\",\"198.18.0.1\",\"0x00001001\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x" + Hex.Of(material[..20]) + "\",\"NULL\",\"\"",
            EspKeyLog.Line(EspSuite.AesGcm128, AddressB, AddressA, 0x1001, material[..20]));
        Assert.Contains("\"NULL\",\"\",\"HMAC-SHA-256-128 [RFC4868]\",\"0x", EspKeyLog.Line(EspSuite.NullHmacSha256128, AddressA, AddressB, 256, material[..32]));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Tshark_decrypts_with_the_logged_sa_and_keys_appear_nowhere_else(EspSuite suite)
    {
        var log = Path.Combine(Path.GetTempPath(), $"esp-keylog-{Guid.NewGuid():n}.txt");
        var pcap = Path.ChangeExtension(log, ".pcap");
        try
        {
            using var bed = new EspTestbed(KeyDirectory.Epoch(1), KeyDirectory.Epoch(1), suite, keyLog: log);
            bed.A.Tick();
            bed.Pump();
            var lines = File.ReadAllLines(log);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
            Assert.Equal(2, lines.Length); // A's inbound and outbound SAs
            var outboundSpi = bed.A.SecurityAssociations().Single(s => s.Direction == SaDirection.Outbound).Spi;
            var line = Assert.Single(lines, l => l.Contains($"\"198.18.0.1\",\"198.18.0.2\",\"0x{outboundSpi:x8}\""));

            var frame = Hex.Bytes("ffffffffffff aa0000110012 0806").Concat(Hex.Range(0, 46)).ToArray();
            var buffer = new byte[256];
            frame.CopyTo(buffer, 64);
            Assert.True(bed.A.TrySeal(Vnet, AddressB, buffer, 64, frame.Length, 143, out var start, out var length));
            WritePcap(pcap, buffer.AsSpan(start, length));

            var result = Cmd.Run("tshark", "-r", pcap, "-o", "esp.enable_encryption_decode:TRUE", "-o", "uat:esp_sa:" + line, "-V").EnsureSuccess();
            Assert.Contains("Next header: Ethernet (0x8f)", result.Stdout);
            Assert.Contains("Source: DecObsol_11:00:12 (aa:00:00:11:00:12)", result.Stdout);
            Assert.Contains("Type: ARP (0x0806)", result.Stdout);

            // the keys of the log never show in status records, SA names or diagnostics
            var keys = lines.SelectMany(l => l.Split(',')).Where(f => f.StartsWith("\"0x") && f.Length > 20).Select(f => f.Trim('"')[2..]).ToList();
            Assert.NotEmpty(keys);
            var visible = string.Join("\n", bed.A.SecurityAssociations().Select(s => s.ToString())
                .Append(bed.A.Negotiator(Vnet, AddressB)!.Outbound!.ToString()).Append(bed.A.Counters(Vnet).ToString())
                .Append(string.Join(";", bed.A.KeyErrors.Values.SelectMany(e => e)))
                .Concat(bed.Log.Lines.Select(l => l.Text)));
            Assert.Contains(bed.Log.Lines, l => l.Id == 5101 && l.Text.Contains($"spi 0x{outboundSpi:x8}"));
            Assert.All(keys, k => Assert.DoesNotContain(k[..16], visible, StringComparison.OrdinalIgnoreCase));
        }
        finally
        {
            File.Delete(log);
            File.Delete(pcap);
        }
    }

    /// <summary>A pcap (LINKTYPE_RAW = 101, IPv4) with one IPv4/UDP 4500 → 4500/ESP packet from A to B.</summary>
    private static void WritePcap(string path, ReadOnlySpan<byte> esp)
    {
        var packet = new byte[28 + esp.Length];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 17;
        AddressA.TryWriteBytes(packet.AsSpan(12), out _);
        AddressB.TryWriteBytes(packet.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 4500);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 4500);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + esp.Length));
        esp.CopyTo(packet.AsSpan(28));
        using var file = File.Create(path);
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 101);
        file.Write(header);
        Span<byte> record = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)packet.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)packet.Length);
        file.Write(record);
        file.Write(packet);
    }
}
