using System.Collections.Immutable;
using System.Net;
using VnetReconciler.Dataplane.Forwarding;
using VnetReconciler.Dataplane.Tunnel.Offload;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>One row of a vnet's MAC table: the host that has the MAC (null: this host) and how long ago it was seen.</summary>
public sealed record MacTableRow(VnetKey Vnet, MacAddress Mac, IPAddress? Address, TimeSpan Age);

/// <summary>What the tunnel carries now, in the same records the reconciler configures, plus its tables and counters.</summary>
public sealed record TunnelSnapshot
{
    /// <summary>The configuration in force, listing only the vnets whose vnetif is open.</summary>
    public TunnelConfig? Config { get; init; }
    public ImmutableArray<MacTableRow> Macs { get; init; } = [];
    public ImmutableDictionary<VnetKey, TrafficCounterSnapshot> VnetCounters { get; init; } = ImmutableDictionary<VnetKey, TrafficCounterSnapshot>.Empty;
    public ImmutableDictionary<IPAddress, TrafficCounterSnapshot> PeerCounters { get; init; } = ImmutableDictionary<IPAddress, TrafficCounterSnapshot>.Empty;
    public TrafficCounterSnapshot Total { get; init; } = new();

    /// <summary>The offload path's counters over every vnetif and bind (all zero with offloads off).</summary>
    public OffloadCounterSnapshot Offload { get; init; } = OffloadCounterSnapshot.Zero;
}

public sealed partial class TunnelEngine
{
    /// <summary>The engine's tables as records (allocates; for the reconciler, not the packet path).</summary>
    public TunnelSnapshot Observe()
    {
        lock (_gate)
        {
            if (_config is null) return new TunnelSnapshot { Total = Total.Snapshot(), Offload = OffloadTotals() };
            var now = _time.GetTimestamp();
            var macs = ImmutableArray.CreateBuilder<MacTableRow>();
            var vnetCounters = ImmutableDictionary.CreateBuilder<VnetKey, TrafficCounterSnapshot>();
            foreach (var vnet in _vnetList)
            {
                foreach (var entry in vnet.Macs.Entries())
                    macs.Add(new MacTableRow(vnet.Key, entry.Mac, entry.IsLocal ? null : UnderlayAddress.ToIPAddress(entry.Address),
                        _time.GetElapsedTime(entry.LastSeen, now)));
                vnetCounters[vnet.Key] = vnet.Counters.Snapshot();
            }
            var peerCounters = ImmutableDictionary.CreateBuilder<IPAddress, TrafficCounterSnapshot>();
            foreach (var (address, counters) in _peerCounters) peerCounters[UnderlayAddress.ToIPAddress(address)] = counters.Snapshot();
            return new TunnelSnapshot
            {
                Config = _config with { Vnets = _vnetList.Where(v => !v.Device.IsBroken).Select(v => v.Config).ToArray() },
                Macs = macs.ToImmutable(),
                VnetCounters = vnetCounters.ToImmutable(),
                PeerCounters = peerCounters.ToImmutable(),
                Total = Total.Snapshot(),
                Offload = OffloadTotals(),
            };
        }
    }

    /// <summary>The offload counters of the open vnetifs and binds, summed (under the gate).</summary>
    private OffloadCounterSnapshot OffloadTotals()
    {
        var sum = OffloadCounterSnapshot.Zero;
        foreach (var vnet in _vnetList)
            if (vnet.Device.Offload is { } device) sum = sum.Plus(device);
        foreach (var bind in (ReadOnlySpan<BindState?>)[_udp, _vxlan, _esp])
            if (bind?.Bind.Offload is { } counters) sum = sum.Plus(counters);
        return sum;
    }
}
