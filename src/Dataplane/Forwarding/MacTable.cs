using System.Runtime.CompilerServices;
namespace VnetReconciler.Dataplane.Forwarding;

/// <summary>What learning a MAC changed (SPEC §4.2); the tunnel announces or cleans the bridge on some of them.</summary>
public enum LearnResult
{
    /// <summary>Already known at that place; its age was refreshed.</summary>
    Refreshed,
    /// <summary>A MAC not in the table before.</summary>
    New,
    /// <summary>A remote MAC now behind another remote address.</summary>
    MovedRemote,
    /// <summary>A MAC that was local is now behind a remote address: it moved away from this host.</summary>
    MovedAway,
    /// <summary>A MAC that was remote is now local: it moved here.</summary>
    MovedHere,
    /// <summary>Not learned: the table holds <c>max_macs</c> entries already.</summary>
    Full,
}

/// <summary>One learned MAC: where it lives (a remote underlay address, or this host) and when it was last seen.</summary>
public readonly record struct MacEntry(MacAddress Mac, uint Address, bool IsLocal, long LastSeen);

/// <summary>
/// The MAC table of one vnet: MAC → underlay address of the host that has it, or "local" (SPEC §4.2). Entries
/// age out after <see cref="Ageing"/> without traffic, measured on the injected <see cref="TimeProvider"/>;
/// the table holds at most <see cref="Capacity"/> entries. Not thread-safe: owned by the dataplane loop.
/// Addresses are IPv4 in host order as a <see cref="uint"/>, so nothing is allocated per packet.
/// </summary>
public sealed class MacTable
{
    private readonly Dictionary<MacAddress, MacEntry> _entries;
    private readonly TimeProvider _time;
    private readonly long _ageingTicks;

    /// <summary>
    /// Room reserved up front. Small, because an agent carries up to thousands of vnets and most hold a few MACs (1,000
    /// vnets × 1,024 slots were ~50 MB of the agent's RSS); a busy table grows by doubling, a handful of times at most.
    /// </summary>
    public const int InitialCapacity = 64;

    public MacTable(TimeProvider time, TimeSpan ageing, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _time = time;
        Ageing = ageing;
        Capacity = capacity;
        _ageingTicks = (long)(ageing.TotalSeconds * time.TimestampFrequency);
        _entries = new Dictionary<MacAddress, MacEntry>(Math.Min(capacity, InitialCapacity));
    }

    public TimeSpan Ageing { get; }

    public int Capacity { get; }

    public int Count => _entries.Count;

    /// <summary>Looks a MAC up; an entry older than the ageing time counts as absent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryLookup(MacAddress mac, out MacEntry entry)
    {
        if (_entries.TryGetValue(mac, out entry) && !IsExpired(entry, _time.GetTimestamp())) return true;
        entry = default;
        return false;
    }

    /// <summary>Learns that <paramref name="mac"/> lives behind the remote underlay <paramref name="address"/>.</summary>
    public LearnResult LearnRemote(MacAddress mac, uint address) => Learn(mac, address, isLocal: false);

    /// <summary>Learns that <paramref name="mac"/> lives on this host (seen on the vnetif's bridge side).</summary>
    public LearnResult LearnLocal(MacAddress mac) => Learn(mac, 0, isLocal: true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private LearnResult Learn(MacAddress mac, uint address, bool isLocal)
    {
        var now = _time.GetTimestamp();
        var found = _entries.TryGetValue(mac, out var old);
        if (found && !IsExpired(old, now))
        {
            _entries[mac] = new MacEntry(mac, address, isLocal, now);
            if (old.IsLocal == isLocal) return isLocal || old.Address == address ? LearnResult.Refreshed : LearnResult.MovedRemote;
            return isLocal ? LearnResult.MovedHere : LearnResult.MovedAway;
        }
        if (found)
        {
            _entries[mac] = new MacEntry(mac, address, isLocal, now); // expired in place: reuse its slot
            return LearnResult.New;
        }
        if (_entries.Count >= Capacity)
        {
            if (Expire() == 0) return LearnResult.Full;
        }
        _entries[mac] = new MacEntry(mac, address, isLocal, now);
        return LearnResult.New;
    }

    /// <summary>Removes every entry older than the ageing time; returns how many.</summary>
    public int Expire()
    {
        var now = _time.GetTimestamp();
        var removed = 0;
        foreach (var (mac, entry) in _entries)
        {
            if (!IsExpired(entry, now)) continue;
            _entries.Remove(mac);
            removed++;
        }
        return removed;
    }

    public bool Remove(MacAddress mac) => _entries.Remove(mac);

    /// <summary>The live entries, for observation (allocates; not for the packet path).</summary>
    public IReadOnlyList<MacEntry> Entries()
    {
        var now = _time.GetTimestamp();
        var list = new List<MacEntry>(_entries.Count);
        foreach (var entry in _entries.Values)
            if (!IsExpired(entry, now)) list.Add(entry);
        return list;
    }

    private bool IsExpired(in MacEntry entry, long now) => now - entry.LastSeen >= _ageingTicks;
}
