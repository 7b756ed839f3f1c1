using System.Buffers.Binary;
using System.Net;

namespace VnetReconciler.Dataplane.Esp;

public sealed partial class EspEndpoint
{
    /// <summary>Next Header of an inner Ethernet frame (IANA protocol number 143, RFC 8986 "Ethernet").</summary>
    public const byte NextHeaderEthernet = 143;

    /// <summary>Next Header of a vnet control message on a secure vnet (SPEC §4.5; 253 is for experimentation, RFC 3692).</summary>
    public const byte NextHeaderVnetControl = 253;

    /// <summary>
    /// Seals a frame or control message for <paramref name="peer"/> on <paramref name="vnet"/> in place (see
    /// <see cref="SecurityAssociation.Seal"/> for the buffer layout; leave <see cref="EspSuiteProperties.Headroom"/> bytes
    /// before the payload and <see cref="EspSuiteProperties.Tailroom"/> after it; <see cref="EspSuiteProperties.MaxHeadroom"/> and
    /// <see cref="EspSuiteProperties.MaxTailroom"/> cover every suite). False when
    /// no SA is up yet (the handshake is running) or the buffer is too small: the caller drops and counts.
    /// </summary>
    public bool TrySeal(VnetKey vnet, IPAddress peer, Span<byte> buffer, int payloadOffset, int payloadLength, byte nextHeader,
        out int start, out int length)
    {
        start = length = 0;
        if (!Volatile.Read(ref _negotiators).TryGetValue((vnet, peer), out var negotiator)) return false;
        var sa = negotiator.Outbound;
        if (sa is null || !sa.Seal(buffer, payloadOffset, payloadLength, nextHeader, out start, out length)) return false;
        if (Volatile.Read(ref _counters).TryGetValue(vnet, out var counters)) counters.CountSealed();
        return true;
    }

    /// <summary>
    /// Opens an ESP packet (the UDP payload received on <c>esp_port</c>) from <paramref name="from"/> in place. On
    /// <see cref="EspOpenResult.Ok"/>, <paramref name="vnet"/> is the SA's vnet and the payload (a frame with next header
    /// 143 or a control message with 253) lies at <paramref name="payloadOffset"/>. Every other result is a drop, already
    /// counted per vnet (or in <see cref="Unattributed"/> when no SA matched).
    /// </summary>
    public EspOpenResult Open(Span<byte> udpPayload, IPAddress from, out VnetKey vnet, out int payloadOffset, out int payloadLength,
        out byte nextHeader)
    {
        vnet = default;
        payloadOffset = payloadLength = 0;
        nextHeader = 0;
        if (udpPayload.Length < EspSuiteProperties.HeaderLength)
        {
            Unattributed.Count(EspOpenResult.Malformed);
            return EspOpenResult.Malformed;
        }
        var spi = BinaryPrimitives.ReadUInt32BigEndian(udpPayload);
        if (!Volatile.Read(ref _inbound).TryGetValue(spi, out var sa) || !sa.Source.Equals(from))
        {
            Unattributed.Count(EspOpenResult.UnknownSpi);
            return EspOpenResult.UnknownSpi;
        }
        vnet = sa.Vnet;
        var result = sa.Open(udpPayload, out payloadOffset, out payloadLength, out nextHeader);
        if (Volatile.Read(ref _counters).TryGetValue(vnet, out var counters)) counters.Count(result);
        return result;
    }
}
