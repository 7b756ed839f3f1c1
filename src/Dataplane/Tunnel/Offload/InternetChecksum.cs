using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace VnetReconciler.Dataplane.Tunnel.Offload;

/// <summary>
/// The Internet checksum (RFC 1071) at packet speed: 32-bit words summed in host order into a 64-bit accumulator,
/// folded, then put in network order (RFC 1071 §2(B): the one's-complement sum is byte-order independent up to a
/// final swap). Sums are kept as folded 16-bit values in network order so they can be chained.
/// </summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> (an even offset into the packet, unless it is the tail) to a running folded sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Add(ReadOnlySpan<byte> data, uint sum)
    {
        ulong acc = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && data.Length >= 2 * Vector256<byte>.Count)
        {
            // 32 bytes at a time: eight 32-bit words widened into four 64-bit lanes (a 64 KB packet adds at most 2^44
            // per lane, far from overflow); the same host-order words as the scalar loop below.
            var lanes = Vector256<ulong>.Zero;
            ref var start = ref MemoryMarshal.GetReference(data);
            for (; i + Vector256<byte>.Count <= data.Length; i += Vector256<byte>.Count)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref start, (nuint)i).AsUInt32());
                lanes += low + high;
            }
            acc = Vector256.Sum(lanes);
        }
        var words = MemoryMarshal.Cast<byte, uint>(data[i..]);
        foreach (var w in words) acc += w;
        i += words.Length * 4;
        if (i + 1 < data.Length)
        {
            acc += MemoryMarshal.Read<ushort>(data[i..]);
            i += 2;
        }
        // A trailing odd byte is the high half of a zero-padded network-order word: its host-order position.
        if (i < data.Length) acc += BitConverter.IsLittleEndian ? data[i] : (uint)data[i] << 8;
        var folded = Fold(acc);
        if (BitConverter.IsLittleEndian) folded = BinaryPrimitives.ReverseEndianness((ushort)folded);
        return Fold((ulong)folded + sum);
    }

    /// <summary>Adds one 16-bit word (network-order value) to a running sum.</summary>
    public static uint AddWord(uint word, uint sum) => Fold((ulong)word + sum);

    /// <summary>The TCP/UDP pseudo-header sum for IPv4 (RFC 793 §3.1, RFC 768): addresses, protocol, transport length.</summary>
    public static uint PseudoHeaderV4(ReadOnlySpan<byte> sourceAndDestination, byte protocol, int transportLength) =>
        Fold((ulong)Add(sourceAndDestination[..8], 0) + protocol + (uint)transportLength);

    /// <summary>The pseudo-header sum for IPv6 (RFC 8200 §8.1): addresses, upper-layer length, next header.</summary>
    public static uint PseudoHeaderV6(ReadOnlySpan<byte> sourceAndDestination, byte protocol, int transportLength) =>
        Fold((ulong)Add(sourceAndDestination[..32], 0) + protocol + (uint)(transportLength >> 16) + (uint)(transportLength & 0xFFFF));

    /// <summary>The value to store: the complement of the folded sum.</summary>
    public static ushort Finish(uint sum) => (ushort)~Fold(sum);

    private static uint Fold(ulong sum)
    {
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (uint)sum;
    }
}
