using System.Net;

namespace VnetReconciler.Schema.Model;

/// <summary>A fleet host (SPEC §2.2).</summary>
public sealed record Host
{
    public required string Name { get; init; }
    /// <summary>The underlay IPv4 address: the host's tunnel endpoint.</summary>
    public required IPAddress Address { get; init; }
    /// <summary>The host's own underlay MTU, or null for the fleet's (<see cref="DesiredState.UnderlayMtuOf"/>).</summary>
    public int? UnderlayMtu { get; init; }
    public EquatableArray<Port> Ports { get; init; }
    /// <summary>Xen vif forms as written; <see cref="DesiredState.PortsOf"/> and <see cref="DesiredState.AnnouncedMacsOf"/> resolve them.</summary>
    public EquatableArray<Vif> Vifs { get; init; }

    public SourceSpan Span { get; init; }
    public FieldSpans Fields { get; init; } = FieldSpans.Empty;
}

/// <summary>A VM-facing interface on a vnet (SPEC §2.2).</summary>
public sealed record Port
{
    public required string Name { get; init; }
    public required VnetId Vnet { get; init; }
    public PortType Type { get; init; }
    /// <summary>Numeric uid owning a <c>tap</c> port.</summary>
    public uint? Owner { get; init; }
    /// <summary>Numeric gid of a <c>tap</c> port.</summary>
    public uint? Group { get; init; }
    public Mac? Mac { get; init; }

    public SourceSpan Span { get; init; }
    public FieldSpans Fields { get; init; } = FieldSpans.Empty;
}

/// <summary>
/// Xen's VM-config form <c>(vif (mac M) (bridge B) [(name N)])</c>: with a name a <c>link</c> port with that MAC on
/// the vnet whose bridge is B; without one, a MAC announced by this host (Xen's <c>vn vif-add</c>).
/// </summary>
public sealed record Vif
{
    public required Mac Mac { get; init; }
    public required string Bridge { get; init; }
    public string? Name { get; init; }

    public SourceSpan Span { get; init; }
    public FieldSpans Fields { get; init; } = FieldSpans.Empty;
}

/// <summary>A MAC that a host announces on a vnet and answers VARP requests for (SPEC §4.2).</summary>
public sealed record AnnouncedMac(Mac Mac, VnetId Vnet);
