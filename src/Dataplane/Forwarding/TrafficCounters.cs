using System.Collections.Immutable;

namespace VnetReconciler.Dataplane.Forwarding;

/// <summary>
/// Packet and byte counts each way plus drops by reason, for one vnet, one peer or the whole tunnel. Written by the
/// dataplane loop only (single writer); readers on other threads see each 64-bit field whole.
/// </summary>
public sealed class TrafficCounters
{
    private readonly long[] _drops = new long[DropReasons.Count];

    public long RxPackets;
    public long RxBytes;
    public long TxPackets;
    public long TxBytes;
    /// <summary>Floods sent (one per flooded frame, however many peers it was replicated to).</summary>
    public long Floods;
    /// <summary>MACs not learned because the vnet's table was at <c>max_macs</c> (SPEC §4.2).</summary>
    public long MacTableFull;
    /// <summary>ICMP "fragmentation needed" / "packet too big" messages written back to a sender (SPEC §3.3).</summary>
    public long IcmpTooBig;
    /// <summary>Oversized frames without DF, sent for the kernel to fragment on the underlay (SPEC §3.3).</summary>
    public long OuterFragmented;
    /// <summary>Received datagrams whose frame was written to a vnetif (tunnel totals).</summary>
    public long Delivered;
    /// <summary>Received frames accepted in the format a vnet is leaving during a wire change (SPEC §6.4), per vnet.</summary>
    public long AcceptedPrevious;
    /// <summary>Received control datagrams (VARP, forwarded packets) that were handled (tunnel totals).</summary>
    public long Consumed;

    public void Drop(DropReason reason) => _drops[(int)reason]++;

    public long Dropped(DropReason reason) => _drops[(int)reason];

    public long DroppedTotal
    {
        get
        {
            long sum = 0;
            for (var i = 1; i < _drops.Length; i++) sum += _drops[i];
            return sum;
        }
    }

    public void Received(int bytes)
    {
        RxPackets++;
        RxBytes += bytes;
    }

    public void Sent(int bytes)
    {
        TxPackets++;
        TxBytes += bytes;
    }

    public TrafficCounterSnapshot Snapshot()
    {
        var drops = ImmutableDictionary.CreateBuilder<DropReason, long>();
        for (var i = 1; i < _drops.Length; i++)
            if (_drops[i] != 0) drops[(DropReason)i] = _drops[i];
        return new TrafficCounterSnapshot
        {
            RxPackets = RxPackets, RxBytes = RxBytes, TxPackets = TxPackets, TxBytes = TxBytes, Floods = Floods,
            MacTableFull = MacTableFull, IcmpTooBig = IcmpTooBig, OuterFragmented = OuterFragmented,
            Delivered = Delivered, Consumed = Consumed, AcceptedPrevious = AcceptedPrevious,
            Drops = drops.ToImmutable(),
        };
    }
}

/// <summary>A copy of <see cref="TrafficCounters"/> at one moment.</summary>
public sealed record TrafficCounterSnapshot
{
    public long RxPackets { get; init; }
    public long RxBytes { get; init; }
    public long TxPackets { get; init; }
    public long TxBytes { get; init; }
    public long Floods { get; init; }
    public long MacTableFull { get; init; }
    public long IcmpTooBig { get; init; }
    public long OuterFragmented { get; init; }
    /// <summary>Frames accepted in the format the vnet is leaving during a wire change (SPEC §6.4).</summary>
    public long AcceptedPrevious { get; init; }
    public long Delivered { get; init; }
    public long Consumed { get; init; }
    public ImmutableDictionary<DropReason, long> Drops { get; init; } = ImmutableDictionary<DropReason, long>.Empty;

    public long Dropped(DropReason reason) => Drops.GetValueOrDefault(reason);

    public long DroppedTotal => Drops.Values.Sum();
}
