using VnetReconciler.Dataplane.Forwarding;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// The vnet etherip header in front of every encapsulated frame (SPEC §4.1): two bytes <c>00 40</c> and the
/// 16-byte vnet id. The layout follows EtherIP (RFC 3378 §3: a 16-bit header whose high-order nibble is a version),
/// but Xen's vnet module puts version 4 in the high nibble of the <i>second</i> byte and appends the vnet id; the
/// first byte and the low nibble are reserved (sent as zero, ignored on receive).
/// </summary>
public readonly record struct EtherIpHeader(VnetKey Vnet)
{
    /// <summary>2 bytes of version/reserved plus the 16-byte vnet id (SPEC §4.1).</summary>
    public const int Length = 2 + VnetKey.Length;

    /// <summary>The version nibble value (SPEC §4.1; Xen vnet <c>etherip.h</c> ETHERIP_VERSION 4).</summary>
    public const int Version = 4;

    /// <summary>Encapsulated frame = vnet message header + etherip header + inner Ethernet frame (SPEC §4.1).</summary>
    public const int FrameOverhead = VnetMessageHeader.Length + Length;

    public static DropReason TryRead(ReadOnlySpan<byte> source, out EtherIpHeader header)
    {
        header = default;
        if (source.Length < Length) return DropReason.TooShort;
        if (source[1] >> 4 != Version) return DropReason.BadHeader;
        header = new EtherIpHeader(VnetKey.Read(source[2..]));
        return DropReason.None;
    }

    public void Write(Span<byte> destination)
    {
        destination[0] = 0;
        destination[1] = Version << 4;
        Vnet.Write(destination[2..]);
    }

    /// <summary>Writes the whole 22-byte prefix of a data frame: message header (type 2, opcode 0) and etherip.</summary>
    public static void WriteFramePrefix(Span<byte> destination, VnetKey vnet)
    {
        new VnetMessageHeader(VnetMessageType.Frame, 0).Write(destination);
        new EtherIpHeader(vnet).Write(destination[VnetMessageHeader.Length..]);
    }
}
