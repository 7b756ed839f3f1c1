using System.Runtime.InteropServices;
using VnetReconciler.Dataplane.Interop;
using VnetReconciler.Dataplane.Links;

namespace VnetReconciler.Dataplane.Tun;

/// <summary>
/// An open queue of a TAP device (IFF_TAP | IFF_NO_PI): the dataplane reads the Ethernet frames the host sends into
/// the TAP and writes the frames it delivers, without allocating per frame. The vnetif (SPEC §3.1) is a persistent
/// TAP that <see cref="LinkClient.CreateTap"/> made; <see cref="Open"/> attaches to it by name in the network
/// namespace of the calling thread. Opening a name that does not exist creates a TAP that lives as long as this
/// descriptor (the kernel's TUNSETIFF semantics).
/// </summary>
public sealed unsafe class TapDevice : IDisposable
{
    private readonly FileDescriptorHandle _handle;

    private TapDevice(FileDescriptorHandle handle, string name, TapOpenOptions options)
    {
        _handle = handle;
        Name = name;
        Options = options;
    }

    /// <summary>The interface name the kernel confirmed.</summary>
    public string Name { get; }

    public TapOpenOptions Options { get; }

    /// <summary>The descriptor, for poll/epoll; owned by this object.</summary>
    public SafeHandle Handle => _handle;

    public int FileDescriptor => _handle.Fd;

    /// <summary>
    /// Opens <c>/dev/net/tun</c> and attaches to TAP <paramref name="name"/> (TUNSETIFF with IFF_TAP | IFF_NO_PI, plus
    /// IFF_VNET_HDR / IFF_MULTI_QUEUE as asked). Throws <see cref="ArgumentException"/> for an invalid name before any
    /// syscall, <see cref="TapException"/> when the kernel refuses.
    /// </summary>
    public static TapDevice Open(string name, TapOpenOptions options = TapOpenOptions.None)
    {
        InterfaceName.Validate(name);
        var flags = (short)(Libc.IFF_TAP | Libc.IFF_NO_PI);
        if ((options & TapOpenOptions.VnetHeader) != 0) flags |= Libc.IFF_VNET_HDR;
        if ((options & TapOpenOptions.MultiQueue) != 0) flags |= Libc.IFF_MULTI_QUEUE;
        var openFlags = Libc.O_RDWR | Libc.O_CLOEXEC | ((options & TapOpenOptions.NonBlocking) != 0 ? Libc.O_NONBLOCK : 0);
        var handle = TunControl.Attach(name, flags, openFlags, out var confirmed);
        return new TapDevice(handle, confirmed, options);
    }

    /// <summary>
    /// Reads one frame into <paramref name="frame"/> and returns its length, or -1 when non-blocking and nothing is
    /// ready (EAGAIN). A frame longer than the buffer is truncated by the kernel. Throws only on real errors
    /// (a closed descriptor, a TAP that went away).
    /// </summary>
    public int Read(Span<byte> frame)
    {
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            while (true)
            {
                nint n;
                fixed (byte* p = frame) n = Libc.Read(_handle.Fd, p, frame.Length);
                if (n >= 0) return (int)n;
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EINTR) continue;
                if (errno == Libc.EAGAIN) return -1;
                throw new TapException(Name, "read", errno);
            }
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Writes one frame. Returns false when the kernel cannot take it now or drops it (EAGAIN when non-blocking,
    /// EIO while the TAP is down, EINVAL for a malformed frame, ENOBUFS/ENOMEM): per-frame outcomes are results,
    /// not exceptions. Throws only when the descriptor itself is broken.
    /// </summary>
    public bool Write(ReadOnlySpan<byte> frame)
    {
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            while (true)
            {
                nint n;
                fixed (byte* p = frame) n = Libc.Write(_handle.Fd, p, frame.Length);
                if (n >= 0) return n == frame.Length;
                var errno = Marshal.GetLastPInvokeError();
                switch (errno)
                {
                    case Libc.EINTR: continue;
                    case Libc.EAGAIN or Libc.EIO or Libc.EINVAL or Libc.ENOBUFS or Libc.ENOMEM: return false;
                    default: throw new TapException(Name, "write", errno);
                }
            }
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Writes a virtio header and a frame as one packet (writev), for a TAP opened with
    /// <see cref="TapOpenOptions.VnetHeader"/>. Same results as <see cref="Write(ReadOnlySpan{byte})"/>.
    /// </summary>
    public bool Write(ReadOnlySpan<byte> header, ReadOnlySpan<byte> frame)
    {
        var added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            var iov = stackalloc Libc.IoVec[2];
            while (true)
            {
                nint n;
                fixed (byte* h = header)
                fixed (byte* p = frame)
                {
                    iov[0] = new Libc.IoVec { Base = h, Length = (nuint)header.Length };
                    iov[1] = new Libc.IoVec { Base = p, Length = (nuint)frame.Length };
                    n = Libc.Writev(_handle.Fd, iov, 2);
                }
                if (n >= 0) return n == header.Length + frame.Length;
                var errno = Marshal.GetLastPInvokeError();
                switch (errno)
                {
                    case Libc.EINTR: continue;
                    case Libc.EAGAIN or Libc.EIO or Libc.EINVAL or Libc.ENOBUFS or Libc.ENOMEM: return false;
                    default: throw new TapException(Name, "write", errno);
                }
            }
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <summary>
    /// TUNSETOFFLOAD: the offloads the reader takes (linux/if_tun.h TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, …; 0 = none).
    /// With TUN_F_CSUM and TSO the kernel hands over partial checksums and 64 KB super-frames instead of segmenting
    /// them itself; only meaningful with <see cref="TapOpenOptions.VnetHeader"/>. The setting belongs to the device.
    /// </summary>
    public void SetOffload(TapOffloads offloads)
    {
        if (Libc.IoctlValue(_handle.Fd, Libc.TUNSETOFFLOAD, (nint)(uint)offloads) != 0)
            throw new TapException(Name, "TUNSETOFFLOAD", Marshal.GetLastPInvokeError());
    }

    /// <summary>TUNSETVNETHDRSZ: the size of the virtio header that precedes each frame with <see cref="TapOpenOptions.VnetHeader"/>.</summary>
    public void SetVnetHeaderSize(int size)
    {
        if (Libc.Ioctl(_handle.Fd, Libc.TUNSETVNETHDRSZ, &size) != 0)
            throw new TapException(Name, "TUNSETVNETHDRSZ", Marshal.GetLastPInvokeError());
    }

    public void Dispose() => _handle.Dispose();

    public override string ToString() => $"tap {Name} (fd {(_handle.IsClosed ? -1 : _handle.Fd)})";
}
