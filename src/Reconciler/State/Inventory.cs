namespace VnetReconciler.Reconciler.State;

/// <summary>The kinds of kernel object the agent records as its own (SPEC §3.1).</summary>
public enum OwnedKind
{
    /// <summary>A bridge the agent created for a vnet.</summary>
    Bridge,

    /// <summary>A persistent TAP the agent created for a VM port (<c>type tap</c>).</summary>
    Tap,

    /// <summary>A vnet's tunnel TAP (the vnetif) the agent created and its dataplane opens.</summary>
    VnetIf,

    /// <summary>A link someone else created that the agent enslaved (<c>type link</c>): released, never deleted.</summary>
    Port,
}

/// <summary>One object the agent owns or adopted, as it was when the revision was applied.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Name">The interface name.</param>
/// <param name="Vnet">The vnet it belongs to, canonical id text; null for none.</param>
/// <param name="IfIndex">The kernel's interface index when recorded (names can be reused, indexes tell them apart); null when unknown.</param>
public sealed record OwnedObject(OwnedKind Kind, string Name, string? Vnet, int? IfIndex, int? OriginalMtu = null);

/// <summary>Everything the agent owns on this host (Flux-style inventory): only these may ever be pruned.</summary>
public sealed record Inventory
{
    public static Inventory Empty { get; } = new();

    public IReadOnlyList<OwnedObject> Objects { get; init; } = [];

    /// <summary>Equal when they list the same objects in the same order.</summary>
    public bool Equals(Inventory? other) => other is not null && Objects.SequenceEqual(other.Objects);

    public override int GetHashCode() => Objects.Aggregate(0, (h, o) => HashCode.Combine(h, o));
}
