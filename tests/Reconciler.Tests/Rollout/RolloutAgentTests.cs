using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Reconciler.Tests.Agent;
using VnetReconciler.Reconciler.Tests.Cli;
using VnetReconciler.Reconciler.Tests.Sources;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;

namespace VnetReconciler.Reconciler.Tests.Rollout;

/// <summary>
/// Rollout waves and maintenance windows with real agents (SPEC §6.4, §6.6): each host a namespace running
/// <c>vnetctl agent</c> with a 1 s interval, a bare repository as the desired-state and status remote. Asserted through the
/// agents' <c>/status</c> and the kernel of each host (a vnet's bridge exists or not), by polling against deadlines.
/// </summary>
[Collection("Privileged")]
public sealed class RolloutAgentTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = RolloutFleet.Generous;

    private static Dictionary<string, string?> AddVnet(int id) => new() { [$"vnets/vnet{id}.sxp"] = RolloutFleet.Vnet(id) };

    private static void StartAndConverge(RolloutFleet fleet, params string[] hosts)
    {
        var head = fleet.Repo.Head();
        foreach (var h in hosts) fleet.Start(h);
        Poll.Until(() => hosts.All(h => fleet.IsReady(h, head)), Generous, "every agent Ready on the first revision");
    }

    [Fact]
    public void A_commit_reaches_the_canary_first_and_a_revision_the_canary_fails_halts_the_rest_until_a_newer_one()
    {
        using var fleet = new RolloutFleet(output, grace: "1h");
        string[] all = [RolloutFleet.Canary, .. RolloutFleet.Rest];
        StartAndConverge(fleet, all);

        // The canary is down when the commit comes: the rest plan, report pending naming it, and change nothing.
        fleet.Stop(RolloutFleet.Canary);
        var first = fleet.CommitAndPush(AddVnet(98), "add vnet 98");
        Poll.Until(() => RolloutFleet.Rest.All(h => fleet.IsPending(h, first, "wave", RolloutFleet.Canary)), Generous, "the rest pending on the canary");
        Assert.All(all, h => Assert.False(fleet.HasLink(h, "vnet98"), $"{h} has vnet98 before the canary is Ready"));
        var waiting = fleet.Revision(RolloutFleet.Rest[0]);
        Assert.Equal([RolloutFleet.Canary], waiting.GetProperty("waiting_for").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(fleet.Repo.Head("HEAD~1"), waiting.GetProperty("applied").GetString());

        // The canary comes back, applies, reports Ready; then the rest follow.
        var clock = Stopwatch.StartNew();
        fleet.Start(RolloutFleet.Canary);
        Poll.Until(() => all.All(h => fleet.IsReady(h, first)), Generous, "every host Ready on vnet 98");
        output.WriteLine($"canary restarted to the whole fleet Ready: {clock.ElapsedMilliseconds} ms");
        Assert.All(all, h => Assert.True(fleet.HasLink(h, "vnet98"), $"{h} lacks vnet98"));

        // A port that names an interface the agent does not own (a bridge made by hand) cannot be enslaved: the canary
        // stalls and publishes the revision failed; the rest halt on it, naming it.
        fleet[RolloutFleet.Canary].Ip("link", "add", "clash0", "type", "bridge");
        var bad = fleet.CommitAndPush(new Dictionary<string, string?>(AddVnet(99))
        {
            [$"hosts/{RolloutFleet.Canary}.yaml"] = RolloutFleet.HostYaml(RolloutFleet.Canary, port: "clash0"),
        }, "vnet 99, and a port on the canary that collides");
        Poll.Until(() => fleet.Revision(RolloutFleet.Canary) is { ValueKind: JsonValueKind.Object } r
                         && r.GetProperty("attempted").GetString() == bad && r.GetProperty("result").GetString() == "failed",
            Generous, "the canary reports the bad revision failed");
        Poll.Until(() => RolloutFleet.Rest.All(h => fleet.IsPending(h, bad, "halted", RolloutFleet.Canary)), Generous, "the rest halted");
        Assert.Contains("Failed", fleet.Revision(RolloutFleet.Rest[1]).GetProperty("message").GetString());
        Assert.All(RolloutFleet.Rest, h => Assert.False(fleet.HasLink(h, "vnet99"), $"{h} applied a revision the canary failed"));

        // A newer revision without the collision goes through, canary first.
        var fix = fleet.CommitAndPush(new Dictionary<string, string?>
        {
            [$"hosts/{RolloutFleet.Canary}.yaml"] = RolloutFleet.HostYaml(RolloutFleet.Canary),
        }, "drop the colliding port");
        Poll.Until(() => all.All(h => fleet.IsReady(h, fix)), Generous, "every host Ready on the fix");
        Assert.All(all, h => Assert.True(fleet.HasLink(h, "vnet99"), $"{h} lacks vnet99"));
    }

    [Fact]
    public async Task A_canary_silent_for_longer_than_grace_stops_blocking_but_one_that_attempted_the_revision_keeps_blocking()
    {
        var grace = TimeSpan.FromSeconds(10);
        using var fleet = new RolloutFleet(output, grace: "10s");
        var (canary, rest) = (RolloutFleet.Canary, RolloutFleet.Rest[0]); // w2 and w3 never run: never reported, never block
        StartAndConverge(fleet, canary, rest);

        // Stopped just before the commit: it was reporting less than grace before the revision appeared, so it blocks it.
        fleet.Stop(canary);
        var early = fleet.CommitAndPush(AddVnet(98), "add vnet 98");
        Poll.Until(() => fleet.IsPending(rest, early, "wave", canary), Generous, "w1 waits for the canary that just stopped");

        // Once its silence has lasted grace, a newer revision is not held by it.
        var reader = new FleetStatusReader(TestRepository.ProductGit(), fleet.Bare, Path.Combine(fleet.Repo.Root, "reader"), TimeProvider.System);
        var lastReport = (await reader.ReadAsync()).Single(p => p.Host == canary).Document!.ReportedAt;
        Poll.Until(() => DateTimeOffset.UtcNow > lastReport + grace + TimeSpan.FromSeconds(1), Generous, "the canary silent for longer than grace");
        var late = fleet.CommitAndPush(AddVnet(99), "add vnet 99");
        Poll.Until(() => fleet.IsReady(rest, late), Generous, "w1 applies without the silent canary");
        Assert.True(fleet.HasLink(rest, "vnet98") && fleet.HasLink(rest, "vnet99"));
        Assert.False(fleet.HasLink(canary, "vnet99"));

        // A canary that published attempting the revision (not Ready) and then fell silent blocks however long it stays
        // silent. Its last words are written here, a minute old: a real agent cannot be stopped mid-apply on cue.
        var attempted = fleet.Commit(AddVnet(100), "add vnet 100");
        var forged = new StatusPublisher(TestRepository.ProductGit(), fleet.Bare, canary, Path.Combine(fleet.Repo.Root, "forged"),
            new ManualClock(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1)));
        await forged.PublishAsync(new HostStatusDocument
        {
            Host = canary,
            Revision = new Reconciler.Rollout.RevisionStatus { Applied = late, Attempted = attempted, Result = RevisionResult.Reconciling },
        });
        fleet.Push();
        var pushed = DateTimeOffset.UtcNow;
        Poll.Until(() => PendingCycles(fleet, rest, attempted, after: pushed) >= 3, Generous, "w1 still pending after three polls");
        Assert.True(fleet.IsPending(rest, attempted, "wave", canary));
        Assert.False(fleet.HasLink(rest, "vnet100"));
    }

    [Fact]
    public async Task A_closed_window_delays_the_apply_until_the_window_opens()
    {
        using var fleet = new RolloutFleet(output, grace: "1h");
        var host = RolloutFleet.Canary;
        StartAndConverge(fleet, host);

        // A window opening once a minute, 12 s from now, for 3 s (Quartz cron has seconds).
        var now = DateTimeOffset.UtcNow;
        var opens = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero) + TimeSpan.FromSeconds(12);
        var windows = $"  windows:\n    - {{ cron: \"{opens.Second} * * * * ?\", duration: 3s }}\n";
        var commit = fleet.CommitAndPush(new Dictionary<string, string?>(AddVnet(98)) { ["fleet.yaml"] = RolloutFleet.FleetYaml("1h", windows) },
            "add vnet 98 and a maintenance window");
        Poll.Until(() => fleet.IsPending(host, commit, "window"), Generous, "pending outside the window");
        Assert.False(fleet.HasLink(host, "vnet98"));
        var revision = fleet.Revision(host);
        Assert.Equal(opens, DateTimeOffset.Parse(revision.GetProperty("next_window").GetString()!, CultureInfo.InvariantCulture));
        Assert.Contains("outside the maintenance windows", revision.GetProperty("message").GetString());

        var (code, metrics) = TwoHostFleet.Http(fleet[host], "GET", "/metrics");
        Assert.Equal(200, code);
        var families = PrometheusTextParser.Parse(metrics);
        Assert.Contains(families["vnet_rollout_pending"].Samples, s => s.Labels["wait"] == "window" && s.Value == 1);
        Assert.Contains(families["vnet_rollout_next_window_timestamp_seconds"].Samples, s => s.Value == opens.ToUnixTimeSeconds());
        var text = VnetctlProcess.Run(fleet[host], ["status", "--listen", $"127.0.0.1:{TwoHostFleet.Port}"]);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("pending: outside the maintenance windows", text.Stdout);
        Assert.Contains("next window: ", text.Stdout);
        var reader = new FleetStatusReader(TestRepository.ProductGit(), fleet.Bare, Path.Combine(fleet.Repo.Root, "reader"), TimeProvider.System);
        await Poll.UntilAsync(async () => (await reader.ReadAsync()).Single(p => p.Host == host).Document?.Revision is
            { Result: RevisionResult.Pending, NextWindow: { } published } && published == opens && !fleet.HasLink(host, "vnet98"),
            Generous, "the published document pending with the next window");

        Poll.Until(() => fleet.IsReady(host, commit), Generous, "applied once the window opened");
        Assert.True(fleet.HasLink(host, "vnet98"));
        var applied = TwoHostFleet.Status(fleet[host]).GetProperty("history").EnumerateArray()
            .Last(h => h.GetProperty("result").GetString() == "success" && h.GetProperty("revision").GetString() == commit);
        // The cycle may start a moment before the window (the poll is timed for it); it asks the schedule after fetching.
        var at = DateTimeOffset.Parse(applied.GetProperty("started").GetString()!, CultureInfo.InvariantCulture)
                 + TimeSpan.FromSeconds(applied.GetProperty("duration_seconds").GetDouble());
        output.WriteLine($"window opened {opens:HH:mm:ss.fff}, the applying cycle ended {at:HH:mm:ss.fff}");
        Assert.True(at >= opens, $"applied by {at:O}, before the window opened at {opens:O}");
        Assert.True(at < opens + TimeSpan.FromSeconds(3), $"applied at {at:O}, after the 3 s window opened at {opens:O} had closed");
    }

    /// <summary>Cycles of <paramref name="host"/> that started after <paramref name="after"/> and left <paramref name="commit"/> pending.</summary>
    private static int PendingCycles(RolloutFleet fleet, string host, string commit, DateTimeOffset after) =>
        TwoHostFleet.Status(fleet[host]).GetProperty("history").EnumerateArray().Count(h =>
            h.GetProperty("result").GetString() == "pending" && h.GetProperty("attempted").GetString() == commit
            && DateTimeOffset.Parse(h.GetProperty("started").GetString()!, CultureInfo.InvariantCulture) > after);
}
