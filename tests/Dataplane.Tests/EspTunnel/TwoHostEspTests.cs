using System.Net;
using System.Text.Json;
using VnetReconciler.Dataplane.Esp;
using VnetReconciler.Dataplane.Forwarding;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;
using static VnetReconciler.Dataplane.Tests.EspTunnel.EspTunnelBed;
using static VnetReconciler.Dataplane.Tests.Tunnel.Privileged.TunnelTestbed;

namespace VnetReconciler.Dataplane.Tests.EspTunnel;

/// <summary>
/// ESP carried by the real tunnel between two host namespaces (SPEC §4.5): a <c>conf</c> vnet (97, aes-gcm-128) and an
/// <c>auth</c> vnet (98, null-hmac-sha256-128), pings and iperf3 between VMs, the underlay captured with tshark and
/// decoded by scapy with the keys of <c>VNET_ESP_KEYLOG</c>, and packets injected on the underlay.
/// </summary>
[Collection("Privileged")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TwoHostEspTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private const string ConfPattern = "5ec12e7a5ec12e7a", AuthPattern = "a07e5a1da07e5a1d";
    private static readonly (VnetKey, VnetSecurity, EspSuite) Conf = (Vnet97, VnetSecurity.Conf, EspSuite.AesGcm128);
    private static readonly (VnetKey, VnetSecurity, EspSuite) Auth = (Vnet98, VnetSecurity.Auth, EspSuite.NullHmacSha256128);

    [Fact]
    public void PingAndIperfCrossConfAndAuthVnetsAndScapyOpensTheWire()
    {
        using var bed = new EspTunnelBed();
        var (va, vb, vc, vd) = FourVms(bed);
        var a = bed.Start(A, Conf, Auth);
        var b = bed.Start(B, Conf, Auth);
        Poll.Until(() => Pings(va, "198.19.0.2") && Pings(vc, "198.19.1.2"), Deadline, "pings across both secure vnets");

        var capture = bed.StartCapture(A, "wire");
        var sealedBefore = Sealed(a) + Sealed(b);
        Assert.True(Pings(va, "198.19.0.2", 10, "-p", ConfPattern, "-s", "200"));
        Assert.True(Pings(vc, "198.19.1.2", 10, "-p", AuthPattern, "-s", "200"));
        // Control messages inside ESP (Next Header 253): a VARP request B answers with a sealed announce, and a probe.
        var vbMac = MacAddress.Parse(vb.Exec("cat", "/sys/class/net/eth0/address").Stdout.Trim());
        var consumed = a.Engine.Observe().Total.Consumed;
        a.Engine.Request(Vnet97, vbMac);
        var probe = new byte[36];
        new VnetMessageHeader(VnetMessageType.Probe, 1).Write(probe);
        "probe-in-esp"u8.CopyTo(probe.AsSpan(20));
        Assert.True(a.Engine.SendControl(Vnet97, UnderlayAddress.ToUInt32(B), probe));
        Poll.Until(() => a.Engine.Observe().Total.Consumed > consumed && b.Probes.Received.Any(p => p.Payload.AsSpan().SequenceEqual(probe)),
            Deadline, "the sealed VARP answer and the probe arrive");
        capture.Stop(Sealed(a) + Sealed(b) - sealedBefore);

        var conf = bed.Decode(capture, ConfPattern);
        var auth = bed.Decode(capture, AuthPattern);
        output.WriteLine($"conf pattern: {Show(conf)}\nauth pattern: {Show(auth)}");
        Assert.True(conf["esp"] >= 20, "ESP datagrams captured");
        Assert.Equal(0, conf["failed"]);              // every datagram opens with the logged keys and its ICV verifies
        Assert.Equal(conf["esp"], conf["opened"]);
        Assert.True(conf["control"] >= 3, "VARP request, its answer and the probe inside ESP");
        Assert.True(conf["pattern_inside"] >= 10);    // the 10 requests and their replies (ping succeeds with a loss)
        Assert.Equal(0, conf["pattern_clear"]);       // and it never shows on the underlay of the conf vnet
        Assert.True(auth["pattern_inside"] >= 10);
        Assert.Equal(auth["pattern_inside"], auth["pattern_clear"]);     // auth (null encryption) shows it: the search does find clear text
        Assert.Equal(0L, a.Engine.Observe().Total.Drops.GetValueOrDefault(DropReason.PlaintextOnSecureVnet));

        // Replayed and bit-flipped datagrams from host A's address: counted per reason, delivered to no VM.
        var captured = capture.UdpPayloads(A, EspSecureTransport.DefaultPort);
        Assert.NotEmpty(captured);
        var replays = captured.Take(10).ToList();
        var flipped = captured.Take(10).Select(p =>
        {
            var copy = (byte[])p.Clone();
            copy[4] ^= 0x40; // sequence number + 2^30: fresh for the window, so the ICV is what rejects it
            return copy;
        }).ToList();
        var before = Drops(b);
        var delivered = b.Engine.Observe().Total.Delivered;
        bed.Inject(A, B, EspSecureTransport.DefaultPort, replays.Concat(flipped));
        Poll.Until(() => Drops(b).Replay - before.Replay == 10 && Drops(b).Auth - before.Auth == 10, Deadline, "replay and auth drops counted");
        Assert.Equal(delivered, b.Engine.Observe().Total.Delivered);
        var total = b.Engine.Observe().Total.Drops;
        Assert.True(total.GetValueOrDefault(DropReason.EspReplay) >= 10 && total.GetValueOrDefault(DropReason.EspAuth) >= 10);
        Assert.True(Pings(va, "198.19.0.2"), "traffic still flows after the injection");

        // Bulk traffic through both (the replays above had to be sent while their sequence numbers were in the window:
        // with extended sequence numbers, a packet older than the window is taken for the next 2^32 cycle (RFC 4303
        // A2.2) and fails its ICV, counted auth).
        Iperf(vb, va, "198.19.0.2");
        Iperf(vd, vc, "198.19.1.2");
    }

    [Fact]
    public void PlaintextFramesAndVarpOnASecureVnetAreDroppedAndTeachNothing()
    {
        using var bed = new EspTunnelBed();
        var (va, _, _, _) = FourVms(bed);
        bed.Start(A, Conf, Auth);
        var b = bed.Start(B, Conf, Auth);
        Poll.Until(() => Pings(va, "198.19.0.2"), Deadline, "ping across the conf vnet");

        var forgedFrameMac = MacAddress.Parse("aa:00:00:00:00:f1");
        var forgedVarpMac = MacAddress.Parse("aa:00:00:00:00:f2");
        var frame = new byte[EtherIpHeader.FrameOverhead + 60];
        EtherIpHeader.WriteFramePrefix(frame, Vnet97);
        MacAddress.Broadcast.Write(frame.AsSpan(EtherIpHeader.FrameOverhead));
        forgedFrameMac.Write(frame.AsSpan(EtherIpHeader.FrameOverhead + MacAddress.Length));
        var varp = new byte[VarpMessage.Length];
        new VarpMessage(VarpOpcode.Announce, Vnet97, forgedVarpMac, UnderlayAddress.ToUInt32(A)).Write(varp);
        var before = b.Engine.Observe().VnetCounters[Vnet97].Drops.GetValueOrDefault(DropReason.PlaintextOnSecureVnet);
        bed.Inject(A, B, VnetMessageHeader.DefaultPort, [frame, varp, frame, varp]);

        Poll.Until(() => b.Engine.Observe().VnetCounters[Vnet97].Drops.GetValueOrDefault(DropReason.PlaintextOnSecureVnet) - before == 4,
            Deadline, "four plaintext datagrams counted on the secure vnet");
        var macs = b.Engine.Observe().Macs;
        Assert.DoesNotContain(macs, r => r.Mac == forgedFrameMac || r.Mac == forgedVarpMac);
        Assert.Contains(macs, r => r.Vnet == Vnet97 && Equals(r.Address, A)); // the authenticated VM was learned
    }

    [Fact]
    public void ARestartedEngineGetsNewSasAndTrafficCapturedBeforeIsDropped()
    {
        using var bed = new EspTunnelBed();
        var (va, _, _, _) = FourVms(bed);
        var a = bed.Start(A, Conf);
        var b = bed.Start(B, Conf);
        Poll.Until(() => Pings(va, "198.19.0.2"), Deadline, "ping across the conf vnet");
        var capture = bed.StartCapture(A, "before");
        var flood = va.Start("ping", ["-i", "0.01", "-q", "198.19.0.2"]);
        Poll.Until(() => a.Esp.Counters(Vnet97).Sealed > 100, Deadline, "a ping flood through ESP");
        var spisBefore = Spis(bed);

        bed.Stop(a);                               // "kill" host A's engine; B keeps running
        a = bed.Start(A, Conf);
        Poll.Until(() => a.Esp.Epoch(Vnet97, B) != 0 && b.Esp.Counters(Vnet97).Opened > 0, Deadline, "new SAs after the restart");
        var sealedAfterRestart = a.Esp.Counters(Vnet97).Sealed;
        Poll.Until(() => a.Esp.Counters(Vnet97).Sealed > sealedAfterRestart + 50 && a.Esp.Counters(Vnet97).Opened > 50, Deadline, "the flood resumes");
        flood.Kill();
        flood.WaitForExit();
        capture.Stop();

        var spisAfter = Spis(bed).Except(spisBefore).ToList();
        output.WriteLine($"SAs before: {spisBefore.Count}, new after the restart: {spisAfter.Count}");
        Assert.True(spisAfter.Count >= 2, "new SAs both ways");
        Assert.All(spisAfter, sa => Assert.DoesNotContain(spisBefore, old => old.Key == sa.Key)); // fresh keys: no (key, nonce) reused

        // Packets captured before the restart, sent again: B has seen them (replay), A has no such SPI any more.
        var fromA = capture.UdpPayloads(A, EspSecureTransport.DefaultPort).Take(20).ToList();
        var fromB = capture.UdpPayloads(B, EspSecureTransport.DefaultPort).Take(20).ToList();
        var deliveredA = a.Engine.Observe().Total.Delivered;
        var deliveredB = b.Engine.Observe().Total.Delivered;
        var (dropsA, dropsB) = (Drops(a), Drops(b));
        bed.Inject(A, B, EspSecureTransport.DefaultPort, fromA);
        bed.Inject(B, A, EspSecureTransport.DefaultPort, fromB);
        Poll.Until(() => Drops(b).Replay + Drops(b).UnknownSpi - dropsB.Replay - dropsB.UnknownSpi == fromA.Count
            && Drops(a).Replay + Drops(a).UnknownSpi - dropsA.Replay - dropsA.UnknownSpi == fromB.Count, Deadline, "old packets dropped");
        Assert.Equal(deliveredA, a.Engine.Observe().Total.Delivered);
        Assert.Equal(deliveredB, b.Engine.Observe().Total.Delivered);
    }

    [Fact]
    public void RotatingToEpochTwoUnderAnIperfStreamKeepsEveryIntervalBusy()
    {
        using var bed = new EspTunnelBed();
        var (va, vb, _, _) = FourVms(bed);
        var a = bed.Start(A, Conf);
        var b = bed.Start(B, Conf);
        Poll.Until(() => Pings(va, "198.19.0.2"), Deadline, "ping across the conf vnet");
        Assert.Equal(1, a.Esp.Epoch(Vnet97, B));

        var server = vb.Start("iperf3", ["-s", "-1", "-B", "198.19.0.2"]);
        Poll.Until(() => vb.Exec("ss", "-ltn").Stdout.Contains(":5201"), Deadline, "iperf3 server listening");
        var client = va.Start("iperf3", ["-c", "198.19.0.2", "-t", "12", "-i", "1", "-J"]);
        try
        {
            Poll.Until(() => a.Esp.Counters(Vnet97).Sealed > 1000, Deadline, "the stream runs");
            bed.WriteKeys(A, 1, 2);
            bed.WriteKeys(B, 1, 2);
            Poll.Until(() => a.Esp.Epoch(Vnet97, B) == 2 && b.Esp.Epoch(Vnet97, A) == 2, Deadline, "both sides on epoch 2");
            bed.WriteKeys(A, 2);
            bed.WriteKeys(B, 2);
            Assert.True(client.WaitForExit(TimeSpan.FromSeconds(60)), "iperf3 finished");
            var report = JsonDocument.Parse(client.StandardOutput.ReadToEnd());
            var intervals = report.RootElement.GetProperty("intervals").EnumerateArray()
                .Select(i => i.GetProperty("sum").GetProperty("bits_per_second").GetDouble()).ToList();
            output.WriteLine("Mb/s per second: " + string.Join(" ", intervals.Select(b => (b / 1e6).ToString("0"))));
            Assert.True(intervals.Count >= 11);
            Assert.All(intervals, bps => Assert.True(bps > 0, "an interval without throughput"));
            Assert.Equal(2, a.Esp.Epoch(Vnet97, B));
            Assert.Equal(2, b.Esp.Epoch(Vnet97, A));
        }
        finally
        {
            if (!client.HasExited) client.Kill();
            if (!server.HasExited) server.Kill();
        }
    }

    [Fact]
    public void AHostWithOnlyEpochOneKeepsTalkingEpochOne()
    {
        using var bed = new EspTunnelBed();
        bed.WriteKeys(A, 1, 2);
        var (va, _, _, _) = FourVms(bed, writeKeys: false);
        bed.WriteKeys(B, 1);
        var a = bed.Start(A, Conf);
        var b = bed.Start(B, Conf);
        Poll.Until(() => Pings(va, "198.19.0.2"), Deadline, "ping across with A offering epoch 2 first");
        Assert.Equal(1, a.Esp.Epoch(Vnet97, B));
        Assert.Equal(1, b.Esp.Epoch(Vnet97, A));
        Assert.True(Pings(va, "198.19.0.2", 3));
    }

    private static (NetNs, NetNs, NetNs, NetNs) FourVms(EspTunnelBed bed, bool writeKeys = true)
    {
        if (writeKeys)
        {
            bed.WriteKeys(A, 1);
            bed.WriteKeys(B, 1);
        }
        foreach (var host in new[] { bed.Bed.HostA, bed.Bed.HostB })
        {
            bed.Bed.AddVnet(host, Vnet97, VnetMtu);
            bed.Bed.AddVnet(host, Vnet98, VnetMtu);
        }
        return (bed.AddVm("va", A, Vnet97, "198.19.0.1/24"), bed.AddVm("vb", B, Vnet97, "198.19.0.2/24"),
            bed.AddVm("vc", A, Vnet98, "198.19.1.1/24"), bed.AddVm("vd", B, Vnet98, "198.19.1.2/24"));
    }

    private void Iperf(NetNs server, NetNs client, string address)
    {
        var process = server.Start("iperf3", ["-s", "-1", "-B", address]);
        try
        {
            Poll.Until(() => server.Exec("ss", "-ltn").Stdout.Contains(":5201"), Deadline, "iperf3 server listening");
            var result = client.Exec("iperf3", ["-c", address, "-t", "2", "-J"], TimeSpan.FromSeconds(60));
            Assert.Equal(0, result.ExitCode);
            var bps = JsonDocument.Parse(result.Stdout).RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
            output.WriteLine($"iperf3 to {address}: {bps / 1e9:0.00} Gb/s");
            Assert.True(bps > 0);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    private static long Sealed(EspTunnelHost host) => host.Esp.Counters(Vnet97).Sealed + host.Esp.Counters(Vnet98).Sealed;

    private static EspCountersCopy Drops(EspTunnelHost host)
    {
        long replay = 0, auth = 0, unknown = 0;
        foreach (var vnet in new[] { Vnet97, Vnet98 })
        {
            replay += host.Esp.Counters(vnet).Replay;
            auth += host.Esp.Counters(vnet).Auth;
        }
        unknown += host.Esp.Unattributed.UnknownSpi;
        return new EspCountersCopy(replay, auth, unknown);
    }

    private sealed record EspCountersCopy(long Replay, long Auth, long UnknownSpi);

    /// <summary>The key log's SAs as (SPI, key) pairs.</summary>
    private static List<(string Spi, string Key)> Spis(EspTunnelBed bed) =>
        File.ReadAllLines(bed.KeyLog).Select(l => l.Split(',')).Select(f => (f[3], f[5] + f[7])).ToList();

    private static string Show(Dictionary<string, long> counts) => string.Join(" ", counts.Select(kv => $"{kv.Key}={kv.Value}"));
}
