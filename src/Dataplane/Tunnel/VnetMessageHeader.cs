using System.Buffers.Binary;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>Message types of the vnet UDP protocol (SPEC §4.1). Xen's vnet module and vnetd know 1–3.</summary>
public enum VnetMessageType : ushort
{
    /// <summary>VARP request or announce (SPEC §4.2).</summary>
    Varp = 1,
    /// <summary>An encapsulated Ethernet frame behind an etherip header (SPEC §4.1).</summary>
    Frame = 2,
    /// <summary>A forwarded multicast IPv4 packet (SPEC §4.3).</summary>
    Forwarded = 3,
    /// <summary>ESP security-association handshake (SPEC §4.5); handled by the ESP transport.</summary>
    Handshake = 4,
    /// <summary>Liveness probe (SPEC §6.5).</summary>
    Probe = 5,
}

/// <summary>
/// The 4-byte header that starts every vnet UDP payload: <c>type</c> (u16) and <c>opcode</c> (u16), big-endian
/// (SPEC §4.1). Data frames and forwarded packets carry opcode 0; VARP uses 1 = request, 2 = announce (§4.2).
/// </summary>
public readonly record struct VnetMessageHeader(VnetMessageType Type, ushort Opcode)
{
    /// <summary>SPEC §4.1: two u16 fields.</summary>
    public const int Length = 4;

    /// <summary>UDP source and destination port of the vnet protocol (SPEC §4.1, §2.4 <c>port</c>).</summary>
    public const ushort DefaultPort = 1798;

    public static bool TryRead(ReadOnlySpan<byte> payload, out VnetMessageHeader header)
    {
        if (payload.Length < Length)
        {
            header = default;
            return false;
        }
        header = new VnetMessageHeader(
            (VnetMessageType)BinaryPrimitives.ReadUInt16BigEndian(payload),
            BinaryPrimitives.ReadUInt16BigEndian(payload[2..]));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)Type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], Opcode);
    }
}
