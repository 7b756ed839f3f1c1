using System.Runtime.InteropServices;

namespace VnetReconciler.Dataplane.Interop;

/// <summary>Sockets as netlink uses them: socket, bind, getsockname, setsockopt, send, recv.</summary>
internal static unsafe partial class Libc
{
    // linux/socket.h, asm-generic/socket.h
    public const int AF_NETLINK = 16;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;
    public const int SO_SNDBUFFORCE = 32;
    public const int SO_RCVBUFFORCE = 33;
    public const int MSG_DONTWAIT = 0x40;
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

    [LibraryImport(LibraryName, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(LibraryName, EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, SockAddrNetlink* address, int length);

    [LibraryImport(LibraryName, EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSockName(int fd, SockAddrNetlink* address, int* length);

    [LibraryImport(LibraryName, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, int length);

    [LibraryImport(LibraryName, EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nint length, int flags);

    [LibraryImport(LibraryName, EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buffer, nint length, int flags);
}
