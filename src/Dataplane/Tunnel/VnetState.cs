using System.Net;
using VnetReconciler.Dataplane.Forwarding;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>The engine's live state for one vnet: its vnetif, MAC table, flood limiter, peers and counters.</summary>
internal sealed class VnetState
{
    public VnetState(TunnelVnet config, IFrameDevice device, MacTable macs, FloodLimiter limiter, TrafficCounters counters)
    {
        Config = config;
        Device = device;
        Macs = macs;
        Limiter = limiter;
        Counters = counters;
        Key = config.Id;
        Peers = new uint[config.Peers.Count];
        for (var i = 0; i < Peers.Length; i++) Peers[i] = UnderlayAddress.ToUInt32(config.Peers[i]);
        PeerSet = [.. Peers];
        DeclaredLocal = [.. config.LocalMacs];
    }

    public TunnelVnet Config { get; }
    public VnetKey Key { get; }
    public IFrameDevice Device { get; }
    public MacTable Macs { get; }
    public FloodLimiter Limiter { get; }
    public TrafficCounters Counters { get; }
    public uint[] Peers { get; }
    public HashSet<uint> PeerSet { get; }
    public HashSet<MacAddress> DeclaredLocal { get; }

    public bool IsSecure => Config.Security != VnetSecurity.None;

    public bool IsVxlan => Config.Encapsulation == Encapsulation.Vxlan;

    public bool IsLocal(MacAddress mac) =>
        DeclaredLocal.Contains(mac) || (Macs.TryLookup(mac, out var entry) && entry.IsLocal);
}

/// <summary>IPv4 underlay addresses as host-order <see cref="uint"/>s, the form the packet path uses.</summary>
public static class UnderlayAddress
{
    public static uint ToUInt32(IPAddress address)
    {
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            throw new ArgumentException($"underlay address {address} is not IPv4 (SPEC §4)", nameof(address));
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    public static IPAddress ToIPAddress(uint address)
    {
        Span<byte> b = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(b, address);
        return new IPAddress(b);
    }
}
