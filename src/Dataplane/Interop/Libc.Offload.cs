using System.Runtime.InteropServices;

namespace VnetReconciler.Dataplane.Interop;

/// <summary>Offloads: writev(2) for a virtio header in front of a frame, UDP GSO (linux/udp.h) for runs of datagrams.</summary>
internal static unsafe partial class Libc
{
    // linux/if_tun.h TUNSETOFFLOAD flags (TUN_F_CSUM 0x01, TUN_F_TSO4 0x02, TUN_F_TSO6 0x04) are Tun.TapOffloads.

    /// <summary>linux/udp.h: level SOL_UDP (= IPPROTO_UDP 17), UDP_SEGMENT 103 (u16 gso_size), UDP_GRO 104; UDP_MAX_SEGMENTS 64 (net/udp.h).</summary>
    public const int SOL_UDP = 17, UDP_SEGMENT = 103, UDP_GRO = 104, UDP_MAX_SEGMENTS = 64;

    /// <summary>linux/errno.h ENOPROTOOPT 92 (a kernel without UDP_SEGMENT); EIO 5 is what a device without GSO answers.</summary>
    public const int ENOPROTOOPT = 92;

    /// <summary>
    /// struct cmsghdr (linux/socket.h) with a u16 payload, padded to CMSG_SPACE(2) = 24 bytes on 64-bit: cmsg_len is
    /// CMSG_LEN(2) = 18.
    /// </summary>
    [StructLayout(LayoutKind.Sequential, Size = 24)]
    public struct CmsgU16
    {
        public nuint Length;
        public int Level;
        public int Type;
        public ushort Value;

        public const int Space = 24, Len = 18;
    }

    /// <summary>CMSG_LEN(sizeof(int)) = 20: the UDP_GRO control message carries an int (fits <see cref="CmsgU16"/>'s 24 bytes).</summary>
    public const int CmsgIntLen = 20;

    [LibraryImport(LibraryName, EntryPoint = "writev", SetLastError = true)]
    public static partial nint Writev(int fd, IoVec* iov, int count);
}
