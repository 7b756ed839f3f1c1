using System.Runtime.InteropServices;
using System.Text;
using VnetReconciler.Dataplane.Interop;

namespace VnetReconciler.Dataplane.Netlink;

/// <summary>Walks the messages of one received netlink datagram (linux/netlink.h NLMSG_OK / NLMSG_NEXT).</summary>
public ref struct NetlinkReader
{
    private ReadOnlySpan<byte> _rest;

    public NetlinkReader(ReadOnlySpan<byte> datagram) => _rest = datagram;

    /// <summary>Reads the next message; false at the end. Throws <see cref="NetlinkException"/> (EPROTO) on a malformed header.</summary>
    public bool TryRead(out NetlinkMessage message)
    {
        message = default;
        if (_rest.IsEmpty) return false;
        if (_rest.Length < NetlinkH.NLMSG_HDRLEN)
            throw NetlinkException.Malformed($"{_rest.Length} trailing bytes, shorter than a message header");
        var length = MemoryMarshal.Read<uint>(_rest);
        if (length < NetlinkH.NLMSG_HDRLEN || length > _rest.Length)
            throw NetlinkException.Malformed($"nlmsg_len {length} with {_rest.Length} bytes left");
        message = new NetlinkMessage(_rest[..(int)length]);
        var next = Math.Min(NetlinkH.Align((int)length), _rest.Length);
        _rest = _rest[next..];
        return true;
    }
}

/// <summary>One netlink message: struct nlmsghdr and its payload.</summary>
public readonly ref struct NetlinkMessage
{
    private readonly ReadOnlySpan<byte> _bytes;

    public NetlinkMessage(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    public ushort Type => MemoryMarshal.Read<ushort>(_bytes[4..]);

    public ushort Flags => MemoryMarshal.Read<ushort>(_bytes[6..]);

    public uint Sequence => MemoryMarshal.Read<uint>(_bytes[8..]);

    public uint PortId => MemoryMarshal.Read<uint>(_bytes[12..]);

    public ReadOnlySpan<byte> Bytes => _bytes;

    public ReadOnlySpan<byte> Payload => _bytes[NetlinkH.NLMSG_HDRLEN..];

    /// <summary>The attributes after a fixed family header of <paramref name="headerSize"/> bytes (ifinfomsg, ndmsg, rtmsg).</summary>
    public NetlinkAttributeReader Attributes(int headerSize)
    {
        var payload = Payload;
        if (payload.Length < headerSize)
            throw NetlinkException.Malformed($"message type {Type} has {payload.Length} payload bytes, less than its {headerSize}-byte header");
        return new NetlinkAttributeReader(payload[Math.Min(NetlinkH.Align(headerSize), payload.Length)..]);
    }

    /// <summary>For NLMSG_ERROR and NLMSG_DONE: the error code as a positive errno (0 for an acknowledgement).</summary>
    public int ErrorNumber => Payload.Length >= 4 ? -MemoryMarshal.Read<int>(Payload) : Libc.EPROTO;

    /// <summary>
    /// The extended-ACK text (NLMSGERR_ATTR_MSG) of an NLMSG_ERROR or NLMSG_DONE, or null. The TLVs follow the
    /// error code and the echoed request (only its header when NLM_F_CAPPED), and are present with NLM_F_ACK_TLVS.
    /// </summary>
    public string? ExtendedAckMessage()
    {
        if ((Flags & NetlinkH.NLM_F_ACK_TLVS) == 0) return null;
        var payload = Payload;
        int offset;
        if (Type == NetlinkH.NLMSG_ERROR)
        {
            if (payload.Length < 4 + NetlinkH.NLMSG_HDRLEN) return null;
            var echoed = (Flags & NetlinkH.NLM_F_CAPPED) != 0 ? NetlinkH.NLMSG_HDRLEN : (int)MemoryMarshal.Read<uint>(payload[4..]);
            offset = 4 + NetlinkH.Align(echoed);
        }
        else offset = 4;
        if (offset > payload.Length) return null;
        var attributes = new NetlinkAttributeReader(payload[offset..]);
        while (attributes.TryRead(out var a))
            if (a.Type == NetlinkH.NLMSGERR_ATTR_MSG) return a.AsString();
        return null;
    }
}

/// <summary>Walks a run of attributes (struct nlattr, linux/netlink.h NLA_OK / NLA_NEXT).</summary>
public ref struct NetlinkAttributeReader
{
    private ReadOnlySpan<byte> _rest;

    public NetlinkAttributeReader(ReadOnlySpan<byte> attributes) => _rest = attributes;

    /// <summary>Reads the next attribute; false at the end. A truncated attribute ends the run (as nla_ok does).</summary>
    public bool TryRead(out NetlinkAttribute attribute)
    {
        attribute = default;
        if (_rest.Length < NetlinkH.NLA_HDRLEN) return false;
        var length = MemoryMarshal.Read<ushort>(_rest);
        if (length < NetlinkH.NLA_HDRLEN || length > _rest.Length) return false;
        attribute = new NetlinkAttribute(MemoryMarshal.Read<ushort>(_rest[2..]), _rest[NetlinkH.NLA_HDRLEN..length]);
        _rest = _rest[Math.Min(NetlinkH.Align(length), _rest.Length)..];
        return true;
    }
}

/// <summary>One attribute: its type (flags masked off) and value.</summary>
public readonly ref struct NetlinkAttribute
{
    private readonly ushort _rawType;

    public NetlinkAttribute(ushort rawType, ReadOnlySpan<byte> value)
    {
        _rawType = rawType;
        Value = value;
    }

    public ushort Type => (ushort)(_rawType & NetlinkH.NLA_TYPE_MASK);

    public bool IsNested => (_rawType & NetlinkH.NLA_F_NESTED) != 0;

    public ReadOnlySpan<byte> Value { get; }

    public byte AsByte() => Value.Length >= 1 ? Value[0] : throw Short(1);

    public uint AsUInt32() => Value.Length >= 4 ? MemoryMarshal.Read<uint>(Value) : throw Short(4);

    public int AsInt32() => (int)AsUInt32();

    /// <summary>A string attribute without its NUL terminator.</summary>
    public string AsString()
    {
        var end = Value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? Value : Value[..end]);
    }

    public NetlinkAttributeReader Nested() => new(Value);

    private NetlinkException Short(int wanted) =>
        NetlinkException.Malformed($"attribute {Type} has {Value.Length} bytes, wanted {wanted}");
}
