using System.Net;
using Microsoft.Extensions.Logging;
using VnetReconciler.Dataplane;
using VnetReconciler.Dataplane.Esp;
using VnetReconciler.Dataplane.Forwarding;
using VnetReconciler.Dataplane.Tunnel;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>
/// The agent's ESP (SPEC §4.5). The engine is built once, before any revision says what this host's address and
/// <c>esp_port</c> are, while an <see cref="EspSecureTransport"/> is fixed to both; so the engine holds this seam from
/// the start, and the transport behind it is made when the first secure vnet is configured and made again when the
/// address or port changes (the peers then see a fresh init and re-key at once). With no transport, secure vnets
/// drop their traffic as <see cref="DropReason.NoSecurityAssociation"/>.
/// </summary>
public sealed class AgentEsp(string keyDirectory, TimeProvider time, ILogger? logger = null) : ISecureTransport, IVnetControlHandler, IDisposable
{
    private readonly Lock _gate = new();
    private EspSecureTransport? _current;
    private IPAddress? _local;
    private TunnelEngine? _engine;

    public ushort Port => Volatile.Read(ref _current)?.Port ?? EspSecureTransport.DefaultPort;

    /// <summary>The endpoint behind the seam, for counters, epochs and key errors; null before the first secure vnet.</summary>
    public EspEndpoint? Endpoint => Volatile.Read(ref _current)?.Endpoint;

    public void Attach(TunnelEngine engine)
    {
        lock (_gate)
        {
            _engine = engine;
            _current?.Attach(engine);
        }
    }

    /// <summary>Sets the secure vnets; call before the engine's own Configure so it binds the right ESP port.</summary>
    public void Configure(IPAddress local, ushort port, IReadOnlyCollection<EspVnetConfig> vnets)
    {
        lock (_gate)
        {
            if (vnets.Count == 0 && _current is null) return;
            if (_current is null || !local.Equals(_local) || _current.Port != port)
            {
                var old = _current;
                var fresh = EspSecureTransport.ForKeyDirectory(local, keyDirectory, port, time, probes: null, logger);
                if (_engine is not null) fresh.Attach(_engine);
                Volatile.Write(ref _current, fresh);
                _local = local;
                old?.Dispose();
            }
            _current.Configure(vnets);
        }
    }

    /// <summary>
    /// Starts the handshakes now rather than at the transport's next tick (up to 200 ms away): after a restart, and
    /// once the engine has bound the ESP port, so secure vnets carry traffic again as soon as each peer answers.
    /// </summary>
    public void Negotiate() => Volatile.Read(ref _current)?.Tick();

    public DropReason Seal(VnetKey vnet, uint peer, byte[] buffer, ref int offset, ref int length, SecurePayload payload) =>
        Volatile.Read(ref _current) is { } t ? t.Seal(vnet, peer, buffer, ref offset, ref length, payload) : DropReason.NoSecurityAssociation;

    public DropReason Open(uint source, byte[] buffer, ref int offset, ref int length, out VnetKey vnet, out SecurePayload payload)
    {
        if (Volatile.Read(ref _current) is { } t) return t.Open(source, buffer, ref offset, ref length, out vnet, out payload);
        vnet = default;
        payload = default;
        return DropReason.EspUnknownSpi;
    }

    public DropReason Handle(VnetMessageType type, ReadOnlySpan<byte> payload, uint source) =>
        Volatile.Read(ref _current) is { } t ? t.Handle(type, payload, source) : DropReason.HandshakeRejected;

    public void Dispose()
    {
        lock (_gate)
        {
            _current?.Dispose();
            _current = null;
        }
    }
}
