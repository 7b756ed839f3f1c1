using System.CommandLine;
using VnetReconciler.Reconciler.Editing;
using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Schema;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Cli;

/// <summary><c>--repo DIR [--push]</c>, shared by the vnet and peer verbs.</summary>
internal sealed class RepoOptions
{
    public Option<string> Repo { get; } = new("--repo") { Description = "The desired-state git work tree to commit to (default: the current directory)", DefaultValueFactory = _ => "." };
    public Option<bool> Push { get; } = new("--push") { Description = "Push the commit to the branch's upstream (else origin's branch of the same name)" };

    public void AddTo(Command command, bool push)
    {
        command.Options.Add(Repo);
        if (push) command.Options.Add(Push);
    }
}

/// <summary>
/// The steps every <c>xm vnet-*</c> / <c>vn peer-*</c> verb shares (SPEC §5): open the work tree at HEAD (refusing a
/// HEAD that does not validate), commit an edit with the outcome printed, push on <c>--push</c>. Results go to the
/// invocation's output, refusals and diagnostics to its error writer; nothing is committed on any refusal.
/// </summary>
internal sealed class RepoVerb(ParseResult parse, RepoOptions options, GitCli git)
{
    public TextWriter Out => parse.InvocationConfiguration.Output;
    public TextWriter Err => parse.InvocationConfiguration.Error;

    /// <summary>An action whose git failures (a broken repository, a git that will not start) end as exit 1 with the message.</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Guarded(Func<ParseResult, CancellationToken, Task<int>> action) =>
        async (parse, ct) =>
        {
            try
            {
                return await action(parse, ct).ConfigureAwait(false);
            }
            catch (GitException e)
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        };

    public void Error(string message) => Err.WriteLine($"error: {message}");

    /// <summary>The work tree of <c>--repo</c> at HEAD, validated; null (reported) when it cannot be used.</summary>
    public async Task<DesiredStateEditor?> OpenAsync(CancellationToken ct)
    {
        var (editor, error) = await DesiredStateEditor.OpenAsync(parse.GetValue(options.Repo)!, git, ct).ConfigureAwait(false);
        if (editor is null)
        {
            Error(error!);
            return null;
        }
        if (!editor.Loaded.HasErrors) return editor;
        foreach (var d in editor.Loaded.Diagnostics) Err.WriteLine(d);
        Error($"the committed tree ({editor.HeadCommit![..12]} on {editor.BranchName}) does not validate: fix it first (vnetctl validate)");
        return null;
    }

    /// <summary>
    /// Commits <paramref name="edits"/> with <paramref name="subject"/> as the message's first line, then pushes on
    /// <c>--push</c>. Diagnostics in a file named in <paramref name="shownAs"/> are printed under the name given
    /// there (the operator's own file that vnet-create commits). Returns the exit code.
    /// </summary>
    public async Task<int> CommitAsync(DesiredStateEditor editor, IReadOnlyList<FileEdit> edits, string subject, CancellationToken ct,
        IReadOnlyDictionary<string, string>? shownAs = null)
    {
        PushTarget? target = null;
        if (parse.GetValue(options.Push) && editor.Branch is not null)
        {
            target = await editor.PushTargetAsync(ct).ConfigureAwait(false);
            if (target is null)
            {
                Error($"--push: {editor.BranchName} has no upstream and the repository no origin remote (git branch --set-upstream-to=REMOTE/BRANCH); nothing was committed");
                return 1;
            }
        }
        var files = string.Join('\n', edits.Select(e => $"{(e.Text is null ? "delete" : "write")} {e.Path}"));
        var result = await editor.CommitAsync(edits, $"{subject}\n\n{files}", ct).ConfigureAwait(false);
        switch (result.Status)
        {
            case EditStatus.Invalid:
                foreach (var d in result.Diagnostics)
                    Err.WriteLine(shownAs is not null && shownAs.TryGetValue(d.File, out var shown) ? d with { File = shown } : d);
                Error($"{subject}: the repository would not validate; nothing was committed");
                return 1;
            case EditStatus.Refused:
                Error($"{subject}: {result.Message}; nothing was committed");
                return 1;
        }
        var commit = result.CommitId!;
        Out.WriteLine($"{subject}: committed {commit[..12]} on {editor.BranchName} ({string.Join(", ", edits.Select(e => e.Path))})");
        if (result.Message is { } warning) Err.WriteLine($"warning: {warning}");
        if (target is null) return 0;
        var pushed = await editor.PushAsync(target, commit, ct).ConfigureAwait(false);
        if (pushed.ExitCode != 0)
        {
            Error($"committed {commit[..12]} locally, but the push to {target} failed: {GitException.Redact(pushed.Stderr.Trim())}\n" +
                  $"bring {editor.BranchName} up to date (git pull --rebase), check it still validates, and push it");
            return 1;
        }
        Out.WriteLine($"pushed {commit[..12]} to {target}");
        return 0;
    }

    /// <summary>
    /// Checks a file the operator is adding, together with HEAD's tree, before anything is written: the file is
    /// loaded at <paramref name="addition"/>'s path (one that sorts after every committed file, so a duplicate is
    /// reported there, naming the definition it repeats). Its warnings count as errors (<c>validate --strict</c>);
    /// its diagnostics are printed by <paramref name="show"/>, everything else as usual. Returns the resulting
    /// state, or null after reporting.
    /// </summary>
    public DesiredState? CheckAddition(DesiredStateEditor editor, SourceFile addition, Func<Diagnostic, string> show)
    {
        var loaded = DesiredStateLoader.Load([.. editor.Files.Select(f => new SourceFile(f.Path, f.Text)), addition]);
        var problems = loaded.Diagnostics
            .Select(d => d.File == addition.Path ? d.AsError() : d)
            .Where(d => d.IsError)
            .ToList();
        foreach (var d in problems) Err.WriteLine(d.File == addition.Path ? show(d) : d.ToString());
        return problems.Count == 0 ? loaded.State : null;
    }
}
