using System.Text.Json.Serialization;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Planning;

/// <summary>How a host fares between two revisions.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HostDiffStatus>))]
public enum HostDiffStatus
{
    [JsonStringEnumMemberName("unchanged")] Unchanged,
    [JsonStringEnumMemberName("changed")] Changed,
    /// <summary>Declared only at the second revision: its plan builds everything.</summary>
    [JsonStringEnumMemberName("added")] Added,
    /// <summary>Declared only at the first revision: its plan removes everything the agent owns there.</summary>
    [JsonStringEnumMemberName("removed")] Removed,
}

/// <summary>The MTU guests must use on a vnet, before and after (null where the host does not carry it).</summary>
public sealed record GuestMtuChange(string Vnet, int? Before, int? After);

/// <summary>One host's part of a revision diff: the plan that moving it from the first revision to the second produces.</summary>
public sealed record HostDiff
{
    public required string Host { get; init; }
    public required HostDiffStatus Status { get; init; }
    public required Plan Plan { get; init; }
    /// <summary>Vnets whose guest MTU changes on this host (guests must follow: SPEC §3.3).</summary>
    public EquatableArray<GuestMtuChange> MtuChanges { get; init; }
    /// <summary>True when a vnet's wire format changes (encapsulation, security, suite or port): every carrier must move together.</summary>
    public bool WireChange => Plan.Changes.Any(c => c.WireChange);
}

/// <summary>
/// What a change of revision does to every host of the fleet (SPEC §5 <c>vnetctl diff</c>), for review before a
/// merge. No kernel is read: each host is assumed to be exactly at the first revision, so its observation is the
/// first revision's intent for it, and the plan is what <see cref="Differ"/> makes of the second revision's intent
/// against that. Link ports declared only at the second revision are assumed to exist, unattached, so that their
/// enslavement shows in the plan (on a real host it happens when they appear).
/// </summary>
public static class RevisionDiff
{
    /// <summary>One entry per host at <paramref name="to"/>, then the hosts only at <paramref name="from"/>, by name.</summary>
    public static IReadOnlyList<HostDiff> Compare(DesiredState from, DesiredState to, string? toRevision)
    {
        var names = to.Hosts.Select(h => h.Name).Order(StringComparer.Ordinal)
            .Concat(from.Hosts.Select(h => h.Name).Where(n => to.FindHost(n) is null).Order(StringComparer.Ordinal));
        return [.. names.Select(n => CompareHost(n, from, to, toRevision))];
    }

    private static HostDiff CompareHost(string host, DesiredState from, DesiredState to, string? toRevision)
    {
        var before = IntentMapper.Map(from, host, out _);
        var after = IntentMapper.Map(to, host, out _);
        var empty = new HostSpec { Links = [], Tunnel = EquatableArray<TunnelVnetSpec>.Empty };
        var desired = after?.Spec ?? empty;
        var observed = WithNewPortsPresent(before?.Spec ?? empty, desired);
        var guestAfter = after?.GuestMtu ?? new SortedDictionary<string, int>(StringComparer.Ordinal);
        var plan = Differ.Diff(host, toRevision, desired, new Observation { Spec = observed }, guestAfter);
        var guestBefore = before?.GuestMtu ?? new SortedDictionary<string, int>(StringComparer.Ordinal);
        var mtu = guestBefore.Keys.Union(guestAfter.Keys).Order(StringComparer.Ordinal)
            .Select(v => new GuestMtuChange(v, guestBefore.TryGetValue(v, out var b) ? b : null, guestAfter.TryGetValue(v, out var a) ? a : null))
            .Where(c => c.Before is { } b && c.After is { } a && a != b)
            .ToEquatableArray();
        var status = before is null ? HostDiffStatus.Added
            : after is null ? HostDiffStatus.Removed
            : plan.HasChanges ? HostDiffStatus.Changed : HostDiffStatus.Unchanged;
        return new HostDiff { Host = host, Status = status, Plan = plan, MtuChanges = mtu };
    }

    private static HostSpec WithNewPortsPresent(HostSpec observed, HostSpec desired)
    {
        var added = desired.Links.Where(l => l.Role == LinkRole.Port && observed.Link(l.Name) is null)
            .Select(l => l with { Master = null }).ToList();
        if (added.Count == 0) return observed;
        return observed with
        {
            Links = observed.Links.Concat(added).OrderBy(l => l.Name, StringComparer.Ordinal).ToEquatableArray(),
        };
    }
}
