using System.CommandLine;
using System.Text;
using System.Text.Json;
using VnetReconciler.Reconciler.Status;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>
/// <c>vnetctl plan</c> (and <c>drift</c>) when an agent runs on this host: the agent plans against the kernel and its
/// tunnel tables (<c>GET /plan</c>), so the plan covers everything; without an agent the caller plans the kernel alone.
/// </summary>
internal static class AgentPlan
{
    public sealed record Answer(int ExitCode, bool HasChanges);

    /// <summary>Null when no agent answers at <c>--listen</c>; else the printed plan's exit code and whether it has changes.</summary>
    public static async Task<Answer?> TryAsync(ParseResult parse, Option<string> listen, bool json, CancellationToken ct, bool inForce = false)
    {
        if (!ListenOption.TryParse(parse.GetValue(listen)!, out var endpoint, out _)) return null;
        using var client = new AgentClient(endpoint!);
        var answer = await client.SendAsync(HttpMethod.Get, inForce ? "plan?revision=applied" : "plan", ct);
        if (answer is not { } a) return null;
        var stdout = parse.InvocationConfiguration.Output;
        if (a.Code != System.Net.HttpStatusCode.OK)
        {
            parse.InvocationConfiguration.Error.WriteLine($"error: the agent could not plan: {a.Body.Trim()}");
            return new Answer(1, false);
        }
        using var doc = JsonDocument.Parse(a.Body);
        var changes = doc.RootElement.GetProperty("changes").GetArrayLength();
        stdout.Write(json ? a.Body : Text(doc.RootElement, endpoint!.ToString()));
        return new Answer(0, changes > 0);
    }

    private static string Text(JsonElement plan, string agent)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"Plan for host {S(plan, "host")} at {Short(S(plan, "revision"))} (from the agent on {agent}, tunnel tables included):");
        var changes = plan.GetProperty("changes");
        if (changes.GetArrayLength() == 0) sb.AppendLine("  no changes: the host matches the desired state");
        foreach (var c in changes.EnumerateArray())
        {
            var sigil = S(c, "action") switch { "create" => "+", "delete" => "-", _ => "~" };
            var detail = S(c, "action") switch { "create" => S(c, "after"), "delete" => S(c, "before"), _ => $"{S(c, "before")} -> {S(c, "after")}" };
            // A wire change (SPEC §6.4) is marked as PlanRenderer marks it; the agent rolls it out without a break.
            var wire = c.TryGetProperty("wire_change", out var w) && w.ValueKind == JsonValueKind.True ? " [wire change]" : "";
            sb.AppendLine($"  {sigil} {S(c, "kind") + " " + S(c, "name"),-26} {detail}{wire}  ({S(c, "reason")})");
        }
        foreach (var c in plan.GetProperty("conflicts").EnumerateArray()) sb.AppendLine($"  ! {S(c, "name")}: {S(c, "reason")}");
        var s = plan.GetProperty("summary");
        sb.AppendLine($"Plan: {s.GetProperty("create")} to create, {s.GetProperty("update")} to update, {s.GetProperty("delete")} to delete.");
        return sb.ToString();
    }

    private static string? S(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Short(string? r) => r is { Length: 40 } ? r[..12] : r ?? "(none)";
}
