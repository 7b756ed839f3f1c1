using System.Net;
using VnetReconciler.Dataplane.Tunnel;

namespace VnetReconciler.Dataplane.Tests.Tunnel.InMemory;

/// <summary>
/// Hosts on one in-memory underlay, each with a tunnel engine and VMs behind its vnetifs. <see cref="Settle"/> moves
/// frames and datagrams (and the VMs' answers) until nothing moves any more.
/// </summary>
public sealed class TunnelHosts : IDisposable
{
    public static readonly VnetKey Vnet97 = new(0x97), Vnet98 = new(0x98);
    public const uint AddressA = 0xC6120001, AddressB = 0xC6120002; // 198.18.0.1, 198.18.0.2

    public InMemoryNetwork Network { get; } = new();
    public ManualTimeProvider Time { get; } = new();
    public List<Host> Hosts { get; } = [];

    /// <param name="secure">the ESP seam for secure vnets, or null (they drop).</param>
    public Host Add(uint address, ISecureTransport? secure = null)
    {
        var host = new Host(this, new InMemoryHost(Network, address), secure);
        Hosts.Add(host);
        return host;
    }

    /// <summary>The usual pair: A and B, each carrying vnets 97 and 98, peered with each other.</summary>
    public static TunnelHosts Pair(Func<TunnelConfig, TunnelConfig>? adjust = null, Encapsulation encapsulation = Encapsulation.Udp)
    {
        var hosts = new TunnelHosts();
        foreach (var (me, other) in new[] { (AddressA, AddressB), (AddressB, AddressA) })
        {
            var config = Config(me, [Vnet(Vnet97, other, encapsulation), Vnet(Vnet98, other, encapsulation)]);
            var problems = hosts.Add(me).Engine.Configure(adjust is null ? config : adjust(config));
            Assert.Empty(problems);
        }
        return hosts;
    }

    public static TunnelConfig Config(uint local, TunnelVnet[] vnets) => new()
    {
        LocalAddress = UnderlayAddress.ToIPAddress(local),
        Vnets = vnets,
    };

    public static TunnelVnet Vnet(VnetKey id, uint peer, Encapsulation encapsulation = Encapsulation.Udp) => new()
    {
        Id = id,
        Vnetif = $"vnif{(ushort)id.Value:x4}",
        Bridge = $"vnet{(ushort)id.Value:x}",
        Encapsulation = encapsulation,
        Peers = new[] { UnderlayAddress.ToIPAddress(peer) },
    };

    public Host A => Hosts[0];
    public Host B => Hosts[1];

    /// <summary>Pumps every engine and VM until a whole round moves nothing; returns the rounds taken.</summary>
    public int Settle(int maxRounds = 100)
    {
        for (var round = 1; round <= maxRounds; round++)
        {
            var moved = 0;
            foreach (var host in Hosts) moved += host.Engine.Pump();
            foreach (var host in Hosts) moved += host.DeliverToVms();
            if (moved == 0) return round;
        }
        throw new InvalidOperationException($"still moving after {maxRounds} rounds (a loop?)");
    }

    public void Dispose()
    {
        foreach (var host in Hosts) host.Engine.Dispose();
    }

    public sealed class Host(TunnelHosts hosts, InMemoryHost platform, ISecureTransport? secure = null)
    {
        private readonly Dictionary<string, List<FakeVm>> _vms = [];

        public InMemoryHost Platform { get; } = platform;
        /// <summary>Every frame the engine wrote to each vnetif, in order.</summary>
        public Dictionary<string, List<byte[]>> Delivered { get; } = [];
        public TunnelEngine Engine { get; } = new(platform, hosts.Time, secure);
        public IPAddress Address => UnderlayAddress.ToIPAddress(Platform.Address);

        public InMemoryTap Tap(VnetKey vnet) => Platform.Taps[$"vnif{(ushort)vnet.Value:x4}"];

        public FakeVm AddVm(VnetKey vnet, MacAddress mac, uint ip)
        {
            var vm = new FakeVm(mac, ip);
            var name = Tap(vnet).Name;
            if (!_vms.TryGetValue(name, out var list)) _vms[name] = list = [];
            list.Add(vm);
            return vm;
        }

        public List<byte[]> DeliveredOn(VnetKey vnet) => Delivered.GetValueOrDefault(Tap(vnet).Name) ?? [];

        public void RemoveVm(VnetKey vnet, FakeVm vm) => _vms[Tap(vnet).Name].Remove(vm);

        /// <summary>A VM sends a frame: the bridge hands it to the vnetif (there is no other port in these tests).</summary>
        public void Send(VnetKey vnet, byte[] frame) => Tap(vnet).ToEngine.Enqueue(frame);

        internal int DeliverToVms()
        {
            var moved = 0;
            foreach (var tap in Platform.Taps.Values)
            {
                while (tap.FromEngine.TryDequeue(out var frame))
                {
                    moved++;
                    if (!Delivered.TryGetValue(tap.Name, out var seen)) Delivered[tap.Name] = seen = [];
                    seen.Add(frame);
                    if (!_vms.TryGetValue(tap.Name, out var vms)) continue;
                    foreach (var vm in vms)
                        if (vm.Receive(frame) is { } answer) tap.ToEngine.Enqueue(answer);
                }
            }
            return moved;
        }
    }
}
