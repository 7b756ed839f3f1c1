using System.Runtime.InteropServices;

namespace VnetReconciler.Dataplane.Interop;

/// <summary>TUN/TAP ioctls (linux/if_tun.h) and struct ifreq (linux/if.h).</summary>
internal static partial class Libc
{
    public const string TunDevicePath = "/dev/net/tun";

    // linux/if_tun.h: _IOW('T', nr, int) = (1 << 30) | (sizeof(int) << 16) | ('T' << 8) | nr
    public const uint TUNSETIFF = 0x400454ca;       // _IOW('T', 202, int)
    public const uint TUNSETPERSIST = 0x400454cb;   // _IOW('T', 203, int)
    public const uint TUNSETOWNER = 0x400454cc;     // _IOW('T', 204, int)
    public const uint TUNSETGROUP = 0x400454ce;     // _IOW('T', 206, int)
    public const uint TUNSETOFFLOAD = 0x400454d0;   // _IOW('T', 208, unsigned int)
    public const uint TUNGETIFF = 0x800454d2;       // _IOR('T', 210, unsigned int)
    public const uint TUNSETVNETHDRSZ = 0x400454d8; // _IOW('T', 216, int)

    // linux/if_tun.h: TUNSETIFF flags
    public const short IFF_TUN = 0x0001;
    public const short IFF_TAP = 0x0002;
    public const short IFF_MULTI_QUEUE = 0x0100;
    public const short IFF_NO_PI = 0x1000;
    public const short IFF_VNET_HDR = 0x4000;
    public const short IFF_TUN_EXCL = unchecked((short)0x8000);

    // linux/if.h
    public const int IFNAMSIZ = 16;

    /// <summary>struct ifreq (linux/if.h): a 16-byte name and a 24-byte union; only ifr_flags is used here.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 40)]
    public unsafe struct IfReq
    {
        [FieldOffset(0)] public fixed byte Name[IFNAMSIZ];
        [FieldOffset(16)] public short Flags;

        public void SetName(string name)
        {
            fixed (byte* p = Name)
            {
                var span = new Span<byte>(p, IFNAMSIZ);
                span.Clear();
                System.Text.Encoding.UTF8.GetBytes(name, span[..(IFNAMSIZ - 1)]);
            }
        }

        public readonly string GetName()
        {
            fixed (byte* p = Name)
            {
                var span = new ReadOnlySpan<byte>(p, IFNAMSIZ);
                var end = span.IndexOf((byte)0);
                return System.Text.Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
            }
        }
    }
}
