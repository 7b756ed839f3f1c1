using VnetReconciler.Reconciler.Sources;

namespace VnetReconciler.Reconciler.Tests.Sources;

public sealed class GitCliTests
{
    [Fact]
    public async Task A_call_that_outlives_its_timeout_is_killed_and_transient()
    {
        // sleep(1) stands in for a git stuck on a dead network.
        var cli = new GitCli(executable: "sleep");
        var error = await Assert.ThrowsAsync<GitException>(() => cli.RunAsync(["30"], null, TimeSpan.FromMilliseconds(200), default));
        Assert.True(error.IsTransient);
        Assert.Contains("timed out", error.Message);
        Assert.Equal(-1, Assert.Single(cli.Calls).ExitCode);
    }

    [Fact]
    public async Task Records_every_call_with_its_subcommand()
    {
        var cli = new GitCli(environment: new Dictionary<string, string?> { ["GIT_CONFIG_GLOBAL"] = "/dev/null" });
        await cli.RunAsync(["-c", "core.pager=cat", "version"], null, TimeSpan.FromSeconds(30), default);
        var failed = await cli.RunAsync(["-C", "/", "rev-parse", "--no-such-option-here"], null, TimeSpan.FromSeconds(30), default);

        Assert.NotEqual(0, failed.ExitCode);
        Assert.Equal(["version", "rev-parse"], cli.Calls.Select(c => c.Subcommand));
        Assert.Equal(1, cli.CountOf("version"));
        Assert.Equal(failed.ExitCode, cli.Calls[1].ExitCode);
        Assert.Throws<GitException>(() => failed.EnsureSuccess());
    }

    [Fact]
    public async Task Keeps_only_recent_calls_but_counts_them_all()
    {
        var cli = new GitCli(environment: new Dictionary<string, string?> { ["GIT_CONFIG_GLOBAL"] = "/dev/null" }) { RecentCapacity = 2 };
        for (var i = 0; i < 4; i++) await cli.RunAsync(["version"], null, TimeSpan.FromSeconds(30), default);

        Assert.Equal(2, cli.Calls.Count);
        Assert.Equal(4, cli.CountOf("version"));
        Assert.Equal(0, cli.CountOf("fetch"));
    }

    [Fact]
    public async Task Runs_git_without_prompts_in_the_c_locale()
    {
        // env(1) in place of git shows the environment a git call gets.
        var cli = new GitCli(executable: "env", environment: new Dictionary<string, string?> { ["HOME"] = null, ["EXTRA"] = "1" });
        var lines = (await cli.RunAsync([], null, TimeSpan.FromSeconds(30), default)).Stdout.Split('\n');

        Assert.Contains("GIT_TERMINAL_PROMPT=0", lines);
        Assert.Contains("LC_ALL=C", lines);
        Assert.Contains("EXTRA=1", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("HOME=", StringComparison.Ordinal));
    }

    [Fact]
    public void Credentials_in_urls_never_reach_messages_or_the_call_log()
    {
        var error = new GitException(["ls-remote", "https://deploy:s3cr3t@git.example.test/fleet.git"], 128,
            "fatal: unable to access 'https://deploy:s3cr3t@git.example.test/fleet.git/': Could not resolve host", GitException.Classify(
                "fatal: unable to access 'https://x/': Could not resolve host"));

        Assert.DoesNotContain("s3cr3t", error.Message);
        Assert.DoesNotContain("s3cr3t", error.Stderr);
        Assert.DoesNotContain("deploy", string.Join(' ', error.Command));
        Assert.Contains("https://***@git.example.test/fleet.git", error.Message);
        Assert.True(error.IsTransient);
        Assert.Equal("ssh://***@host/x and git@host:y", GitException.Redact("ssh://token@host/x and git@host:y"));
    }

    [Fact]
    public async Task A_source_over_a_remote_with_credentials_logs_them_redacted()
    {
        var cli = new GitCli(environment: new Dictionary<string, string?> { ["GIT_CONFIG_GLOBAL"] = "/dev/null" });
        // file:// with user information is refused by git without touching any network.
        var source = new GitSource("file://user:hunter2@/nonexistent/repo", Path.Combine(Path.GetTempPath(), "unused-mirror"), cli, TimeProvider.System);
        var error = await Assert.ThrowsAsync<GitException>(() => source.ResolveAsync("main"));

        Assert.DoesNotContain("hunter2", error.Message);
        Assert.All(cli.Calls, c => Assert.DoesNotContain("hunter2", string.Join(' ', c.Args)));
    }

    [Theory]
    [InlineData("ssh: Could not resolve hostname git.example.test: Name or service not known\nfatal: Could not read from remote repository.", GitFailure.Transient)]
    [InlineData("fatal: unable to access 'https://x/': The requested URL returned error: 503", GitFailure.Transient)]
    [InlineData("ssh: connect to host 198.18.0.1 port 22: Connection refused", GitFailure.Transient)]
    [InlineData("fatal: couldn't find remote ref refs/heads/nope", GitFailure.NotFound)]
    [InlineData("fatal: remote error: upload-pack: not our ref 0123456789012345678901234567890123456789", GitFailure.NotFound)]
    [InlineData("remote: Repository not found.\nfatal: Authentication failed for 'https://x/'", GitFailure.Other)]
    [InlineData("fatal: not a git repository: '.'", GitFailure.Other)]
    [InlineData("fatal: unable to access 'https://x/': The requested URL returned error: 403", GitFailure.Other)]
    public void Classifies_failures_by_what_git_printed(string stderr, GitFailure expected) =>
        Assert.Equal(expected, GitException.Classify(stderr));

    [Theory]
    [InlineData("--upload-pack=touch /tmp/x")]
    [InlineData("ext::sh -c touch% /tmp/pwned")]
    [InlineData("fd::17")]
    [InlineData("http://git.example.test/fleet.git")]
    [InlineData("")]
    public void Refuses_remotes_that_are_options_or_unsupported_transports(string remote) =>
        Assert.Throws<ArgumentException>(() => GitNames.NormalizeRemote(remote));

    [Theory]
    [InlineData("https://git.example.test/fleet.git")]
    [InlineData("ssh://git@git.example.test/fleet.git")]
    [InlineData("git@git.example.test:fleet.git")]
    [InlineData("file:///srv/fleet.git")]
    public void Accepts_the_four_supported_remote_forms(string remote) => Assert.Equal(remote, GitNames.NormalizeRemote(remote));

    [Fact]
    public void Makes_a_local_path_absolute() => Assert.Equal(Path.GetFullPath("fleet"), GitNames.NormalizeRemote("fleet"));

    [Theory]
    [InlineData("-x")]
    [InlineData("main..evil")]
    [InlineData("a:b")]
    [InlineData("HEAD~1")]
    [InlineData("main@{1}")]
    [InlineData("has space")]
    public void Refuses_refs_git_would_misread(string @ref) => Assert.Throws<ArgumentException>(() => GitNames.ValidateRef(@ref));

    [Theory]
    [InlineData("main")]
    [InlineData("release/2026-11")]
    [InlineData("refs/heads/main")]
    [InlineData("v1.2.3")]
    public void Accepts_ordinary_refs(string @ref) => Assert.Equal(@ref, GitNames.ValidateRef(@ref));
}
