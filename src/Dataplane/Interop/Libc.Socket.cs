using System.Runtime.InteropServices;

namespace VnetReconciler.Dataplane.Interop;

/// <summary>
/// BSD sockets for the tunnel's UDP binds: batched receive and send (recvmmsg(2), sendmmsg(2)), socket options and
/// a raw socket for re-sending forwarded multicast (SPEC §4.3). Constants from the x86_64/generic Linux uapi headers
/// named at each one.
/// </summary>
internal static unsafe partial class Libc
{
    // Shared with netlink (Libc.Netlink.cs): SOCK_RAW, SOCK_CLOEXEC, SOL_SOCKET, SO_SNDBUF, SO_RCVBUF, SO_SNDBUFFORCE,
    // SO_RCVBUFFORCE, MSG_DONTWAIT, socket(2), setsockopt(2).
    /// <summary>linux/socket.h AF_INET; linux/net.h SOCK_DGRAM 2; asm-generic/fcntl.h O_NONBLOCK.</summary>
    public const int AF_INET = 2, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800;
    /// <summary>linux/in.h IPPROTO_IP 0, IPPROTO_UDP 17, IPPROTO_RAW 255 (implies IP_HDRINCL, raw(7)).</summary>
    public const int IPPROTO_IP = 0, IPPROTO_UDP = 17, IPPROTO_RAW = 255;
    /// <summary>asm-generic/socket.h: SO_REUSEADDR 2, SO_BROADCAST 6.</summary>
    public const int SO_REUSEADDR = 2, SO_BROADCAST = 6;
    /// <summary>linux/in.h IP_MTU_DISCOVER 10 with IP_PMTUDISC_DONT 0 (let the kernel fragment, SPEC §3.3); IP_MULTICAST_LOOP 34; IP_ADD_MEMBERSHIP 35.</summary>
    public const int IP_MTU_DISCOVER = 10, IP_PMTUDISC_DONT = 0, IP_MULTICAST_LOOP = 34, IP_ADD_MEMBERSHIP = 35;
    // EINTR and EAGAIN: Libc.Io.cs.
    /// <summary>asm-generic/poll.h POLLOUT: the socket has send-buffer room again.</summary>
    public const short POLLOUT = 0x4;
    /// <summary>How long a send waits for socket-buffer room before giving a datagram up (backpressure, not a drop storm).</summary>
    public const int SendBackpressureMs = 5;

    /// <summary>struct sockaddr_in (linux/in.h): family (host order), port and address (network order), 8 bytes zero.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrIn
    {
        public ushort Family;
        public ushort Port;
        public uint Address;
        public ulong Zero;
    }

    /// <summary>struct iovec (linux/uio.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct mmsghdr (linux/socket.h): a struct msghdr followed by the byte count the call filled in (64 bytes on x86_64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
        private readonly int _msghdrPadding; // struct msghdr is 56 bytes: msg_flags is followed by 4 bytes of padding
        public uint Length;
        private readonly int _padding;
    }

    [LibraryImport(LibraryName, EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, SockaddrIn* address, int length);

    [LibraryImport(LibraryName, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(LibraryName, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(LibraryName, EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(int fd, byte* buffer, nuint length, int flags, SockaddrIn* address, int addressLength);

    public static int SetSocketOption(int fd, int level, int name, int value) => SetSockOpt(fd, level, name, &value, sizeof(int));
}
