using System.CommandLine;
using System.Text;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.State;
using VnetReconciler.Schema;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>
/// <c>vnetctl drift</c> (SPEC §5): the differences between the last applied revision and what is there now. With an agent
/// running it asks the agent (kernel and tunnel tables); without one it reads the last applied revision from the state
/// directory and observes the kernel objects only.
/// </summary>
internal static class DriftCommand
{
    public static Command Create()
    {
        var output = OutputOption.Create("text", "json", "markdown");
        var detailed = new Option<bool>("--detailed-exitcode") { Description = "Exit 2 when there is drift, 0 when there is none" };
        var listen = ListenOption.Create();
        var stateDir = new Option<string>("--state-dir") { Description = "The agent's state directory", DefaultValueFactory = _ => HostOptions.DefaultStateDir };
        var host = new Option<string>("--host") { Description = "This host's name", DefaultValueFactory = _ => Environment.MachineName };
        var command = new Command("drift", "Differences between the last applied revision and what is there now") { output, detailed, listen, stateDir, host };
        command.SetAction(async (parse, ct) =>
        {
            var format = parse.GetValue(output)!;
            if (format != "markdown" && await AgentPlan.TryAsync(parse, listen, format == "json", ct, inForce: true) is { } viaAgent)
                return viaAgent.HasChanges && parse.GetValue(detailed) ? 2 : viaAgent.ExitCode;
            var stderr = parse.InvocationConfiguration.Error;
            var dir = parse.GetValue(stateDir)!;
            LastApplied? last;
            try
            {
                last = new AppliedStateStore(dir).Load();
            }
            catch (InvalidDataException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return 1;
            }
            if (last is null)
            {
                stderr.WriteLine($"error: no revision was ever applied on this host (no {AppliedStateStore.FileName} in {dir})");
                return 1;
            }
            var schema = DesiredStateLoader.Load(last.Files.Select(f => new SourceFile(f.Path, f.Text)));
            var intent = schema.State is null ? null : IntentMapper.Map(schema.State, parse.GetValue(host)!, out var mapError, null);
            if (intent is null)
            {
                stderr.WriteLine($"error: the last applied revision {last.Revision.ShortId} does not map onto host {parse.GetValue(host)}");
                return 1;
            }
            using var kernel = NetlinkKernel.Open();
            var plan = new HostConverger(kernel, new FileInventory(dir, readOnly: true)).Plan(intent, last.Revision.CommitId);
            var stdout = parse.InvocationConfiguration.Output;
            stdout.Write(format switch
            {
                "json" => PlanRenderer.Json(plan) + "\n",
                "markdown" => Markdown(plan),
                _ => PlanRenderer.Text(plan, Terminal.IsColour(stdout)),
            });
            return plan.HasChanges && parse.GetValue(detailed) ? 2 : 0;
        });
        return command;
    }

    private static string Markdown(Plan plan)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"### Drift on {plan.Host} from {plan.Revision}").AppendLine();
        if (!plan.HasChanges) sb.AppendLine("No drift: the host matches the last applied revision.");
        else
        {
            sb.AppendLine("| action | kind | name | now | wanted | why |").AppendLine("|---|---|---|---|---|---|");
            foreach (var c in plan.Changes)
                sb.AppendLine($"| {c.Action.ToString().ToLowerInvariant()} | {c.Kind.ToString().ToLowerInvariant()} | `{c.Name}` | {c.Before} | {c.After} | {c.Reason} |");
        }
        if (!plan.TunnelObserved) sb.AppendLine().AppendLine("Tunnel tables not observed: no agent is running on this host.");
        return sb.ToString();
    }
}
