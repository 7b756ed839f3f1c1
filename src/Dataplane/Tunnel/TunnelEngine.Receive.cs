using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using VnetReconciler.Dataplane.Forwarding;

namespace VnetReconciler.Dataplane.Tunnel;

// Receive path: datagrams from the sockets → checks (SPEC §4.1, §4.3, §4.4) → learning (§4.2) → vnetif.
public sealed partial class TunnelEngine
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ReceiveBatch(BindState bind)
    {
        var batch = _received;
        for (var i = 0; i < batch.Capacity; i++)
        {
            batch.Slots[i].Offset = DatagramBatch.Headroom;
            batch.Slots[i].Length = DatagramBatch.MaxDatagram;
            batch.Slots[i].SegmentSize = 0;
        }
        var count = bind.Bind.Receive(batch);
        for (var i = 0; i < count; i++)
        {
            ref var slot = ref batch.Slots[i];
            if (slot.SegmentSize <= 0)
            {
                ReceiveDatagram(bind, slot.Buffer, slot.Offset, slot.Length, slot.Address);
                continue;
            }
            // UDP GRO: a window of several datagrams, each handled on its own (all work stays inside its window).
            for (var at = 0; at < slot.Length; at += slot.SegmentSize)
                ReceiveDatagram(bind, slot.Buffer, slot.Offset + at, Math.Min(slot.SegmentSize, slot.Length - at), slot.Address);
        }
        foreach (var device in _holding) device.FlushHeld(); // merged TCP runs (offloads) leave at the end of the batch
        _holding.Clear();
        Flush();
        return count;
    }

    /// <summary>
    /// Handles one received datagram (its UDP payload at <c>buffer[offset..offset+length]</c> from
    /// <paramref name="source"/>): delivered, consumed as control, or dropped with a counted reason.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ReceiveDatagram(BindState bind, byte[] buffer, int offset, int length, uint source)
    {
        Total.Received(length);
        var peer = PeerCounters(source);
        peer?.Received(length);
        VnetState? vnet = null;
        DropReason reason;
        if (source == _local || _relayEchoes.IsEcho(source, buffer.AsSpan(offset, length))) reason = DropReason.Looped;
        else if (bind == _udp) reason = ReceiveVnetMessage(buffer, offset, length, source, relayed: false, out vnet);
        else if (bind == _vxlan) reason = ReceiveVxlan(buffer, offset, length, source, out vnet);
        else reason = ReceiveSecure(buffer, offset, length, source, out vnet);
        if (reason == DropReason.None) return;
        Total.Drop(reason);
        peer?.Drop(reason);
        vnet?.Counters.Drop(reason);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private DropReason ReceiveVnetMessage(byte[] buffer, int offset, int length, uint source, bool relayed, out VnetState? vnet)
    {
        vnet = null;
        var payload = buffer.AsSpan(offset, length);
        if (!VnetMessageHeader.TryRead(payload, out var header)) return DropReason.TooShort;
        switch (header.Type)
        {
            case VnetMessageType.Frame:
                if (header.Opcode != 0) return DropReason.UnknownType;
                var reason = EtherIpHeader.TryRead(payload[VnetMessageHeader.Length..], out var etherip);
                if (reason != DropReason.None) return reason;
                reason = Admit(etherip.Vnet, Encapsulation.Udp, source, out vnet);
                if (reason != DropReason.None) return reason;
                if (!vnet!.Accepts(WireFormat.PlainUdp)) return DropReason.PlaintextOnSecureVnet;
                vnet.CountFormat(WireFormat.PlainUdp);
                return Deliver(vnet, buffer, offset + EtherIpHeader.FrameOverhead, length - EtherIpHeader.FrameOverhead, source);
            case VnetMessageType.Varp:
                return ReceiveVarp(payload, source, sealedFor: null, out vnet);
            case VnetMessageType.Forwarded:
                return relayed ? DropReason.BadForwardedPacket : ReceiveForwarded(buffer, offset, length, source, out vnet);
            case VnetMessageType.Handshake or VnetMessageType.Probe when _controlHandler is not null && !relayed:
                reason = _controlHandler.Handle(header.Type, payload, source);
                if (reason == DropReason.None) Total.Consumed++;
                return reason;
            default:
                return DropReason.UnknownType;
        }
    }

    /// <summary>SPEC §4.4: RFC 7348 header, VNI = vnet id, then the inner frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private DropReason ReceiveVxlan(byte[] buffer, int offset, int length, uint source, out VnetState? vnet)
    {
        vnet = null;
        var reason = VxlanHeader.TryRead(buffer.AsSpan(offset, length), out var header);
        if (reason != DropReason.None) return reason;
        if (!_byVni.TryGetValue(header.Vni, out vnet)) return DropReason.UnknownVnet;
        if (!vnet.PeerSet.Contains(source) && !_config!.AcceptUnknownPeers) return DropReason.UnknownPeer;
        vnet.CountFormat(WireFormat.Vxlan);
        return Deliver(vnet, buffer, offset + VxlanHeader.Length, length - VxlanHeader.Length, source);
    }

    /// <summary>
    /// The ESP seam (SPEC §4.5): the secure transport opens the datagram in place, the engine delivers the frame or
    /// handles the control message (VARP, probe) as authenticated for the SA's vnet.
    /// </summary>
    private DropReason ReceiveSecure(byte[] buffer, int offset, int length, uint source, out VnetState? vnet)
    {
        vnet = null;
        var reason = _secure!.Open(source, buffer, ref offset, ref length, out var key, out var kind);
        if (reason != DropReason.None) return reason;
        if (kind == SecurePayload.Control) return ReceiveSecureControl(buffer.AsSpan(offset, length), source, key, out vnet);
        reason = Admit(key, Encapsulation.Udp, source, out vnet);
        if (reason != DropReason.None) return reason;
        if (!vnet!.Accepts(WireFormat.Secure)) return DropReason.NoSecurityAssociation;
        vnet.CountFormat(WireFormat.Secure);
        return Deliver(vnet, buffer, offset, length, source);
    }

    private DropReason ReceiveSecureControl(ReadOnlySpan<byte> payload, uint source, VnetKey key, out VnetState? vnet)
    {
        vnet = null;
        if (!VnetMessageHeader.TryRead(payload, out var header)) return DropReason.TooShort;
        switch (header.Type)
        {
            case VnetMessageType.Varp:
                return ReceiveVarp(payload, source, key, out vnet);
            case VnetMessageType.Probe when _controlHandler is not null:
                var reason = _controlHandler.Handle(header.Type, payload, source);
                if (reason == DropReason.None) Total.Consumed++;
                return reason;
            default:
                return DropReason.UnknownType;
        }
    }

    /// <summary>SPEC §4.3: accept only from a relay peer, process the original datagram as if it had arrived, re-send it here.</summary>
    private DropReason ReceiveForwarded(byte[] buffer, int offset, int length, uint source, out VnetState? vnet)
    {
        vnet = null;
        if (!_relayPeers.Contains(source)) return DropReason.UnknownPeer;
        var reason = ForwardedPacket.TryRead(buffer.AsSpan(offset, length), _config!.Port, out var packet);
        if (reason != DropReason.None) return reason;
        if (packet.OriginalSource == _local) return DropReason.Looped;
        reason = ReceiveVnetMessage(buffer, offset + packet.PayloadOffset, packet.PayloadLength, packet.OriginalSource, relayed: true, out vnet);
        if (reason != DropReason.None) return reason;
        if (_config.Flood == FloodMode.Multicast) ResendOnSegment(buffer, offset, length, packet);
        return DropReason.None;
    }

    /// <summary>
    /// Re-sends a forwarded packet's original IPv4 datagram on this segment, keeping the original source and aimed at
    /// this segment's group with TTL 1 (SPEC §4.3); the kernel loops it back to us, <see cref="RelayEchoFilter"/> drops that.
    /// </summary>
    private void ResendOnSegment(byte[] buffer, int offset, int length, in ForwardedPacket packet)
    {
        var ip = buffer.AsSpan(offset + VnetMessageHeader.Length, length - VnetMessageHeader.Length);
        var headerLength = (ip[0] & 0x0F) * 4;
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], _group);
        ip[8] = 1; // TTL
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Ipv4Packet.Checksum(ip[..headerLength], 0));
        _relayEchoes.Remember(packet.OriginalSource, buffer.AsSpan(offset + packet.PayloadOffset, packet.PayloadLength));
        _udp!.Bind.SendRawIpv4(ip[..BinaryPrimitives.ReadUInt16BigEndian(ip[2..])]);
    }

    /// <summary>Finds the vnet and checks that the sender is one of its peers (SPEC §4.1); during a wire change (§6.4) the
    /// vnet's previous encapsulation is accepted too.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private DropReason Admit(VnetKey key, Encapsulation encapsulation, uint source, out VnetState? vnet)
    {
        if (!_vnets.TryGetValue(key, out vnet) || !vnet.AcceptsEncapsulation(encapsulation))
        {
            vnet = null;
            return DropReason.UnknownVnet;
        }
        return vnet.PeerSet.Contains(source) || _config!.AcceptUnknownPeers ? DropReason.None : DropReason.UnknownPeer;
    }

    /// <summary>Learns the inner source MAC (SPEC §4.2) and writes the frame to the vnetif.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private DropReason Deliver(VnetState vnet, byte[] buffer, int offset, int length, uint source)
    {
        if (length < Ipv4Packet.EthernetHeaderLength) return DropReason.TooShort;
        var frame = buffer.AsSpan(offset, length);
        var sourceMac = MacAddress.Read(frame[MacAddress.Length..]);
        if (sourceMac.IsMulticast) return DropReason.BadHeader;
        LearnRemote(vnet, sourceMac, source);
        if (!vnet.Device.Write(frame)) return DropReason.DeviceWriteFailed;
        if (vnet.Device.Holding && !_holding.Contains(vnet.Device)) _holding.Add(vnet.Device);
        vnet.Counters.Received(length);
        Total.Delivered++;
        return DropReason.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LearnRemote(VnetState vnet, MacAddress mac, uint address)
    {
        switch (vnet.Macs.LearnRemote(mac, address))
        {
            case LearnResult.Full:
                vnet.Counters.MacTableFull++;
                Total.MacTableFull++;
                break;
            case LearnResult.MovedAway:
                // The VM left this host: drop the bridge's stale entry so local VMs reach it through the tunnel (§4.2).
                if (vnet.Config.Bridge is { } bridge) _platform.ForgetBridgeEntry(bridge, mac);
                break;
        }
    }
}
