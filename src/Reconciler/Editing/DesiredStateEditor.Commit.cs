using System.Text;
using VnetReconciler.Reconciler.Sources;
using VnetReconciler.Schema;

namespace VnetReconciler.Reconciler.Editing;

public sealed partial class DesiredStateEditor
{
    private const string ZeroId = "0000000000000000000000000000000000000000";
    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Commits <paramref name="edits"/> on top of <see cref="HeadCommit"/> when the resulting tree validates (errors
    /// only; warnings elsewhere in the tree do not block). Refuses, committing nothing, on a detached HEAD, when an
    /// edited path has uncommitted changes (staged, unstaged, untracked or ignored), or when the branch moved since
    /// the tree was read. Other uncommitted changes of the working tree are left alone and never committed.
    /// </summary>
    /// <exception cref="GitException">git failed for another reason (a broken repository, a refused signature).</exception>
    public async Task<EditResult> CommitAsync(IReadOnlyList<FileEdit> edits, string message, CancellationToken ct)
    {
        if (Branch is null)
            return EditResult.Refused($"HEAD is detached{(HeadCommit is { } h ? $" at {h[..12]}" : "")}: check out the branch to commit to (git switch BRANCH)");
        if (await DirtyAsync(edits, ct).ConfigureAwait(false) is { } dirty)
            return EditResult.Refused($"{dirty} in the working tree: commit, stash or remove it first (the verbs commit only the files they write)");

        var result = DesiredStateLoader.Load(Apply(edits));
        if (result.HasErrors) return new EditResult { Status = EditStatus.Invalid, Diagnostics = result.Diagnostics };

        var commit = await WriteCommitAsync(edits, message, ct).ConfigureAwait(false);
        var moved = await Local(["update-ref", "-m", message.Split('\n')[0], Branch, commit, HeadCommit ?? ZeroId], ct).ConfigureAwait(false);
        if (moved.ExitCode != 0)
            return EditResult.Refused($"{BranchName} moved while the edit was checked ({moved.Stderr.Trim()}): run the command again");
        return new EditResult { Status = EditStatus.Committed, CommitId = commit, Message = await UpdateWorkTreeAsync(edits, ct).ConfigureAwait(false) };
    }

    /// <summary>HEAD's desired-state files with <paramref name="edits"/> applied.</summary>
    private List<SourceFile> Apply(IReadOnlyList<FileEdit> edits)
    {
        var files = Files.ToDictionary(f => f.Path, f => f.Text, StringComparer.Ordinal);
        foreach (var edit in edits)
        {
            if (edit.Text is null) files.Remove(edit.Path);
            else files[edit.Path] = edit.Text;
        }
        return [.. files.Select(f => new SourceFile(f.Key, f.Value))];
    }

    /// <summary>
    /// The first edited path that differs between HEAD, the index and the working tree, described; null when all are
    /// clean. An untracked file that already holds exactly the edit's text (the operator's own file, committed where
    /// it is) is not in the way.
    /// </summary>
    private async Task<string?> DirtyAsync(IReadOnlyList<FileEdit> edits, CancellationToken ct)
    {
        var status = (await Local(["--literal-pathspecs", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored=matching", "--",
                .. edits.Select(e => e.Path)], ct).ConfigureAwait(false)).EnsureSuccess().Stdout;
        // "XY path\0" (a rename adds "\0from"); X is the index, Y the working tree, "??" untracked, "!!" ignored.
        foreach (var entry in status.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            if (entry.Length < 4 || entry[2] != ' ') continue;
            var path = entry[3..];
            if (entry[..2] == "??" && edits.FirstOrDefault(e => e.Path == path)?.Text is { } text && HoldsAlready(path, text)) continue;
            return entry[..2] switch
            {
                "??" => $"{path} is untracked",
                "!!" => $"{path} is an ignored file",
                var xy when xy[0] != ' ' => $"{path} has staged changes",
                _ => $"{path} has uncommitted changes",
            };
        }
        return null;
    }

    private bool HoldsAlready(string path, string text)
    {
        try
        {
            return File.ReadAllBytes(Path.Combine(TopLevel, path)).AsSpan().SequenceEqual(s_utf8.GetBytes(text));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The commit of HEAD's tree with the edits, built in a temporary index (the real index is not touched).</summary>
    private async Task<string> WriteCommitAsync(IReadOnlyList<FileEdit> edits, string message, CancellationToken ct)
    {
        var index = Path.Combine(GitDir, $"vnetctl-index-{Guid.NewGuid():N}");
        var env = new Dictionary<string, string?> { ["GIT_INDEX_FILE"] = index };
        try
        {
            (await Local(HeadCommit is null ? ["read-tree", "--empty"] : ["read-tree", HeadCommit], ct, null, env).ConfigureAwait(false)).EnsureSuccess();
            foreach (var edit in edits)
            {
                if (edit.Text is null)
                {
                    (await Local(["update-index", "--force-remove", "--", edit.Path], ct, null, env).ConfigureAwait(false)).EnsureSuccess();
                    continue;
                }
                var blob = (await Local(["hash-object", "-w", "--stdin"], ct, s_utf8.GetBytes(edit.Text)).ConfigureAwait(false)).EnsureSuccess().Stdout.Trim();
                (await Local(["update-index", "--add", "--cacheinfo", $"100644,{blob},{edit.Path}"], ct, null, env).ConfigureAwait(false)).EnsureSuccess();
            }
            var tree = (await Local(["write-tree"], ct, null, env).ConfigureAwait(false)).EnsureSuccess().Stdout.Trim();
            string[] parent = HeadCommit is null ? [] : ["-p", HeadCommit];
            // commit-tree does not read commit.gpgSign itself (git 2.39): honour it as git commit would.
            var gpgSign = await Local(["config", "--type=bool", "--get", "commit.gpgSign"], ct).ConfigureAwait(false);
            string[] sign = gpgSign.ExitCode == 0 && gpgSign.Stdout.Trim() == "true" ? ["-S"] : [];
            return (await Local(["commit-tree", .. sign, tree, .. parent], ct, s_utf8.GetBytes(message + "\n")).ConfigureAwait(false))
                .EnsureSuccess().Stdout.Trim();
        }
        finally
        {
            File.Delete(index);
        }
    }

    /// <summary>Brings the edited paths of the working tree and the index to the new HEAD; null, or what went wrong.</summary>
    private async Task<string?> UpdateWorkTreeAsync(IReadOnlyList<FileEdit> edits, CancellationToken ct)
    {
        try
        {
            foreach (var edit in edits)
            {
                var full = Path.Combine(TopLevel, edit.Path);
                if (edit.Text is null)
                {
                    File.Delete(full);
                    continue;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, edit.Text, s_utf8);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the working tree could not be updated ({e.Message}): run git checkout -- {string.Join(' ', edits.Select(x => x.Path))}";
        }
        var reset = await Local(["--literal-pathspecs", "reset", "-q", "--", .. edits.Select(e => e.Path)], ct).ConfigureAwait(false);
        return reset.ExitCode == 0 ? null : $"the index could not be updated ({reset.Stderr.Trim()}): run git reset -- {string.Join(' ', edits.Select(x => x.Path))}";
    }

    /// <summary>
    /// Where <c>--push</c> goes: the branch's upstream (<c>branch.NAME.remote</c>/<c>merge</c>), else the branch of the
    /// same name on <c>origin</c> (or on the only remote). Null when there is none (or HEAD is detached).
    /// </summary>
    public async Task<PushTarget?> PushTargetAsync(CancellationToken ct)
    {
        if (Branch is null) return null;
        var upstream = (await Local(["for-each-ref", "--format=%(upstream:remotename)%00%(upstream:remoteref)", Branch], ct).ConfigureAwait(false))
            .EnsureSuccess().Stdout.TrimEnd('\n').Split('\0');
        if (upstream is [{ Length: > 0 } remote, { Length: > 0 } remoteRef]) return new PushTarget(remote, remoteRef);
        var remotes = (await Local(["remote"], ct).ConfigureAwait(false)).EnsureSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var fallback = remotes.Contains("origin") ? "origin" : remotes.Length == 1 ? remotes[0] : null;
        return fallback is null ? null : new PushTarget(fallback, Branch);
    }

    /// <summary>Pushes <paramref name="commitId"/> to <paramref name="target"/> (a fast-forward only). The result says
    /// whether the remote took it; a rejection is not thrown.</summary>
    public Task<GitResult> PushAsync(PushTarget target, string commitId, CancellationToken ct) =>
        _git.RunAsync([.. GitNames.TransportConfig, "push", "--quiet", "--", target.Remote, $"{GitNames.RequireCommitId(commitId, nameof(commitId))}:{target.RemoteRef}"],
            TopLevel, NetworkTimeout, ct);
}
