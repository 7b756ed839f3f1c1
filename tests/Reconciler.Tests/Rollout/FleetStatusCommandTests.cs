using System.CommandLine;
using System.Text.Json;
using VnetReconciler.Reconciler.Cli;
using VnetReconciler.Reconciler.Rollout;

namespace VnetReconciler.Reconciler.Tests.Rollout;

/// <summary><c>vnetctl fleet status</c> (SPEC §5) against statuses published to a bare repository on a local path.</summary>
public sealed class FleetStatusCommandTests
{
    private const string RevA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string RevB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await VnetctlApp.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Three hosts: a-ready (Ready on B), b-failed (Failed on B, reverted to A), c-stale (an hour ago).</summary>
    private static async Task<StatusFixture> PublishFleetAsync()
    {
        var f = new StatusFixture();
        // The command reads the real clock: publish relative to it.
        f.Clock.Set(DateTimeOffset.UtcNow.AddHours(-1));
        await f.Publisher("c-stale").PublishAsync(StatusFixture.Document("c-stale", RevA));
        f.Clock.Set(DateTimeOffset.UtcNow);
        await f.Publisher("a-ready").PublishAsync(StatusFixture.Document("a-ready", RevB, drift: 2));
        var failed = StatusFixture.Document("b-failed", RevA) with
        {
            Revision = new RevisionStatus { Applied = RevA, Attempted = RevB, Result = RevisionResult.Failed, Message = "peers stopped answering" },
            Vnets = [new VnetReachability("0000:0000:0000:0000:0000:0000:0000:0097", 2, 1), new VnetReachability("0000:0000:0000:0000:0000:0000:0000:0098", 1, 0)],
        };
        await f.Publisher("b-failed").PublishAsync(failed);
        return f;
    }

    [Fact]
    public async Task The_table_shows_every_host_and_marks_the_stale_one()
    {
        using var f = await PublishFleetAsync();

        var (exit, stdout, stderr) = await RunAsync("fleet", "status", "--repo", f.Remote);

        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^HOST +APPLIED +ATTEMPTED +RESULT +READY +DRIFT +CONFLICTS +PEERS +AGE$", lines[0]);
        Assert.Matches(@"^a-ready +bbbbbbbbbbbb +bbbbbbbbbbbb +ready +True +2 +0 +2/2 +\d+s$", lines[1]);
        Assert.Matches(@"^b-failed +aaaaaaaaaaaa +bbbbbbbbbbbb +failed +True +0 +0 +1/3 +\d+s$", lines[2]);
        Assert.Matches(@"^c-stale +aaaaaaaaaaaa +aaaaaaaaaaaa +ready +True +0 +0 +2/2 +(59|60)m +STALE$", lines[3]);
        Assert.Equal("3 host(s), 1 stale", lines[4]);
        Assert.Equal(5, lines.Length);
    }

    [Fact]
    public async Task The_json_holds_each_hosts_document_and_stale_mark()
    {
        using var f = await PublishFleetAsync();

        var (exit, stdout, _) = await RunAsync("fleet", "status", "--repo", f.Remote, "-o", "json", "--stale-after", "30m");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(f.Remote, root.GetProperty("remote").GetString());
        Assert.Equal(1800, root.GetProperty("stale_after_seconds").GetInt64());
        var hosts = root.GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal(["a-ready", "b-failed", "c-stale"], hosts.Select(h => h.GetProperty("host").GetString()));
        Assert.Equal([false, false, true], hosts.Select(h => h.GetProperty("stale").GetBoolean()));
        var failed = hosts[1].GetProperty("status");
        Assert.Equal("failed", failed.GetProperty("revision").GetProperty("result").GetString());
        Assert.Equal(RevB, failed.GetProperty("revision").GetProperty("attempted").GetString());
        Assert.Equal("peers stopped answering", failed.GetProperty("revision").GetProperty("message").GetString());
        Assert.Equal(2, failed.GetProperty("vnets").GetArrayLength());
        Assert.Equal(2, hosts[0].GetProperty("status").GetProperty("drift_objects").GetInt32());
        Assert.InRange(hosts[2].GetProperty("age_seconds").GetInt64(), 3500, 3700);
        Assert.Equal(40, hosts[0].GetProperty("commit").GetString()!.Length);
        Assert.Equal(JsonValueKind.Null, hosts[0].GetProperty("error").ValueKind);
    }

    [Fact]
    public void The_plain_table_is_aligned()
    {
        var now = new DateTimeOffset(2026, 11, 22, 5, 0, 0, TimeSpan.Zero);
        var doc = StatusFixture.Document("h1", RevA) with { ReportedAt = now };
        PublishedStatus[] hosts =
        [
            new() { Host = "h1", CommitId = RevA, Document = doc, Age = TimeSpan.FromSeconds(42) },
            new() { Host = "host-two", CommitId = RevB, Error = "status.json is not a status document: bad", IsStale = true },
        ];

        Assert.Equal("""
            HOST      APPLIED       ATTEMPTED     RESULT      READY  DRIFT  CONFLICTS  PEERS  AGE
            h1        aaaaaaaaaaaa  aaaaaaaaaaaa  ready       True   0      0          2/2    42s
            host-two  -             -             unreadable  -      -      -          -      -    STALE
            host-two: status.json is not a status document: bad
            2 host(s), 1 stale

            """.Replace("\r", ""), FleetStatusCommand.Text(hosts));
    }

    [Fact]
    public async Task A_remote_without_statuses_says_so()
    {
        using var f = new StatusFixture();
        var (exit, stdout, _) = await RunAsync("fleet", "status", "--repo", f.Remote);
        Assert.Equal(0, exit);
        Assert.StartsWith("No host has published a status", stdout);
    }

    [Fact]
    public async Task An_unreachable_remote_is_an_error()
    {
        using var f = new StatusFixture();
        var (exit, stdout, stderr) = await RunAsync("fleet", "status", "--repo", f.Remote + ".missing");
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("error: git ", stderr);
        Assert.Equal(1, (await RunAsync("fleet", "status", "--repo", f.Remote, "--stale-after", "soon")).Exit);
    }

    [Theory]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(3600, "60m")]
    [InlineData(7200, "2h")]
    [InlineData(200000, "2d")]
    public void Ages_read_as_people_say_them(int seconds, string text) => Assert.Equal(text, FleetStatusCommand.Age(TimeSpan.FromSeconds(seconds)));
}
