using System.Net;

namespace VnetReconciler.Reconciler.Agent;

/// <summary><c>vnetctl agent</c>'s settings (SPEC §5).</summary>
public sealed record AgentOptions
{
    public const string DefaultListen = "127.0.0.1:9797";
    public const string DefaultKeyDir = "/etc/vnet-reconciler/keys";

    public required string Repo { get; init; }
    public string Ref { get; init; } = "HEAD";
    public required string Host { get; init; }
    public IPAddress? Address { get; init; }
    /// <summary>Overrides the fleet's <c>interval</c> when set.</summary>
    public TimeSpan? Interval { get; init; }
    public required string StateDir { get; init; }
    public string KeyDir { get; init; } = DefaultKeyDir;
    public required string TrustFile { get; init; }
    public IPEndPoint Listen { get; init; } = IPEndPoint.Parse(DefaultListen);
    public bool JsonLogs { get; init; }
    /// <summary>A token that lets non-loopback clients POST /sync (never logged).</summary>
    public string? SyncToken { get; init; }
}
