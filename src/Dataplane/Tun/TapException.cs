using VnetReconciler.Dataplane.Interop;

namespace VnetReconciler.Dataplane.Tun;

/// <summary>A TUN/TAP system call the kernel refused, with its errno.</summary>
public sealed class TapException : IOException
{
    public TapException(string device, string operation, int errno)
        : base(Format(device, operation, errno))
    {
        Device = device;
        Operation = operation;
        Errno = errno;
        HResult = errno;
    }

    public string Device { get; }

    public string Operation { get; }

    public int Errno { get; }

    /// <summary>Whether trying again later can succeed (EAGAIN, EBUSY, EINTR, ENOMEM, ENOBUFS).</summary>
    public bool IsTransient => Errno is Libc.EAGAIN or Libc.EBUSY or Libc.EINTR or Libc.ENOMEM or Libc.ENOBUFS;

    private static string Format(string device, string operation, int errno)
    {
        var text = $"{operation} on tap '{device}': {Libc.Describe(errno)}";
        return errno switch
        {
            Libc.EPERM or Libc.EACCES => text + "; needs CAP_NET_ADMIN (or the TAP's owner uid/group)",
            Libc.EBUSY => text + "; the name is taken by a device that is not a free TAP of this kind",
            Libc.EINVAL => text + "; the name may belong to another kind of device, or the multi-queue setting differs",
            _ => text,
        };
    }
}
