namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// Small pinned buffers for the control messages the engine makes itself (VARP announces and replies), handed out
/// in turn and recycled after each flush, so announcing allocates nothing.
/// </summary>
internal sealed class ControlBuffers(int count)
{
    /// <summary>The largest control payload: a VARP message (43 bytes) or a handler's handshake/probe message.</summary>
    public const int MaxPayload = 512;

    /// <summary>Headroom for a forwarded-packet prefix plus the payload.</summary>
    public const int Size = DatagramBatch.Headroom + MaxPayload;

    private readonly byte[][] _buffers = CreateBuffers(count);
    private int _next;

    public bool Exhausted => _next == _buffers.Length;

    public byte[] Take() => _buffers[_next++];

    public void Recycle() => _next = 0;

    private static byte[][] CreateBuffers(int count)
    {
        var buffers = new byte[count][];
        for (var i = 0; i < count; i++) buffers[i] = GC.AllocateArray<byte>(Size, pinned: true);
        return buffers;
    }
}
