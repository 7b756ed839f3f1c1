using System.CommandLine;
using System.Text.Json;
using VnetReconciler.Reconciler.Status;

namespace VnetReconciler.Reconciler.Cli;

/// <summary><c>vnetctl sync</c> (SPEC §5): ask the local agent to pull and converge now, wait, print the cycle's result.</summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var listen = ListenOption.Create();
        var output = OutputOption.Create("text", "json");
        var command = new Command("sync", "Ask the local agent to pull and converge now; wait and print the result") { listen, output };
        command.SetAction(async (parse, ct) =>
        {
            if (!ListenOption.TryParse(parse.GetValue(listen)!, out var endpoint, out var error))
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: {error}");
                return 1;
            }
            using var client = new AgentClient(endpoint!);
            return await RunAsync(client, parse.GetValue(output) == "json", parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct);
        });
        return command;
    }

    /// <summary>POST /sync and print; also what <c>vnetctl apply</c> does when an agent runs. 0 when the cycle succeeded.</summary>
    public static async Task<int> RunAsync(AgentClient client, bool json, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var answer = await client.SendAsync(HttpMethod.Post, "sync", ct);
        if (answer is not { } a)
        {
            stderr.WriteLine($"error: {client.NotRunning}");
            return 1;
        }
        if (a.Code != System.Net.HttpStatusCode.OK)
        {
            stderr.WriteLine($"error: the agent refused: {(int)a.Code} {a.Body.Trim()}");
            return 1;
        }
        using var doc = JsonDocument.Parse(a.Body);
        var cycle = doc.RootElement.GetProperty("cycle");
        var result = cycle.GetProperty("result").GetString();
        if (json) stdout.Write(a.Body);
        else
        {
            stdout.WriteLine($"Cycle {result} at revision {Text(cycle, "revision")} in {cycle.GetProperty("duration_seconds").GetDouble() * 1000:F0} ms: " +
                             $"{cycle.GetProperty("changes").GetInt32()} change(s), {cycle.GetProperty("steps_run").GetInt32()} step(s).");
            if (Text(cycle, "message") is { Length: > 0 } m) stdout.WriteLine($"  {m}");
            foreach (var e in doc.RootElement.GetProperty("errors").EnumerateArray())
                stdout.WriteLine("  error: " + (e.GetProperty("file").GetString() is { } f
                    ? $"{f}:{e.GetProperty("line")}:{e.GetProperty("column")}: {e.GetProperty("message").GetString()}"
                    : e.GetProperty("message").GetString()));
            foreach (var n in doc.RootElement.GetProperty("notes").EnumerateArray()) stdout.WriteLine($"  note: {n.GetString()}");
        }
        return result == "success" ? 0 : 1;
    }

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
