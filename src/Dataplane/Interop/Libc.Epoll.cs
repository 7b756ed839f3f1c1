using System.Runtime.InteropServices;

namespace VnetReconciler.Dataplane.Interop;

/// <summary>epoll(7): one loop over every vnetif and socket of the tunnel. Constants from linux/eventpoll.h.</summary>
internal static unsafe partial class Libc
{
    /// <summary>linux/eventpoll.h: EPOLL_CLOEXEC (= O_CLOEXEC), EPOLL_CTL_ADD 1, EPOLL_CTL_DEL 2, EPOLLIN 0x001, EPOLLERR 0x008, EPOLLHUP 0x010.</summary>
    public const int EPOLL_CLOEXEC = 0x80000, EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x001, EPOLLERR = 0x008, EPOLLHUP = 0x010;

    /// <summary>struct epoll_event: packed on x86_64 (linux/eventpoll.h EPOLL_PACKED), 12 bytes.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport(LibraryName, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport(LibraryName, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport(LibraryName, EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeoutMs);
}
