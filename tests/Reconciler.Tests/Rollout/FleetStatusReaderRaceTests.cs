using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Reconciler.Sources;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Reconciler.Tests.Rollout;

/// <summary>
/// A host that publishes between the reader's <c>ls-remote</c> and its fetch: the listed commit is then not fetched
/// (the ref moved on). The reader must read the newer one, not report the host unreadable, which the rollout gate would
/// otherwise have to treat as a host that never reported.
/// </summary>
public sealed class FleetStatusReaderRaceTests
{
    [Fact]
    public async Task A_status_pushed_between_the_listing_and_the_fetch_is_read_not_reported_missing()
    {
        using var f = new StatusFixture();
        var publisher = f.Publisher("host-a");
        var older = (await publisher.PublishAsync(StatusFixture.Document("host-a", "1111111111111111111111111111111111111111"))).CommitId!;
        f.Clock.Advance(TimeSpan.FromSeconds(5));
        var newer = (await publisher.PublishAsync(StatusFixture.Document("host-a", "2222222222222222222222222222222222222222"))).CommitId!;
        // The remote shows the older commit again; the newer one is in its object store, as after a push.
        f.Git.Git(f.Git.Root, "--git-dir", f.Remote, "update-ref", StatusPublisher.RefPrefix + "host-a", older);

        // A git that moves the ref to the newer commit right after the reader's ls-remote has listed the older one.
        var moveOnce = Path.Combine(f.Git.Root, "move-once");
        File.WriteAllText(moveOnce, newer);
        var wrapper = Path.Combine(f.Git.Root, "git-racing");
        File.WriteAllText(wrapper, $"""
            #!/bin/sh
            git "$@"; rc=$?
            case " $* " in *" ls-remote "*)
              if [ -f '{moveOnce}' ]; then git --git-dir='{f.Remote}' update-ref {StatusPublisher.RefPrefix}host-a "$(cat '{moveOnce}')"; rm -f '{moveOnce}'; fi ;;
            esac
            exit $rc

            """);
        Cmd.Ok("chmod", "700", wrapper);
        var git = new GitCli(wrapper, new Dictionary<string, string?> { ["GIT_CONFIG_GLOBAL"] = "/dev/null", ["GIT_CONFIG_NOSYSTEM"] = "1" });
        var reader = new FleetStatusReader(git, f.Remote, Path.Combine(f.Git.Root, "racing-reader"), f.Clock);

        var read = Assert.Single(await reader.ReadAsync());
        Assert.False(File.Exists(moveOnce), "the ref did not move during the read");
        Assert.Null(read.Error);
        Assert.Equal(newer, read.CommitId);
        Assert.Equal("2222222222222222222222222222222222222222", read.Document!.Revision.Applied);
    }
}
