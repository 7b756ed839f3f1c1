namespace VnetReconciler.Schema.Model;

/// <summary>The vnet MTU of SPEC §3.3: the explicit <c>mtu</c>, or the minimum over the hosts carrying the vnet of underlay MTU − overhead.</summary>
public static class VnetMtu
{
    /// <summary>
    /// Bytes the tunnel adds on the underlay (SPEC §3.3 table): outer IPv4 20 (RFC 791) and UDP 8 (RFC 768) always,
    /// and the inner Ethernet header 14.
    /// </summary>
    public static int Overhead(Encapsulation encapsulation, EspSuite? suite) => (encapsulation, suite) switch
    {
        (Encapsulation.Vxlan, _) => 50,                        // + VXLAN header 8 (RFC 7348 §5)
        (_, null) => 64,                                       // + vnet header 4, etherip 18 (§4.1)
        (_, EspSuite.AesGcm128) => 76,                         // + SPI 4, seq 4, IV 8, pad ≤ 3 + 2, ICV 16 (RFC 4106)
        (_, EspSuite.NullHmacSha256_128) => 68,                // + SPI 4, seq 4, pad ≤ 3 + 2, ICV 16 (RFC 4868)
        (_, EspSuite.NullHmacSha1_96) => 64,                   // + SPI 4, seq 4, pad ≤ 3 + 2, ICV 12 (RFC 2404)
        (_, EspSuite.AesCbc128HmacSha1_96) => 92,              // + SPI 4, seq 4, IV 16, pad to 16, ICV 12 (RFC 3602)
        _ => throw new ArgumentOutOfRangeException(nameof(suite), suite, "unknown ESP suite"),
    };

    public static int Overhead(Vnet vnet) => Overhead(vnet.Encapsulation, vnet.Suite);

    /// <summary>The MTU computed from the hosts alone (ignoring an explicit <c>mtu</c>); the fleet's underlay when no host carries the vnet.</summary>
    public static int Computed(DesiredState state, Vnet vnet)
    {
        var underlay = int.MaxValue;
        foreach (var host in state.HostsCarrying(vnet))
            underlay = Math.Min(underlay, state.UnderlayMtuOf(host));
        if (underlay == int.MaxValue) underlay = state.Fleet.UnderlayMtu;
        return underlay - Overhead(vnet);
    }

    public static int Of(DesiredState state, Vnet vnet) => vnet.Mtu ?? Computed(state, vnet);
}
