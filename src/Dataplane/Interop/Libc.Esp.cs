using System.Runtime.InteropServices;

namespace VnetReconciler.Dataplane.Interop;

/// <summary>statx(2), for noticing that a key file changed (SPEC §4.5 "re-reads key files when they change").</summary>
internal static partial class Libc
{
    /// <summary>AT_FDCWD from &lt;linux/fcntl.h&gt;: resolve a relative path against the working directory.</summary>
    internal const int AtFdCwd = -100;

    /// <summary>STATX_BASIC_STATS from &lt;linux/stat.h&gt;.</summary>
    internal const uint StatxBasicStats = 0x7ff;

    /// <summary>
    /// The fields of <c>struct statx</c> (&lt;linux/stat.h&gt;, 256 bytes, the same layout on every architecture) that a
    /// change check needs: mode, inode, size, and the status-change and modification times.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    internal struct Statx
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(96)] public long ChangeSeconds;
        [FieldOffset(104)] public uint ChangeNanoseconds;
        [FieldOffset(112)] public long ModifySeconds;
        [FieldOffset(120)] public uint ModifyNanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StatX(int directoryFd, string path, int flags, uint mask, out Statx buffer);
}
