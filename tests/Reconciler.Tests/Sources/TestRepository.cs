using VnetReconciler.Reconciler.Sources;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Reconciler.Tests.Sources;

/// <summary>
/// A temporary directory holding real git repositories for one test: a working repository to commit in,
/// optionally a bare one to push to, and room for the agent's mirror. Git runs without the machine's
/// user and system configuration. Deleted on dispose.
/// </summary>
public sealed class TestRepository : IDisposable
{
    private static readonly Dictionary<string, string> s_env = new()
    {
        ["GIT_CONFIG_GLOBAL"] = "/dev/null",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_AUTHOR_NAME"] = "Test Author",
        ["GIT_AUTHOR_EMAIL"] = "author@example.test",
        ["GIT_COMMITTER_NAME"] = "Test Committer",
        ["GIT_COMMITTER_EMAIL"] = "committer@example.test",
    };

    public TestRepository()
    {
        Root = Directory.CreateTempSubdirectory("vnet-git-").FullName;
        Work = Path.Combine(Root, "work");
        Git(Root, "init", "--quiet", "--initial-branch=main", Work);
    }

    public string Root { get; }

    /// <summary>The working repository commits are made in.</summary>
    public string Work { get; }

    /// <summary>The bare repository, once <see cref="MakeBare"/> ran.</summary>
    public string? Bare { get; private set; }

    /// <summary>The mirror directory a <see cref="GitSource"/> under test uses.</summary>
    public string Mirror => Path.Combine(Root, "mirror");

    /// <summary>A git for the code under test: hermetic like the test's own, with its calls counted.</summary>
    public static GitCli ProductGit() => new(environment: new Dictionary<string, string?>
    {
        ["GIT_CONFIG_GLOBAL"] = "/dev/null",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
    });

    public GitSource Source(string remote, GitCli? git = null) => new(remote, Mirror, git ?? ProductGit(), TimeProvider.System);

    /// <summary>Writes the files (path → text; null deletes) and commits them, signed (<c>-S</c>) when
    /// <paramref name="signArgs"/> (git options such as <c>-c gpg.format=ssh</c>) are given; returns the commit id.</summary>
    public string Commit(IReadOnlyDictionary<string, string?> files, string message = "change", IReadOnlyList<string>? signArgs = null,
        IDictionary<string, string>? env = null)
    {
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(Work, path);
            if (text is null)
            {
                File.Delete(full);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        Git(Work, "add", "--all");
        Git(Work, env, [.. signArgs ?? [], "commit", .. (signArgs is null ? Array.Empty<string>() : ["-S"]), "--quiet", "--allow-empty", "-m", message]);
        return Head();
    }

    public string Commit(string path, string text, string message = "change") =>
        Commit(new Dictionary<string, string?> { [path] = text }, message);

    public string Head(string rev = "HEAD") => Git(Work, "rev-parse", rev).Trim();

    /// <summary>Clones the working repository into a bare one and makes it the working repository's origin.</summary>
    public string MakeBare()
    {
        Bare = Path.Combine(Root, "bare.git");
        Git(Root, "clone", "--quiet", "--bare", Work, Bare);
        Git(Work, "remote", "add", "origin", Bare);
        return Bare;
    }

    public void Push(params string[] refspecs) => Git(Work, ["push", "--quiet", "--force", "origin", .. refspecs]);

    public string Git(string dir, params string[] args) => Git(dir, null, args);

    public string Git(string dir, IDictionary<string, string>? env, IReadOnlyList<string> args)
    {
        var all = new Dictionary<string, string>(s_env);
        if (env is not null) foreach (var (k, v) in env) all[k] = v;
        return Cmd.Run("git", args, workingDirectory: dir, env: all).EnsureSuccess().Stdout;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
