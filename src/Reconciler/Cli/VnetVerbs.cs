using System.CommandLine;
using VnetReconciler.Reconciler.Editing;
using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Schema;
using VnetReconciler.Schema.Model;
using VnetReconciler.Schema.Sxp;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>
/// <c>vnetctl vnet-create FILE</c>, <c>vnet-delete ID</c>, <c>vnet-list [ID…] [--long]</c> (SPEC §5): Xen's
/// <c>xm vnet-*</c> as validated git commits to the desired-state repository (docs/verbs.md).
/// </summary>
internal static class VnetVerbs
{
    public static IEnumerable<Command> Create(GitCli git) => [CreateCommand(git), DeleteCommand(git), ListCommand(git)];

    private static Command CreateCommand(GitCli git)
    {
        var file = new Argument<string>("FILE") { Description = "One vnet, as for xm vnet-create: (vnet (id 97) (bridge vnet97) …); YAML when named *.yaml or *.yml" };
        var options = new RepoOptions();
        var command = new Command("vnet-create", "Define a vnet: validate FILE, commit it as vnets/BRIDGE.sxp (and push)") { file };
        options.AddTo(command, push: true);
        command.SetAction(RepoVerb.Guarded(async (parse, ct) =>
        {
            var verb = new RepoVerb(parse, options, git);
            var path = parse.GetValue(file)!;
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                verb.Error($"cannot read {path}: {e.Message}");
                return 1;
            }
            var editor = await verb.OpenAsync(ct);
            if (editor is null) return 1;
            var extension = path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal) ? ".yaml" : ".sxp";
            var input = new SourceFile(InputPath + extension, text);
            var state = verb.CheckAddition(editor, input, d => (d with { File = path }).ToString());
            if (state is null)
            {
                verb.Error($"{path} is not a valid vnet definition for this repository; nothing was committed");
                return 1;
            }
            var vnets = state.Vnets.Where(v => v.Span.File == input.Path).ToList();
            if (vnets is not [var vnet])
            {
                verb.Error($"{path} defines {vnets.Count} vnets: vnet-create takes a file with one (vnet …) form; nothing was committed");
                return 1;
            }
            var subject = $"vnet-create: vnet {vnet.Id.ShortForm} ({vnet.Bridge})";
            var inRepo = PathInWorkTree(editor, path);
            if (inRepo is not null && editor.FileAt(inRepo) is not null)
            {
                verb.Error($"{subject}: {inRepo} is committed already: vnet-create adds a new file (commit changes to it with git); nothing was committed");
                return 1;
            }
            var target = inRepo ?? TargetPath(editor, vnet, extension);
            if (target is null)
            {
                verb.Error($"{subject}: vnets/{vnet.Bridge}{extension} and vnets/{vnet.Bridge}-{Vnet.DefaultKey(vnet.Id)}{extension} are taken; nothing was committed");
                return 1;
            }
            return await verb.CommitAsync(editor, [new FileEdit(target, text)], subject, ct, new Dictionary<string, string> { [target] = path });
        }));
        return command;
    }

    // Where the operator's file is checked: after every committed file in path order, so a repeated id is
    // reported in it (naming the committed definition). Its diagnostics are shown under the operator's path.
    private const string InputPath = "vnets/~vnet-create";

    /// <summary>The path of FILE in the work tree when it is a vnet file there (under vnets/): the operator wrote it in
    /// place, and it is committed where it is.</summary>
    private static string? PathInWorkTree(DesiredStateEditor editor, string file)
    {
        var relative = Path.GetRelativePath(editor.TopLevel, Path.GetFullPath(file)).Replace(Path.DirectorySeparatorChar, '/');
        return relative.StartsWith("vnets/", StringComparison.Ordinal) && DesiredStateLayout.IsDesiredStateFile(relative) ? relative : null;
    }

    /// <summary><c>vnets/BRIDGE.sxp</c> (Xen's own example name, <c>vnet97.sxp</c>), else <c>vnets/BRIDGE-KEY.sxp</c>
    /// (the key is the short id, or the long id with '-'), else null: a name no committed file has.</summary>
    private static string? TargetPath(DesiredStateEditor editor, Vnet vnet, string extension) =>
        new[] { $"vnets/{vnet.Bridge}{extension}", $"vnets/{vnet.Bridge}-{Vnet.DefaultKey(vnet.Id)}{extension}" }
            .FirstOrDefault(p => editor.FileAt(p) is null);

    private static Command DeleteCommand(GitCli git)
    {
        var id = new Argument<string>("ID") { Description = "The vnet id: short (97) or long (8 groups of hex digits separated by ':')" };
        var options = new RepoOptions();
        var command = new Command("vnet-delete", "Remove a vnet's definition and commit (and push); refused while ports or peers use it") { id };
        options.AddTo(command, push: true);
        command.SetAction(RepoVerb.Guarded(async (parse, ct) =>
        {
            var verb = new RepoVerb(parse, options, git);
            var text = parse.GetValue(id)!;
            if (VnetId.TryParse(text, out var vnetId) is var error && error != VnetIdError.None)
            {
                verb.Error(VnetId.Describe(error, text));
                return 1;
            }
            var editor = await verb.OpenAsync(ct);
            if (editor is null) return 1;
            if (editor.Loaded.State!.FindVnet(vnetId) is not { } vnet)
            {
                verb.Error($"vnet-delete: no vnet {vnetId.ShortForm} in {editor.HeadCommit?[..12] ?? "the repository"} on {editor.BranchName}");
                return 1;
            }
            var subject = $"vnet-delete: vnet {vnet.Id.ShortForm} ({vnet.Bridge})";
            if (editor.RemovalOf(vnet.Span, out var why) is not { } edit)
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
        var ids = new Argument<string[]>("ID") { Description = "Vnet ids to show in full", Arity = ArgumentArity.ZeroOrMore };
        var longForm = new Option<bool>("--long", "-l") { Description = "Each vnet's SXP form instead of its id" };
        var options = new RepoOptions();
        var command = new Command("vnet-list", "The committed vnets: one canonical id per line; with --long or ids, each vnet's SXP form") { ids, longForm };
        options.AddTo(command, push: false);
        command.SetAction(RepoVerb.Guarded(async (parse, ct) =>
        {
            var verb = new RepoVerb(parse, options, git);
            var editor = await verb.OpenAsync(ct);
            if (editor is null) return 1;
            var state = editor.Loaded.State!;
            var asked = parse.GetValue(ids) ?? [];
            if (asked.Length == 0)
            {
                foreach (var vnet in state.Vnets.OrderBy(v => v.Id))
                    verb.Out.Write(parse.GetValue(longForm) ? SxpWriter.Write(vnet) : vnet.Id + "\n");
                return 0;
            }
            var exit = 0;
            foreach (var text in asked)
            {
                if (VnetId.TryParse(text, out var vnetId) is var error && error != VnetIdError.None)
                    verb.Error(VnetId.Describe(error, text));
                else if (state.FindVnet(vnetId) is { } vnet)
                {
                    verb.Out.Write(SxpWriter.Write(vnet));
                    continue;
                }
                else
                    verb.Error($"no vnet {vnetId.ShortForm}");
                exit = 1;
            }
            return exit;
        }));
        return command;
    }
}
