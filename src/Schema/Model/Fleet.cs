using System.Net;

namespace VnetReconciler.Schema.Model;

/// <summary>Fleet-wide settings (SPEC §2.4), every default applied.</summary>
public sealed record Fleet
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    public TimeSpan Interval { get; init; } = DefaultInterval;
    /// <summary>Vnet UDP port (SPEC §4.1).</summary>
    public int Port { get; init; } = 1798;
    /// <summary>ESP-in-UDP port (RFC 3948).</summary>
    public int EspPort { get; init; } = 4500;
    /// <summary>VXLAN UDP port (RFC 7348 §5, IANA 4789).</summary>
    public int VxlanPort { get; init; } = 4789;
    public int UnderlayMtu { get; init; } = 1500;
    public FloodMode Flood { get; init; }
    public IPAddress MulticastGroup { get; init; } = IPAddress.Parse("224.10.0.1");
    public bool AcceptUnknownPeers { get; init; }
    public EquatableArray<RolloutWave> Rollout { get; init; }
    /// <summary>How long a silent host still blocks a wave; default 5 × <see cref="Interval"/>.</summary>
    public TimeSpan Grace { get; init; } = 5 * DefaultInterval;
    public TimeSpan VerifyWindow { get; init; } = TimeSpan.FromSeconds(30);
    public EquatableArray<MaintenanceWindow> Windows { get; init; }
    public SignatureRequirement Signatures { get; init; }
    public FleetStatusSettings Status { get; init; } = new();

    public SourceSpan Span { get; init; }
    public FieldSpans Fields { get; init; } = FieldSpans.Empty;

    /// <summary>The settings of a repository without a fleet file.</summary>
    public static Fleet Default { get; } = new();
}

/// <summary>A rollout wave (SPEC §6.4): host names or globs, and an optional window narrowing the fleet's.</summary>
public sealed record RolloutWave
{
    public required string Name { get; init; }
    public EquatableArray<string> Hosts { get; init; }
    public MaintenanceWindow? Window { get; init; }

    public SourceSpan Span { get; init; }
    public FieldSpans Fields { get; init; } = FieldSpans.Empty;

    /// <summary>True for a pattern with <c>*</c>, <c>?</c> or <c>[</c>, matched as a shell glob.</summary>
    public static bool IsGlob(string pattern) => pattern.AsSpan().IndexOfAny("*?[") >= 0;
}

/// <summary>A maintenance window: a Quartz cron expression for its start and how long it stays open.</summary>
public sealed record MaintenanceWindow
{
    public required string Cron { get; init; }
    public required TimeSpan Duration { get; init; }

    public SourceSpan Span { get; init; }
    public FieldSpans Fields { get; init; } = FieldSpans.Empty;
}

/// <summary>Where agents publish their status (SPEC §6.6).</summary>
public sealed record FleetStatusSettings
{
    public bool Push { get; init; } = true;
    /// <summary>The status remote, or null for the desired-state remote.</summary>
    public string? Remote { get; init; }

    public SourceSpan Span { get; init; }
    public FieldSpans Fields { get; init; } = FieldSpans.Empty;
}
