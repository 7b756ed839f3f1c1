
namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>One datagram of a batch: a window of a pooled buffer and the peer (IPv4 host order) and port.</summary>
public struct DatagramSlot
{
    public byte[] Buffer;
    public int Offset;
    public int Length;
    public uint Address;
    public ushort Port;

    /// <summary>
    /// Received with UDP GRO: the window holds several datagrams of this size back to back (the last may be shorter);
    /// 0 = one datagram.
    /// </summary>
    public int SegmentSize;
}

/// <summary>
/// A batch of datagrams for one recvmmsg/sendmmsg call. A receive batch owns pinned buffers (one per slot, with
/// <see cref="Headroom"/> in front so outer headers can be prepended in place); a send batch points into buffers
/// owned by others (a flood puts one frame into many slots, one per peer). Allocated once, reused forever.
/// </summary>
public sealed class DatagramBatch
{
    /// <summary>Room for the largest outer prefix: forwarded packet (32) + vnet header and etherip (22), rounded up; ESP seals in it too.</summary>
    public const int Headroom = 128;

    /// <summary>The largest UDP payload over IPv4 (65535 − 20 − 8) and the largest frame a vnetif read can return.</summary>
    public const int MaxDatagram = 65507;

    public DatagramBatch(int capacity, int bufferSize)
    {
        Slots = new DatagramSlot[capacity];
        if (bufferSize <= 0) return;
        for (var i = 0; i < capacity; i++)
            Slots[i].Buffer = GC.AllocateArray<byte>(bufferSize, pinned: true);
    }

    /// <summary>A batch whose slots point at buffers of others (for sending).</summary>
    public static DatagramBatch ForSending(int capacity) => new(capacity, 0);

    /// <summary>A batch that owns one pinned buffer per slot (for receiving).</summary>
    public static DatagramBatch ForReceiving(int capacity) => new(capacity, Headroom + MaxDatagram);

    public DatagramSlot[] Slots { get; }

    public int Capacity => Slots.Length;

    public int Count { get; set; }

    public bool IsFull => Count == Slots.Length;

    public void Add(byte[] buffer, int offset, int length, uint address, ushort port)
    {
        ref var slot = ref Slots[Count++];
        slot.Buffer = buffer;
        slot.Offset = offset;
        slot.Length = length;
        slot.Address = address;
        slot.Port = port;
    }

    public Span<byte> Payload(int index)
    {
        ref var slot = ref Slots[index];
        return slot.Buffer.AsSpan(slot.Offset, slot.Length);
    }

    /// <summary>Forgets the datagrams (send batches) without touching owned buffers.</summary>
    public void Clear() => Count = 0;
}
