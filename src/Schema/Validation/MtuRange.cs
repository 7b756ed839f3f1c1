namespace VnetReconciler.Schema.Validation;

/// <summary>MTU bounds: a vnet MTU carries at least the 68 bytes every IPv4 link must (RFC 791); an underlay at least
/// the 576 bytes every IPv4 host must accept (RFC 791); none above the 65535 of an IPv4 datagram.</summary>
internal static class MtuRange
{
    public const int MinVnet = 68;
    public const int MinUnderlay = 576;
    public const int Max = 65535;
}
