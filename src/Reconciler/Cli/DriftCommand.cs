using System.CommandLine;
using System.Text;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.State;
using VnetReconciler.Schema;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>One difference between the last applied revision and the host now, per object and field.</summary>
public sealed record DriftItem(string Path, string Kind, string Name, string? Vnet, string? Want, string? Got, string Description);

/// <summary>
/// <c>vnetctl drift</c> (SPEC §5): the differences between the last applied revision and what is on the host now:
/// <c>links[vnet97].mtu: want 1436, got 1500</c>. With an agent running it asks the agent (kernel and tunnel tables);
/// without one it reads the last applied revision from the state directory (no git needed) and observes the kernel
/// objects only. Exit 2 with <c>--detailed-exitcode</c> when there is drift.
/// </summary>
internal static class DriftCommand
{
    public static Command Create()
    {
        var output = OutputOption.Create("text", "json", "markdown");
        var detailed = new Option<bool>("--detailed-exitcode") { Description = "Exit 2 when there is drift, 0 when there is none" };
        var host = new Option<string>("--host") { Description = "This host's name (default: the machine's hostname)", DefaultValueFactory = _ => Environment.MachineName };
        var stateDir = new Option<string>("--state-dir") { Description = "The agent's state directory", DefaultValueFactory = _ => HostOptions.DefaultStateDir };
        var listen = ListenOption.Create();
        var command = new Command("drift", "Differences between the last applied revision and what is on this host now") { output, detailed, host, stateDir, listen };
        command.SetAction(async (parse, ct) =>
        {
            var format = parse.GetValue(output)!;
            if (format != "markdown" && await AgentPlan.TryAsync(parse, listen, format == "json", ct, inForce: true) is { } viaAgent)
                return viaAgent.HasChanges && parse.GetValue(detailed) ? 2 : viaAgent.ExitCode;
            var stdout = parse.InvocationConfiguration.Output;
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
                stderr.WriteLine($"error: nothing was applied on this host yet (no {AppliedStateStore.FileName} in {dir})");
                return 1;
            }
            var schema = DesiredStateLoader.Load(last.Files.Select(f => new SourceFile(f.Path, f.Text)));
            var intent = schema.State is null ? null : IntentMapper.Map(schema.State, parse.GetValue(host)!, out _);
            if (intent is null)
            {
                stderr.WriteLine($"error: the last applied revision {last.Revision.ShortId} does not describe host '{parse.GetValue(host)}'");
                return 1;
            }
            using var kernel = NetlinkKernel.Open();
            var plan = new HostConverger(kernel, new FileInventory(dir, readOnly: true)).Plan(intent, last.Revision.CommitId);
            var items = Items(plan);
            stdout.Write(parse.GetValue(output) switch
            {
                "json" => Json.Serialize(new
                {
                    revision = plan.Revision, host = plan.Host, drift = items, conflicts = plan.Conflicts,
                    tunnel_observed = plan.TunnelObserved,
                }) + "\n",
                "markdown" => Markdown(plan, items),
                _ => Text(plan, items),
            });
            return parse.GetValue(detailed) && items.Count > 0 ? 2 : 0;
        });
        return command;
    }

    public static IReadOnlyList<DriftItem> Items(Plan plan) => plan.Changes.Select(c => new DriftItem(
        c.Path, c.Kind.ToString().ToLowerInvariant(), c.Name, c.Vnet,
        c.Action == ChangeAction.Delete ? null : c.After,
        c.Action == ChangeAction.Create ? null : c.Before,
        HostConverger.Describe(c))).ToList();

    private static string Text(Plan plan, IReadOnlyList<DriftItem> items)
    {
        var sb = new StringBuilder();
        sb.AppendLine(items.Count == 0
            ? $"No drift: host {plan.Host} matches the last applied revision {plan.Revision?[..12]}."
            : $"Drift on host {plan.Host} from the last applied revision {plan.Revision?[..12]}:");
        foreach (var i in items) sb.Append("  ").AppendLine(i.Description);
        foreach (var c in plan.Conflicts) sb.Append("  conflict: ").Append(c.Name).Append(": ").AppendLine(c.Reason);
        if (!plan.TunnelObserved) sb.AppendLine("Tunnel tables not observed: no agent is running on this host (kernel objects only).");
        return sb.ToString();
    }

    private static string Markdown(Plan plan, IReadOnlyList<DriftItem> items)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"### Drift on `{plan.Host}` (last applied `{plan.Revision?[..12]}`)").AppendLine();
        if (items.Count == 0) sb.AppendLine("No drift.");
        else
        {
            sb.AppendLine("| object | want | got |").AppendLine("|---|---|---|");
            foreach (var i in items) sb.AppendLine($"| `{i.Path}` | {i.Want ?? "(absent)"} | {i.Got ?? "(absent)"} |");
        }
        if (plan.Conflicts.Count > 0)
        {
            sb.AppendLine().AppendLine("Conflicts:").AppendLine();
            foreach (var c in plan.Conflicts) sb.AppendLine($"- `{c.Name}`: {c.Reason}");
        }
        return sb.ToString();
    }
}
