using System.Net;

namespace VnetReconciler.Dataplane.Esp;

/// <summary>What a <see cref="SaNegotiator"/> needs from the endpoint that owns it: keys, clock, transport and the SPI table.</summary>
internal interface ISaHost
{
    TimeProvider Time { get; }

    IPAddress Local { get; }

    KeySet? Keys(string keyName);

    void Send(ReadOnlySpan<byte> message, IPAddress destination);

    /// <summary>A random SPI ≥ 256 unused by any inbound SA or reservation (SPEC §4.5), now reserved.</summary>
    uint ReserveSpi();

    void ReleaseSpi(uint spi);

    /// <summary>Publishes an inbound SA under its (reserved) SPI.</summary>
    void InstallInbound(SecurityAssociation sa);

    void RemoveInbound(SecurityAssociation sa);

    /// <summary>Called for every SA installed, with its key material, for <c>VNET_ESP_KEYLOG</c>.</summary>
    void Installed(SecurityAssociation sa, ReadOnlySpan<byte> keyMaterial);
}
