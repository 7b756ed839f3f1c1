using Microsoft.Extensions.Logging;

namespace VnetReconciler.Reconciler.Agent;

/// <summary>The agent's log events, with fixed ids (1xxx lifecycle, 2xxx cycles, 3xxx tunnel, 4xxx HTTP). Never key material.</summary>
internal static partial class AgentLog
{
    [LoggerMessage(1000, LogLevel.Information, "agent starting for host {Host}: repo {Repo}, ref {Ref}, state {StateDir}, listening on {Listen}")]
    public static partial void Starting(ILogger logger, string host, string repo, string @ref, string stateDir, string listen);

    [LoggerMessage(1001, LogLevel.Information, "restored the last applied revision {Revision} from the state directory")]
    public static partial void Restored(ILogger logger, string revision);

    [LoggerMessage(1002, LogLevel.Information, "stopping: kernel objects stay in place")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(1003, LogLevel.Error, "agent cannot start: {Reason}")]
    public static partial void CannotStart(ILogger logger, string reason);

    [LoggerMessage(1004, LogLevel.Warning, "suspended by {By} until {Until}: {Reason}; cycles observe and report, change nothing")]
    public static partial void Suspended(ILogger logger, string by, string reason, DateTimeOffset? until);

    [LoggerMessage(1005, LogLevel.Information, "resumed: converging again")]
    public static partial void Resumed(ILogger logger);

    [LoggerMessage(2000, LogLevel.Information, "cycle ({Trigger}) {Result} in {Milliseconds:F1} ms at {Revision}: {Changes} change(s), {Steps} step(s); {Message}")]
    public static partial void CycleFinished(ILogger logger, string trigger, string result, double milliseconds, string? revision, int changes, int steps, string? message);

    [LoggerMessage(2001, LogLevel.Warning, "cycle ({Trigger}) {Result}: {Message}; next poll in {Delay}")]
    public static partial void CycleFailed(ILogger logger, string trigger, string result, string? message, TimeSpan delay);

    [LoggerMessage(2002, LogLevel.Warning, "{Location}: {Message}")]
    public static partial void Diagnostic(ILogger logger, string location, string message);

    [LoggerMessage(2003, LogLevel.Error, "cycle crashed: {Reason}")]
    public static partial void CycleCrashed(ILogger logger, Exception error, string reason);

    [LoggerMessage(2004, LogLevel.Information, "drift healed after a kernel event: {Changes} change(s) at {At:O}")]
    public static partial void Healed(ILogger logger, int changes, DateTimeOffset at);

    [LoggerMessage(3000, LogLevel.Warning, "tunnel: {Problem}")]
    public static partial void TunnelProblem(ILogger logger, string problem);

    [LoggerMessage(3001, LogLevel.Error, "tunnel loop stopped: {Error}")]
    public static partial void TunnelStopped(ILogger logger, string error);

    [LoggerMessage(3002, LogLevel.Warning, "link monitor stopped: {Error}; kernel events no longer trigger cycles (the periodic poll still runs)")]
    public static partial void MonitorStopped(ILogger logger, string error);

    [LoggerMessage(4000, LogLevel.Warning, "refused POST /sync from {Remote}: not loopback and no valid token")]
    public static partial void SyncRefused(ILogger logger, string remote);
}
