using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using VnetReconciler.Dataplane.Forwarding;
using VnetReconciler.Dataplane.Tunnel;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>
/// ESP carried by the tunnel (SPEC §4.5): wires an <see cref="EspEndpoint"/> into a <see cref="TunnelEngine"/> as its
/// <see cref="ISecureTransport"/> (seal on send, open on <c>esp_port</c>) and its <see cref="IVnetControlHandler"/>
/// (handshakes, type 4, on the vnet port; probes, type 5, go on to the agent's handler). One timer of the injected
/// <see cref="TimeProvider"/> drives <see cref="EspEndpoint.Tick"/> for every vnet.
/// </summary>
/// <remarks>
/// Handshake messages the endpoint sends are queued and sent by the engine after the endpoint's lock is released: the
/// engine calls <see cref="Handle"/> under its own lock, and the timer calls <see cref="EspEndpoint.Tick"/> under the
/// endpoint's, so sending straight from the endpoint would take the two locks in both orders.
/// Usage: create it, create the engine with it as <c>secure</c> and <c>control</c>, <see cref="Attach"/> the engine, then
/// call <see cref="Configure"/> with the secure vnets whenever the engine is configured.
/// </remarks>
public sealed class EspSecureTransport : ISecureTransport, IVnetControlHandler, IDisposable
{
    /// <summary>SPEC §2.4 <c>esp_port</c> default (the IKE NAT-T port of RFC 3948).</summary>
    public const ushort DefaultPort = 4500;

    /// <summary>How often the endpoint's handshakes and key files are looked at (EspEndpoint asks for 100-250 ms).</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(200);

    // Stands for a sender that is no configured peer: the endpoint finds no SA from it and counts unknown_spi.
    private static readonly IPAddress Stranger = IPAddress.Any;

    private readonly ConcurrentQueue<(byte[] Message, uint Destination)> _outgoing = new();
    private readonly IVnetControlHandler? _probes;
    private readonly ITimer _timer;
    private Dictionary<uint, IPAddress> _peers = [];
    private TunnelEngine? _engine;
    private int _disposed;

    /// <param name="local">this host's underlay address.</param>
    /// <param name="keys">the key directory's ring (<c>&lt;key-dir&gt;/&lt;key&gt;.key</c>).</param>
    /// <param name="port">SPEC §2.4 <c>esp_port</c>.</param>
    /// <param name="probes">the agent's handler for probes (type 5), or null.</param>
    /// <param name="keyLog"><c>VNET_ESP_KEYLOG</c> (<see cref="EspKeyLog.FromEnvironment"/>), or null.</param>
    public EspSecureTransport(IPAddress local, KeyRing keys, ushort port = DefaultPort, TimeProvider? time = null,
        IVnetControlHandler? probes = null, EspKeyLog? keyLog = null, ILogger? logger = null)
    {
        Port = port;
        _probes = probes;
        var clock = time ?? TimeProvider.System;
        Endpoint = new EspEndpoint(local, keys, Queue, clock, keyLog, logger);
        _timer = clock.CreateTimer(_ => Tick(), null, TickInterval, TickInterval);
    }

    /// <summary>A transport on the key directory <paramref name="keyDirectory"/>, with the key log the environment asks for.</summary>
    public static EspSecureTransport ForKeyDirectory(IPAddress local, string keyDirectory, ushort port = DefaultPort,
        TimeProvider? time = null, IVnetControlHandler? probes = null, ILogger? logger = null) =>
        new(local, new KeyRing(keyDirectory), port, time, probes, EspKeyLog.FromEnvironment(), logger);

    public ushort Port { get; }

    /// <summary>The endpoint: its counters (<c>vnet_esp_drops_total</c>), epochs (<c>vnet_esp_epoch</c>), SAs and key errors.</summary>
    public EspEndpoint Endpoint { get; }

    /// <summary>The engine that sends handshake messages; call once, after creating it with this transport.</summary>
    public void Attach(TunnelEngine engine) => Volatile.Write(ref _engine, engine);

    /// <summary>Sets the secure vnets (the whole desired set) and their peers; handshakes start at the next tick.</summary>
    public void Configure(IReadOnlyCollection<EspVnetConfig> vnets)
    {
        var peers = new Dictionary<uint, IPAddress>();
        foreach (var vnet in vnets)
        {
            foreach (var peer in vnet.Peers)
            {
                var v4 = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
                peers[UnderlayAddress.ToUInt32(v4)] = v4;
            }
        }
        Endpoint.Configure(vnets);
        Volatile.Write(ref _peers, peers);
    }

    /// <summary>One round of handshakes and key-file polling, then the queued handshake messages go out. The timer calls it.</summary>
    public void Tick()
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        Endpoint.Tick();
        SendQueued();
    }

    public DropReason Seal(VnetKey vnet, uint peer, byte[] buffer, ref int offset, ref int length, SecurePayload payload)
    {
        if (!Volatile.Read(ref _peers).TryGetValue(peer, out var address)) return DropReason.NoSecurityAssociation;
        if (buffer.Length - offset - length < EspSuiteProperties.MaxTailroom || offset < EspSuiteProperties.MaxHeadroom)
            return DropReason.NoSecurityAssociation;
        var nextHeader = payload == SecurePayload.Control ? EspEndpoint.NextHeaderVnetControl : EspEndpoint.NextHeaderEthernet;
        if (!Endpoint.TrySeal(vnet, address, buffer, offset, length, nextHeader, out var start, out var sealedLength))
            return DropReason.NoSecurityAssociation;
        offset = start;
        length = sealedLength;
        return DropReason.None;
    }

    public DropReason Open(uint source, byte[] buffer, ref int offset, ref int length, out VnetKey vnet, out SecurePayload payload)
    {
        payload = SecurePayload.Frame;
        var from = Volatile.Read(ref _peers).GetValueOrDefault(source) ?? Stranger;
        var result = Endpoint.Open(buffer.AsSpan(offset, length), from, out vnet, out var innerOffset, out var innerLength, out var nextHeader);
        if (result != EspOpenResult.Ok) return Reason(result);
        switch (nextHeader)
        {
            case EspEndpoint.NextHeaderEthernet: payload = SecurePayload.Frame; break;
            case EspEndpoint.NextHeaderVnetControl: payload = SecurePayload.Control; break;
            default: return DropReason.EspMalformed; // authentic, but nothing a vnet carries
        }
        offset += innerOffset;
        length = innerLength;
        return DropReason.None;
    }

    public DropReason Handle(VnetMessageType type, ReadOnlySpan<byte> payload, uint source)
    {
        if (type != VnetMessageType.Handshake) return _probes?.Handle(type, payload, source) ?? DropReason.UnknownType;
        var from = Volatile.Read(ref _peers).GetValueOrDefault(source) ?? UnderlayAddress.ToIPAddress(source);
        var result = Endpoint.HandleHandshake(payload, from);
        SendQueued();
        return result is HandshakeResult.Answered or HandshakeResult.Established ? DropReason.None : DropReason.HandshakeRejected;
    }

    /// <summary>The engine's drop reason for an ESP drop (the endpoint has counted it per vnet already).</summary>
    public static DropReason Reason(EspOpenResult result) => result switch
    {
        EspOpenResult.Ok => DropReason.None,
        EspOpenResult.Replay => DropReason.EspReplay,
        EspOpenResult.Auth => DropReason.EspAuth,
        EspOpenResult.UnknownSpi => DropReason.EspUnknownSpi,
        _ => DropReason.EspMalformed,
    };

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _timer.Dispose();
        Endpoint.Dispose();
        _outgoing.Clear();
    }

    /// <summary>The endpoint's <see cref="HandshakeSender"/>: a copy waits for <see cref="SendQueued"/> (handshakes are rare).</summary>
    private void Queue(ReadOnlySpan<byte> message, IPAddress destination) =>
        _outgoing.Enqueue((message.ToArray(), UnderlayAddress.ToUInt32(destination)));

    private void SendQueued()
    {
        var engine = Volatile.Read(ref _engine);
        while (_outgoing.TryDequeue(out var item))
        {
            // Not attached yet, or no socket: the message is lost, and the handshake's once-a-second retry covers it.
            engine?.SendControl(item.Destination, item.Message);
        }
    }
}
