using System.CommandLine;
using System.Text;
using System.Text.Json;
using VnetReconciler.Reconciler.Status;

namespace VnetReconciler.Reconciler.Cli;

/// <summary><c>vnetctl status</c> (SPEC §5): the local agent's revision, conditions, vnets, peers, MAC table, counters.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var listen = ListenOption.Create();
        var output = OutputOption.Create("text", "json");
        var command = new Command("status", "The local agent: revision, conditions, vnets, peers, MAC table, counters") { listen, output };
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            if (!ListenOption.TryParse(parse.GetValue(listen)!, out var endpoint, out var error))
            {
                stderr.WriteLine($"error: {error}");
                return 1;
            }
            using var client = new AgentClient(endpoint!);
            var answer = await client.SendAsync(HttpMethod.Get, "status?macs=1", ct);
            if (answer is not { } a)
            {
                stderr.WriteLine($"error: {client.NotRunning}");
                return 1;
            }
            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(output) == "json") stdout.Write(a.Body);
            else stdout.Write(Text(a.Body));
            return 0;
        });
        return command;
    }

    public static string Text(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var sb = new StringBuilder();
        var rev = root.GetProperty("revision");
        sb.AppendLine($"Host {root.GetProperty("host").GetString()} ({S(root, "address") ?? "?"}), interval {root.GetProperty("interval_seconds").GetDouble()}s");
        sb.AppendLine($"Revision applied {Short(S(rev, "applied"))}, attempted {Short(S(rev, "attempted"))}" +
                      (S(rev, "result") is { } result ? $", {result}" : ""));
        if (S(rev, "result") == "pending")
        {
            sb.AppendLine($"  pending: {S(rev, "message")}");
            if (S(rev, "next_window") is { } next) sb.AppendLine($"  next window: {next}");
        }
        foreach (var c in root.GetProperty("conditions").EnumerateArray())
            sb.AppendLine($"  {S(c, "type"),-12} {S(c, "status"),-7} {S(c, "reason")}: {S(c, "message")}");
        foreach (var e in root.GetProperty("errors").EnumerateArray())
            sb.AppendLine("  error: " + (S(e, "file") is { } f ? $"{f}:{e.GetProperty("line")}:{e.GetProperty("column")}: " : "") + S(e, "message"));
        var drift = root.GetProperty("drift").GetArrayLength();
        sb.AppendLine($"Drift: {drift} object(s); conflicts: {root.GetProperty("conflicts").GetArrayLength()}");
        sb.AppendLine("Vnets:");
        foreach (var v in root.GetProperty("vnets").EnumerateArray())
        {
            sb.AppendLine($"  {PlanRenderer.ShortId(S(v, "id")!),-6} bridge {S(v, "bridge")} vnetif {S(v, "vnetif")} mtu {v.GetProperty("mtu")} " +
                          $"{S(v, "encapsulation")}/{S(v, "security")} {(v.GetProperty("carried").GetBoolean() ? "carried" : "NOT carried")} " +
                          $"macs {v.GetProperty("mac_count")} rx {v.GetProperty("rx_packets")} tx {v.GetProperty("tx_packets")}");
            foreach (var p in v.GetProperty("peers").EnumerateArray())
                sb.AppendLine($"      peer {S(p, "address"),-15} {(p.GetProperty("reachable").GetBoolean() ? "reachable" : "not heard")}");
            foreach (var m in v.GetProperty("macs").EnumerateArray())
                sb.AppendLine($"      mac {S(m, "mac")} {(S(m, "address") ?? "local"),-15} {m.GetProperty("age_seconds").GetDouble():F0}s");
        }
        foreach (var n in root.GetProperty("notes").EnumerateArray()) sb.AppendLine($"note: {n.GetString()}");
        sb.AppendLine("Recent cycles:");
        foreach (var h in root.GetProperty("history").EnumerateArray().Take(5))
            sb.AppendLine($"  {S(h, "started")} {S(h, "trigger"),-10} {S(h, "result"),-9} {h.GetProperty("changes")} change(s) {S(h, "message")}");
        return sb.ToString();
    }

    private static string? S(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Short(string? r) => r is { Length: 40 } ? r[..12] : r ?? "(none)";
}
