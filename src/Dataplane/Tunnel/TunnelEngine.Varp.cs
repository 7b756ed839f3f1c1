using VnetReconciler.Dataplane.Forwarding;

namespace VnetReconciler.Dataplane.Tunnel;

// VARP (SPEC §4.2): answering requests for local MACs, learning from announces, announcing new and moved MACs.
public sealed partial class TunnelEngine
{
    /// <param name="sealedFor">the vnet of the SA that authenticated it (SPEC §4.5), or null for plaintext VARP.</param>
    private DropReason ReceiveVarp(ReadOnlySpan<byte> payload, uint source, VnetKey? sealedFor, out VnetState? vnet)
    {
        vnet = null;
        var reason = VarpMessage.TryRead(payload, out var message);
        if (reason != DropReason.None) return reason;
        if (sealedFor is { } key && key != message.Vnet) return DropReason.UnknownVnet; // sealed for one vnet, about another
        reason = Admit(message.Vnet, Encapsulation.Udp, source, out vnet);
        if (reason != DropReason.None) return reason;
        // SPEC §4.5: on a secure vnet MACs are learned only from authenticated messages.
        // During a wire change (§6.4) the format the vnet is leaving is accepted too.
        if (!vnet!.Accepts(sealedFor.HasValue ? WireFormat.Secure : WireFormat.PlainUdp))
            return sealedFor.HasValue ? DropReason.NoSecurityAssociation : DropReason.PlaintextOnSecureVnet;
        if (message.Opcode == VarpOpcode.Request)
        {
            if (vnet!.IsLocal(message.Mac)) SendVarp(vnet, VarpOpcode.Announce, message.Mac, source);
        }
        else if (message.Address != _local && message.Address != 0)
        {
            LearnRemote(vnet!, message.Mac, message.Address);
        }
        Total.Consumed++;
        return DropReason.None;
    }

    /// <summary>Tells every peer of the vnet that <paramref name="mac"/> lives here (a new or moved-here MAC).</summary>
    private void Announce(VnetState vnet, MacAddress mac)
    {
        if (vnet.IsVxlan) return; // VXLAN peers (kernel vxlan) learn from data only; VARP is the vnet protocol's
        SendVarp(vnet, VarpOpcode.Announce, mac, destination: 0);
    }

    /// <summary>Sends a VARP request for <paramref name="mac"/> to the vnet's peers (or the flood group).</summary>
    public void Request(VnetKey vnet, MacAddress mac)
    {
        lock (_gate)
        {
            if (!_vnets.TryGetValue(vnet, out var state) || state.IsVxlan) return;
            SendVarp(state, VarpOpcode.Request, mac, destination: 0);
            Flush();
        }
    }

    /// <summary>Builds a VARP message about <paramref name="mac"/> with this host's address; 0 as destination floods it.</summary>
    private void SendVarp(VnetState vnet, VarpOpcode opcode, MacAddress mac, uint destination)
    {
        if (_udp is null) return;
        if (_control.Exhausted) Flush();
        var buffer = _control.Take();
        const int offset = DatagramBatch.Headroom;
        new VarpMessage(opcode, vnet.Key, mac, _local).Write(buffer.AsSpan(offset, VarpMessage.Length));
        if (vnet.IsSecure) SendSealedControl(vnet, buffer, offset, VarpMessage.Length, destination);
        else if (destination != 0) Enqueue(_udp, buffer, offset, VarpMessage.Length, destination, _udp.Bind.Port);
        else Replicate(vnet, _udp, buffer, offset, VarpMessage.Length);
    }

    /// <summary>A control message on a secure vnet goes inside ESP with Next Header 253 (SPEC §4.5); 0 sends to every peer.</summary>
    private void SendSealedControl(VnetState vnet, byte[] buffer, int offset, int length, uint destination)
    {
        if (destination != 0)
        {
            CountSendDrop(vnet, SendSealed(vnet, buffer, offset, length, destination, SecurePayload.Control));
            return;
        }
        foreach (var peer in vnet.Peers) CountSendDrop(vnet, SendSealed(vnet, buffer, offset, length, peer, SecurePayload.Control));
    }

    private void CountSendDrop(VnetState vnet, DropReason reason)
    {
        if (reason == DropReason.None) return;
        vnet.Counters.Drop(reason);
        Total.Drop(reason);
    }

    /// <summary>
    /// Sends a vnet control message (a probe of SPEC §6.5, header included) about <paramref name="vnet"/> to
    /// <paramref name="destination"/>: inside ESP when the vnet is secure (SPEC §4.5), else in clear on the vnet port.
    /// False when the payload is too big, the vnet is not carried, or (secure) no SA is up yet.
    /// </summary>
    public bool SendControl(VnetKey vnet, uint destination, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > ControlBuffers.MaxPayload) return false;
        lock (_gate)
        {
            if (!_vnets.TryGetValue(vnet, out var state)) return false;
            if (!state.IsSecure) return SendControl(destination, payload);
            if (_control.Exhausted) Flush();
            var buffer = _control.Take();
            payload.CopyTo(buffer.AsSpan(DatagramBatch.Headroom));
            var reason = SendSealed(state, buffer, DatagramBatch.Headroom, payload.Length, destination, SecurePayload.Control);
            CountSendDrop(state, reason);
            Flush();
            return reason == DropReason.None;
        }
    }

    /// <summary>
    /// Sends a control message (a handshake or probe of SPEC §4.5/§6.5, header included) to <paramref name="destination"/>
    /// (IPv4, host order) on the vnet port; callable from an <see cref="IVnetControlHandler"/> on the loop thread or from any
    /// other thread. False when the payload is too big or no socket is open.
    /// </summary>
    public bool SendControl(uint destination, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > ControlBuffers.MaxPayload) return false;
        lock (_gate)
        {
            if (_udp is null) return false;
            if (_control.Exhausted) Flush();
            var buffer = _control.Take();
            payload.CopyTo(buffer.AsSpan(DatagramBatch.Headroom));
            Enqueue(_udp, buffer, DatagramBatch.Headroom, payload.Length, destination, _udp.Bind.Port);
            Flush();
            return true;
        }
    }
}
