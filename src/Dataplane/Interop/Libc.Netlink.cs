using System.Runtime.InteropServices;

namespace VnetReconciler.Dataplane.Interop;

/// <summary>Sockets as netlink uses them: socket, bind, getsockname, setsockopt, send, recv.</summary>
internal static unsafe partial class Libc
{
    // linux/socket.h, asm-generic/socket.h (the shared socket constants and socket/setsockopt are in Libc.Socket.cs)
    public const int AF_NETLINK = 16;
    public const int MSG_TRUNC = 0x20;

    /// <summary>struct sockaddr_nl (linux/netlink.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrNetlink
    {
        public ushort Family;
        public ushort Pad;
        public uint PortId;
        public uint Groups;
    }

    [LibraryImport(LibraryName, EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, SockAddrNetlink* address, int length);

    [LibraryImport(LibraryName, EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSockName(int fd, SockAddrNetlink* address, int* length);

    [LibraryImport(LibraryName, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport(LibraryName, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buffer, nint length, int flags);
}
