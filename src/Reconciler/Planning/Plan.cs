using System.Text.Json.Serialization;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Planning;

[JsonConverter(typeof(JsonStringEnumConverter<ChangeAction>))]
public enum ChangeAction
{
    [JsonStringEnumMemberName("create")] Create,
    [JsonStringEnumMemberName("update")] Update,
    [JsonStringEnumMemberName("delete")] Delete,
}

/// <summary>What a change is about; the names are SPEC §5's plan JSON <c>kind</c> values.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChangeKind>))]
public enum ChangeKind
{
    [JsonStringEnumMemberName("bridge")] Bridge,
    [JsonStringEnumMemberName("vnetif")] Vnetif,
    [JsonStringEnumMemberName("tap")] Tap,
    [JsonStringEnumMemberName("port")] Port,
    [JsonStringEnumMemberName("mtu")] Mtu,
    [JsonStringEnumMemberName("vnet")] Vnet,
    [JsonStringEnumMemberName("peer")] Peer,
    [JsonStringEnumMemberName("sa")] Sa,
}

/// <summary>The field of a link an update changes.</summary>
public enum LinkField { Master, Mtu, Up, Owner, Alias }

/// <summary>One step of a plan. <see cref="Path"/> names the object and field (<c>links[vnet97].mtu</c>).</summary>
public sealed record Change
{
    public required ChangeAction Action { get; init; }
    public required ChangeKind Kind { get; init; }
    public required string Name { get; init; }
    public string? Vnet { get; init; }
    public string? Before { get; init; }
    public string? After { get; init; }
    public required string Reason { get; init; }
    public bool WireChange { get; init; }
    /// <summary>The object and field the change is about, as drift and verify print it.</summary>
    [JsonIgnore] public string Path { get; init; } = "";
    /// <summary>The link as it must be after this step (creates and updates of links); the applier's input.</summary>
    [JsonIgnore] public LinkSpec? Link { get; init; }
    /// <summary>For link updates: the field that changes.</summary>
    [JsonIgnore] public LinkField? Field { get; init; }
}

/// <summary>A declared object the agent will not touch because someone else holds it (SPEC §3.2).</summary>
public sealed record Conflict
{
    public required string Name { get; init; }
    public string? Vnet { get; init; }
    public required string Reason { get; init; }
}

public sealed record PlanSummary(int Create, int Update, int Delete);

/// <summary>
/// What converging a host would change. <c>vnetctl plan</c> prints exactly the plan that <c>apply</c> executes.
/// JSON (SPEC §5): revision, host, changes, conflicts, guest_mtu, summary, plus tunnel_observed and notes.
/// </summary>
public sealed record Plan
{
    public string? Revision { get; init; }
    public required string Host { get; init; }
    public EquatableArray<Change> Changes { get; init; }
    public EquatableArray<Conflict> Conflicts { get; init; }
    /// <summary>The MTU guests must use on each vnet (SPEC §3.3), by canonical vnet id.</summary>
    public IReadOnlyDictionary<string, int> GuestMtu { get; init; } = new SortedDictionary<string, int>(StringComparer.Ordinal);
    /// <summary>False when no agent ran, so the tunnel tables were not observed (and are not in the plan).</summary>
    public bool TunnelObserved { get; init; }
    /// <summary>Things worth knowing that are not changes (a declared link port that does not exist yet, foreign bridge members).</summary>
    public EquatableArray<string> Notes { get; init; }

    public PlanSummary Summary => new(
        Changes.Count(c => c.Action == ChangeAction.Create),
        Changes.Count(c => c.Action == ChangeAction.Update),
        Changes.Count(c => c.Action == ChangeAction.Delete));

    [JsonIgnore] public bool HasChanges => Changes.Count > 0;
}
