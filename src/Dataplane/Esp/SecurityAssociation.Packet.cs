using System.Buffers.Binary;

namespace VnetReconciler.Dataplane.Esp;

public sealed partial class SecurityAssociation
{
    /// <summary>
    /// Seals in place. The payload lies at <paramref name="payloadOffset"/>; the ESP header and IV are written into the
    /// <see cref="EspSuiteProperties.Headroom"/> bytes before it, padding (1, 2, 3, …; RFC 4303 §2.4), Pad Length, Next
    /// Header and ICV after it. On success the ESP packet (the UDP payload) is <c>buffer[packetOffset..+packetLength]</c>.
    /// False, with nothing sealed, when the buffer lacks head- or tailroom, the SA is disposed or not outbound.
    /// </summary>
    public bool Seal(Span<byte> buffer, int payloadOffset, int payloadLength, byte nextHeader, out int packetOffset, out int packetLength)
    {
        var headroom = Suite.Headroom();
        var alignment = Suite.Alignment();
        var plaintext = (payloadLength + EspSuiteProperties.TrailerLength + alignment - 1) / alignment * alignment;
        packetOffset = payloadOffset - headroom;
        packetLength = headroom + plaintext + Suite.IcvLength();
        if (Direction != SaDirection.Outbound || payloadLength < 0 || packetOffset < 0 || packetOffset + packetLength > buffer.Length)
        {
            packetOffset = packetLength = 0;
            return false;
        }
        var packet = buffer.Slice(packetOffset, packetLength);
        var trailer = packet.Slice(headroom + payloadLength, plaintext - payloadLength);
        var padLength = trailer.Length - EspSuiteProperties.TrailerLength;
        for (var i = 0; i < padLength; i++) trailer[i] = (byte)(i + 1);
        trailer[padLength] = (byte)padLength;
        trailer[padLength + 1] = nextHeader;
        BinaryPrimitives.WriteUInt32BigEndian(packet, Spi);
        lock (_lock)
        {
            if (_disposed || _lastSequence == ulong.MaxValue)
            {
                packetOffset = packetLength = 0;
                return false;
            }
            var sequence = ++_lastSequence;
            BinaryPrimitives.WriteUInt32BigEndian(packet[4..], (uint)sequence);
            _transform.Seal(packet, plaintext, sequence);
        }
        Interlocked.Increment(ref _packets);
        return true;
    }

    /// <summary>
    /// Opens an ESP packet (the UDP payload) in place: infers the ESN from the window, rejects replays before and after
    /// the ICV check, verifies, decrypts, and updates the window only for an authentic packet (RFC 4303 §3.4.3). On
    /// <see cref="EspOpenResult.Ok"/> the payload is <c>packet[payloadOffset..+payloadLength]</c>. Never throws for
    /// packet content. The SPI is the caller's business (it looked this SA up by it).
    /// </summary>
    public EspOpenResult Open(Span<byte> packet, out int payloadOffset, out int payloadLength, out byte nextHeader)
    {
        payloadOffset = payloadLength = 0;
        nextHeader = 0;
        var headroom = Suite.Headroom();
        var plaintext = packet.Length - headroom - Suite.IcvLength();
        // Only the CBC suite needs whole cipher blocks; the 4-byte alignment of RFC 4303 §2.4 is the sender's duty and is
        // not enforced on receive (as Linux's xfrm does), which keeps other implementations' packets acceptable.
        var block = Suite == EspSuite.AesCbc128HmacSha196 ? 16 : 1;
        if (plaintext < EspSuiteProperties.TrailerLength || plaintext % block != 0) return EspOpenResult.Malformed;
        if (Direction != SaDirection.Inbound) return EspOpenResult.UnknownSpi;
        lock (_lock)
        {
            if (_disposed) return EspOpenResult.UnknownSpi;
            var sequence = _window.Infer(BinaryPrimitives.ReadUInt32BigEndian(packet[4..]));
            if (!_window.Check(sequence)) return EspOpenResult.Replay;
            if (!_transform.Open(packet, plaintext, sequence)) return EspOpenResult.Auth;
            if (!_window.CheckAndUpdate(sequence)) return EspOpenResult.Replay;
        }
        Interlocked.Increment(ref _packets);
        var text = packet.Slice(headroom, plaintext);
        var padLength = text[^2];
        nextHeader = text[^1];
        var length = plaintext - EspSuiteProperties.TrailerLength - padLength;
        if (length < 0) return EspOpenResult.Malformed;
        for (var i = 0; i < padLength; i++)
        {
            if (text[length + i] != (byte)(i + 1)) return EspOpenResult.Malformed; // RFC 4303 §2.4 default padding
        }
        payloadOffset = headroom;
        payloadLength = length;
        return EspOpenResult.Ok;
    }
}
