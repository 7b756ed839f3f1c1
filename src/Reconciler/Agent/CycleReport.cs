using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.Status;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>Everything one cycle learned: the record for the history, and the details status shows until the next cycle.</summary>
public sealed record CycleReport
{
    public required CycleRecord Record { get; init; }
    /// <summary>The revision in force after the cycle (the one applied, or the last applied one that stayed).</summary>
    public DesiredRevision? Desired { get; init; }
    public Intent? Intent { get; init; }
    /// <summary>What the cycle found to change (before applying).</summary>
    public Plan? Plan { get; init; }
    /// <summary>What still differs after the cycle (empty when converged; everything when suspended).</summary>
    public Plan? Remaining { get; init; }
    /// <summary>Why the revision could not be had, with file positions where the schema gave them.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];
    /// <summary>Tunnel problems and notes (a vnetif the engine could not open, secure vnets waiting for ESP).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
    /// <summary>Why a new revision was not applied (waves, window, halted; SPEC §6.4); null when the rollout did not hold it.</summary>
    public Rollout.RolloutStep? Rollout { get; init; }
    /// <summary>With <see cref="Rollout"/>: what the held revision would change on this host now.</summary>
    public Plan? PendingPlan { get; init; }
}
