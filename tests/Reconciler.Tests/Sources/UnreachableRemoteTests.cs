using VnetReconciler.Reconciler.Sources;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Reconciler.Tests.Sources;

/// <summary>
/// ssh:// and https:// remotes that cannot be reached, inside a namespace this test makes (git started on a
/// thread that entered it runs there): no route, and a server that accepts and then never answers.
/// </summary>
[Collection("Privileged")]
public sealed class UnreachableRemoteTests
{
    [Theory]
    [InlineData("ssh://git@198.18.0.1/fleet.git")]
    [InlineData("https://deploy:s3cr3t@198.18.0.1/fleet.git")]
    public async Task A_remote_without_a_route_is_transient_and_credentials_stay_hidden(string remote)
    {
        using var repo = new TestRepository();
        using var ns = NetNs.Create(TestRun.Tag(), "git");
        var git = TestRepository.ProductGit();
        var source = repo.Source(remote, git);

        // ResolveAsync starts its one git process (ls-remote) before its first await, so that process
        // inherits the namespace; continuations run elsewhere, so nothing here may start a second one.
        var attempt = ns.Run(() => source.ResolveAsync("main"));
        var error = await Assert.ThrowsAsync<GitException>(() => attempt);

        Assert.True(error.IsTransient, error.Message);
        Assert.DoesNotContain("s3cr3t", error.Message);
        Assert.All(git.Calls, c => Assert.DoesNotContain("s3cr3t", string.Join(' ', c.Args)));
        Assert.Equal("ls-remote", Assert.Single(git.Calls).Subcommand);
        Assert.Null(source.LastContact);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_as_transient()
    {
        using var repo = new TestRepository();
        using var ns = NetNs.Create(TestRun.Tag(), "git");
        ns.Ip("addr", "add", "198.18.0.1/32", "dev", "lo");
        // Accepts one SSH connection and never sends a banner (-u: data flows only into /dev/null; no child process).
        ns.Start("socat", ["-u", "TCP-LISTEN:2222,bind=198.18.0.1,reuseaddr", "OPEN:/dev/null"]);
        Poll.Until(() => ns.Exec("ss", "-Hltn", "sport = :2222").Stdout.Contains("2222"), TimeSpan.FromSeconds(10), "socat listening");
        var source = new GitSource("ssh://git@198.18.0.1:2222/fleet.git", repo.Mirror, TestRepository.ProductGit(), TimeProvider.System)
        {
            NetworkTimeout = TimeSpan.FromSeconds(2),
        };

        var attempt = ns.Run(() => source.ResolveAsync("main"));
        var error = await Assert.ThrowsAsync<GitException>(() => attempt);

        Assert.True(error.IsTransient, error.Message);
        Assert.Equal(-1, error.ExitCode);
        Assert.Contains("timed out", error.Message);
    }
}
