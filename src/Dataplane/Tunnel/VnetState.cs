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
        Wire = WireOf(config.Encapsulation, config.Security);
        PreviousWire = config.Previous is { } p ? WireOf(p.Encapsulation, p.Security) : Wire;
        SendWire = config.Previous is { SendPrevious: true } ? PreviousWire : Wire;
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

    /// <summary>The vnet's own wire format, and the one it is leaving (the same when no wire change is under way, SPEC §6.4).</summary>
    public WireFormat Wire { get; }
    public WireFormat PreviousWire { get; }
    /// <summary>The format frames leave in: the previous one until the agent switches senders.</summary>
    public WireFormat SendWire { get; }

    /// <summary>Frames and control messages leave inside ESP (SPEC §4.5).</summary>
    public bool IsSecure => SendWire == WireFormat.Secure;

    /// <summary>Frames leave as VXLAN (SPEC §4.4).</summary>
    public bool IsVxlan => SendWire == WireFormat.Vxlan;

    /// <summary>Received traffic in this format is accepted: the vnet's own, or the one it is leaving.</summary>
    public bool Accepts(WireFormat format) => Wire == format || PreviousWire == format;

    /// <summary>The receive side's encapsulation check (SPEC §4.1 unknown vnet): the vnet's own or its previous one.</summary>
    public bool AcceptsEncapsulation(Encapsulation encapsulation) =>
        Config.Encapsulation == encapsulation || (Config.Previous?.Encapsulation ?? Config.Encapsulation) == encapsulation;

    /// <summary>Counts a received frame accepted only because a wire change still accepts the previous format.</summary>
    public void CountFormat(WireFormat format)
    {
        if (format != Wire) Counters.AcceptedPrevious++;
    }

    private static WireFormat WireOf(Encapsulation encapsulation, VnetSecurity security) =>
        security != VnetSecurity.None ? WireFormat.Secure : encapsulation == Encapsulation.Vxlan ? WireFormat.Vxlan : WireFormat.PlainUdp;

    public bool IsLocal(MacAddress mac) =>
        DeclaredLocal.Contains(mac) || (Macs.TryLookup(mac, out var entry) && entry.IsLocal);
}

/// <summary>The three ways a vnet's frames travel: the vnet protocol in clear (§4.1), VXLAN (§4.4), inside ESP (§4.5).</summary>
internal enum WireFormat
{
    PlainUdp,
    Vxlan,
    Secure,
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
