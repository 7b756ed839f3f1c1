using VnetReconciler.Dataplane.Esp;

namespace VnetReconciler.Dataplane.Tests.Esp;

public sealed class ReplayWindowTests
{
    [Fact]
    public void Window_is_at_least_1024() => Assert.True(ReplayWindow.Size >= 1024);

    [Fact]
    public void Zero_is_never_valid_and_first_packets_are_accepted_once()
    {
        var w = new ReplayWindow();
        Assert.False(w.Check(0));
        Assert.Equal(0UL, w.Infer(0)); // low 0 before any packet would be ESN 2^32·(−1): invalid
        Assert.True(w.CheckAndUpdate(1));
        Assert.False(w.CheckAndUpdate(1));
        Assert.True(w.CheckAndUpdate(3));
        Assert.True(w.CheckAndUpdate(2));
        Assert.False(w.Check(2));
    }

    [Fact]
    public void Window_edge_accepts_the_oldest_slot_and_drops_one_below()
    {
        var w = new ReplayWindow();
        const ulong top = 10_000;
        Assert.True(w.CheckAndUpdate(top));
        var oldest = top - ReplayWindow.Size + 1;
        Assert.True(w.Check(oldest));
        Assert.False(w.Check(oldest - 1));
        Assert.True(w.CheckAndUpdate(oldest));
        Assert.False(w.CheckAndUpdate(oldest));
    }

    [Fact]
    public void Advancing_clears_bits_that_leave_the_window()
    {
        var w = new ReplayWindow();
        for (ulong s = 1; s <= 3000; s++) Assert.True(w.CheckAndUpdate(s));
        // jump exactly one window ahead: every slot the old numbers used must read as free again for the new range
        var next = 3000UL + ReplayWindow.Size;
        Assert.True(w.CheckAndUpdate(next));
        for (var s = next - ReplayWindow.Size + 1; s < next; s++) Assert.True(w.Check(s), $"seq {s}");
        Assert.False(w.Check(3000));
    }

    [Fact]
    public void Far_ahead_jump_forgets_everything_old()
    {
        var w = new ReplayWindow();
        for (ulong s = 1; s <= 100; s++) w.CheckAndUpdate(s);
        Assert.True(w.CheckAndUpdate(1_000_000_000_000));
        Assert.False(w.Check(100));
        Assert.True(w.Check(1_000_000_000_000 - 5));
        Assert.False(w.Check(1_000_000_000_000));
    }

    [Fact]
    public void Infer_crosses_the_wrap_of_the_low_32_bits()
    {
        var w = new ReplayWindow();
        Assert.True(w.CheckAndUpdate(0xFFFF_FFF0));
        Assert.Equal(0x1_0000_0005UL, w.Infer(5));            // just past the wrap: high word + 1
        Assert.Equal(0xFFFF_FFF8UL, w.Infer(0xFFFF_FFF8));    // still before the wrap
        Assert.True(w.CheckAndUpdate(0x1_0000_0005));
        Assert.Equal(0xFFFF_FFF1UL, w.Infer(0xFFFF_FFF1));    // late packet from before the wrap: high word − 1, in window
        Assert.True(w.CheckAndUpdate(0xFFFF_FFF1));
        Assert.False(w.Check(w.Infer(0xFFFF_FFF0)));          // replay across the wrap
        Assert.Equal(0x1_0000_0006UL, w.Infer(6));
    }

    [Fact]
    public void Infer_follows_rfc4303_appendix_a2_for_random_tops()
    {
        var random = new Random(4303);
        for (var i = 0; i < 10_000; i++)
        {
            var w = new ReplayWindow();
            var top = (ulong)random.NextInt64(1, long.MaxValue);
            w.CheckAndUpdate(top);
            var delta = random.NextInt64(-ReplayWindow.Size + 1, 1L << 31);
            var seq = (ulong)((long)top + delta);
            Assert.Equal(seq, w.Infer((uint)seq));
        }
    }

    [Fact]
    public void Agrees_with_a_naive_model_on_random_traffic()
    {
        // model: a number is accepted iff it is not 0, not seen before, and above the highest accepted minus the window
        var random = new Random(6479);
        for (var run = 0; run < 200; run++)
        {
            var w = new ReplayWindow();
            var seen = new HashSet<ulong>();
            ulong top = 0, next = (ulong)random.Next(0, 3);
            for (var i = 0; i < 500; i++)
            {
                next += (ulong)random.Next(0, random.Next(2) == 0 ? 8 : 3000);
                var seq = random.Next(4) == 0 && next > 4000 ? next - (ulong)random.Next(0, 4000) : next; // late and replayed ones
                var expected = seq != 0 && !seen.Contains(seq) && (seq > top || top - seq < ReplayWindow.Size);
                Assert.Equal(expected, w.CheckAndUpdate(seq));
                if (expected)
                {
                    seen.Add(seq);
                    top = Math.Max(top, seq);
                }
            }
        }
    }
}
