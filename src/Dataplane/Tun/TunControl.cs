using System.Runtime.InteropServices;
using VnetReconciler.Dataplane.Interop;

namespace VnetReconciler.Dataplane.Tun;

/// <summary>The TUN/TAP control ioctls on <c>/dev/net/tun</c> (linux/if_tun.h), shared by opening and creating TAPs.</summary>
internal static unsafe class TunControl
{
    /// <summary>Opens the clone device and binds it to <paramref name="name"/> with TUNSETIFF; the caller owns the handle.</summary>
    public static FileDescriptorHandle Attach(string name, short ifFlags, int openFlags, out string confirmedName)
    {
        var fd = Libc.Open(Libc.TunDevicePath, openFlags);
        if (fd < 0) throw new TapException(name, "open " + Libc.TunDevicePath, Marshal.GetLastPInvokeError());
        var handle = new FileDescriptorHandle(fd);
        try
        {
            var req = default(Libc.IfReq);
            req.SetName(name);
            req.Flags = ifFlags;
            if (Libc.Ioctl(fd, Libc.TUNSETIFF, &req) != 0)
                throw new TapException(name, "TUNSETIFF", Marshal.GetLastPInvokeError());
            confirmedName = req.GetName();
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates a persistent TAP: TUNSETIFF, TUNSETOWNER / TUNSETGROUP when given, TUNSETPERSIST 1, then close
    /// (what <c>ip tuntap add mode tap name N user U group G</c> does).
    /// </summary>
    public static void CreatePersistent(string name, uint? owner, uint? group, bool multiQueue)
    {
        var flags = (short)(Libc.IFF_TAP | Libc.IFF_NO_PI | Libc.IFF_TUN_EXCL);
        if (multiQueue) flags |= Libc.IFF_MULTI_QUEUE;
        FileDescriptorHandle handle;
        try
        {
            handle = Attach(name, flags, Libc.O_RDWR | Libc.O_CLOEXEC, out _);
        }
        catch (TapException e) when (e.Errno == Libc.EBUSY)
        {
            // IFF_TUN_EXCL makes TUNSETIFF answer EBUSY for a name in use; report it as what it is.
            throw new TapException(name, "TUNSETIFF (create)", Libc.EEXIST);
        }
        using var owned = handle;
        if (owner is { } uid) Value(handle, name, Libc.TUNSETOWNER, "TUNSETOWNER", uid);
        if (group is { } gid) Value(handle, name, Libc.TUNSETGROUP, "TUNSETGROUP", gid);
        Value(handle, name, Libc.TUNSETPERSIST, "TUNSETPERSIST", 1);
    }

    /// <summary>Clears the persist flag of TAP <paramref name="name"/> so it disappears when closed (<c>ip tuntap del mode tap name N</c>).</summary>
    public static void DeletePersistent(string name, bool multiQueue)
    {
        var flags = (short)(Libc.IFF_TAP | Libc.IFF_NO_PI);
        if (multiQueue) flags |= Libc.IFF_MULTI_QUEUE;
        using var handle = Attach(name, flags, Libc.O_RDWR | Libc.O_CLOEXEC, out _);
        Value(handle, name, Libc.TUNSETPERSIST, "TUNSETPERSIST", 0);
    }

    private static void Value(FileDescriptorHandle handle, string name, uint request, string what, long value)
    {
        if (Libc.IoctlValue(handle.Fd, request, (nint)value) != 0)
            throw new TapException(name, what, Marshal.GetLastPInvokeError());
    }
}
