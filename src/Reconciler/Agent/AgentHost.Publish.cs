using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Reconciler.Status;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>
/// Fleet status (SPEC §6.6): after each cycle the agent publishes its status, when it changed, as a parentless commit
/// force-pushed to <c>refs/vnet-status/&lt;host&gt;</c> of the status remote (the fleet's <c>status.remote</c>, else the
/// desired-state remote), through git's own credentials. Publication never holds up a cycle: it runs in the
/// background, one at a time, and a push that fails is journalled in the state directory and sent when the remote
/// is back (the publisher's own retry).
/// </summary>
public sealed partial class AgentHost
{
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private StatusPublisher? _publisher;

    private void PublishInBackground(CycleReport report, CancellationToken ct)
    {
        var fleet = report.Desired?.State?.Fleet;
        if (fleet is { Status.Push: false }) return;
        var remote = _fleet?.RemoteFor(fleet);
        if (remote is null) return;
        if (!_publishing.Wait(0)) return; // the previous one is still pushing; the next cycle publishes the newer status
        var document = Document(report);
        _ = Task.Run(async () =>
        {
            try
            {
                if (_publisher is null || _publisher.Remote != GitNames.NormalizeRemote(remote))
                {
                    _publisher = new StatusPublisher(new GitCli(time: time), remote, options.Host,
                        Path.Combine(options.StateDir, "status-journal"), time) { Heartbeat = _requeue.Interval * 3 };
                }
                var result = await _publisher.PublishAsync(document, ct).ConfigureAwait(false);
                if (result.Outcome == PublishOutcome.Journalled) AgentLog.TunnelProblem(_log, $"status not published yet (journalled): {result.Error}");
            }
            catch (Exception e) when (e is ArgumentException or IOException or OperationCanceledException or GitException)
            {
                AgentLog.TunnelProblem(_log, $"status not published: {e.Message}");
            }
            finally
            {
                _publishing.Release();
            }
        }, CancellationToken.None);
    }

    private HostStatusDocument Document(CycleReport report)
    {
        var status = Snapshot(withMacs: false);
        return new HostStatusDocument
        {
            Host = options.Host,
            AgentVersion = typeof(AgentHost).Assembly.GetName().Version?.ToString(),
            Revision = new Rollout.RevisionStatus
            {
                Applied = status.Revision.Applied,
                Attempted = status.Revision.Attempted,
                Result = StatusView.ResultOf(report.Record.Result),
                Message = report.Record.Message,
                NextWindow = report.Rollout is { Kind: RolloutStepKind.WaitForWindow } step ? step.NextWindow : null,
            },
            Conditions = status.Conditions.Select(c => new StatusCondition(c.Type,
                c.Status switch { "True" => ConditionStatus.True, "False" => ConditionStatus.False, _ => ConditionStatus.Unknown },
                c.Reason, c.Message)).ToList(),
            DriftObjects = status.Drift.Count,
            Conflicts = status.Conflicts.Count,
            Vnets = status.Vnets.Select(v => new VnetReachability(v.Id, v.Peers.Count, v.Peers.Count(p => p.Reachable))).ToList(),
        };
    }
}
