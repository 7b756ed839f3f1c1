using System.Net;
using System.Security.Cryptography;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>
/// The SA handshake of SPEC §4.5 for one (vnet, peer): a two-message exchange on the vnet UDP port that agrees fresh keys
/// from both nonces, so no (key, nonce) pair repeats even across restarts. Driven by received messages
/// (<see cref="Receive"/>) and a clock tick (<see cref="Tick"/>); not thread-safe (the endpoint serializes). It starts a
/// handshake when it starts, when the key file's epochs change, after 2^31 packets or one hour on the outbound SA;
/// answers every valid init (the peer restarted); retries unanswered inits once a second with fresh nonces, stepping down
/// an epoch after three; keeps a replaced inbound SA valid for 60 s.
/// </summary>
internal sealed partial class SaNegotiator : IDisposable
{
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);
    public const int AttemptsPerEpoch = 3;
    public const long RekeyPackets = 1L << 31;
    public static readonly TimeSpan RekeyAge = TimeSpan.FromHours(1);
    public static readonly TimeSpan InboundOverlap = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan MaxSkew = TimeSpan.FromSeconds(120);
    public static readonly TimeSpan NonceMemory = TimeSpan.FromSeconds(240);

    private readonly ISaHost _host;
    private readonly List<SecurityAssociation> _retired = [];
    private readonly Dictionary<UInt128, DateTimeOffset> _seenInitNonces = [];
    private SecurityAssociation? _outbound;
    private SecurityAssociation? _inbound;
    private Pending? _pending; // the handshake this side is driving (retries, epoch steps), or null

    // Every init sent and not yet answered, each with its own nonce and reserved SPI, kept for MaxSkew (a response can
    // be no older): a late response to an earlier retry, or to an init given up because we answered the peer's crossing
    // init, is still installed, so that both sides end on the SAs of the last handshake the peer completed.
    private readonly List<SentInit> _sent = [];
    private long _initsSent;
    private long _establishedInit = -1; // index of the init whose response installed the current SAs
    private bool _rekey = true; // a new handshake runs when this side starts

    public SaNegotiator(ISaHost host, VnetKey vnet, IPAddress peer, EspSuite suite, string keyName)
    {
        _host = host;
        Vnet = vnet;
        Peer = peer;
        Suite = suite;
        KeyName = keyName;
    }

    public VnetKey Vnet { get; }
    public IPAddress Peer { get; }
    public EspSuite Suite { get; }
    public string KeyName { get; }

    /// <summary>The SA to seal with (read by the packet path without a lock).</summary>
    public SecurityAssociation? Outbound => Volatile.Read(ref _outbound);

    public SecurityAssociation? Inbound => _inbound;

    /// <summary>Replaced SAs kept for their overlap (inbound: still accepted until <see cref="SecurityAssociation.ExpiresAt"/>).</summary>
    public IReadOnlyList<SecurityAssociation> Retired => _retired;

    /// <summary>The epoch the current init offers, or 0 when no handshake is under way.</summary>
    public byte OfferedEpoch => _pending?.Epoch ?? 0;

    /// <summary>Inits sent so far (each with a fresh nonce and SPI).</summary>
    public long InitsSent => _initsSent;

    /// <summary>The key file's epochs changed: renegotiate, offering the highest epoch again.</summary>
    public void KeysChanged()
    {
        _rekey = true;
        Supersede();
    }

    public void Tick()
    {
        var now = _host.Time.GetUtcNow();
        ExpireRetired(now);
        for (var i = _sent.Count - 1; i >= 0; i--)
        {
            if (now - _sent[i].SentAt <= MaxSkew) continue;
            _host.ReleaseSpi(_sent[i].Spi);
            _sent.RemoveAt(i);
        }
        foreach (var (nonce, seen) in _seenInitNonces)
        {
            if (now - seen > NonceMemory) _seenInitNonces.Remove(nonce);
        }
        if (_pending is null)
        {
            var outbound = _outbound;
            var due = _rekey || outbound is null || outbound.Packets >= RekeyPackets || now - outbound.CreatedAt >= RekeyAge;
            if (!due) return;
        }
        var keys = _host.Keys(KeyName);
        if (keys is null || keys.HighestEpoch == 0) return;
        if (_pending is null)
        {
            _pending = new Pending(keys.HighestEpoch);
            _rekey = false;
        }
        else if (now - _pending.LastSent < RetryInterval) return;
        else if (_pending.Attempts >= AttemptsPerEpoch || !keys.TryGet(_pending.Epoch, out _))
        {
            // the peer lacks this epoch: offer the next lower one (after the lowest, start again from the highest)
            var lower = keys.NextLower(_pending.Epoch);
            _pending.Epoch = lower != 0 ? lower : keys.HighestEpoch;
            _pending.Attempts = 0;
        }
        SendInit(keys, now);
    }

    private void SendInit(KeySet keys, DateTimeOffset now)
    {
        var pending = _pending!;
        if (!keys.TryGet(pending.Epoch, out var secret)) return;
        var sent = new SentInit(NewNonce(), pending.Epoch, _host.ReserveSpi(), _initsSent++, now);
        _sent.Add(sent);
        pending.Attempts++;
        pending.LastSent = now;
        Send(new HandshakeMessage(HandshakeOpcode.Init, Vnet, pending.Epoch, Suite, sent.Spi, sent.Nonce, 0, now.ToUnixTimeMilliseconds()), secret);
    }

    private void Send(HandshakeMessage message, KeySecret secret)
    {
        Span<byte> bytes = stackalloc byte[HandshakeMessage.Length];
        var kHello = EspKeyDerivation.HelloKey(secret.Bytes, Vnet, message.Epoch);
        message.Write(bytes, kHello, _host.Local, Peer);
        CryptographicOperations.ZeroMemory(kHello);
        _host.Send(bytes, Peer);
    }

    /// <summary>Stops retrying; responses to the inits already sent are still accepted (<see cref="_sent"/>).</summary>
    private void Supersede() => _pending = null;

    private void ExpireRetired(DateTimeOffset now)
    {
        for (var i = _retired.Count - 1; i >= 0; i--)
        {
            var sa = _retired[i];
            if (sa.ExpiresAt > now) continue;
            if (sa.Direction == SaDirection.Inbound) _host.RemoveInbound(sa);
            sa.Dispose();
            _retired.RemoveAt(i);
        }
    }

    private static UInt128 NewNonce()
    {
        Span<byte> bytes = stackalloc byte[EspKeyDerivation.NonceLength];
        RandomNumberGenerator.Fill(bytes);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public void Dispose()
    {
        _pending = null;
        foreach (var sent in _sent) _host.ReleaseSpi(sent.Spi);
        _sent.Clear();
        foreach (var sa in _retired)
        {
            if (sa.Direction == SaDirection.Inbound) _host.RemoveInbound(sa);
            sa.Dispose();
        }
        _retired.Clear();
        if (_inbound is not null) { _host.RemoveInbound(_inbound); _inbound.Dispose(); _inbound = null; }
        _outbound?.Dispose();
        _outbound = null;
    }

    public override string ToString() => $"ESP negotiator vnet {Vnet} peer {Peer} {Suite.Name()} key {KeyName}";

    /// <summary>One init message sent: its nonce, epoch, the SPI reserved for the inbound SA it asks for, and its order.</summary>
    private sealed record SentInit(UInt128 Nonce, byte Epoch, uint Spi, long Index, DateTimeOffset SentAt);

    /// <summary>The handshake being driven: the epoch offered, inits sent at it, when the last one went out.</summary>
    private sealed class Pending(byte epoch)
    {
        public byte Epoch = epoch;
        public int Attempts;
        public DateTimeOffset LastSent;
    }
}
