using VnetReconciler.Reconciler.Rollout;

namespace VnetReconciler.Reconciler.Tests.Rollout;

/// <summary>Publishing host statuses to a real bare repository on a local path and reading them back (SPEC §6.6).</summary>
public sealed class StatusPublisherTests
{
    private const string RevA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string RevB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    [Fact]
    public async Task Three_hosts_publish_and_the_reader_sees_each_as_a_single_parentless_commit()
    {
        using var f = new StatusFixture();
        foreach (var host in new[] { "host-a", "host-b", "host-c" })
        {
            var result = await f.Publisher(host).PublishAsync(StatusFixture.Document(host, RevA, drift: host.Length));
            Assert.Equal(PublishOutcome.Published, result.Outcome);
        }

        var read = await f.Reader().ReadAsync();

        Assert.Equal(["host-a", "host-b", "host-c"], read.Select(r => r.Host));
        Assert.All(read, r =>
        {
            Assert.Null(r.Error);
            Assert.Equal(RevA, r.Document!.Revision.Applied);
            Assert.Equal(StatusFixture.Start, r.Document.ReportedAt);
            Assert.False(r.IsStale);
            Assert.Equal("1", f.Git.Git(f.Remote, "rev-list", "--count", $"refs/vnet-status/{r.Host}").Trim());
            var commit = f.Git.Git(f.Remote, "cat-file", "-p", $"refs/vnet-status/{r.Host}");
            Assert.DoesNotContain("\nparent ", commit);
            Assert.Contains($"committer vnet-reconciler <vnet-reconciler@{r.Host}> {StatusFixture.Start.ToUnixTimeSeconds()} +0000", commit);
            Assert.Equal("status.json", f.Git.Git(f.Remote, "ls-tree", "--name-only", $"refs/vnet-status/{r.Host}").Trim());
        });
    }

    [Fact]
    public async Task A_republished_host_still_holds_one_parentless_commit_with_the_newest_document()
    {
        using var f = new StatusFixture();
        var publisher = f.Publisher("host-a");
        await publisher.PublishAsync(StatusFixture.Document("host-a", RevA));
        f.Clock.Advance(TimeSpan.FromSeconds(5));
        var second = await publisher.PublishAsync(StatusFixture.Document("host-a", RevB));

        Assert.Equal(PublishOutcome.Published, second.Outcome);
        Assert.Equal(second.CommitId, f.Git.Git(f.Remote, "rev-parse", "refs/vnet-status/host-a").Trim());
        Assert.Equal("1", f.Git.Git(f.Remote, "rev-list", "--count", "refs/vnet-status/host-a").Trim());
        var doc = Assert.Single(await f.Reader().ReadAsync()).Document!;
        Assert.Equal(RevB, doc.Revision.Applied);
        Assert.Equal(StatusFixture.Start.AddSeconds(5), doc.ReportedAt);
    }

    [Fact]
    public async Task An_unchanged_document_is_not_pushed_again_until_the_heartbeat()
    {
        using var f = new StatusFixture();
        var publisher = f.Publisher("host-a", heartbeat: TimeSpan.FromMinutes(1));
        Assert.Equal(PublishOutcome.Published, (await publisher.PublishAsync(StatusFixture.Document("host-a", RevA))).Outcome);

        f.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(PublishOutcome.Unchanged, (await publisher.PublishAsync(StatusFixture.Document("host-a", RevA))).Outcome);
        Assert.Equal(1, f.ProductGit.CountOf("push"));

        f.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(PublishOutcome.Published, (await publisher.PublishAsync(StatusFixture.Document("host-a", RevA, drift: 1))).Outcome);
        f.Clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(PublishOutcome.Published, (await publisher.PublishAsync(StatusFixture.Document("host-a", RevA, drift: 1))).Outcome);
        Assert.Equal(3, f.ProductGit.CountOf("push"));
        Assert.Equal(StatusFixture.Start.AddSeconds(91), Assert.Single(await f.Reader().ReadAsync()).Document!.ReportedAt);
    }

    [Fact]
    public async Task An_unreachable_remote_journals_the_newest_document_and_the_next_publish_pushes_it()
    {
        using var f = new StatusFixture();
        var publisher = f.Publisher("host-a");
        await publisher.PublishAsync(StatusFixture.Document("host-a", RevA));
        Directory.Move(f.Remote, f.Remote + ".away");

        f.Clock.Advance(TimeSpan.FromSeconds(10));
        var failed = await publisher.PublishAsync(StatusFixture.Document("host-a", RevB, RevisionResult.Reconciling));
        f.Clock.Advance(TimeSpan.FromSeconds(10));
        var again = await publisher.PublishAsync(StatusFixture.Document("host-a", RevB, RevisionResult.Failed));

        Assert.Equal(PublishOutcome.Journalled, failed.Outcome);
        Assert.True(failed.Transient, failed.Error);
        Assert.Equal(PublishOutcome.Journalled, again.Outcome);
        Assert.True(publisher.HasPending);
        Assert.Equal(RevA, publisher.LastPublished!.Revision.Applied);

        Assert.Equal(3, f.ProductGit.CountOf("push"));
        Assert.Equal(StatusFixture.Start.AddSeconds(30), publisher.RetryAt); // backed off 5 s, then 10 s

        Directory.Move(f.Remote + ".away", f.Remote);
        f.Clock.Advance(TimeSpan.FromSeconds(1));
        // Within the backoff: journalled without trying the remote.
        var backingOff = await publisher.PublishAsync(StatusFixture.Document("host-a", RevB, RevisionResult.Failed));
        Assert.Equal(PublishOutcome.Journalled, backingOff.Outcome);
        Assert.Equal(3, f.ProductGit.CountOf("push"));

        f.Clock.Advance(TimeSpan.FromSeconds(9));
        // Unchanged content, but journalled: this call pushes it.
        var back = await publisher.PublishAsync(StatusFixture.Document("host-a", RevB, RevisionResult.Failed));

        Assert.Equal(PublishOutcome.Published, back.Outcome);
        Assert.False(publisher.HasPending);
        Assert.Null(publisher.RetryAt);
        var doc = Assert.Single(await f.Reader().ReadAsync()).Document!;
        Assert.Equal(RevisionResult.Failed, doc.Revision.Result);
        Assert.Equal(StatusFixture.Start.AddSeconds(30), doc.ReportedAt);
    }

    [Fact]
    public async Task A_journalled_document_survives_a_restart_and_flush_pushes_it()
    {
        using var f = new StatusFixture();
        Directory.Move(f.Remote, f.Remote + ".away");
        var journalled = await f.Publisher("host-a").PublishAsync(StatusFixture.Document("host-a", RevA));
        Assert.Equal(PublishOutcome.Journalled, journalled.Outcome);
        Directory.Move(f.Remote + ".away", f.Remote);

        var restarted = f.Publisher("host-a");
        Assert.True(restarted.HasPending);
        var flushed = await restarted.FlushAsync();

        Assert.Equal(PublishOutcome.Published, flushed.Outcome);
        Assert.Equal(PublishOutcome.Unchanged, (await restarted.FlushAsync()).Outcome);
        Assert.Equal(RevA, Assert.Single(await f.Reader().ReadAsync()).Document!.Revision.Applied);
    }

    [Fact]
    public async Task The_reader_marks_stale_hosts_and_does_not_fetch_what_it_already_holds()
    {
        using var f = new StatusFixture();
        await f.Publisher("host-old").PublishAsync(StatusFixture.Document("host-old", RevA));
        f.Clock.Advance(TimeSpan.FromMinutes(10));
        await f.Publisher("host-new").PublishAsync(StatusFixture.Document("host-new", RevA));
        var reader = f.Reader(staleAfter: TimeSpan.FromMinutes(5));

        var first = await reader.ReadAsync();
        var second = await reader.ReadAsync();

        Assert.Equal(["host-new", "host-old"], first.Select(r => r.Host));
        Assert.Equal([false, true], first.Select(r => r.IsStale));
        Assert.Equal(TimeSpan.FromMinutes(10), first[1].Age);
        Assert.Equal(first.Select(r => r.CommitId), second.Select(r => r.CommitId));
        Assert.Equal(1, f.ProductGit.CountOf("fetch"));
        Assert.Equal(2, f.ProductGit.CountOf("ls-remote"));
    }

    [Fact]
    public async Task A_document_published_under_another_hosts_ref_is_flagged()
    {
        using var f = new StatusFixture();
        await f.Publisher("host-a").PublishAsync(StatusFixture.Document("host-a", RevA));
        f.Git.Git(f.Remote, "update-ref", "refs/vnet-status/host-z", "refs/vnet-status/host-a");

        var read = await f.Reader().ReadAsync();

        Assert.Null(read[0].Error);
        Assert.Equal("host-z", read[1].Host);
        Assert.Contains("names host 'host-a'", read[1].Error);
    }

    [Fact]
    public async Task A_remote_without_statuses_reads_as_empty()
    {
        using var f = new StatusFixture();
        Assert.Empty(await f.Reader().ReadAsync());
    }

    [Theory]
    [InlineData("host-a", true)]
    [InlineData("h1.example.test", true)]
    [InlineData("-x", false)]
    [InlineData("a/b", false)]
    [InlineData("a..b", false)]
    [InlineData("x.lock", false)]
    [InlineData("", false)]
    public void Host_names_must_be_usable_as_a_ref(string host, bool valid) => Assert.Equal(valid, StatusPublisher.IsValidHostName(host));

    [Fact]
    public void The_document_json_round_trips_and_its_fingerprint_ignores_the_time()
    {
        var doc = StatusFixture.Document("host-a", RevA) with { ReportedAt = StatusFixture.Start };
        var json = doc.ToJson();

        Assert.Equal(json, HostStatusDocument.Parse(System.Text.Encoding.UTF8.GetBytes(json)).ToJson());
        Assert.Equal(doc.Fingerprint(), (doc with { ReportedAt = StatusFixture.Start.AddHours(1) }).Fingerprint());
        Assert.NotEqual(doc.Fingerprint(), (doc with { DriftObjects = 3 }).Fingerprint());
        Assert.Contains("\"reported_at\": \"2026-11-22T04:00:00+00:00\"", json);
        Assert.Contains("\"result\": \"ready\"", json);
        Assert.DoesNotContain("ready_condition", json);
        Assert.Throws<InvalidDataException>(() => HostStatusDocument.Parse("{\"version\": 2, \"host\": \"x\"}"u8));
        Assert.Throws<InvalidDataException>(() => HostStatusDocument.Parse("not json"u8));
        Assert.Throws<InvalidDataException>(() => HostStatusDocument.Parse("{\"host\": \"x\", \"revision\": null}"u8));
    }
}
