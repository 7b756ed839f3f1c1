using System.Buffers.Binary;
using VnetReconciler.Dataplane.Forwarding;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>VARP opcodes (SPEC §4.2).</summary>
public enum VarpOpcode : ushort
{
    Request = 1,
    Announce = 2,
}

/// <summary>
/// A VARP message (SPEC §4.2), 43 bytes: message header (type 1, opcode), vnet id (16), MAC (6), address family
/// (1 byte, 2 = IPv4 as AF_INET in linux/socket.h), address (16 bytes: the IPv4 care-of address in the first 4,
/// then zeros). The address is IPv4 in host order.
/// </summary>
public readonly record struct VarpMessage(VarpOpcode Opcode, VnetKey Vnet, MacAddress Mac, uint Address)
{
    /// <summary>4 + 16 + 6 + 1 + 16 (SPEC §4.2).</summary>
    public const int Length = VnetMessageHeader.Length + VnetKey.Length + MacAddress.Length + 1 + 16;

    /// <summary>AF_INET (include/linux/socket.h), the only family SPEC §4.2 uses.</summary>
    public const byte FamilyIpv4 = 2;

    private const int VnetOffset = VnetMessageHeader.Length;
    private const int MacOffset = VnetOffset + VnetKey.Length;
    private const int FamilyOffset = MacOffset + MacAddress.Length;
    private const int AddressOffset = FamilyOffset + 1;

    /// <summary>Reads a VARP message whose header was already recognised as type 1.</summary>
    public static DropReason TryRead(ReadOnlySpan<byte> payload, out VarpMessage message)
    {
        message = default;
        if (payload.Length < Length) return DropReason.TooShort;
        var opcode = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
        if (opcode is not ((ushort)VarpOpcode.Request or (ushort)VarpOpcode.Announce)) return DropReason.UnknownType;
        if (payload[FamilyOffset] != FamilyIpv4) return DropReason.BadHeader;
        message = new VarpMessage(
            (VarpOpcode)opcode,
            VnetKey.Read(payload[VnetOffset..]),
            MacAddress.Read(payload[MacOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(payload[AddressOffset..]));
        return DropReason.None;
    }

    public void Write(Span<byte> destination)
    {
        new VnetMessageHeader(VnetMessageType.Varp, (ushort)Opcode).Write(destination);
        Vnet.Write(destination[VnetOffset..]);
        Mac.Write(destination[MacOffset..]);
        destination[FamilyOffset] = FamilyIpv4;
        BinaryPrimitives.WriteUInt32BigEndian(destination[AddressOffset..], Address);
        destination.Slice(AddressOffset + 4, 12).Clear();
    }
}
