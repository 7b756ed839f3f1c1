namespace VnetReconciler.Dataplane.Esp;

/// <summary>What became of one received ESP packet (SPEC §4.5 anti-replay). Everything but <see cref="Ok"/> is a drop.</summary>
public enum EspOpenResult
{
    /// <summary>Authentic and new: the payload may be delivered.</summary>
    Ok,

    /// <summary>Replayed, or too old for the window (RFC 4303 §3.4.3). Metric reason <c>replay</c>.</summary>
    Replay,

    /// <summary>The ICV did not verify: forged, damaged, or sealed with other keys. Metric reason <c>auth</c>.</summary>
    Auth,

    /// <summary>No inbound SA has this SPI (or it belongs to another sender). Metric reason <c>unknown_spi</c>.</summary>
    UnknownSpi,

    /// <summary>Truncated, misaligned, or with an impossible trailer. Metric reason <c>malformed</c>.</summary>
    Malformed,
}

/// <summary>Drop counters per reason (SPEC §6.6 <c>vnet_esp_drops_total{vnet,reason}</c>). Thread-safe.</summary>
public sealed class EspCounters
{
    private long _ok, _replay, _auth, _unknownSpi, _malformed, _sealed;

    public long Opened => Interlocked.Read(ref _ok);
    public long Sealed => Interlocked.Read(ref _sealed);
    public long Replay => Interlocked.Read(ref _replay);
    public long Auth => Interlocked.Read(ref _auth);
    public long UnknownSpi => Interlocked.Read(ref _unknownSpi);
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>The metric label of a drop reason (SPEC §6.6).</summary>
    public static string Label(EspOpenResult result) => result switch
    {
        EspOpenResult.Replay => "replay",
        EspOpenResult.Auth => "auth",
        EspOpenResult.UnknownSpi => "unknown_spi",
        EspOpenResult.Malformed => "malformed",
        _ => "ok",
    };

    public void Count(EspOpenResult result)
    {
        switch (result)
        {
            case EspOpenResult.Ok: Interlocked.Increment(ref _ok); break;
            case EspOpenResult.Replay: Interlocked.Increment(ref _replay); break;
            case EspOpenResult.Auth: Interlocked.Increment(ref _auth); break;
            case EspOpenResult.UnknownSpi: Interlocked.Increment(ref _unknownSpi); break;
            default: Interlocked.Increment(ref _malformed); break;
        }
    }

    public void CountSealed() => Interlocked.Increment(ref _sealed);

    /// <summary>The count for one reason, as the metrics exporter reads it.</summary>
    public long Get(EspOpenResult result) => result switch
    {
        EspOpenResult.Ok => Opened,
        EspOpenResult.Replay => Replay,
        EspOpenResult.Auth => Auth,
        EspOpenResult.UnknownSpi => UnknownSpi,
        _ => Malformed,
    };

    public override string ToString() =>
        $"sealed={Sealed} opened={Opened} replay={Replay} auth={Auth} unknown_spi={UnknownSpi} malformed={Malformed}";
}
