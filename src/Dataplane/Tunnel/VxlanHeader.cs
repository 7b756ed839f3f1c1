using System.Buffers.Binary;
using VnetReconciler.Dataplane.Forwarding;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// The 8-byte VXLAN header (RFC 7348 §5): flags (8 bits, I = 0x08 must be set), 24 reserved bits, the 24-bit VNI,
/// 8 reserved bits. Reserved bits are sent as zero and ignored on receive. SPEC §4.4: VNI = the vnet id's value.
/// </summary>
public readonly record struct VxlanHeader(uint Vni)
{
    /// <summary>RFC 7348 §5: 8 octets.</summary>
    public const int Length = 8;

    /// <summary>RFC 7348 §5: the I flag, "MUST be set to 1 for a valid VXLAN Network ID".</summary>
    public const byte FlagVniValid = 0x08;

    /// <summary>IANA-assigned VXLAN UDP port (RFC 7348 §5), SPEC §2.4 <c>vxlan_port</c>.</summary>
    public const ushort DefaultPort = 4789;

    public static DropReason TryRead(ReadOnlySpan<byte> source, out VxlanHeader header)
    {
        header = default;
        if (source.Length < Length) return DropReason.TooShort;
        if ((source[0] & FlagVniValid) == 0) return DropReason.BadHeader;
        header = new VxlanHeader(BinaryPrimitives.ReadUInt32BigEndian(source[4..]) >> 8);
        return DropReason.None;
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)FlagVniValid << 24);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (Vni & 0xFF_FFFF) << 8);
    }
}
