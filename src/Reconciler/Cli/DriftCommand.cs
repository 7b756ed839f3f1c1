using System.CommandLine;
using System.Text;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.State;
using VnetReconciler.Schema;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>One difference between the last applied revision and the host now, per object and field.</summary>
public sealed record DriftItem(string Path, string Kind, string Name, string? Vnet, string? Want, string? Got, string Description);

/// <summary>What <c>vnetctl drift</c> reports, with or without an agent: the tunnel tables are observed only with one.</summary>
public sealed record DriftReport(string? Revision, string Host, IReadOnlyList<DriftItem> Drift, IReadOnlyList<Conflict> Conflicts, bool TunnelObserved);

/// <summary>
/// <c>vnetctl drift</c> (SPEC §5): the differences between the last applied revision and what is on the host now:
/// <c>links[vnet97].mtu: want 1436, got 1500</c>. With an agent running it asks the agent (<c>GET /drift</c>: kernel and
/// tunnel tables, the same document);
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
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            DriftReport report;
            switch (await FromAgentAsync(parse, listen, ct))
            {
                case (null, { } error):
                    stderr.WriteLine($"error: the agent could not compute the drift: {error}");
                    return 1;
                case ({ } fromAgent, _):
                    report = fromAgent;
                    break;
                default:
                    if (Local(parse, host, stateDir, stderr) is not { } local) return 1;
                    report = local;
                    break;
            }
            stdout.Write(format switch
            {
                "json" => Json.Serialize(report) + "\n",
                "markdown" => Markdown(report),
                _ => Text(report),
            });
            return parse.GetValue(detailed) && report.Drift.Count > 0 ? 2 : 0;
        });
        return command;
    }

    /// <summary>The drift as the agent on <c>--listen</c> sees it (kernel and tunnel tables: <c>GET /drift</c>);
    /// (null, null) when no agent answers there, (null, error) when it answered with an error.</summary>
    private static async Task<(DriftReport? Report, string? Error)> FromAgentAsync(ParseResult parse, Option<string> listen, CancellationToken ct)
    {
        if (!ListenOption.TryParse(parse.GetValue(listen)!, out var endpoint, out _)) return (null, null);
        using var client = new Status.AgentClient(endpoint!);
        if (await client.SendAsync(HttpMethod.Get, "drift", ct) is not { } answer) return (null, null);
        if (answer.Code != System.Net.HttpStatusCode.OK) return (null, answer.Body.Trim());
        try
        {
            return (System.Text.Json.JsonSerializer.Deserialize<DriftReport>(answer.Body, Json.Options), null);
        }
        catch (System.Text.Json.JsonException e)
        {
            return (null, $"unreadable answer from the agent on {endpoint}: {e.Message}");
        }
    }

    /// <summary>Without an agent: the last applied revision from the state directory against the kernel objects.</summary>
    private static DriftReport? Local(ParseResult parse, Option<string> host, Option<string> stateDir, TextWriter stderr)
    {
        var dir = parse.GetValue(stateDir)!;
        LastApplied? last;
        try
        {
            last = new AppliedStateStore(dir).Load();
        }
        catch (InvalidDataException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return null;
        }
        if (last is null)
        {
            stderr.WriteLine($"error: nothing was applied on this host yet (no {AppliedStateStore.FileName} in {dir})");
            return null;
        }
        var schema = DesiredStateLoader.Load(last.Files.Select(f => new SourceFile(f.Path, f.Text)));
        var intent = schema.State is null ? null : IntentMapper.Map(schema.State, parse.GetValue(host)!, out _);
        if (intent is null)
        {
            stderr.WriteLine($"error: the last applied revision {last.Revision.ShortId} does not describe host '{parse.GetValue(host)}'");
            return null;
        }
        using var kernel = NetlinkKernel.Open();
        return Report(new HostConverger(kernel, new FileInventory(dir, readOnly: true)).Plan(intent, last.Revision.CommitId));
    }

    /// <summary>The drift document (JSON of <c>vnetctl drift -o json</c> and of the agent's <c>GET /drift</c>).</summary>
    public static DriftReport Report(Plan plan) => new(plan.Revision, plan.Host, Items(plan), [.. plan.Conflicts], plan.TunnelObserved);

    public static IReadOnlyList<DriftItem> Items(Plan plan) => plan.Changes.Select(c => new DriftItem(
        c.Path, c.Kind.ToString().ToLowerInvariant(), c.Name, c.Vnet,
        c.Action == ChangeAction.Delete ? null : c.After,
        c.Action == ChangeAction.Create ? null : c.Before,
        HostConverger.Describe(c))).ToList();

    private static string Text(DriftReport plan)
    {
        var items = plan.Drift;
        var sb = new StringBuilder();
        sb.AppendLine(items.Count == 0
            ? $"No drift: host {plan.Host} matches the last applied revision {plan.Revision?[..12]}."
            : $"Drift on host {plan.Host} from the last applied revision {plan.Revision?[..12]}:");
        foreach (var i in items) sb.Append("  ").AppendLine(i.Description);
        foreach (var c in plan.Conflicts) sb.Append("  conflict: ").Append(c.Name).Append(": ").AppendLine(c.Reason);
        if (!plan.TunnelObserved) sb.AppendLine("Tunnel tables not observed: no agent is running on this host (kernel objects only).");
        return sb.ToString();
    }

    private static string Markdown(DriftReport plan)
    {
        var items = plan.Drift;
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
