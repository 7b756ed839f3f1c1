using VnetReconciler.Dataplane.Tunnel;

namespace VnetReconciler.Dataplane.Tests.Tunnel.InMemory;

/// <summary>
/// An underlay in memory: binds keyed by (address, port); a datagram to an address nobody has is lost, one to
/// <see cref="Broadcast"/> reaches every bind on that port (the sender's too, as Linux loops broadcasts back).
/// </summary>
public sealed class InMemoryNetwork
{
    public const uint Broadcast = 0xC61200FF; // 198.18.0.255
    private readonly Dictionary<(uint, ushort), InMemoryBind> _binds = [];

    public long Datagrams { get; private set; }

    /// <summary>Raw IPv4 packets sent through <see cref="IDatagramBind.SendRawIpv4"/> (forwarded multicast re-sent, §4.3).</summary>
    public List<(uint From, byte[] Packet)> RawPackets { get; } = [];

    internal void Attach(InMemoryBind bind) => _binds[(bind.Address, bind.Port)] = bind;

    internal void Detach(InMemoryBind bind) => _binds.Remove((bind.Address, bind.Port));

    internal void Deliver(uint from, uint to, ushort port, ReadOnlySpan<byte> payload)
    {
        Datagrams++;
        if (to == Broadcast)
        {
            foreach (var ((_, p), bind) in _binds) if (p == port) bind.Enqueue(from, payload);
            return;
        }
        if (_binds.TryGetValue((to, port), out var target)) target.Enqueue(from, payload);
    }
}

/// <summary>One engine's socket on the in-memory underlay.</summary>
public sealed class InMemoryBind(InMemoryNetwork network, uint address, ushort port) : IDatagramBind
{
    private readonly Queue<(uint From, byte[] Payload)> _queue = new();

    public uint Address { get; } = address;
    public ushort Port { get; } = port;
    public int FileDescriptor => -1;
    public bool Blackhole { get; set; }

    internal void Enqueue(uint from, ReadOnlySpan<byte> payload) => _queue.Enqueue((from, payload.ToArray()));

    public int Receive(DatagramBatch batch)
    {
        var n = 0;
        while (n < batch.Capacity && _queue.TryDequeue(out var item))
        {
            ref var slot = ref batch.Slots[n++];
            item.Payload.CopyTo(slot.Buffer.AsSpan(slot.Offset));
            slot.Length = item.Payload.Length;
            slot.Address = item.From;
            slot.Port = Port;
        }
        batch.Count = n;
        return n;
    }

    public int Send(DatagramBatch batch, int start)
    {
        for (var i = start; i < batch.Count; i++)
        {
            ref var slot = ref batch.Slots[i];
            if (!Blackhole) network.Deliver(Address, slot.Address, slot.Port, slot.Buffer.AsSpan(slot.Offset, slot.Length));
        }
        return batch.Count - start;
    }

    public bool SendRawIpv4(ReadOnlySpan<byte> packet)
    {
        network.RawPackets.Add((Address, packet.ToArray()));
        return true;
    }

    public void Dispose() => network.Detach(this);
}

/// <summary>A vnetif in memory: the test puts frames in as the bridge would and takes out what the engine wrote.</summary>
public sealed class InMemoryTap(string name) : IFrameDevice
{
    public string Name { get; } = name;
    public Queue<byte[]> ToEngine { get; } = new();
    public Queue<byte[]> FromEngine { get; } = new();
    public bool Disposed { get; private set; }
    public bool IsBroken { get; set; }
    public int FileDescriptor => -1;

    public int Read(Span<byte> frame)
    {
        if (!ToEngine.TryDequeue(out var f)) return -1;
        f.CopyTo(frame);
        return f.Length;
    }

    public bool Write(ReadOnlySpan<byte> frame)
    {
        FromEngine.Enqueue(frame.ToArray());
        return true;
    }

    public void Dispose() => Disposed = true;
}

/// <summary>One host's platform on the in-memory underlay: its binds, its vnetifs, the FDB entries it was told to forget.</summary>
public sealed class InMemoryHost(InMemoryNetwork network, uint address) : ITunnelPlatform
{
    public uint Address { get; } = address;
    public Dictionary<string, InMemoryTap> Taps { get; } = [];
    public Dictionary<ushort, InMemoryBind> Binds { get; } = [];
    public List<(string Bridge, MacAddress Mac)> ForgottenFdbEntries { get; } = [];

    public IDatagramBind Bind(ushort port, uint multicastGroup)
    {
        var bind = new InMemoryBind(network, Address, port);
        network.Attach(bind);
        Binds[port] = bind;
        return bind;
    }

    public IFrameDevice OpenDevice(string vnetif)
    {
        if (vnetif.StartsWith("missing", StringComparison.Ordinal)) throw new IOException($"no such device {vnetif}");
        var tap = new InMemoryTap(vnetif);
        Taps[vnetif] = tap;
        return tap;
    }

    public void ForgetBridgeEntry(string bridge, MacAddress mac) => ForgottenFdbEntries.Add((bridge, mac));
}
