using VnetReconciler.Reconciler.Rollout;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Tests.Rollout;

/// <summary>Rollout waves, one test per sentence of SPEC §6.4, on a fixed clock.</summary>
public sealed class RolloutGateTests
{
    private const string Rev = "1111111111111111111111111111111111111111";
    private const string Old = "0000000000000000000000000000000000000000";
    private const string Newer = "2222222222222222222222222222222222222222";
    private static readonly TimeSpan s_grace = TimeSpan.FromMinutes(5);
    private static readonly DateTimeOffset s_seen = new(2026, 11, 22, 4, 0, 0, TimeSpan.Zero);
    private static readonly string[] s_fleet = ["canary-1", "canary-2", "web-1", "web-2", "db-1", "other"];

    // canary: canary-*, web: web-1 and web-[0-9], db: db-1; "other" is in no wave, so in the last (db).
    private static readonly RolloutGate s_gate = new(
    [
        Wave("canary", "canary-*"),
        Wave("web", "web-1", "web-[0-9]"),
        Wave("db", "db-1"),
    ], s_grace);

    private static RolloutWave Wave(string name, params string[] hosts) => new() { Name = name, Hosts = hosts.ToEquatableArray() };

    private static HostStatusDocument Status(string host, string? applied, string? attempted, RevisionResult result, DateTimeOffset at) => new()
    {
        Host = host, ReportedAt = at, Revision = new RevisionStatus { Applied = applied, Attempted = attempted, Result = result },
    };

    private static HostStatusDocument Ready(string host, string rev = Rev, int minutesAfter = 1) =>
        Status(host, rev, rev, RevisionResult.Ready, s_seen.AddMinutes(minutesAfter));

    private static HostStatusDocument StillOld(string host, DateTimeOffset at) => Status(host, Old, Old, RevisionResult.Ready, at);

    private static RolloutDecision Decide(string host, params HostStatusDocument[] statuses) =>
        s_gate.Decide(host, Rev, s_seen, s_fleet, statuses);

    [Fact]
    public void Waves_come_from_names_and_globs_and_unlisted_hosts_belong_to_the_last()
    {
        Assert.Equal(0, s_gate.WaveOf("canary-2"));
        Assert.Equal(1, s_gate.WaveOf("web-1"));
        Assert.Equal(1, s_gate.WaveOf("web-7"));
        Assert.Equal(2, s_gate.WaveOf("web-10"));
        Assert.Equal(2, s_gate.WaveOf("db-1"));
        Assert.Equal(2, s_gate.WaveOf("other"));
        Assert.Equal(0, new RolloutGate([], s_grace).WaveOf("anything"));
    }

    [Fact]
    public void Wave_zero_always_applies()
    {
        var failedPeer = Status("canary-2", Old, Rev, RevisionResult.Failed, s_seen);
        var d = Decide("canary-1", failedPeer);
        Assert.Equal(RolloutVerdict.Apply, d.Verdict);
        Assert.Equal("canary", d.WaveName);
        Assert.True(new RolloutGate([], s_grace).Decide("x", Rev, s_seen, ["x", "y"], []).MayApply);
    }

    [Fact]
    public void A_host_of_wave_k_waits_until_every_host_of_wave_k_minus_1_reports_the_revision_Ready()
    {
        var alive = s_seen.AddSeconds(-30);
        var waiting = Decide("web-1", Ready("canary-1"), StillOld("canary-2", alive));
        Assert.Equal(RolloutVerdict.Wait, waiting.Verdict);
        Assert.Equal(["canary-2"], waiting.Hosts);
        Assert.Contains("wave 1 (web) waits for canary-2", waiting.Reason);

        Assert.Equal(RolloutVerdict.Apply, Decide("web-1", Ready("canary-1"), Ready("canary-2")).Verdict);
    }

    [Fact]
    public void Ready_on_another_revision_is_not_Ready_on_this_one()
    {
        var d = Decide("web-1", Ready("canary-1", Newer), Ready("canary-2"));
        Assert.Equal(["canary-1"], d.Hosts);
        var reconciling = Decide("web-1", Status("canary-1", Old, Rev, RevisionResult.Reconciling, s_seen), Ready("canary-2"));
        Assert.Equal(["canary-1"], reconciling.Hosts);
    }

    [Fact]
    public void The_last_wave_waits_for_every_earlier_wave_and_unlisted_hosts_wait_with_it()
    {
        var d = Decide("other", Ready("canary-1"), Ready("canary-2"), Ready("web-1"), StillOld("web-2", s_seen));
        Assert.Equal(RolloutVerdict.Wait, d.Verdict);
        Assert.Equal(2, d.Wave);
        Assert.Equal(["web-2"], d.Hosts);
        Assert.True(Decide("other", Ready("canary-1"), Ready("canary-2"), Ready("web-1"), Ready("web-2")).MayApply);
        // db-1 is in the same (last) wave as "other": it does not block it.
        Assert.True(Decide("other", Ready("canary-1"), Ready("canary-2"), Ready("web-1"), Ready("web-2"), StillOld("db-1", s_seen)).MayApply);
    }

    [Fact]
    public void A_host_silent_for_longer_than_grace_before_the_revision_appeared_does_not_block()
    {
        var silentLong = StillOld("canary-2", s_seen - s_grace - TimeSpan.FromSeconds(1));
        Assert.True(Decide("web-1", Ready("canary-1"), silentLong).MayApply);
        // A host that never reported at all is silent for longer than any grace.
        Assert.True(Decide("web-1", Ready("canary-1")).MayApply);
    }

    [Fact]
    public void A_host_silent_for_less_than_grace_when_the_revision_appeared_blocks_however_long_it_stays_silent()
    {
        var silentShort = StillOld("canary-2", s_seen - s_grace + TimeSpan.FromSeconds(1));
        var d = s_gate.Decide("web-1", Rev, s_seen, s_fleet, [Ready("canary-1"), silentShort]);
        Assert.Equal(RolloutVerdict.Wait, d.Verdict);
        Assert.Equal(["canary-2"], d.Hosts);
    }

    [Fact]
    public void A_host_that_attempted_the_revision_and_fell_silent_blocks_until_it_reports_again()
    {
        // It reported attempting the revision long ago (even before this host saw it), and nothing since.
        var attempted = Status("canary-2", Old, Rev, RevisionResult.Reconciling, s_seen - TimeSpan.FromHours(1));
        var blocked = Decide("web-1", Ready("canary-1"), attempted);
        Assert.Equal(RolloutVerdict.Wait, blocked.Verdict);
        Assert.Equal(["canary-2"], blocked.Hosts);

        // It reports again, Ready: the wave goes on.
        Assert.True(Decide("web-1", Ready("canary-1"), attempted, Ready("canary-2", minutesAfter: 90)).MayApply);
    }

    [Fact]
    public void A_host_removed_from_its_wave_no_longer_blocks_it()
    {
        var attempted = Status("canary-2", Old, Rev, RevisionResult.Pending, s_seen);
        var edited = new RolloutGate([Wave("canary", "canary-1"), Wave("web", "web-*"), Wave("rest")], s_grace);
        Assert.True(edited.Decide("web-1", Rev, s_seen, s_fleet, [Ready("canary-1"), attempted]).MayApply);
    }

    [Fact]
    public void A_host_reporting_the_revision_Failed_halts_the_later_waves_until_a_newer_revision_arrives()
    {
        var failed = Status("canary-2", Old, Rev, RevisionResult.Failed, s_seen.AddMinutes(2));

        var web = Decide("web-1", Ready("canary-1"), failed);
        var db = Decide("db-1", Ready("canary-1"), failed, Ready("web-1"), Ready("web-2"));
        Assert.Equal(RolloutVerdict.Halted, web.Verdict);
        Assert.Equal(["canary-2"], web.Hosts);
        Assert.Contains("canary-2 reported revision 111111111111 Failed", web.Reason);
        Assert.Equal(RolloutVerdict.Halted, db.Verdict);

        // A newer revision: the Failed report is about the old one; canary-2 is alive, so web waits for it on the new one.
        var newer = s_gate.Decide("web-1", Newer, s_seen.AddMinutes(5), s_fleet, [Ready("canary-1", Newer), failed]);
        Assert.Equal(RolloutVerdict.Wait, newer.Verdict);
        var fixedUp = s_gate.Decide("web-1", Newer, s_seen.AddMinutes(10), s_fleet, [Ready("canary-1", Newer), Ready("canary-2", Newer, 12)]);
        Assert.True(fixedUp.MayApply);
    }

    [Fact]
    public void A_failure_in_the_same_wave_does_not_halt_it()
    {
        var failed = Status("web-2", Old, Rev, RevisionResult.Failed, s_seen);
        Assert.True(Decide("web-1", Ready("canary-1"), Ready("canary-2"), failed).MayApply);
    }

    [Fact]
    public void The_newest_report_of_a_host_counts_and_its_own_is_ignored()
    {
        var older = StillOld("canary-2", s_seen);
        Assert.True(Decide("web-1", Ready("canary-1"), older, Ready("canary-2", minutesAfter: 3)).MayApply);
        var selfFailed = Status("web-1", Old, Rev, RevisionResult.Failed, s_seen);
        Assert.True(Decide("web-1", Ready("canary-1"), Ready("canary-2"), selfFailed).MayApply);
    }

    [Fact]
    public void Read_statuses_count_for_the_host_whose_ref_holds_them()
    {
        // A document claiming to be canary-2, published under canary-1's ref, makes canary-1 Ready, not canary-2.
        PublishedStatus[] read =
        [
            new() { Host = "canary-1", CommitId = Old, Document = Ready("canary-2") },
            new() { Host = "canary-2", CommitId = Old, Error = "unreadable" },
        ];
        Assert.True(s_gate.DecideFromPublished("web-1", Rev, s_seen, s_fleet, read).MayApply);
        var liar = s_gate.DecideFromPublished("web-1", Rev, s_seen, s_fleet, [read[0], new PublishedStatus { Host = "canary-2", CommitId = Old, Document = StillOld("canary-1", s_seen) }]);
        Assert.Equal(["canary-2"], liar.Hosts);
    }

    [Theory]
    [InlineData("web-*", "web-12", true)]
    [InlineData("web-*", "db-1", false)]
    [InlineData("web-?", "web-1", true)]
    [InlineData("web-?", "web-12", false)]
    [InlineData("*-1", "canary-1", true)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    [InlineData("web-[0-9]", "web-5", true)]
    [InlineData("web-[!0-9]", "web-5", false)]
    [InlineData("web-[^0-9]", "web-x", true)]
    [InlineData("web-[ab]", "web-b", true)]
    [InlineData("[]x]", "]", true)]
    [InlineData("web-[", "web-[", true)]
    [InlineData("*", "", true)]
    [InlineData("?", "", false)]
    public void Globs_match_as_the_shell_does(string pattern, string host, bool matches) =>
        Assert.Equal(matches, HostGlob.Matches(pattern, host));
}
