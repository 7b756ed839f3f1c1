using System.Runtime.CompilerServices;
using System.Buffers.Binary;
using VnetReconciler.Dataplane.Forwarding;

namespace VnetReconciler.Dataplane.Tunnel;

// Send path: vnetif → local learning and announce (§4.2) → MTU (§3.3) → encapsulation (§4.1/§4.4) → unicast or flood.
public sealed partial class TunnelEngine
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ReadDevice(VnetState vnet)
    {
        var total = 0;
        int read;
        do
        {
            for (read = 0; read < _frames.Capacity; read++)
            {
                var buffer = _frames.Slots[read].Buffer;
                var length = vnet.Device.Read(buffer.AsSpan(DatagramBatch.Headroom, DatagramBatch.MaxDatagram));
                if (length < 0) break;
                SendFrame(vnet, buffer, DatagramBatch.Headroom, length);
            }
            Flush();
            total += read;
        }
        // Segments of a super-frame already read wait in the device, where epoll cannot see them: finish it now (at most
        // one super-frame's worth more), or its tail would sit until the next frame arrives.
        while (read == _frames.Capacity && vnet.Device.HasPending);
        return total;
    }

    /// <summary>One frame the bridge gave the vnetif: <c>buffer[offset..offset+length]</c>, headroom in front.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SendFrame(VnetState vnet, byte[] buffer, int offset, int length)
    {
        var reason = Route(vnet, buffer, offset, length);
        if (reason == DropReason.None) return;
        vnet.Counters.Drop(reason);
        Total.Drop(reason);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private DropReason Route(VnetState vnet, byte[] buffer, int offset, int length)
    {
        if (length < Ipv4Packet.EthernetHeaderLength) return DropReason.TooShort;
        var frame = buffer.AsSpan(offset, length);
        var destination = MacAddress.Read(frame);
        var source = MacAddress.Read(frame[MacAddress.Length..]);
        if (!source.IsMulticast) LearnLocal(vnet, source);
        var reason = CheckMtu(vnet, frame);
        if (reason != DropReason.None) return reason;
        vnet.Counters.Sent(length);
        // A MAC the table calls local reaches the vnetif only when the bridge lost it (it moved away silently, or the
        // bridge aged it first): flood it like an unknown one rather than lose it.
        if (!destination.IsMulticast && vnet.Macs.TryLookup(destination, out var entry) && !entry.IsLocal)
            return SendUnicast(vnet, buffer, offset, length, entry.Address);
        if (!vnet.Limiter.TryTake()) return DropReason.FloodRateLimited;
        vnet.Counters.Floods++;
        Total.Floods++;
        if (vnet.IsSecure) return SendSealedToAll(vnet, buffer, offset, length);
        var bind = Encapsulate(vnet, buffer, ref offset, ref length);
        if (bind is null) return DropReason.UnknownVnet;
        Replicate(vnet, bind, buffer, offset, length);
        return DropReason.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LearnLocal(VnetState vnet, MacAddress mac)
    {
        switch (vnet.Macs.LearnLocal(mac))
        {
            case LearnResult.New:
            case LearnResult.MovedHere:
                Announce(vnet, mac); // peers re-learn at once after a VM migrates here (§4.2)
                break;
            case LearnResult.Full:
                vnet.Counters.MacTableFull++;
                Total.MacTableFull++;
                break;
        }
    }

    /// <summary>
    /// SPEC §3.3: an inner packet bigger than the vnet MTU with DF set (or any IPv6 one) is answered with ICMP
    /// "fragmentation needed" / "packet too big" written back into the vnetif; others go out and the kernel
    /// fragments the outer packet.
    /// </summary>
    private DropReason CheckMtu(VnetState vnet, ReadOnlySpan<byte> frame)
    {
        var mtu = vnet.Config.Mtu;
        if (frame.Length - Ipv4Packet.EthernetHeaderLength <= mtu) return DropReason.None;
        var icmpLength = PathMtuMessage.Write(frame, mtu, _icmp);
        if (icmpLength <= 0)
        {
            vnet.Counters.OuterFragmented++;
            Total.OuterFragmented++;
            return DropReason.None;
        }
        vnet.Device.Write(_icmp.AsSpan(0, icmpLength));
        vnet.Counters.IcmpTooBig++;
        Total.IcmpTooBig++;
        return DropReason.FragmentationNeeded;
    }

    /// <summary>Prepends the vnet's outer header in the headroom; returns the bind it travels on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private BindState? Encapsulate(VnetState vnet, byte[] buffer, ref int offset, ref int length)
    {
        if (vnet.IsVxlan)
        {
            offset -= VxlanHeader.Length;
            length += VxlanHeader.Length;
            new VxlanHeader(vnet.Key.Vni).Write(buffer.AsSpan(offset));
            return _vxlan;
        }
        offset -= EtherIpHeader.FrameOverhead;
        length += EtherIpHeader.FrameOverhead;
        EtherIpHeader.WriteFramePrefix(buffer.AsSpan(offset), vnet.Key);
        return _udp;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private DropReason SendUnicast(VnetState vnet, byte[] buffer, int offset, int length, uint peer)
    {
        if (vnet.IsSecure) return SendSealedInPlace(vnet, buffer, offset, length, peer);
        var bind = Encapsulate(vnet, buffer, ref offset, ref length);
        if (bind is null) return DropReason.UnknownVnet;
        Enqueue(bind, buffer, offset, length, peer, bind.Bind.Port);
        return DropReason.None;
    }

    /// <summary>
    /// Sends an encapsulated payload to everyone on the vnet (SPEC §2.4 <c>flood</c>): one unicast copy per peer, or one
    /// copy to the group plus, for the vnet protocol, a forwarded copy (§4.3) to each relay peer. Copies share the buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Replicate(VnetState vnet, BindState bind, byte[] buffer, int offset, int length)
    {
        var port = bind.Bind.Port;
        if (_config!.Flood == FloodMode.Unicast || vnet.IsSecure)
        {
            foreach (var peer in vnet.Peers) Enqueue(bind, buffer, offset, length, peer, port);
            return;
        }
        Enqueue(bind, buffer, offset, length, _group, port);
        if (bind != _udp || _relayList.Length == 0) return;
        var relayOffset = offset - ForwardedPacket.Overhead;
        ForwardedPacket.WritePrefix(buffer.AsSpan(relayOffset), _local, _group, port, length);
        foreach (var peer in _relayList) Enqueue(bind, buffer, relayOffset, length + ForwardedPacket.Overhead, peer, port);
    }

    private DropReason SendSealedToAll(VnetState vnet, byte[] buffer, int offset, int length)
    {
        foreach (var peer in vnet.Peers)
        {
            var reason = SendSealed(vnet, buffer, offset, length, peer, SecurePayload.Frame);
            if (reason != DropReason.None) return reason;
        }
        return DropReason.None;
    }

    /// <summary>The ESP seam (SPEC §4.5): each peer gets its own sealed copy of a frame or control message in a pooled buffer.</summary>
    private DropReason SendSealed(VnetState vnet, byte[] buffer, int offset, int length, uint peer, SecurePayload payload)
    {
        if (_secure is null || _esp is null) return DropReason.NoSecurityAssociation;
        if (_sealed.IsFull) Flush();
        var copy = _sealed.Slots[_sealed.Count++].Buffer;
        buffer.AsSpan(offset, length).CopyTo(copy.AsSpan(DatagramBatch.Headroom));
        var sealedOffset = DatagramBatch.Headroom;
        var sealedLength = length;
        var reason = _secure.Seal(vnet.Key, peer, copy, ref sealedOffset, ref sealedLength, payload);
        if (reason != DropReason.None) return reason;
        Enqueue(_esp, copy, sealedOffset, sealedLength, peer, _esp.Bind.Port);
        return DropReason.None;
    }

    /// <summary>
    /// A frame for one peer only (unicast, read into an engine-owned frame slot that nothing reads again before the next
    /// <see cref="Flush"/>): sealed where it lies, without the pooled copy a flood needs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private DropReason SendSealedInPlace(VnetState vnet, byte[] buffer, int offset, int length, uint peer)
    {
        if (_secure is null || _esp is null) return DropReason.NoSecurityAssociation;
        var reason = _secure.Seal(vnet.Key, peer, buffer, ref offset, ref length, SecurePayload.Frame);
        if (reason != DropReason.None) return reason;
        Enqueue(_esp, buffer, offset, length, peer, _esp.Bind.Port);
        return DropReason.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Enqueue(BindState bind, byte[] buffer, int offset, int length, uint address, ushort port)
    {
        if (bind.Outgoing.IsFull) Flush();
        bind.Outgoing.Add(buffer, offset, length, address, port);
        Total.Sent(length);
        PeerCounters(address)?.Sent(length);
    }

    /// <summary>Sends every queued datagram in batches; a datagram the kernel refuses is skipped and counted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Flush()
    {
        FlushBind(_udp);
        FlushBind(_vxlan);
        FlushBind(_esp);
        _control.Recycle();
        _sealed.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FlushBind(BindState? bind)
    {
        if (bind is null) return;
        var batch = bind.Outgoing;
        var start = 0;
        while (start < batch.Count)
        {
            var sent = bind.Bind.Send(batch, start);
            if (sent <= 0)
            {
                Total.Drop(DropReason.SendFailed);
                sent = 1;
            }
            start += sent;
        }
        batch.Clear();
    }
}
