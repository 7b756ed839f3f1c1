using System.CommandLine;
using System.Text;
using VnetReconciler.Reconciler.Editing;
using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Schema;
using VnetReconciler.Schema.Model;
using VnetReconciler.Schema.Sxp;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>
/// <c>vnetctl peer-add ADDR</c>, <c>peer-delete ADDR</c>, <c>peers</c> (SPEC §5, §2.3): Xen's <c>vn peer-*</c> as
/// validated git commits. A new peer goes to <c>peers/ADDR.sxp</c>; peers are found in every file under peers/.
/// </summary>
internal static class PeerVerbs
{
    public static IEnumerable<Command> Create(GitCli git) => [AddCommand(git), DeleteCommand(git), ListCommand(git)];

    private static Argument<string> Address() => new("ADDR") { Description = "The peer's IPv4 address (its tunnel endpoint)" };

    private static Command AddCommand(GitCli git)
    {
        var addr = Address();
        var vnets = new Option<string[]>("--vnets") { Description = "Only these vnet ids go to and come from the peer (default: all)", AllowMultipleArgumentsPerToken = true };
        var options = new RepoOptions();
        var command = new Command("peer-add", "Add a tunnel peer outside the fleet: commit peers/ADDR.sxp (and push)") { addr, vnets };
        options.AddTo(command, push: true);
        command.SetAction(RepoVerb.Guarded(async (parse, ct) =>
        {
            var verb = new RepoVerb(parse, options, git);
            var editor = await verb.OpenAsync(ct);
            if (editor is null) return 1;
            var input = new SourceFile(InputPath, Form(parse.GetValue(addr)!, parse.GetValue(vnets)));
            if (verb.CheckAddition(editor, input, d => $"error: {d.Message}") is not { } state)
            {
                verb.Error($"peer-add {parse.GetValue(addr)}: nothing was committed");
                return 1;
            }
            var peer = state.Peers.Single(p => p.Span.File == InputPath);
            var subject = $"peer-add: {peer.Address}";
            var path = $"peers/{peer.Address}.sxp";
            if (editor.FileAt(path) is not null)
            {
                verb.Error($"{subject}: {path} already exists; nothing was committed");
                return 1;
            }
            return await verb.CommitAsync(editor, [new FileEdit(path, SxpWriter.Write(peer))], subject, ct);
        }));
        return command;
    }

    // Where the new peer is checked: after every committed file, so a peer listed already is reported there.
    private const string InputPath = "peers/~peer-add.sxp";

    /// <summary><c>(peer (addr ADDR) [(vnets …)])</c> with the arguments as atoms (quoted when they need it).</summary>
    private static string Form(string addr, string[]? vnets)
    {
        var sb = new StringBuilder("(peer (addr ");
        SxpPrinter.AppendAtom(sb, addr);
        sb.Append(')');
        if (vnets is { Length: > 0 })
        {
            sb.Append(" (vnets");
            foreach (var v in vnets) SxpPrinter.AppendAtom(sb.Append(' '), v);
            sb.Append(')');
        }
        return sb.Append(")\n").ToString();
    }

    private static Peer? Find(DesiredStateEditor editor, string addr) =>
        editor.Loaded.State!.Peers.FirstOrDefault(p => p.Address.ToString() == addr);

    private static Command DeleteCommand(GitCli git)
    {
        var addr = Address();
        var options = new RepoOptions();
        var command = new Command("peer-delete", "Remove a tunnel peer, from whichever file under peers/ lists it, and commit (and push)") { addr };
        options.AddTo(command, push: true);
        command.SetAction(RepoVerb.Guarded(async (parse, ct) =>
        {
            var verb = new RepoVerb(parse, options, git);
            var text = parse.GetValue(addr)!;
            var editor = await verb.OpenAsync(ct);
            if (editor is null) return 1;
            if (Find(editor, text) is not { } peer)
            {
                verb.Error($"peer-delete: no peer {text} in {editor.HeadCommit?[..12] ?? "the repository"} on {editor.BranchName}");
                return 1;
            }
            var subject = $"peer-delete: {peer.Address}";
            if (editor.RemovalOf(peer.Span, out var why) is not { } edit)
            {
                verb.Error($"{subject}: {why}; nothing was committed");
                return 1;
            }
            return await verb.CommitAsync(editor, [edit], subject, ct);
        }));
        return command;
    }

    private static Command ListCommand(GitCli git)
    {
        var options = new RepoOptions();
        var command = new Command("peers", "The committed tunnel peers, one SXP form per line, in path order");
        options.AddTo(command, push: false);
        command.SetAction(RepoVerb.Guarded(async (parse, ct) =>
        {
            var verb = new RepoVerb(parse, options, git);
            var editor = await verb.OpenAsync(ct);
            if (editor is null) return 1;
            foreach (var peer in editor.Loaded.State!.Peers) verb.Out.Write(SxpWriter.Write(peer));
            return 0;
        }));
        return command;
    }
}
