using System.Runtime.InteropServices;
using System.Text;

namespace VnetReconciler.Dataplane.Netlink;

/// <summary>
/// Writes netlink messages into a caller's buffer (linux/netlink.h): a message or a nested attribute is begun,
/// filled, and ended, and the end back-patches its length, as Tmds.DBus's MessageWriter does for arrays. Every
/// message and attribute starts 4-byte aligned (NLMSG_ALIGNTO, NLA_ALIGNTO), padding is zeroed, and integers are in
/// host order as netlink wants them. Several messages may follow each other in one buffer and go out in one send.
/// </summary>
public ref struct NetlinkWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    public NetlinkWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _length = 0;
    }

    /// <summary>Bytes written so far, always a multiple of 4.</summary>
    public readonly int Length => _length;

    public readonly int Remaining => _buffer.Length - _length;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>Starts a message (struct nlmsghdr) and returns its offset, to be passed to <see cref="EndMessage"/>.</summary>
    public int BeginMessage(ushort type, ushort flags, uint sequence, uint portId = 0)
    {
        var start = _length;
        var header = Reserve(NetlinkH.NLMSG_HDRLEN);
        MemoryMarshal.Write(header[4..], in type);
        MemoryMarshal.Write(header[6..], in flags);
        MemoryMarshal.Write(header[8..], in sequence);
        MemoryMarshal.Write(header[12..], in portId);
        return start;
    }

    /// <summary>Back-patches nlmsg_len of the message begun at <paramref name="start"/>.</summary>
    public readonly void EndMessage(int start) => MemoryMarshal.Write(_buffer[start..], (uint)(_length - start));

    /// <summary>Reserves <paramref name="length"/> zeroed bytes (padded to 4) and returns them to fill.</summary>
    public Span<byte> Reserve(int length)
    {
        var padded = NetlinkH.Align(length);
        if (padded > Remaining)
            throw new InvalidOperationException($"netlink buffer of {_buffer.Length} bytes is full ({_length} used, {padded} more needed)");
        var span = _buffer.Slice(_length, padded);
        span.Clear();
        _length += padded;
        return span[..length];
    }

    /// <summary>struct ifinfomsg (linux/rtnetlink.h).</summary>
    public void WriteIfInfo(byte family, int index, uint flags = 0, uint change = 0, ushort deviceType = 0)
    {
        var s = Reserve(IfLinkH.IfInfoMsgSize);
        s[0] = family;
        MemoryMarshal.Write(s[2..], in deviceType);
        MemoryMarshal.Write(s[4..], in index);
        MemoryMarshal.Write(s[8..], in flags);
        MemoryMarshal.Write(s[12..], in change);
    }

    /// <summary>struct ndmsg (linux/neighbour.h).</summary>
    public void WriteNdMsg(byte family, int index, ushort state, byte flags, byte type = 0)
    {
        var s = Reserve(NeighbourH.NdMsgSize);
        s[0] = family;
        MemoryMarshal.Write(s[4..], in index);
        MemoryMarshal.Write(s[8..], in state);
        s[10] = flags;
        s[11] = type;
    }

    /// <summary>struct rtmsg (linux/rtnetlink.h).</summary>
    public void WriteRtMsg(byte family, byte destinationLength, uint flags = 0)
    {
        var s = Reserve(RtnetlinkH.RtMsgSize);
        s[0] = family;
        s[1] = destinationLength;
        MemoryMarshal.Write(s[8..], in flags);
    }

    /// <summary>An attribute (struct nlattr) whose value is <paramref name="value"/>.</summary>
    public void WriteAttribute(ushort type, scoped ReadOnlySpan<byte> value)
    {
        var s = Reserve(NetlinkH.NLA_HDRLEN + value.Length);
        MemoryMarshal.Write(s, (ushort)(NetlinkH.NLA_HDRLEN + value.Length));
        MemoryMarshal.Write(s[2..], in type);
        value.CopyTo(s[NetlinkH.NLA_HDRLEN..]);
    }

    public void WriteAttribute(ushort type, uint value) =>
        WriteAttribute(type, MemoryMarshal.AsBytes(new ReadOnlySpan<uint>(in value)));

    public void WriteAttribute(ushort type, byte value) => WriteAttribute(type, new ReadOnlySpan<byte>(in value));

    /// <summary>A NUL-terminated string attribute, as iproute2 writes them.</summary>
    public void WriteAttribute(ushort type, string value)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        var s = Reserve(NetlinkH.NLA_HDRLEN + bytes + 1);
        MemoryMarshal.Write(s, (ushort)(NetlinkH.NLA_HDRLEN + bytes + 1));
        MemoryMarshal.Write(s[2..], in type);
        Encoding.UTF8.GetBytes(value, s[NetlinkH.NLA_HDRLEN..]);
    }

    /// <summary>Starts a nested attribute and returns its offset for <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type, bool markNested = false)
    {
        var start = _length;
        var s = Reserve(NetlinkH.NLA_HDRLEN);
        MemoryMarshal.Write(s[2..], (ushort)(markNested ? type | NetlinkH.NLA_F_NESTED : type));
        return start;
    }

    /// <summary>Back-patches nla_len of the nested attribute begun at <paramref name="start"/>.</summary>
    public readonly void EndNested(int start)
    {
        var length = _length - start;
        if (length > ushort.MaxValue) throw new InvalidOperationException($"nested attribute of {length} bytes exceeds nla_len");
        MemoryMarshal.Write(_buffer[start..], (ushort)length);
    }
}
