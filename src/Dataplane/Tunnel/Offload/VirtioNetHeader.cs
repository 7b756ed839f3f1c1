using System.Buffers.Binary;

namespace VnetReconciler.Dataplane.Tunnel.Offload;

/// <summary>
/// struct virtio_net_hdr (linux/virtio_net.h), the header a TAP opened with IFF_VNET_HDR puts before every frame:
/// whether the checksum is left to complete (<see cref="NeedsChecksum"/>, with <see cref="ChecksumStart"/> and
/// <see cref="ChecksumOffset"/>) and whether the frame is a segmentation-offloaded super-frame (<see cref="GsoType"/>,
/// <see cref="GsoSize"/> = the MSS). The TAP speaks the legacy layout in host byte order (little-endian on x86-64 and
/// arm64; TUNSETVNETLE/TUNSETVNETBE are never set here), so fields are read and written little-endian.
/// </summary>
public readonly record struct VirtioNetHeader(byte Flags, byte GsoType, ushort HeaderLength, ushort GsoSize, ushort ChecksumStart, ushort ChecksumOffset)
{
    /// <summary>sizeof(struct virtio_net_hdr); the size set with TUNSETVNETHDRSZ.</summary>
    public const int Length = 10;

    /// <summary>VIRTIO_NET_HDR_F_NEEDS_CSUM: the checksum at csum_start + csum_offset holds only the pseudo-header sum.</summary>
    public const byte FlagNeedsChecksum = 1;
    /// <summary>VIRTIO_NET_HDR_F_DATA_VALID: the checksum was verified.</summary>
    public const byte FlagDataValid = 2;

    /// <summary>VIRTIO_NET_HDR_GSO_NONE, _TCPV4, _UDP (UFO, IPv4 fragments), _TCPV6, _UDP_L4 (USO), and the _ECN bit.</summary>
    public const byte GsoNone = 0, GsoTcpV4 = 1, GsoUdp = 3, GsoTcpV6 = 4, GsoUdpL4 = 5, GsoEcn = 0x80;

    /// <summary>The all-zero header: a complete frame, nothing left to do (what the tunnel writes into the vnetif).</summary>
    public static VirtioNetHeader None => default;

    public bool NeedsChecksum => (Flags & FlagNeedsChecksum) != 0;

    /// <summary>The segmentation kind without the ECN bit.</summary>
    public byte Segmentation => (byte)(GsoType & ~GsoEcn);

    public bool IsSuperFrame => Segmentation != GsoNone;

    /// <summary>Reads the header at the start of <paramref name="source"/> (at least <see cref="Length"/> bytes).</summary>
    public static VirtioNetHeader Read(ReadOnlySpan<byte> source) => new(
        source[0],
        source[1],
        BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
        BinaryPrimitives.ReadUInt16LittleEndian(source[4..]),
        BinaryPrimitives.ReadUInt16LittleEndian(source[6..]),
        BinaryPrimitives.ReadUInt16LittleEndian(source[8..]));

    public void Write(Span<byte> destination)
    {
        destination[0] = Flags;
        destination[1] = GsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], ChecksumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], ChecksumOffset);
    }
}
