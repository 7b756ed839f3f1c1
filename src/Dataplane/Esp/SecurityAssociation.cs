using System.Buffers.Binary;
using System.Net;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>Which way an SA carries traffic, seen from this host.</summary>
public enum SaDirection
{
    Outbound,
    Inbound,
}

/// <summary>
/// One ESP security association (RFC 4303 in UDP, SPEC §4.5): the SPI, the suite's key objects (created once and reused,
/// nothing allocated per packet) and, outbound, the 64-bit sequence counter starting at 1, or, inbound, the replay window.
/// Extended sequence numbers are always on. Seal and Open work in place and are safe to call from several threads (a lock
/// serializes the key objects, which are not thread-safe). Key material never leaves the object; <see cref="ToString"/>
/// names the SA only.
/// </summary>
public sealed partial class SecurityAssociation : IDisposable
{
    private readonly EspTransform _transform;
    private readonly ReplayWindow _window = new();
    private readonly Lock _lock = new();
    private ulong _lastSequence; // outbound: the last sequence number used; the first packet carries 1 (RFC 4303 §3.3.3)
    private long _packets;
    private bool _disposed;

    internal SecurityAssociation(SaDirection direction, uint spi, EspSuite suite, VnetKey vnet, IPAddress source,
        IPAddress destination, byte epoch, DateTimeOffset createdAt, ReadOnlySpan<byte> keyMaterial)
    {
        Direction = direction;
        Spi = spi;
        Suite = suite;
        Vnet = vnet;
        Source = source;
        Destination = destination;
        Epoch = epoch;
        CreatedAt = createdAt;
        _transform = EspTransform.Create(suite, keyMaterial);
    }

    /// <summary>Creates an SA from its HKDF key material (SPEC §4.5 layout); the caller keeps and zeroes its copy.</summary>
    public static SecurityAssociation Create(SaDirection direction, uint spi, EspSuite suite, VnetKey vnet, IPAddress source,
        IPAddress destination, byte epoch, DateTimeOffset createdAt, ReadOnlySpan<byte> keyMaterial) =>
        new(direction, spi, suite, vnet, source, destination, epoch, createdAt, keyMaterial);

    public SaDirection Direction { get; }
    public uint Spi { get; }
    public EspSuite Suite { get; }
    public VnetKey Vnet { get; }

    /// <summary>The sender of the SA's traffic (this host for an outbound SA).</summary>
    public IPAddress Source { get; }

    /// <summary>The receiver of the SA's traffic (this host for an inbound SA).</summary>
    public IPAddress Destination { get; }

    public byte Epoch { get; }
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Inbound SAs that a newer one replaced stay valid until this time (SPEC §4.5: 60 s); null while current.</summary>
    public DateTimeOffset? ExpiresAt { get; internal set; }

    /// <summary>Packets sealed (outbound) or accepted (inbound) on this SA.</summary>
    public long Packets => Interlocked.Read(ref _packets);

    /// <summary>Inbound: the highest authenticated sequence number.</summary>
    public ulong HighestSequence { get { lock (_lock) return Direction == SaDirection.Outbound ? _lastSequence : _window.Top; } }

    /// <summary>Outbound: sets the last used sequence number, so the next packet carries <paramref name="last"/> + 1 (tests, benchmarks).</summary>
    internal void SetLastSequence(ulong last)
    {
        lock (_lock) _lastSequence = last;
    }

    /// <summary>Test hook: pretend this many packets went through (the 2^31 rekey threshold).</summary>
    internal void SetPackets(long packets) => Interlocked.Exchange(ref _packets, packets);

    public override string ToString() =>
        $"{Direction.ToString().ToLowerInvariant()} SA spi 0x{Spi:x8} {Suite.Name()} vnet {Vnet} {Source} -> {Destination} epoch {Epoch}";

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _transform.Dispose();
        }
    }
}
