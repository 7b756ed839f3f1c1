using System.Security.Cryptography;

namespace VnetReconciler.Dataplane.Esp;

internal sealed partial class SaNegotiator
{
    /// <summary>
    /// Handles a handshake message from <see cref="Peer"/> for <see cref="Vnet"/> (the endpoint checked both).
    /// Checks in the order of SPEC §4.5: epoch known, HMAC, time, then the nonce rule of the opcode.
    /// </summary>
    public HandshakeResult Receive(ReadOnlySpan<byte> bytes, in HandshakeMessage message)
    {
        if (message.Suite != Suite) return HandshakeResult.SuiteMismatch;
        var keys = _host.Keys(KeyName);
        if (keys is null || !keys.TryGet(message.Epoch, out var secret)) return HandshakeResult.UnknownEpoch;
        var kHello = EspKeyDerivation.HelloKey(secret.Bytes, Vnet, message.Epoch);
        var authentic = HandshakeMessage.Verify(bytes, kHello, Peer, _host.Local);
        CryptographicOperations.ZeroMemory(kHello);
        if (!authentic) return HandshakeResult.BadMac;
        var now = _host.Time.GetUtcNow();
        if (Math.Abs(now.ToUnixTimeMilliseconds() - message.UnixTimeMs) > (long)MaxSkew.TotalMilliseconds) return HandshakeResult.TimeSkew;
        if (message.Spi < 256) return HandshakeResult.BadSpi;
        return message.Opcode == HandshakeOpcode.Init ? ReceiveInit(message, secret, now) : ReceiveResponse(message, secret, now);
    }

    private HandshakeResult ReceiveInit(in HandshakeMessage init, KeySecret secret, DateTimeOffset now)
    {
        if (_seenInitNonces.TryGetValue(init.Nonce, out var seen) && now - seen <= NonceMemory) return HandshakeResult.ReplayedNonce;
        _seenInitNonces[init.Nonce] = now;
        if (_pending is not null && Compare(_host.Local, Peer) < 0)
        {
            // Crossing inits: the lower address's init is answered and the other dropped (SPEC §4.5), whatever epochs
            // they offer, so that both sides pick the same one handshake. The higher-address side answers below.
            return HandshakeResult.Crossing;
        }
        Supersede();
        _rekey = false;

        // We answer: the init's sender is the initiator (Na = its nonce), we are the responder (Nb = ours).
        var spi = _host.ReserveSpi();
        var nonce = NewNonce();
        var inbound = CreateSa(SaDirection.Inbound, spi, init.Epoch, secret, init.Nonce, nonce, now);
        var outbound = CreateSa(SaDirection.Outbound, init.Spi, init.Epoch, secret, init.Nonce, nonce, now);
        InstallInbound(inbound, now);
        Send(new HandshakeMessage(HandshakeOpcode.Response, Vnet, init.Epoch, Suite, spi, nonce, init.Nonce, now.ToUnixTimeMilliseconds()), secret);
        ReplaceOutbound(outbound, now); // the responder uses its new outbound SA as soon as it has answered
        return HandshakeResult.Answered;
    }

    private HandshakeResult ReceiveResponse(in HandshakeMessage response, KeySecret secret, DateTimeOffset now)
    {
        var (echoed, epoch) = (response.EchoedNonce, response.Epoch);
        var sent = _sent.Find(s => s.Nonce == echoed && s.Epoch == epoch);
        if (sent is null) return HandshakeResult.NoOutstandingInit;
        _sent.Remove(sent); // answered: its SPI becomes the new inbound SA's
        var inbound = CreateSa(SaDirection.Inbound, sent.Spi, response.Epoch, secret, sent.Nonce, response.Nonce, now);
        if (sent.Index < _establishedInit)
        {
            // A late response to an earlier init than the one already established: the peer answered that later init
            // after this one and sends on its SAs now, so only keep this inbound SA for its stragglers.
            _host.InstallInbound(inbound);
            inbound.ExpiresAt = now + InboundOverlap;
            _retired.Add(inbound);
            return HandshakeResult.Established;
        }
        var outbound = CreateSa(SaDirection.Outbound, response.Spi, response.Epoch, secret, sent.Nonce, response.Nonce, now);
        _establishedInit = sent.Index;
        _pending = null;
        InstallInbound(inbound, now);
        ReplaceOutbound(outbound, now); // the initiator uses it once the response has arrived
        return HandshakeResult.Established;
    }

    /// <summary>
    /// An SA of this pair: outbound from us to the peer, inbound from the peer to us; key material from HKDF with the
    /// initiator's nonce first (SPEC §4.5), logged for <c>VNET_ESP_KEYLOG</c> and zeroed.
    /// </summary>
    private SecurityAssociation CreateSa(SaDirection direction, uint spi, byte epoch, KeySecret secret, UInt128 na, UInt128 nb, DateTimeOffset now)
    {
        var (source, destination) = direction == SaDirection.Outbound ? (_host.Local, Peer) : (Peer, _host.Local);
        var material = EspKeyDerivation.SaKeyMaterial(secret.Bytes, Vnet, source, destination, epoch, Suite, na, nb);
        try
        {
            var sa = SecurityAssociation.Create(direction, spi, Suite, Vnet, source, destination, epoch, now, material);
            _host.Installed(sa, material);
            return sa;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private void InstallInbound(SecurityAssociation inbound, DateTimeOffset now)
    {
        _host.InstallInbound(inbound);
        if (_inbound is not null)
        {
            _inbound.ExpiresAt = now + InboundOverlap; // a replaced inbound SA stays valid for 60 s
            _retired.Add(_inbound);
        }
        _inbound = inbound;
    }

    private void ReplaceOutbound(SecurityAssociation outbound, DateTimeOffset now)
    {
        var old = Interlocked.Exchange(ref _outbound, outbound);
        if (old is null) return;
        // not disposed at once: a packet being sealed on another thread may still hold it
        old.ExpiresAt = now + InboundOverlap;
        _retired.Add(old);
    }

    /// <summary>Orders IPv4 addresses numerically (the crossing rule's "lower address").</summary>
    internal static int Compare(System.Net.IPAddress a, System.Net.IPAddress b)
    {
        Span<byte> x = stackalloc byte[4];
        Span<byte> y = stackalloc byte[4];
        EspKeyDerivation.WriteAddress(x, a);
        EspKeyDerivation.WriteAddress(y, b);
        return x.SequenceCompareTo(y);
    }
}
