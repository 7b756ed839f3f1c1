using System.CommandLine;
using System.Globalization;
using System.Text;
using Spectre.Console;
using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>
/// <c>vnetctl fleet status --repo URL</c> (SPEC §5, §6.6): every host's published status from
/// <c>refs/vnet-status/*</c>, as a table (Spectre.Console on a terminal, plain text otherwise) or as JSON, with hosts
/// whose last report is older than <c>--stale-after</c> marked STALE.
/// </summary>
internal static class FleetStatusCommand
{
    public static Command Create()
    {
        var repo = new Option<string>("--repo") { Description = "The status remote: the desired-state repository unless fleet status.remote names another", Required = true };
        var output = OutputOption.Create("text", "json");
        var staleAfter = new Option<string>("--stale-after") { Description = "Mark hosts whose last report is older than this (default 5m, the default grace)", DefaultValueFactory = _ => "5m" };
        var status = new Command("status", "Every host's published status (SPEC §6.6)") { repo, output, staleAfter };
        status.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            if (!Duration.TryParse(parse.GetValue(staleAfter)!, out var stale) || stale <= TimeSpan.Zero)
            {
                stderr.WriteLine($"error: --stale-after '{parse.GetValue(staleAfter)}' is not a duration such as 90s, 5m or 1h");
                return 1;
            }
            var cache = Directory.CreateTempSubdirectory("vnetctl-fleet-");
            try
            {
                var reader = new FleetStatusReader(new GitCli(), parse.GetValue(repo)!, cache.FullName, TimeProvider.System) { StaleAfter = stale };
                var hosts = await reader.ReadAsync(ct);
                var now = DateTimeOffset.UtcNow;
                if (parse.GetValue(output) == "json") stdout.WriteLine(Json(reader.Remote, stale, now, hosts));
                else if (Terminal.IsColour(stdout)) WriteTable(hosts);
                else stdout.Write(Text(hosts));
                return 0;
            }
            catch (Exception e) when (e is GitException or ArgumentException)
            {
                stderr.WriteLine($"error: {e.Message}");
                return 1;
            }
            finally
            {
                cache.Delete(recursive: true);
            }
        });
        return new Command("fleet", "The fleet as a whole") { status };
    }

    private static readonly string[] s_columns = ["HOST", "APPLIED", "ATTEMPTED", "RESULT", "READY", "DRIFT", "CONFLICTS", "PEERS", "AGE", ""];

    /// <summary>One row of the table: the columns of <see cref="s_columns"/>, STALE last when it is.</summary>
    internal static string[] Row(PublishedStatus h)
    {
        var d = h.Document;
        var peers = d is null || d.Vnets.Count == 0 ? "-" : $"{d.Vnets.Sum(v => v.Reachable)}/{d.Vnets.Sum(v => v.Peers)}";
        return
        [
            h.Host,
            Short(d?.Revision.Applied),
            Short(d?.Revision.Attempted),
            d?.Revision.Result?.ToString().ToLowerInvariant() ?? (h.Error is null ? "-" : "unreadable"),
            d is null ? "-" : d.ReadyCondition.ToString(),
            d is null ? "-" : d.DriftObjects.ToString(CultureInfo.InvariantCulture),
            d is null ? "-" : d.Conflicts.ToString(CultureInfo.InvariantCulture),
            peers,
            h.Age is { } age ? Age(age) : "-",
            h.IsStale ? "STALE" : "",
        ];
    }

    /// <summary>The plain table: columns padded with spaces, errors listed under it.</summary>
    internal static string Text(IReadOnlyList<PublishedStatus> hosts)
    {
        if (hosts.Count == 0) return "No host has published a status (no refs/vnet-status/* on the remote).\n";
        var rows = hosts.Select(Row).Prepend(s_columns).ToList();
        var widths = Enumerable.Range(0, s_columns.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (var row in rows) sb.Append(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd()).Append('\n');
        foreach (var h in hosts.Where(h => h.Error is not null)) sb.Append($"{h.Host}: {h.Error}\n");
        var stale = hosts.Count(h => h.IsStale);
        sb.Append($"{hosts.Count} host(s), {stale} stale\n");
        return sb.ToString();
    }

    private static void WriteTable(IReadOnlyList<PublishedStatus> hosts)
    {
        if (hosts.Count == 0)
        {
            AnsiConsole.WriteLine("No host has published a status (no refs/vnet-status/* on the remote).");
            return;
        }
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var c in s_columns) table.AddColumn(new TableColumn($"[bold]{Markup.Escape(c)}[/]"));
        foreach (var h in hosts)
        {
            var cells = Row(h).Select(Markup.Escape).ToArray();
            cells[3] = h.Document?.Revision.Result switch
            {
                RevisionResult.Ready => $"[green]{cells[3]}[/]",
                RevisionResult.Failed => $"[red]{cells[3]}[/]",
                RevisionResult.Pending or RevisionResult.Reconciling => $"[yellow]{cells[3]}[/]",
                _ => cells[3],
            };
            if (h.IsStale) cells[^1] = $"[red bold]{cells[^1]}[/]";
            table.AddRow(cells);
        }
        AnsiConsole.Write(table);
        foreach (var h in hosts.Where(h => h.Error is not null)) AnsiConsole.MarkupLine($"[red]{Markup.Escape(h.Host)}:[/] {Markup.Escape(h.Error!)}");
    }

    /// <summary>The stable JSON form (docs/fleet.md): the remote, when it was read, and each host with its document.</summary>
    internal static string Json(string remote, TimeSpan staleAfter, DateTimeOffset readAt, IReadOnlyList<PublishedStatus> hosts) =>
        Cli.Json.Serialize(new
        {
            remote = GitException.Redact(remote),
            read_at = readAt,
            stale_after_seconds = (long)staleAfter.TotalSeconds,
            hosts = hosts.Select(h => new
            {
                host = h.Host,
                commit = h.CommitId,
                stale = h.IsStale,
                age_seconds = h.Age is { } a ? (long?)a.TotalSeconds : null,
                error = h.Error,
                status = h.Document,
            }),
        });

    private static string Short(string? commit) => commit is null ? "-" : commit.Length > 12 ? commit[..12] : commit;

    /// <summary>A report's age for people: <c>42s</c>, <c>7m</c>, <c>3h</c>, <c>2d</c>.</summary>
    internal static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 0 } => "0s",
        { TotalMinutes: < 2 } => $"{(long)age.TotalSeconds}s",
        { TotalHours: < 2 } => $"{(long)age.TotalMinutes}m",
        { TotalDays: < 2 } => $"{(long)age.TotalHours}h",
        _ => $"{(long)age.TotalDays}d",
    };
}
