using System.Net;

namespace VnetReconciler.Schema.Model;

/// <summary>A tunnel endpoint outside the fleet (SPEC §2.3): <c>(peer (addr A) [(vnets …)])</c> or Xen's <c>(peer.add …)</c>.</summary>
public sealed record Peer
{
    public required IPAddress Address { get; init; }
    /// <summary>The vnets exchanged with the peer, or null for all.</summary>
    public EquatableArray<VnetId>? Vnets { get; init; }

    public SourceSpan Span { get; init; }
    public FieldSpans Fields { get; init; } = FieldSpans.Empty;

    public bool Carries(VnetId vnet) => Vnets is not { } list || list.Contains(vnet);
}
