namespace VnetReconciler.Dataplane.Forwarding;

/// <summary>
/// Why the tunnel dropped a datagram or a frame (SPEC §4.1–§4.4, §3.3). Per-packet failures are these values plus
/// counters, never exceptions. The numeric values index counter arrays; append, never reorder.
/// </summary>
public enum DropReason
{
    /// <summary>Not dropped.</summary>
    None = 0,
    /// <summary>Shorter than the headers its type requires (or an inner frame shorter than an Ethernet header).</summary>
    TooShort,
    /// <summary>A header field that must hold a fixed value does not (etherip version nibble ≠ 4, VXLAN I flag clear, VARP family).</summary>
    BadHeader,
    /// <summary>A message type or opcode this host does not handle.</summary>
    UnknownType,
    /// <summary>The vnet id (or VNI) is not carried by this host, or uses the other encapsulation.</summary>
    UnknownVnet,
    /// <summary>The outer source is not a peer of the vnet and <c>accept_unknown_peers</c> is off.</summary>
    UnknownPeer,
    /// <summary>A plaintext frame for a vnet whose security is <c>auth</c> or <c>conf</c>.</summary>
    PlaintextOnSecureVnet,
    /// <summary>A secure vnet has no way to seal or open (no ESP transport, no security association).</summary>
    NoSecurityAssociation,
    /// <summary>The flood rate limit of the vnet was hit (SPEC §4.2).</summary>
    FloodRateLimited,
    /// <summary>A frame bigger than the vnet MTU with DF set: answered with ICMP, not sent (SPEC §3.3).</summary>
    FragmentationNeeded,
    /// <summary>Our own datagram came back (a flood to the broadcast address or group).</summary>
    Looped,
    /// <summary>The vnetif refused the frame (queue full or device gone).</summary>
    DeviceWriteFailed,
    /// <summary>A forwarded packet (§4.3) that is not an IPv4/UDP vnet datagram, or came from a non-relay peer.</summary>
    BadForwardedPacket,
    /// <summary>The socket refused a datagram (buffer full, no route).</summary>
    SendFailed,
    /// <summary>ESP: a replayed packet or one older than the window (RFC 4303 §3.4.3; SPEC §4.5 reason <c>replay</c>).</summary>
    EspReplay,
    /// <summary>ESP: the ICV did not verify (RFC 4303 §3.4.4; reason <c>auth</c>).</summary>
    EspAuth,
    /// <summary>ESP: no inbound SA has this SPI for this sender (reason <c>unknown_spi</c>).</summary>
    EspUnknownSpi,
    /// <summary>ESP: truncated, misaligned or with an impossible trailer or Next Header (reason <c>malformed</c>).</summary>
    EspMalformed,
    /// <summary>An SA handshake message (SPEC §4.5) that was not accepted (bad HMAC, unknown epoch, clock skew, …).</summary>
    HandshakeRejected,
}

/// <summary>Counts of <see cref="DropReason"/> values.</summary>
public static class DropReasons
{
    public const int Count = (int)DropReason.HandshakeRejected + 1;

    /// <summary>The kebab-case name used in status output and metrics.</summary>
    public static string Name(DropReason reason) => reason switch
    {
        DropReason.None => "none",
        DropReason.TooShort => "too-short",
        DropReason.BadHeader => "bad-header",
        DropReason.UnknownType => "unknown-type",
        DropReason.UnknownVnet => "unknown-vnet",
        DropReason.UnknownPeer => "unknown-peer",
        DropReason.PlaintextOnSecureVnet => "plaintext-on-secure-vnet",
        DropReason.NoSecurityAssociation => "no-security-association",
        DropReason.FloodRateLimited => "flood-rate-limited",
        DropReason.FragmentationNeeded => "fragmentation-needed",
        DropReason.Looped => "looped",
        DropReason.DeviceWriteFailed => "device-write-failed",
        DropReason.BadForwardedPacket => "bad-forwarded-packet",
        DropReason.SendFailed => "send-failed",
        DropReason.EspReplay => "esp-replay",
        DropReason.EspAuth => "esp-auth",
        DropReason.EspUnknownSpi => "esp-unknown-spi",
        DropReason.EspMalformed => "esp-malformed",
        DropReason.HandshakeRejected => "handshake-rejected",
        _ => "unknown",
    };
}
