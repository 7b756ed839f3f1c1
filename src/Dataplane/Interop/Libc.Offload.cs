using System.Runtime.InteropServices;

namespace VnetReconciler.Dataplane.Interop;

/// <summary>writev(2), for a virtio header in front of a frame.</summary>
internal static unsafe partial class Libc
{
    // linux/if_tun.h TUNSETOFFLOAD flags (TUN_F_CSUM 0x01, TUN_F_TSO4 0x02, TUN_F_TSO6 0x04) are Tun.TapOffloads.

    [LibraryImport(LibraryName, EntryPoint = "writev", SetLastError = true)]
    public static partial nint Writev(int fd, IoVec* iov, int count);
}
