namespace VnetReconciler.Dataplane.Esp;

/// <summary>What became of one received handshake message (SPEC §4.5); everything from <see cref="Malformed"/> on is a drop.</summary>
public enum HandshakeResult
{
    /// <summary>A valid init was answered: new SAs installed, the new outbound SA in use at once.</summary>
    Answered,

    /// <summary>A valid response to an outstanding init: new SAs installed and in use.</summary>
    Established,

    /// <summary>Wrong length, type, opcode or reserved bytes.</summary>
    Malformed,

    /// <summary>The sender is not a peer of the vnet (or the vnet is not secure here).</summary>
    NotPeer,

    /// <summary>The suite differs from the vnet's.</summary>
    SuiteMismatch,

    /// <summary>This host lacks the epoch offered, so it does not answer (SPEC §4.5 epoch negotiation).</summary>
    UnknownEpoch,

    /// <summary>The HMAC does not verify with K_hello.</summary>
    BadMac,

    /// <summary>The sender's time is more than 120 s from ours.</summary>
    TimeSkew,

    /// <summary>An init whose nonce was seen in the last 240 s.</summary>
    ReplayedNonce,

    /// <summary>A response whose echoed nonce is no outstanding init's.</summary>
    NoOutstandingInit,

    /// <summary>Our own init crossed this one and ours, from the lower address, is the one to be answered.</summary>
    Crossing,

    /// <summary>The SPI offered is reserved (below 256, RFC 4303 §2.1).</summary>
    BadSpi,
}
