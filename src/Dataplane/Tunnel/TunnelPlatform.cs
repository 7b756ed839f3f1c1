namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// A vnetif as the tunnel sees it: a TAP carrying whole Ethernet frames. Matches <c>Tun.TapDevice</c>
/// (<see cref="Read"/> returns -1 when nothing is queued on a non-blocking device), and the in-memory fake.
/// </summary>
public interface IFrameDevice : IDisposable
{
    /// <summary>The descriptor the epoll loop watches; -1 for in-memory devices.</summary>
    int FileDescriptor { get; }

    /// <summary>Reads one frame; its length, or -1 when none is waiting.</summary>
    int Read(Span<byte> frame);

    /// <summary>Writes one frame; false when the device refused it.</summary>
    bool Write(ReadOnlySpan<byte> frame);

    /// <summary>
    /// True when frames already taken from the kernel wait to be read (the rest of a segmented super-frame): the
    /// descriptor will not become readable for them, so the engine keeps reading.
    /// </summary>
    bool HasPending => false;

    /// <summary>True when written frames are held back to be merged (TCP coalescing); <see cref="FlushHeld"/> writes them.</summary>
    bool Holding => false;

    /// <summary>Writes frames held back by <see cref="Write"/>; the engine calls it at the end of every receive batch.</summary>
    void FlushHeld()
    {
    }

    /// <summary>What the device's offload path did (super-frames segmented, runs coalesced); null without offloads.</summary>
    Offload.OffloadCounterSnapshot? Offload => null;

    /// <summary>True once the device is gone (deleted under us): the engine stops watching it, reports the vnet absent and reopens it at the next Configure.</summary>
    bool IsBroken => false;
}

/// <summary>
/// One UDP socket of the tunnel, bound to a port on every local address, moving datagrams in batches
/// (recvmmsg/sendmmsg on Linux). Addresses are IPv4 in host order.
/// </summary>
public interface IDatagramBind : IDisposable
{
    int FileDescriptor { get; }

    ushort Port { get; }

    /// <summary>Fills the batch's slots with received datagrams; returns how many (0 when none is waiting).</summary>
    int Receive(DatagramBatch batch);

    /// <summary>Sends the batch's datagrams from <paramref name="start"/> on; returns how many the kernel took (0 when it refused the first).</summary>
    int Send(DatagramBatch batch, int start);

    /// <summary>
    /// Sends a complete IPv4 packet as it is (keeping its source address), for re-sending forwarded multicast on this
    /// segment (SPEC §4.3). False when the platform cannot (no raw socket).
    /// </summary>
    bool SendRawIpv4(ReadOnlySpan<byte> packet);

    /// <summary>What the bind's offload path did (UDP GSO messages, UDP GRO windows); null without offloads.</summary>
    Offload.OffloadCounterSnapshot? Offload => null;
}

/// <summary>What the engine needs from the host: binds, vnetifs and the bridge's forwarding database.</summary>
public interface ITunnelPlatform
{
    /// <summary>Opens a socket on <c>0.0.0.0:port</c>, joined to <paramref name="multicastGroup"/> when that is a multicast address.</summary>
    IDatagramBind Bind(ushort port, uint multicastGroup);

    /// <summary>Opens the vnetif (an existing persistent TAP) non-blocking.</summary>
    IFrameDevice OpenDevice(string vnetif);

    /// <summary>Removes the bridge's forwarding entry for <paramref name="mac"/> (a MAC that moved away, SPEC §4.2): <c>bridge fdb del</c>.</summary>
    void ForgetBridgeEntry(string bridge, MacAddress mac);
}

/// <summary>What a secure vnet carries inside ESP (SPEC §4.5 Next Header): a frame, or a vnet control message.</summary>
public enum SecurePayload
{
    /// <summary>An inner Ethernet frame (Next Header 143).</summary>
    Frame,
    /// <summary>A vnet control message from its type field on: VARP (§4.2) or a probe (§6.5) (Next Header 253).</summary>
    Control,
}

/// <summary>
/// The seam where secure vnets (security <c>auth</c>/<c>conf</c>, SPEC §4.5) are sealed and opened by ESP. The engine
/// hands over whole inner Ethernet frames and its own control messages; without a transport, secure vnets drop with
/// <see cref="Forwarding.DropReason.NoSecurityAssociation"/>.
/// </summary>
public interface ISecureTransport
{
    /// <summary>The ESP port (SPEC §2.4 <c>esp_port</c>) the engine binds and hands datagrams from.</summary>
    ushort Port { get; }

    /// <summary>
    /// Seals the payload at <c>buffer[offset..offset+length]</c> for <paramref name="peer"/> in place: the buffer has
    /// <see cref="DatagramBatch.Headroom"/> bytes before and room after. On success offset/length describe the datagram.
    /// </summary>
    Forwarding.DropReason Seal(VnetKey vnet, uint peer, byte[] buffer, ref int offset, ref int length, SecurePayload payload);

    /// <summary>
    /// Opens a received ESP datagram in place; on success offset/length describe the inner payload of
    /// <paramref name="vnet"/>, a frame or a control message as <paramref name="payload"/> says.
    /// </summary>
    Forwarding.DropReason Open(uint source, byte[] buffer, ref int offset, ref int length, out VnetKey vnet, out SecurePayload payload);
}

/// <summary>
/// The seam for vnet messages the tunnel does not handle itself: type 4 (SA handshake, SPEC §4.5, the ESP transport)
/// and type 5 (probe, SPEC §6.5, the agent's health check). Called on the loop thread with the whole UDP payload; the
/// result is counted like any other (<see cref="Forwarding.DropReason.None"/> = consumed). Must not block.
/// </summary>
public interface IVnetControlHandler
{
    Forwarding.DropReason Handle(VnetMessageType type, ReadOnlySpan<byte> payload, uint source);
}
