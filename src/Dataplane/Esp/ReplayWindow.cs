namespace VnetReconciler.Dataplane.Esp;

/// <summary>
/// The receiver's anti-replay window over 64-bit extended sequence numbers (RFC 4303 §3.4.3 and Appendix A2),
/// kept as a ring of 64-bit blocks as RFC 6479 describes: advancing the window clears whole blocks instead of shifting
/// a bitmap, so the cost per packet is constant.
/// <para>
/// The ring has <see cref="Blocks"/> blocks; one of them is always the partly filled block that holds the top, so the
/// guaranteed window is <see cref="Size"/> = (Blocks − 1) × 64 = 1984 packets, above SPEC §4.5's minimum of 1024.
/// </para>
/// <para>
/// Use: <see cref="Infer"/> the full sequence number from the low 32 bits on the wire, <see cref="Check"/> it
/// (cheap, before the ICV is verified), authenticate, then <see cref="CheckAndUpdate"/> (RFC 4303 §3.4.3: the window is
/// updated only after the integrity check succeeds). Not thread-safe; the owning SA serializes access.
/// </para>
/// </summary>
public sealed class ReplayWindow
{
    /// <summary>Ring blocks (a power of two, RFC 6479 §2.2).</summary>
    public const int Blocks = 32;

    private const int BlockBits = 64;
    private const int BlockShift = 6;

    /// <summary>Packets the window covers below and including the top: W of RFC 4303 Appendix A2.</summary>
    public const int Size = (Blocks - 1) * BlockBits;

    private readonly ulong[] _bitmap = new ulong[Blocks];

    /// <summary>The highest authenticated sequence number (0 before the first: sequence numbers start at 1).</summary>
    public ulong Top { get; private set; }

    /// <summary>
    /// The full 64-bit sequence number for the low 32 bits received (RFC 4303 Appendix A2.2): the one candidate that
    /// lies in [Top − W + 1, Top − W + 2^32]. Returns 0 (never a valid number) when that candidate would be negative.
    /// </summary>
    public ulong Infer(uint low)
    {
        var bottom = (Int128)Top - (Size - 1);
        var offset = (uint)((ulong)(low - (uint)(ulong)(bottom & ulong.MaxValue)));
        var seq = bottom + offset;
        return seq <= 0 || seq > ulong.MaxValue ? 0 : (ulong)seq;
    }

    /// <summary>True when <paramref name="seq"/> is new: above the top, or inside the window and not yet seen.</summary>
    public bool Check(ulong seq)
    {
        if (seq == 0) return false;
        if (seq > Top) return true;
        if (Top - seq >= Size) return false; // too old: left of the window
        var block = (int)((seq >> BlockShift) & (Blocks - 1));
        return (_bitmap[block] & (1UL << (int)(seq & (BlockBits - 1)))) == 0;
    }

    /// <summary>Check again and, if new, mark <paramref name="seq"/> as seen, advancing the window when it is the new top.</summary>
    public bool CheckAndUpdate(ulong seq)
    {
        if (!Check(seq)) return false;
        if (seq > Top)
        {
            var topBlock = Top >> BlockShift;
            var newBlock = seq >> BlockShift;
            var clear = Math.Min(newBlock - topBlock, (ulong)Blocks);
            for (ulong i = 1; i <= clear; i++) _bitmap[(int)((topBlock + i) & (Blocks - 1))] = 0;
            Top = seq;
        }
        _bitmap[(int)((seq >> BlockShift) & (Blocks - 1))] |= 1UL << (int)(seq & (BlockBits - 1));
        return true;
    }
}
