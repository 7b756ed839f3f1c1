using System.Net;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.Tunnel.Privileged;

/// <summary>
/// Two hosts as namespaces joined by a veth underlay (198.18.0.1/24 – 198.18.0.2/24), each with a bridge and a
/// persistent TAP (the vnetif) per vnet, VM namespaces behind veths enslaved to the bridges (198.19.0.x/24), and the
/// real tunnel engine running in each host namespace on a thread of this process. Everything goes on Dispose.
/// </summary>
public sealed class TunnelTestbed : IDisposable
{
    public static readonly VnetKey Vnet97 = new(0x97), Vnet98 = new(0x98);
    private readonly List<NetNs> _namespaces = [];
    private readonly List<(TunnelEngine Engine, Thread Loop, CancellationTokenSource Stop)> _engines = [];

    /// <param name="directUnderlay">false: hosts A and B get no underlay link; the test builds its own (a routed one).</param>
    public TunnelTestbed(bool directUnderlay = true)
    {
        Tag = TestRun.Tag();
        try
        {
            HostA = Add("ha");
            HostB = Add("hb");
            if (!directUnderlay) return;
            Cmd.Ok("ip", "link", "add", Link("ula"), "netns", HostA.Name, "type", "veth", "peer", "name", Link("ulb"), "netns", HostB.Name);
            HostA.Ip("addr", "add", "198.18.0.1/24", "brd", "198.18.0.255", "dev", Link("ula"));
            HostB.Ip("addr", "add", "198.18.0.2/24", "brd", "198.18.0.255", "dev", Link("ulb"));
            HostA.Ip("link", "set", Link("ula"), "up");
            HostB.Ip("link", "set", Link("ulb"), "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Tag { get; }
    public NetNs HostA { get; } = null!;
    public NetNs HostB { get; } = null!;

    public string Link(string suffix) => TestRun.LinkName(Tag, suffix);

    public NetNs Add(string role)
    {
        var ns = NetNs.Create(Tag, role);
        _namespaces.Add(ns);
        return ns;
    }

    public static string Bridge(VnetKey vnet) => $"br{(ushort)vnet.Value:x}";

    public string Vnetif(VnetKey vnet) => Link($"t{(ushort)vnet.Value:x}");

    /// <summary>A bridge for the vnet in <paramref name="host"/>; with <paramref name="tap"/>, a persistent TAP enslaved to it.</summary>
    public void AddVnet(NetNs host, VnetKey vnet, int mtu, bool tap = true)
    {
        var bridge = Bridge(vnet);
        host.Ip("link", "add", bridge, "type", "bridge");
        host.Ip("link", "set", bridge, "mtu", mtu.ToString(), "up");
        if (!tap) return;
        host.Ip("tuntap", "add", "dev", Vnetif(vnet), "mode", "tap");
        host.Ip("link", "set", Vnetif(vnet), "master", bridge, "mtu", mtu.ToString(), "up");
    }

    /// <summary>A VM namespace whose eth0 (address <paramref name="cidr"/>) is a veth into <paramref name="host"/>'s vnet bridge.</summary>
    public NetNs AddVm(string role, NetNs host, VnetKey vnet, string cidr, int mtu, string? mac = null)
    {
        var vm = Add(role);
        var port = Link(role);
        Cmd.Ok("ip", ["link", "add", "eth0", "netns", vm.Name, .. mac is null ? Array.Empty<string>() : ["address", mac], "mtu", mtu.ToString(),
            "type", "veth", "peer", "name", port, "netns", host.Name]);
        vm.Ip("addr", "add", cidr, "dev", "eth0");
        vm.Ip("link", "set", "eth0", "up");
        host.Ip("link", "set", port, "master", Bridge(vnet), "mtu", mtu.ToString(), "up");
        return vm;
    }

    /// <summary>Starts the tunnel engine in <paramref name="host"/>: sockets and TAPs are opened by a thread inside it (TAP offloads on unless <paramref name="offloads"/> is false).</summary>
    public TunnelEngine Start(NetNs host, TunnelConfig config, bool offloads = true)
    {
        var engine = new TunnelEngine(new LinuxTunnelPlatform(offloads), TimeProvider.System);
        var problems = host.Run(() => engine.Configure(config));
        if (problems.Count > 0)
        {
            engine.Dispose();
            throw new InvalidOperationException(string.Join("; ", problems));
        }
        var stop = new CancellationTokenSource();
        var loop = new Thread(() => engine.Run(stop.Token)) { IsBackground = true, Name = $"tunnel {host.Name}" };
        loop.Start();
        _engines.Add((engine, loop, stop));
        return engine;
    }

    public TunnelConfig Config(string local, params TunnelVnet[] vnets) => new() { LocalAddress = IPAddress.Parse(local), Vnets = vnets };

    public TunnelVnet Vnet(VnetKey id, string peer, int mtu = 1436, Encapsulation encapsulation = Encapsulation.Udp) => new()
    {
        Id = id,
        Vnetif = Vnetif(id),
        Bridge = Bridge(id),
        Mtu = mtu,
        Encapsulation = encapsulation,
        Peers = new[] { IPAddress.Parse(peer) },
    };

    public static bool Pings(NetNs from, string address, int count = 1, params string[] extra) =>
        from.Exec("ping", ["-c", count.ToString(), "-W", "1", "-i", "0.2", .. extra, address]).ExitCode == 0;

    public void Dispose()
    {
        foreach (var (engine, loop, stop) in _engines)
        {
            stop.Cancel();
            loop.Join(TimeSpan.FromSeconds(5));
            engine.Dispose();
            stop.Dispose();
        }
        for (var i = _namespaces.Count - 1; i >= 0; i--) _namespaces[i].Dispose();
    }
}
