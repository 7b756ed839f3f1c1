using System.CommandLine;
using System.Text;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Schema;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>
/// <c>vnetctl diff REV1 REV2 --repo DIR</c> (SPEC §5): per host of the fleet, the plan that moving from REV1 to REV2
/// produces (see <see cref="RevisionDiff"/>), with wire and MTU changes marked; markdown for a pull request. Reads the
/// local repository's objects directly (nothing is checked out or fetched). Exit 1 when a revision is unknown or
/// invalid; with <c>--detailed-exitcode</c>, 2 when anything changes.
/// </summary>
internal static class DiffCommand
{
    public static Command Create()
    {
        var rev1 = new Argument<string>("REV1") { Description = "The revision hosts are at (commit, branch, tag, HEAD~1, …)" };
        var rev2 = new Argument<string>("REV2") { Description = "The revision to move to" };
        var repo = new Option<string>("--repo") { Description = "A local git repository holding both revisions", Required = true };
        var output = OutputOption.Create("text", "json", "markdown");
        var detailed = new Option<bool>("--detailed-exitcode") { Description = "Exit 2 when any host changes, 0 when none does" };
        var command = new Command("diff", "What changes on every host between two revisions, for review before merging") { rev1, rev2, repo, output, detailed };
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            var dir = parse.GetValue(repo)!;
            var git = new GitCli();
            var gitDir = await RunGit(git, dir, ["rev-parse", "--absolute-git-dir"], ct);
            if (gitDir is null)
            {
                stderr.WriteLine($"error: {dir} is not a git repository");
                return 1;
            }
            var source = new GitSource(dir, gitDir, git, TimeProvider.System);
            var from = await LoadAsync(git, source, dir, parse.GetValue(rev1)!, stderr, ct);
            var to = await LoadAsync(git, source, dir, parse.GetValue(rev2)!, stderr, ct);
            if (from is null || to is null) return 1;

            var hosts = RevisionDiff.Compare(from.Value.State, to.Value.State, to.Value.Commit);
            var stdout = parse.InvocationConfiguration.Output;
            stdout.Write(parse.GetValue(output) switch
            {
                "json" => DiffRenderer.Json(from.Value.Commit, to.Value.Commit, hosts) + "\n",
                "markdown" => DiffRenderer.Markdown(from.Value.Commit, to.Value.Commit, hosts),
                _ => DiffRenderer.Text(from.Value.Commit, to.Value.Commit, hosts, Terminal.IsColour(stdout)),
            });
            return parse.GetValue(detailed) && hosts.Any(h => h.Plan.HasChanges) ? 2 : 0;
        });
        return command;
    }

    /// <summary>Resolves a revision in the repository and loads its desired state; null (diagnostics written) when it cannot.</summary>
    private static async Task<(string Commit, DesiredState State)?> LoadAsync(GitCli git, GitSource source, string dir, string rev, TextWriter stderr,
        CancellationToken ct)
    {
        var commit = rev.StartsWith('-') ? null : await RunGit(git, dir, ["rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}"], ct);
        if (commit is null)
        {
            stderr.WriteLine($"error: '{rev}' is not a commit in {dir}");
            return null;
        }
        IReadOnlyList<RevisionFile> files;
        try
        {
            files = await source.ReadTreeAsync(commit, ct);
        }
        catch (GitException e)
        {
            stderr.WriteLine($"error: cannot read {rev} ({commit[..12]}): {e.Message}");
            return null;
        }
        var schema = DesiredStateLoader.Load(files.Select(f => new SourceFile(f.Path, f.Text)));
        foreach (var d in schema.Diagnostics) stderr.WriteLine($"{rev} ({commit[..12]}): {d}");
        if (schema.State is null || schema.HasErrors)
        {
            stderr.WriteLine($"error: revision {rev} ({commit[..12]}) is invalid: {schema.Diagnostics.Count(d => d.IsError)} error(s)");
            return null;
        }
        return (commit, schema.State);
    }

    private static async Task<string?> RunGit(GitCli git, string dir, IReadOnlyList<string> args, CancellationToken ct)
    {
        if (!Directory.Exists(dir)) return null;
        var result = await git.RunAsync(args, dir, TimeSpan.FromSeconds(30), ct);
        return result.ExitCode == 0 ? result.Stdout.Trim() : null;
    }
}

/// <summary>Prints a revision diff: text for a terminal, JSON (documented in docs/operations.md), markdown for a pull request.</summary>
internal static class DiffRenderer
{
    public static string Text(string from, string to, IReadOnlyList<HostDiff> hosts, bool colour)
    {
        var sb = new StringBuilder($"Changes from {from[..12]} to {to[..12]}:\n");
        foreach (var h in hosts)
        {
            sb.AppendLine().AppendLine($"Host {h.Host} ({Status(h)}):");
            if (!h.Plan.HasChanges) sb.AppendLine("  no changes");
            foreach (var c in h.Plan.Changes) sb.Append(PlanRenderer.ChangeLine(c, colour));
            foreach (var m in h.MtuChanges) sb.AppendLine($"  guest MTU of vnet {PlanRenderer.ShortId(m.Vnet)}: {m.Before} -> {m.After} [mtu change]");
            if (h.WireChange) sb.AppendLine("  wire change: every host carrying the vnet must move together (mixed revisions cannot talk)");
        }
        var changed = hosts.Count(h => h.Plan.HasChanges);
        sb.AppendLine().AppendLine($"{changed} of {hosts.Count} host(s) change" +
            (hosts.Any(h => h.WireChange) ? "; includes wire changes." : "."));
        return sb.ToString();
    }

    public static string Json(string from, string to, IReadOnlyList<HostDiff> hosts) => Cli.Json.Serialize(new
    {
        from,
        to,
        hosts = hosts.Select(h => new
        {
            host = h.Host,
            status = h.Status,
            wire_change = h.WireChange,
            mtu_changes = h.MtuChanges,
            changes = h.Plan.Changes,
            guest_mtu = h.Plan.GuestMtu,
            summary = h.Plan.Summary,
        }),
        summary = new { hosts = hosts.Count, changed = hosts.Count(h => h.Plan.HasChanges), wire_change = hosts.Any(h => h.WireChange) },
    });

    public static string Markdown(string from, string to, IReadOnlyList<HostDiff> hosts)
    {
        var sb = new StringBuilder($"## vnetctl diff `{from[..12]}` → `{to[..12]}`\n\n");
        sb.AppendLine($"{hosts.Count(h => h.Plan.HasChanges)} of {hosts.Count} host(s) change" +
            (hosts.Any(h => h.WireChange) ? "; **includes wire changes**." : "."));
        foreach (var h in hosts)
        {
            sb.AppendLine().AppendLine($"### `{h.Host}` ({Status(h)})").AppendLine();
            if (!h.Plan.HasChanges)
            {
                sb.AppendLine("No changes.");
                continue;
            }
            sb.AppendLine("| | object | before | after | note |").AppendLine("|---|---|---|---|---|");
            foreach (var c in h.Plan.Changes)
            {
                var sigil = c.Action switch { ChangeAction.Create => "+", ChangeAction.Delete => "−", _ => "~" };
                var note = c.WireChange ? "**wire change**" : c.Kind == ChangeKind.Mtu ? "MTU change" : "";
                sb.AppendLine($"| {sigil} | `{c.Path}` | {Cell(c.Before)} | {Cell(c.After)} | {note} |");
            }
            if (h.MtuChanges.Count > 0)
            {
                sb.AppendLine().AppendLine("Guest MTU: " + string.Join(", ",
                    h.MtuChanges.Select(m => $"vnet {PlanRenderer.ShortId(m.Vnet)} {m.Before} → **{m.After}**")));
            }
        }
        return sb.ToString();
    }

    private static string Status(HostDiff h) => h.Status.ToString().ToLowerInvariant();

    private static string Cell(string? text) => text is null ? "" : text.Replace("|", "\\|");
}
