using System.Text.Json;
using System.Text.Json.Serialization;
using VnetReconciler.Reconciler.Cli;

namespace VnetReconciler.Reconciler.Rollout;

/// <summary>Where a host stands with the revision it last attempted (SPEC §6.4, §6.6).</summary>
public enum RevisionResult
{
    /// <summary>Waiting for a maintenance window (<see cref="RevisionStatus.NextWindow"/>) or for earlier waves.</summary>
    Pending,
    /// <summary>Being applied or verified.</summary>
    Reconciling,
    /// <summary>Applied and verified: this is what later waves wait for.</summary>
    Ready,
    /// <summary>The apply failed or the peers stopped answering; the host reverted. Halts later waves.</summary>
    Failed,
}

/// <summary>A condition's truth, as Kubernetes and Flux spell it.</summary>
public enum ConditionStatus
{
    True,
    False,
    Unknown,
}

/// <summary>The applied and attempted revisions. <see cref="Result"/> is about <see cref="Attempted"/>; a converged
/// host reports the same commit in both with <see cref="RevisionResult.Ready"/>.</summary>
public sealed record RevisionStatus
{
    /// <summary>The commit in force on the host, or null before the first apply.</summary>
    public string? Applied { get; init; }
    /// <summary>The newest commit the host tried (or waits) to apply.</summary>
    public string? Attempted { get; init; }
    public RevisionResult? Result { get; init; }
    /// <summary>Why: the wave or window waited for, the failure.</summary>
    public string? Message { get; init; }
    /// <summary>With <see cref="RevisionResult.Pending"/> outside a window: when the next one opens.</summary>
    public DateTimeOffset? NextWindow { get; init; }
}

/// <summary>A status condition (Ready, Reconciling, Stalled, Suspended) with a reason and a message.</summary>
public sealed record StatusCondition(string Type, ConditionStatus Status, string Reason, string Message);

/// <summary>How many of a vnet's peers answer its probes (SPEC §6.5).</summary>
public sealed record VnetReachability(string Vnet, int Peers, int Reachable);

/// <summary>
/// What one agent publishes about itself to <c>refs/vnet-status/&lt;host&gt;</c> (SPEC §6.6), as <c>status.json</c>.
/// The JSON is stable and documented in docs/fleet.md: snake_case names, enums in lower case, times in ISO 8601.
/// </summary>
public sealed record HostStatusDocument
{
    /// <summary>The format's version; readers refuse a newer major one.</summary>
    public int Version { get; init; } = 1;
    public required string Host { get; init; }
    public string? AgentVersion { get; init; }
    public RevisionStatus Revision { get; init; } = new();
    public IReadOnlyList<StatusCondition> Conditions { get; init; } = [];
    public int DriftObjects { get; init; }
    public int Conflicts { get; init; }
    public IReadOnlyList<VnetReachability> Vnets { get; init; } = [];
    /// <summary>When the host published this (stamped by <see cref="StatusPublisher"/>).</summary>
    public DateTimeOffset ReportedAt { get; init; }

    /// <summary>True when the host reports <paramref name="commitId"/> applied and verified.</summary>
    public bool IsReady(string commitId) =>
        Revision.Applied == commitId && Revision.Attempted == commitId && Revision.Result == RevisionResult.Ready;

    /// <summary>True when the host reports <paramref name="commitId"/> failed (and reverted).</summary>
    public bool HasFailed(string commitId) => Revision.Attempted == commitId && Revision.Result == RevisionResult.Failed;

    /// <summary>The Ready condition's status, or Unknown when the host did not report one.</summary>
    [JsonIgnore]
    public ConditionStatus ReadyCondition =>
        Conditions.FirstOrDefault(c => c.Type == "Ready")?.Status ?? ConditionStatus.Unknown;

    public string ToJson() => JsonSerializer.Serialize(this, Json.Options);

    /// <summary>The document's content without its timestamp: two documents with one fingerprint say the same thing.</summary>
    public string Fingerprint() => (this with { ReportedAt = default }).ToJson();

    /// <summary>Reads a published document; a malformed one is an <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static HostStatusDocument Parse(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var doc = JsonSerializer.Deserialize<HostStatusDocument>(utf8, Json.Options)
                ?? throw new InvalidDataException("status.json holds null");
            if (doc.Version != 1) throw new InvalidDataException($"status.json has version {doc.Version}; this vnetctl reads version 1");
            // System.Text.Json lets an explicit null through a non-nullable property.
            if (doc.Host is null || doc.Revision is null || doc.Conditions is null || doc.Vnets is null)
                throw new InvalidDataException("status.json has null where host, revision, conditions or vnets must be");
            return doc;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"status.json is not a status document: {e.Message}", e);
        }
    }
}
