using System.CommandLine;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.State;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>
/// <c>vnetctl plan</c> and <c>vnetctl apply</c> without an agent (SPEC §5): the kernel objects only, saying that the
/// tunnel tables were not observed. <c>plan</c> changes nothing; <c>apply</c> executes exactly the plan it prints.
/// </summary>
internal static class PlanCommand
{
    public static Command CreatePlan()
    {
        var options = new HostOptions();
        var output = OutputOption.Create("text", "json");
        var detailed = new Option<bool>("--detailed-exitcode") { Description = "Exit 2 when there are changes, 0 when there are none" };
        var listen = ListenOption.Create();
        var command = new Command("plan", "Dry run: what converging this host would change; changes nothing") { output, detailed, listen };
        options.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (await AgentPlan.TryAsync(parse, listen, parse.GetValue(output) == "json", ct) is { } viaAgent)
                return viaAgent.HasChanges && parse.GetValue(detailed) ? 2 : viaAgent.ExitCode;
            var run = await HostRun.PrepareAsync(parse, options, readOnly: true, ct);
            if (run is null) return 1;
            using (run)
            {
                var plan = run.Converger.Plan(run.Intent, run.Revision.Label);
                var stdout = parse.InvocationConfiguration.Output;
                stdout.Write(parse.GetValue(output) == "json" ? PlanRenderer.Json(plan) + "\n" : PlanRenderer.Text(plan, Terminal.IsColour(stdout)));
                if (run.Revision.IsFallback) return 1;
                return parse.GetValue(detailed) && plan.HasChanges ? 2 : 0;
            }
        });
        return command;
    }

    public static Command CreateApply()
    {
        var options = new HostOptions();
        var output = OutputOption.Create("text", "json");
        var listen = ListenOption.Create();
        var command = new Command("apply", "One reconcile cycle now: converge this host's kernel objects to the revision") { output, listen };
        options.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (ListenOption.TryParse(parse.GetValue(listen)!, out var endpoint, out _))
            {
                using var client = new Status.AgentClient(endpoint!);
                if (await client.IsRunningAsync(ct))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"An agent runs on this host ({endpoint}): asking it for a cycle (as `vnetctl sync`).");
                    return await SyncCommand.RunAsync(client, parse.GetValue(output) == "json", parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct);
                }
            }
            var run = await HostRun.PrepareAsync(parse, options, readOnly: false, ct);
            if (run is null) return 1;
            using (run)
            {
                var stdout = parse.InvocationConfiguration.Output;
                var json = parse.GetValue(output) == "json";
                var plan = run.Converger.Plan(run.Intent, run.Revision.Label);
                if (!json) stdout.Write(PlanRenderer.Text(plan, Terminal.IsColour(stdout)));
                var result = run.Converger.Apply(plan, run.Intent);
                if (result.Outcome == ApplyOutcome.Converged && !run.Revision.IsFallback && run.Revision.Revision is { } revision)
                {
                    new AppliedStateStore(parse.GetValue(options.StateDir)!).Save(new LastApplied
                    {
                        Revision = revision, Files = run.Revision.Files, Inventory = run.Inventory.Snapshot(), AppliedAt = DateTimeOffset.UtcNow,
                    });
                }
                if (json)
                {
                    stdout.WriteLine(Json.Serialize(new
                    {
                        outcome = result.Outcome, steps_run = result.StepsRun, error = result.Error, transient = result.Transient,
                        mismatch = result.Mismatch, plan = System.Text.Json.JsonDocument.Parse(PlanRenderer.Json(plan)).RootElement,
                    }));
                }
                else
                {
                    stdout.WriteLine(result.Outcome switch
                    {
                        ApplyOutcome.Converged => $"Applied {result.StepsRun} step(s); verified: the host matches revision {run.Revision.Label}.",
                        ApplyOutcome.VerifyFailed => $"Applied {result.StepsRun} step(s) but verification failed: {result.Mismatch}",
                        _ => $"Apply stopped after {result.StepsRun} step(s): {result.Error}" + (result.Transient ? " (transient: retry)" : ""),
                    });
                    stdout.WriteLine("No tunnel is running: start `vnetctl agent` to carry traffic between hosts.");
                }
                return result.Outcome == ApplyOutcome.Converged && !run.Revision.IsFallback ? 0 : 1;
            }
        });
        return command;
    }
}

/// <summary>Everything a host-level command needs: the validated revision, this host's intent, the kernel.</summary>
internal sealed class HostRun : IDisposable
{
    public required DesiredRevision Revision { get; init; }
    public required Intent Intent { get; init; }
    public required NetlinkKernel Kernel { get; init; }
    public required FileInventory Inventory { get; init; }
    public required HostConverger Converger { get; init; }

    public static async Task<HostRun?> PrepareAsync(ParseResult parse, HostOptions options, bool readOnly, CancellationToken ct)
    {
        var stderr = parse.InvocationConfiguration.Error;
        var trustPath = parse.GetValue(options.Trust)!;
        var trust = Sources.TrustFile.Load(trustPath, required: false);
        if (!trust.Succeeded)
        {
            foreach (var e in trust.Errors) stderr.WriteLine(e);
            return null;
        }
        var stateDir = parse.GetValue(options.StateDir)!;
        var source = new DesiredSource(parse.GetValue(options.Repo)!, parse.GetValue(options.Ref)!, stateDir, trust.Policy!, TimeProvider.System);
        var revision = await source.LoadAsync(ct);
        foreach (var d in revision.Diagnostics) stderr.WriteLine(d);
        if (revision.State is null)
        {
            stderr.WriteLine($"error: {revision.Error}");
            return null;
        }
        if (revision.IsFallback)
            stderr.WriteLine($"error: {revision.Error}; the last applied revision {revision.Label[..12]} stays in force");
        System.Net.IPAddress? address = null;
        if (parse.GetValue(options.Address) is { } text && !System.Net.IPAddress.TryParse(text, out address))
        {
            stderr.WriteLine($"error: --address '{text}' is not an IPv4 address");
            return null;
        }
        var intent = IntentMapper.Map(revision.State, parse.GetValue(options.Host)!, out var error, address);
        if (intent is null)
        {
            stderr.WriteLine($"error: {error}");
            return null;
        }
        NetlinkKernel kernel;
        try
        {
            kernel = NetlinkKernel.Open();
        }
        catch (Exception e) when (e is Dataplane.Netlink.NetlinkException or IOException)
        {
            stderr.WriteLine($"error: cannot open rtnetlink: {e.Message}");
            return null;
        }
        var inventory = new FileInventory(stateDir, readOnly);
        return new HostRun
        {
            Revision = revision, Intent = intent, Kernel = kernel, Inventory = inventory,
            Converger = new HostConverger(kernel, inventory) { BeforeStep = CrashPoint.FromEnvironment() },
        };
    }

    public void Dispose() => Kernel.Dispose();
}

internal static class Terminal
{
    /// <summary>Colour only on a real terminal, never into a pipe or file (and never with NO_COLOR set).</summary>
    public static bool IsColour(TextWriter writer) =>
        ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null;
}

/// <summary>
/// Fault injection for the crash tests (SPEC §6.3 "a crash mid-apply leaves state that the next cycle converges"):
/// with <c>VNETCTL_CRASH_AT_STEP=N</c> the process dies abruptly before its N-th kernel step (counting from 0).
/// </summary>
internal static class CrashPoint
{
    public const string Variable = "VNETCTL_CRASH_AT_STEP";

    public static Action<string>? FromEnvironment()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(Variable), out var at)) return null;
        var n = 0;
        return step =>
        {
            if (n++ == at) Environment.FailFast($"{Variable}={at}: crashing before '{step}'");
        };
    }
}
