using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>
/// Sends one handshake message (100 bytes, SPEC §4.5) to a peer's vnet UDP port; the span is valid during the call only.
/// Called under the endpoint's control lock: it must not block for long nor throw (a failed send is a lost datagram,
/// which the handshake's retries cover).
/// </summary>
public delegate void HandshakeSender(ReadOnlySpan<byte> message, IPAddress destination);

/// <summary>A secure vnet as ESP sees it: its suite, its key name (SPEC §2.1 <c>suite</c>, <c>key</c>) and its peers' addresses.</summary>
public sealed record EspVnetConfig(VnetKey Vnet, EspSuite Suite, string KeyName, IReadOnlyList<IPAddress> Peers);

/// <summary>One installed SA for status (SPEC §6.6); no key material.</summary>
public sealed record EspSaInfo(VnetKey Vnet, IPAddress Peer, SaDirection Direction, uint Spi, EspSuite Suite, byte Epoch,
    long Packets, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>
/// ESP for the tunnel (SPEC §4.5): SA tables keyed by (vnet, peer) for sealing and by SPI for opening, the handshake
/// negotiators behind them, the key ring and the counters. The packet path (<see cref="TrySeal"/>, <see cref="Open"/>)
/// takes no lock and allocates nothing: it reads immutable table snapshots that the control path
/// (<see cref="Configure"/>, <see cref="HandleHandshake"/>, <see cref="Tick"/>, serialized by one lock) replaces.
/// Addresses are IPv4 (<see cref="IPAddress"/> of family InterNetwork, not IPv4-mapped IPv6).
/// </summary>
public sealed partial class EspEndpoint : IDisposable, ISaHost
{
    /// <summary>How often <see cref="Tick"/> looks at the key files.</summary>
    public static readonly TimeSpan KeyPollInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _control = new();
    private readonly KeyRing _keys;
    private readonly HandshakeSender _send;
    private readonly EspKeyLog? _keyLog;
    private readonly HashSet<uint> _reservedSpis = [];
    private Dictionary<(VnetKey Vnet, IPAddress Peer), SaNegotiator> _negotiators = [];
    private Dictionary<uint, SecurityAssociation> _inbound = [];
    private Dictionary<VnetKey, EspCounters> _counters = [];
    private Dictionary<VnetKey, EspVnetConfig> _vnets = [];
    private readonly ILogger _logger;
    private readonly Dictionary<string, IReadOnlyList<KeyFileError>> _loggedKeyErrors = [];
    private DateTimeOffset _nextKeyPoll;

    public EspEndpoint(IPAddress local, KeyRing keys, HandshakeSender send, TimeProvider? time = null, EspKeyLog? keyLog = null,
        ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        Local = Ipv4(local);
        _keys = keys;
        _send = send;
        Time = time ?? TimeProvider.System;
        _keyLog = keyLog;
        _nextKeyPoll = Time.GetUtcNow() + KeyPollInterval;
    }

    /// <summary>This host's underlay address (the handshake's and the HKDF info's own address).</summary>
    public IPAddress Local { get; }

    public TimeProvider Time { get; }

    /// <summary>Drops that no vnet can be charged with: unknown SPIs and packets too short to carry one.</summary>
    public EspCounters Unattributed { get; } = new();

    /// <summary>The last problem writing <c>VNET_ESP_KEYLOG</c>, if any.</summary>
    public string? KeyLogError { get; private set; }

    /// <summary>Test hook: where SPIs come from (default: the CSPRNG).</summary>
    internal Func<uint>? SpiSource { get; set; }

    /// <summary>The counters of a secure vnet (a fresh, empty set for an unknown one).</summary>
    public EspCounters Counters(VnetKey vnet) => _counters.TryGetValue(vnet, out var c) ? c : new EspCounters();

    /// <summary>Key file problems by key name (file:line messages, never a secret).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<KeyFileError>> KeyErrors
    {
        get { lock (_control) return _keys.Errors; }
    }

    /// <summary>
    /// Sets the secure vnets and their peers (the whole desired set). New (vnet, peer) pairs start a handshake at the next
    /// <see cref="Tick"/>; pairs that left, or whose suite or key changed, lose their SAs.
    /// </summary>
    public void Configure(IEnumerable<EspVnetConfig> vnets)
    {
        lock (_control)
        {
            var desired = vnets.ToDictionary(v => v.Vnet);
            var next = new Dictionary<(VnetKey, IPAddress), SaNegotiator>();
            foreach (var config in desired.Values)
            {
                foreach (var peer in config.Peers.Select(Ipv4).Distinct())
                {
                    if (_negotiators.TryGetValue((config.Vnet, peer), out var existing) && existing.Suite == config.Suite && existing.KeyName == config.KeyName)
                        next[(config.Vnet, peer)] = existing;
                    else
                        next[(config.Vnet, peer)] = new SaNegotiator(this, config.Vnet, peer, config.Suite, config.KeyName);
                }
            }
            var gone = _negotiators.Where(n => !next.TryGetValue(n.Key, out var kept) || !ReferenceEquals(kept, n.Value)).Select(n => n.Value).ToList();
            Volatile.Write(ref _negotiators, next);
            foreach (var negotiator in gone) negotiator.Dispose();
            Volatile.Write(ref _counters, desired.Keys.ToDictionary(v => v, v => _counters.TryGetValue(v, out var c) ? c : new EspCounters()));
            _vnets = desired;
        }
    }

    /// <summary>
    /// Drives the handshakes: starts and retries inits, rekeys after 2^31 packets or an hour, expires replaced SAs after
    /// their 60 s, and re-reads changed key files (every <see cref="KeyPollInterval"/>). Call it about every 100-250 ms.
    /// </summary>
    public void Tick()
    {
        lock (_control)
        {
            var now = Time.GetUtcNow();
            if (now >= _nextKeyPoll)
            {
                _nextKeyPoll = now + KeyPollInterval;
                var changed = _keys.Poll();
                foreach (var negotiator in _negotiators.Values)
                {
                    if (changed.Contains(negotiator.KeyName)) negotiator.KeysChanged();
                }
            }
            foreach (var negotiator in _negotiators.Values) negotiator.Tick();
            LogKeyErrors();
        }
    }

    /// <summary>Logs each key file's problems once, when they first appear or change.</summary>
    private void LogKeyErrors()
    {
        var current = _keys.Errors;
        foreach (var (name, errors) in current)
        {
            if (_loggedKeyErrors.TryGetValue(name, out var logged) && logged.SequenceEqual(errors)) continue;
            foreach (var error in errors) EspLog.KeyFileProblem(_logger, error.ToString());
            _loggedKeyErrors[name] = errors;
        }
        foreach (var name in _loggedKeyErrors.Keys.Where(n => !current.ContainsKey(n)).ToList()) _loggedKeyErrors.Remove(name);
    }

    /// <summary>Handles a received handshake message (vnet message type 4, the whole UDP payload) from <paramref name="from"/>.</summary>
    public HandshakeResult HandleHandshake(ReadOnlySpan<byte> message, IPAddress from)
    {
        if (!HandshakeMessage.TryRead(message, out var parsed)) return HandshakeResult.Malformed;
        lock (_control)
        {
            from = from.IsIPv4MappedToIPv6 ? from.MapToIPv4() : from;
            var result = _negotiators.TryGetValue((parsed.Vnet, from), out var negotiator)
                ? negotiator.Receive(message, parsed)
                : HandshakeResult.NotPeer;
            if (result is not (HandshakeResult.Answered or HandshakeResult.Established)) EspLog.HandshakeDropped(_logger, from, result);
            return result;
        }
    }

    /// <summary>The installed SAs (current and overlapping), for status.</summary>
    public IReadOnlyList<EspSaInfo> SecurityAssociations()
    {
        lock (_control)
        {
            var list = new List<EspSaInfo>();
            foreach (var n in _negotiators.Values)
            {
                foreach (var sa in new[] { n.Outbound, n.Inbound }.Concat(n.Retired))
                {
                    if (sa is not null)
                        list.Add(new EspSaInfo(n.Vnet, n.Peer, sa.Direction, sa.Spi, sa.Suite, sa.Epoch, sa.Packets, sa.CreatedAt, sa.ExpiresAt));
                }
            }
            return list;
        }
    }

    /// <summary>The epoch of the outbound SA to each peer (SPEC §6.6 <c>vnet_esp_epoch{vnet,peer}</c>); 0 while none is up.</summary>
    public byte Epoch(VnetKey vnet, IPAddress peer) =>
        _negotiators.TryGetValue((vnet, peer), out var n) && n.Outbound is { } sa ? sa.Epoch : (byte)0;

    public void Dispose()
    {
        lock (_control)
        {
            foreach (var negotiator in _negotiators.Values) negotiator.Dispose();
            _negotiators = [];
        }
    }

    /// <summary>SPEC §4: addresses are IPv4. IPv4-mapped IPv6 (dual-stack sockets) is unmapped; anything else is a caller bug.</summary>
    private static IPAddress Ipv4(IPAddress address)
    {
        var v4 = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? v4
            : throw new ArgumentException($"{address} is not an IPv4 address (SPEC §4)", nameof(address));
    }

    internal SaNegotiator? Negotiator(VnetKey vnet, IPAddress peer) => _negotiators.GetValueOrDefault((vnet, peer));

    KeySet? ISaHost.Keys(string keyName) => _keys.Get(keyName);

    void ISaHost.Send(ReadOnlySpan<byte> message, IPAddress destination) => _send(message, destination);

    uint ISaHost.ReserveSpi()
    {
        Span<byte> bytes = stackalloc byte[4];
        while (true)
        {
            uint spi;
            if (SpiSource is { } source) spi = source();
            else
            {
                RandomNumberGenerator.Fill(bytes);
                spi = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
            }
            if (spi >= 256 && !_inbound.ContainsKey(spi) && _reservedSpis.Add(spi)) return spi;
        }
    }

    void ISaHost.ReleaseSpi(uint spi) => _reservedSpis.Remove(spi);

    void ISaHost.InstallInbound(SecurityAssociation sa)
    {
        _reservedSpis.Remove(sa.Spi);
        Volatile.Write(ref _inbound, new Dictionary<uint, SecurityAssociation>(_inbound) { [sa.Spi] = sa });
    }

    void ISaHost.RemoveInbound(SecurityAssociation sa)
    {
        if (!_inbound.TryGetValue(sa.Spi, out var installed) || !ReferenceEquals(installed, sa)) return;
        var next = new Dictionary<uint, SecurityAssociation>(_inbound);
        next.Remove(sa.Spi);
        Volatile.Write(ref _inbound, next);
    }

    void ISaHost.Installed(SecurityAssociation sa, ReadOnlySpan<byte> keyMaterial)
    {
        var peer = sa.Direction == SaDirection.Outbound ? sa.Destination : sa.Source;
        EspLog.SaInstalled(_logger, sa.Direction, sa.Vnet, peer, sa.Spi, sa.Suite.Name(), sa.Epoch);
        if (_keyLog is not null && !_keyLog.TryWrite(sa, keyMaterial, out var error))
        {
            if (KeyLogError != error) EspLog.KeyLogFailed(_logger, error!);
            KeyLogError = error;
        }
    }
}
