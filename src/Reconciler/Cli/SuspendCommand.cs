using System.CommandLine;
using VnetReconciler.Reconciler.Status;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>
/// <c>vnetctl suspend [--reason TEXT] [--for D]</c> and <c>vnetctl resume</c> (SPEC §5): stop and restart converging on
/// the local agent, so an operator can debug by hand without being healed; the tunnel keeps running.
/// </summary>
internal static class SuspendCommand
{
    public static Command CreateSuspend()
    {
        var listen = ListenOption.Create();
        var reason = new Option<string?>("--reason") { Description = "Why (shown in status)" };
        var duration = new Option<string?>("--for") { Description = "Resume by itself after this long (30s, 5m, 1h)" };
        var command = new Command("suspend", "Stop converging (the tunnel keeps running); cycles observe and report only") { listen, reason, duration };
        command.SetAction((parse, ct) =>
        {
            var query = new List<string>();
            if (parse.GetValue(reason) is { } r) query.Add("reason=" + Uri.EscapeDataString(r));
            if (parse.GetValue(duration) is { } d) query.Add("for=" + Uri.EscapeDataString(d));
            query.Add("by=" + Uri.EscapeDataString(Operator()));
            var until = parse.GetValue(duration) is { } text ? $" until {text} from now" : " until vnetctl resume";
            return SendAsync(parse, listen, "suspend?" + string.Join('&', query), $"Suspended{until}: changes are observed and reported, not applied.", ct);
        });
        return command;
    }

    public static Command CreateResume()
    {
        var listen = ListenOption.Create();
        var command = new Command("resume", "Converge again after suspend, starting with a cycle now") { listen };
        command.SetAction((parse, ct) => SendAsync(parse, listen, "resume", "Resumed.", ct));
        return command;
    }

    /// <summary>Who asks: the user behind sudo when there is one, else this process's user.</summary>
    internal static string Operator() =>
        Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudo ? sudo : Environment.UserName;

    private static async Task<int> SendAsync(ParseResult parse, Option<string> listen, string path, string done, CancellationToken ct)
    {
        var stderr = parse.InvocationConfiguration.Error;
        if (!ListenOption.TryParse(parse.GetValue(listen)!, out var endpoint, out var error))
        {
            stderr.WriteLine($"error: {error}");
            return 1;
        }
        using var client = new AgentClient(endpoint!);
        var answer = await client.SendAsync(HttpMethod.Post, path, ct);
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
        parse.InvocationConfiguration.Output.WriteLine(done);
        return 0;
    }
}
