using System.Buffers.Binary;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// Remembers the last few forwarded packets this host re-sent on its segment (SPEC §4.3). The kernel loops a
/// broadcast back to the sender, and the copy carries the original source, so without this the host would deliver
/// every relayed flood twice. Fingerprints are (source, length, FNV-1a of the first 64 payload bytes), kept for
/// about a second; nothing is allocated.
/// </summary>
internal sealed class RelayEchoFilter(TimeProvider time)
{
    private const int Slots = 16;
    private const int FingerprintBytes = 64;
    private readonly ulong[] _fingerprints = new ulong[Slots];
    private readonly long[] _stamps = new long[Slots];
    private int _next;
    private long _lastRemembered = long.MinValue / 2;

    public void Remember(uint source, ReadOnlySpan<byte> payload)
    {
        _fingerprints[_next] = Fingerprint(source, payload);
        _stamps[_next] = _lastRemembered = time.GetTimestamp();
        _next = (_next + 1) % Slots;
    }

    /// <summary>True (once) when this datagram is the looped-back copy of one we re-sent.</summary>
    public bool IsEcho(uint source, ReadOnlySpan<byte> payload)
    {
        var now = time.GetTimestamp();
        if (now - _lastRemembered > time.TimestampFrequency) return false; // the common case: nothing re-sent lately
        var fingerprint = Fingerprint(source, payload);
        for (var i = 0; i < Slots; i++)
        {
            if (_fingerprints[i] != fingerprint || now - _stamps[i] > time.TimestampFrequency) continue;
            _fingerprints[i] = 0;
            return true;
        }
        return false;
    }

    private static ulong Fingerprint(uint source, ReadOnlySpan<byte> payload)
    {
        var hash = 14695981039346656037UL ^ source ^ ((ulong)payload.Length << 32); // FNV-1a 64 offset basis
        var n = Math.Min(payload.Length, FingerprintBytes);
        for (var i = 0; i < n; i++) hash = (hash ^ payload[i]) * 1099511628211UL;
        return hash | 1; // never 0, the empty slot
    }
}
