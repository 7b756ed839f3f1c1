namespace VnetReconciler.Dataplane.Tunnel.Offload;

/// <summary>
/// What the offload path did (issue 9), summed over the vnetifs and binds of a tunnel: super-frames the TAPs handed over
/// and the segments cut from them, checksums completed, runs coalesced toward the TAPs, UDP GSO messages sent and UDP GRO
/// windows received. All zero when offloads are off.
/// </summary>
public sealed record OffloadCounterSnapshot
{
    /// <summary>TCP super-frames (GSO_TCPV4/TCPV6) read from the vnetifs and segmented in userspace.</summary>
    public long SuperFrames { get; init; }

    /// <summary>MTU-sized segments cut from those super-frames.</summary>
    public long Segments { get; init; }

    /// <summary>Frames read with NEEDS_CSUM whose checksum the tunnel completed.</summary>
    public long ChecksumsCompleted { get; init; }

    /// <summary>Reads dropped because their virtio header or layout made no sense.</summary>
    public long Malformed { get; init; }

    /// <summary>Super-frames written to the vnetifs, each a run of coalesced TCP segments.</summary>
    public long CoalescedRuns { get; init; }

    /// <summary>Segments merged into those runs.</summary>
    public long CoalescedSegments { get; init; }

    /// <summary>Coalesced runs the vnetif refused.</summary>
    public long CoalescedWriteFailures { get; init; }

    /// <summary>Messages sent with UDP_SEGMENT (each carrying 2 to 64 datagrams).</summary>
    public long GsoMessages { get; init; }

    /// <summary>UDP_SEGMENT messages the kernel refused (then sent datagram by datagram).</summary>
    public long GsoRefused { get; init; }

    /// <summary>Receive windows that carried several datagrams (UDP_GRO).</summary>
    public long GroWindows { get; init; }

    /// <summary>Datagrams received in those windows.</summary>
    public long GroDatagrams { get; init; }

    public static OffloadCounterSnapshot Zero { get; } = new();

    public OffloadCounterSnapshot Plus(OffloadCounterSnapshot other) => new()
    {
        SuperFrames = SuperFrames + other.SuperFrames,
        Segments = Segments + other.Segments,
        ChecksumsCompleted = ChecksumsCompleted + other.ChecksumsCompleted,
        Malformed = Malformed + other.Malformed,
        CoalescedRuns = CoalescedRuns + other.CoalescedRuns,
        CoalescedSegments = CoalescedSegments + other.CoalescedSegments,
        CoalescedWriteFailures = CoalescedWriteFailures + other.CoalescedWriteFailures,
        GsoMessages = GsoMessages + other.GsoMessages,
        GsoRefused = GsoRefused + other.GsoRefused,
        GroWindows = GroWindows + other.GroWindows,
        GroDatagrams = GroDatagrams + other.GroDatagrams,
    };

    /// <summary>The counters as (name, value) pairs in a fixed order, snake_case names (metrics labels, bench output).</summary>
    public IEnumerable<(string Name, long Value)> Pairs() =>
    [
        ("super_frames", SuperFrames), ("segments", Segments), ("checksums_completed", ChecksumsCompleted), ("malformed", Malformed),
        ("coalesced_runs", CoalescedRuns), ("coalesced_segments", CoalescedSegments), ("coalesced_write_failures", CoalescedWriteFailures),
        ("gso_messages", GsoMessages), ("gso_refused", GsoRefused), ("gro_windows", GroWindows), ("gro_datagrams", GroDatagrams),
    ];
}
