using VnetReconciler.Reconciler.Planning;

namespace VnetReconciler.Reconciler.Status;

/// <summary>The body of <c>GET /status</c> (SPEC §6.6), documented field by field in docs/status.md.</summary>
public sealed record AgentStatus
{
    public required string Host { get; init; }
    public string? Address { get; init; }
    public required RevisionStatus Revision { get; init; }
    public required IReadOnlyList<Condition> Conditions { get; init; }
    public double IntervalSeconds { get; init; }
    public DateTimeOffset? NextPoll { get; init; }
    public bool Suspended { get; init; }
    /// <summary>Who suspended the agent (<c>vnetctl suspend</c>: the client's local user), null when not suspended.</summary>
    public string? SuspendedBy { get; init; }
    public string? SuspendedReason { get; init; }
    public DateTimeOffset? SuspendedSince { get; init; }
    /// <summary>When a <c>--for</c> suspension ends by itself; null without one.</summary>
    public DateTimeOffset? SuspendedUntil { get; init; }
    /// <summary>What differs now between the host and the revision in force (empty when converged).</summary>
    public IReadOnlyList<Change> Drift { get; init; } = [];
    public IReadOnlyList<Conflict> Conflicts { get; init; } = [];
    public IReadOnlyList<VnetStatus> Vnets { get; init; } = [];
    public IReadOnlyList<StatusError> Errors { get; init; } = [];
    public IReadOnlyList<string> Notes { get; init; } = [];
    /// <summary>The last cycles, newest first.</summary>
    public IReadOnlyList<CycleRecord> History { get; init; } = [];
}

public sealed record RevisionStatus
{
    /// <summary>The revision in force: the last one applied and verified.</summary>
    public string? Applied { get; init; }
    /// <summary>The last revision a cycle tried (equal to <see cref="Applied"/> unless it failed).</summary>
    public string? Attempted { get; init; }
    public DateTimeOffset? LastSuccess { get; init; }
    /// <summary>Where the host stands with <see cref="Attempted"/>, as the published document says it (docs/fleet.md).</summary>
    public Rollout.RevisionResult? Result { get; init; }
    /// <summary>Why: the last cycle's message (with <c>pending</c>: what the rollout waits for).</summary>
    public string? Message { get; init; }
    /// <summary>With <c>pending</c>: <c>wave</c> (earlier waves not Ready), <c>window</c> (outside the maintenance
    /// windows) or <c>halted</c> (an earlier wave reported the revision Failed); else null.</summary>
    public string? Wait { get; init; }
    /// <summary>The hosts waited for, or the ones that failed.</summary>
    public IReadOnlyList<string> WaitingFor { get; init; } = [];
    /// <summary>With <c>wait: window</c>: when the next maintenance window opens.</summary>
    public DateTimeOffset? NextWindow { get; init; }
    /// <summary>With <c>pending</c>: how many changes the held revision would make now.</summary>
    public int? PendingChanges { get; init; }
}

/// <summary>A Flux-style condition: <c>Ready</c>, <c>Reconciling</c>, <c>Stalled</c>, <c>Suspended</c>.</summary>
public sealed record Condition(string Type, string Status, string Reason, string Message, DateTimeOffset LastTransition);

/// <summary>An error of the last cycle; file, line and column where it comes from a file of the revision.</summary>
public sealed record StatusError(string Message, string? File = null, int? Line = null, int? Column = null);

public sealed record VnetStatus
{
    public required string Id { get; init; }
    public string? Bridge { get; init; }
    public required string Vnetif { get; init; }
    public int Mtu { get; init; }
    public string Security { get; init; } = "none";
    public string Encapsulation { get; init; } = "udp";
    /// <summary>True when the tunnel has the vnet's vnetif open.</summary>
    public bool Carried { get; init; }
    public IReadOnlyList<PeerStatus> Peers { get; init; } = [];
    public int MacCount { get; init; }
    public IReadOnlyList<MacStatus> Macs { get; init; } = [];
    public long RxPackets { get; init; }
    public long TxPackets { get; init; }
    public long RxBytes { get; init; }
    public long TxBytes { get; init; }
    public IReadOnlyDictionary<string, long> Drops { get; init; } = new Dictionary<string, long>();
    /// <summary>Frames accepted in the settings the vnet is leaving during a wire change (SPEC §6.4).</summary>
    public long AcceptedPrevious { get; init; }
}

/// <summary>A tunnel peer of a vnet; <see cref="Reachable"/> is true when the vnet has learned a MAC behind it.</summary>
public sealed record PeerStatus(string Address, bool Reachable, int Macs);

/// <summary>One MAC table row: <see cref="Address"/> null when the MAC is local.</summary>
public sealed record MacStatus(string Mac, string? Address, double AgeSeconds);
