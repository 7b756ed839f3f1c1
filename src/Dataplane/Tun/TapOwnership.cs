using System.Runtime.InteropServices;
using VnetReconciler.Dataplane.Interop;

namespace VnetReconciler.Dataplane.Tun;

/// <summary>Owner and group of an existing persistent TAP (SPEC §2.2 <c>owner</c>, <c>group</c>).</summary>
public static class TapOwnership
{
    /// <summary>
    /// Attaches to the persistent TAP and sets TUNSETOWNER and TUNSETGROUP (linux/if_tun.h); -1 clears one.
    /// Equals re-creating it with <c>ip tuntap add mode tap name N user U group G</c>, without losing the link.
    /// </summary>
    public static void Set(string name, uint? owner, uint? group)
    {
        using var handle = TunControl.Attach(name, (short)(Libc.IFF_TAP | Libc.IFF_NO_PI), Libc.O_RDWR | Libc.O_CLOEXEC, out _);
        Ioctl(handle, name, Libc.TUNSETOWNER, "TUNSETOWNER", owner is { } u ? u : -1L);
        Ioctl(handle, name, Libc.TUNSETGROUP, "TUNSETGROUP", group is { } g ? g : -1L);
    }

    private static void Ioctl(FileDescriptorHandle handle, string name, uint request, string what, long value)
    {
        if (Libc.IoctlValue(handle.Fd, request, (nint)value) != 0)
            throw new TapException(name, what, Marshal.GetLastPInvokeError());
    }
}
