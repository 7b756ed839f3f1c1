using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;

namespace VnetReconciler.Dataplane.Tests.Tunnel.Privileged;

/// <summary>A thousand vnets on one host: one epoll loop over a thousand vnetifs, no thread per vnet.</summary>
[Collection("Privileged")]
public sealed class ScaleTunnelTests(ITestOutputHelper output)
{
    private const int Vnets = 1000;

    [Fact]
    public void AThousandVnetsRunOnOneLoopThread()
    {
        var tag = TestRun.Tag();
        using var host = NetNs.Create(tag, "h");
        host.Ip("addr", "add", "198.18.0.1/32", "dev", "lo"); // this host and its one peer, both local: no other link needed
        host.Ip("addr", "add", "198.18.0.2/32", "dev", "lo");
        var names = Enumerable.Range(0, Vnets).Select(i => TestRun.LinkName(tag, $"t{i:x}")).ToArray();
        var batch = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(batch, names.SelectMany(n => new[] { $"tuntap add dev {n} mode tap", $"link set {n} up" }));
            Cmd.Ok("ip", "-n", host.Name, "-batch", batch);
        }
        finally
        {
            File.Delete(batch);
        }

        var threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var sw = Stopwatch.StartNew();
        using var engine = new TunnelEngine(new LinuxTunnelPlatform(), TimeProvider.System);
        var peer = new[] { IPAddress.Parse("198.18.0.2") };
        var problems = host.Run(() => engine.Configure(new TunnelConfig
        {
            LocalAddress = IPAddress.Parse("198.18.0.1"),
            Vnets = names.Select((n, i) => new TunnelVnet { Id = new VnetKey((UInt128)(0x1000 + i)), Vnetif = n, Peers = peer }).ToArray(),
        }));
        Assert.Empty(problems);
        output.WriteLine($"configured {Vnets} vnets in {sw.ElapsedMilliseconds} ms");
        using var stop = new CancellationTokenSource();
        var loop = new Thread(() => engine.Run(stop.Token)) { IsBackground = true };
        loop.Start();
        try
        {
            // One frame to every vnet from the peer's address, through the real socket.
            host.Run(() =>
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(IPAddress.Parse("198.18.0.2"), 0));
                var datagram = new byte[EtherIpHeader.FrameOverhead + 60];
                for (var i = 0; i < Vnets; i++)
                {
                    EtherIpHeader.WriteFramePrefix(datagram, new VnetKey((UInt128)(0x1000 + i)));
                    MacAddress.Broadcast.Write(datagram.AsSpan(EtherIpHeader.FrameOverhead));
                    MacAddress.FromUInt64(0xaa0000000000UL + (ulong)i).Write(datagram.AsSpan(EtherIpHeader.FrameOverhead + 6));
                    socket.SendTo(datagram, new IPEndPoint(IPAddress.Parse("198.18.0.1"), VnetMessageHeader.DefaultPort));
                    if (i % 100 == 99) Poll.Until(() => engine.Observe().Total.Delivered >= i + 1 - 50, TimeSpan.FromSeconds(10), "the loop keeping up");
                }
            });
            Poll.Until(() => engine.Observe().Total.Delivered == Vnets, TimeSpan.FromSeconds(20), "a frame delivered on every vnet");
            // Other test classes run meanwhile and may grow the thread pool a little; a thread per vnet would be 1,000 more.
            Assert.True(Process.GetCurrentProcess().Threads.Count - threadsBefore < 100, "no thread per vnet");

            // The kernel's own counters: every TAP received exactly the one frame we wrote into it.
            using var links = JsonDocument.Parse(host.Ip("-s", "-j", "link", "show", "type", "tun"));
            var received = links.RootElement.EnumerateArray()
                .ToDictionary(l => l.GetProperty("ifname").GetString()!, l => l.GetProperty("stats64").GetProperty("rx").GetProperty("packets").GetInt64());
            Assert.All(names, n => Assert.Equal(1, received[n]));
        }
        finally
        {
            stop.Cancel();
            loop.Join(TimeSpan.FromSeconds(5));
        }
    }
}
