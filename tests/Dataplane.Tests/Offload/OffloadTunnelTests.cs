using System.Text.Json;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;
using VnetReconciler.Dataplane.Tests.Tunnel.Privileged;
using static VnetReconciler.Dataplane.Tests.Tunnel.Privileged.TunnelTestbed;

namespace VnetReconciler.Dataplane.Tests.Offload;

/// <summary>
/// Bulk TCP between two VMs across the real tunnel, with the vnetifs' TSO/checksum offloads on (the kernel hands the
/// engine 64 KB super-frames with partial checksums) and off (the kernel segments). A wrong checksum or a lost
/// segment would stall the transfer; <c>ethtool -k</c> is the oracle that the offloads are what the engine asked for.
/// </summary>
[Collection("Privileged")]
public sealed class OffloadTunnelTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BulkTcpCrossesTheTunnelWithAndWithoutTapOffloads(bool offloads)
    {
        using var bed = new TunnelTestbed();
        foreach (var host in new[] { bed.HostA, bed.HostB }) bed.AddVnet(host, Vnet97, 1436);
        var va = bed.AddVm("va", bed.HostA, Vnet97, "198.19.0.1/24", 1436);
        var vb = bed.AddVm("vb", bed.HostB, Vnet97, "198.19.0.2/24", 1436);
        bed.Start(bed.HostA, bed.Config("198.18.0.1", bed.Vnet(Vnet97, "198.18.0.2")), offloads);
        bed.Start(bed.HostB, bed.Config("198.18.0.2", bed.Vnet(Vnet97, "198.18.0.1")), offloads);

        var features = bed.HostA.Exec("ethtool", "-k", bed.Vnetif(Vnet97)).EnsureSuccess().Stdout;
        Assert.Contains($"tcp-segmentation-offload: {(offloads ? "on" : "off")}", features);

        Poll.Until(() => Pings(va, "198.19.0.2"), TimeSpan.FromSeconds(20), "VM a pings VM b across the tunnel");
        var server = vb.Start("iperf3", ["-s", "-1", "-B", "198.19.0.2"]);
        try
        {
            Poll.Until(() => vb.Exec("ss", "-Hltn", "sport", "= :5201").Stdout.Contains("5201", StringComparison.Ordinal),
                TimeSpan.FromSeconds(20), "iperf3 listens in VM b");
            var client = va.Exec("iperf3", ["-c", "198.19.0.2", "-n", "64M", "-J", "--connect-timeout", "5000"], TimeSpan.FromSeconds(60));
            Assert.True(client.ExitCode == 0, client.Stdout.Length > 2000 ? client.Stdout[^2000..] : client.Stdout);
            using var json = JsonDocument.Parse(client.Stdout);
            var end = json.RootElement.GetProperty("end");
            Assert.False(json.RootElement.TryGetProperty("error", out var error), error.ToString());
            // The sender wrote all 64 MiB; the receiver's figure is taken when the sender says "done", a window short.
            Assert.True(end.GetProperty("sum_sent").GetProperty("bytes").GetInt64() >= 64L << 20, "the sender wrote 64 MiB");
            var received = end.GetProperty("sum_received");
            Assert.True(received.GetProperty("bytes").GetInt64() >= 56L << 20, "the receiver saw the transfer");
            output.WriteLine($"offloads {offloads}: {received.GetProperty("bits_per_second").GetDouble() / 1e9:0.000} Gb/s");
        }
        finally
        {
            if (!server.HasExited) server.Kill();
            server.WaitForExit(5000);
        }
    }
}
