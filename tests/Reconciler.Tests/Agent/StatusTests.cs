using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Reconciler.Status;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>Conditions, history and the metrics text, in memory.</summary>
public sealed class StatusTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static CycleReport Report(CycleResult result, string? revision, string? message = null, double seconds = 0.02) => new()
    {
        Record = new CycleRecord
        {
            Started = DateTimeOffset.UnixEpoch, DurationSeconds = seconds, Trigger = CycleTrigger.Poll, Result = result,
            Revision = revision, Attempted = revision, Message = message,
        },
    };

    private static Condition Get(StatusBook book, string type) => book.Conditions().Single(c => c.Type == type);

    [Fact]
    public void ConditionsFollowTheCyclesLikeFluxAndKeepTheirTransitionTimes()
    {
        var time = new ManualTime();
        var book = new StatusBook("host-a", time);
        book.CycleStarted();
        Assert.Equal("Unknown", Get(book, "Ready").Status);
        Assert.Equal("True", Get(book, "Reconciling").Status);

        book.CycleFinished(Report(CycleResult.Success, "r1"));
        Assert.Equal(("True", "ReconciliationSucceeded"), (Get(book, "Ready").Status, Get(book, "Ready").Reason));
        var readySince = Get(book, "Ready").LastTransition;

        time.Now += TimeSpan.FromMinutes(1);
        book.CycleFinished(Report(CycleResult.Success, "r1"));
        Assert.Equal(readySince, Get(book, "Ready").LastTransition);

        time.Now += TimeSpan.FromMinutes(1);
        book.CycleFinished(Report(CycleResult.Stalled, "r1", "revision abc is invalid: 1 error(s)"));
        Assert.Equal("False", Get(book, "Ready").Status);
        Assert.Equal(time.Now, Get(book, "Ready").LastTransition);
        Assert.Equal(("True", "TerminalFailure"), (Get(book, "Stalled").Status, Get(book, "Stalled").Reason));
        Assert.Contains("waiting for a new revision", Get(book, "Stalled").Message);

        book.CycleFinished(Report(CycleResult.Retry, "r1", "git unreachable"));
        Assert.Equal(("False", "RetryableFailure"), (Get(book, "Ready").Status, Get(book, "Ready").Reason));
        Assert.Equal(("True", "RetryScheduled"), (Get(book, "Reconciling").Status, Get(book, "Reconciling").Reason));
        Assert.Equal("False", Get(book, "Stalled").Status);

        book.SetSuspended(new Reconciler.State.Suspension { By = "alice", Reason = "debugging", Since = time.Now, Until = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero) });
        Assert.Equal("True", Get(book, "Suspended").Status);
        Assert.Equal("suspended by alice until 2026-11-22T10:00:00Z: debugging", Get(book, "Suspended").Message);
        Assert.Equal("r1", book.LastSuccess!.Record.Revision);
    }

    [Fact]
    public void HistoryIsShortNewestFirst()
    {
        var book = new StatusBook("h", TimeProvider.System);
        for (var i = 0; i < 30; i++) book.CycleFinished(Report(CycleResult.Success, $"r{i}"));
        var history = book.History();
        Assert.Equal(StatusBook.HistoryLength, history.Count);
        Assert.Equal("r29", history[0].Revision);
    }

    [Fact]
    public void MetricsParseStrictlyWithEscapedLabelsAndACumulativeHistogram()
    {
        var book = new StatusBook("h", TimeProvider.System);
        book.CycleFinished(Report(CycleResult.Success, "rev \"quoted\" \\ back\nslash", seconds: 0.003));
        book.CycleFinished(Report(CycleResult.Retry, null, seconds: 3));
        book.CycleFinished(Report(CycleResult.Stalled, null, seconds: 100));
        var status = StatusView.Build(book, null, TimeSpan.FromSeconds(30), null, withMacs: false);
        var families = PrometheusTextParser.Parse(AgentMetrics.Write(book, status, null));
        var applied = Assert.Single(families["vnet_applied_revision_info"].Samples);
        Assert.Equal("rev \"quoted\" \\ back\nslash", applied.Labels["revision"]);
        var totals = families["vnet_reconcile_total"].Samples.ToDictionary(s => s.Labels["result"], s => s.Value);
        Assert.Equal(1, totals["success"]);
        Assert.Equal(1, totals["retry"]);
        Assert.Equal(1, totals["stalled"]);
        Assert.Equal(0, totals["suspended"]);
        var buckets = families["vnet_reconcile_duration_seconds"].Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).ToList();
        Assert.Equal(1, buckets.First(b => b.Labels["le"] == "0.005").Value);
        Assert.Equal(2, buckets.First(b => b.Labels["le"] == "5").Value);
        Assert.Equal(3, buckets.Last().Value);
    }

    [Theory]
    [InlineData("# HELP a_total x\n# TYPE a_total counter\na_total 1")] // no final newline
    [InlineData("# TYPE a_total counter\na_total 1\n")] // TYPE without HELP
    [InlineData("# HELP a x\n# TYPE a counter\na 1\n")] // counter not *_total
    [InlineData("# HELP a x\n# TYPE a gauge\nb 1\n")] // sample outside its family
    [InlineData("# HELP a x\n# TYPE a gauge\na{l=\"1\"} 1\na{l=\"1\"} 2\n")] // duplicate series
    [InlineData("# HELP a x\n# TYPE a gauge\na{l=1} 1\n")] // unquoted label
    [InlineData("# HELP h x\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")] // not cumulative
    public void TheTestParserRejectsMalformedText(string text) =>
        Assert.Throws<FormatException>(() => PrometheusTextParser.Parse(text));
}
