using System.Text.RegularExpressions;
using VnetReconciler.Reconciler.Agent;
using VnetReconciler.Reconciler.Status;
using VnetReconciler.TestSupport;
using YamlDotNet.RepresentationModel;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>
/// <c>examples/alerts/vnet-reconciler.rules.yml</c> (docs/operations.md): a Prometheus rules file whose every rule is
/// complete and whose every metric is one the agent's <c>/metrics</c> exports (no Prometheus here to load it).
/// </summary>
public sealed partial class AlertRulesTests
{
    private static readonly string RulesFile = Path.Combine(RepoPaths.Root, "examples", "alerts", "vnet-reconciler.rules.yml");

    [GeneratedRegex(@"\b(vnet_[a-z0-9_]+)\b")]
    private static partial Regex VnetMetric();

    [GeneratedRegex(@"^[0-9]+[smhdwy]$")]
    private static partial Regex PromDuration();

    private static List<YamlMappingNode> Rules()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(RulesFile)) yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        var groups = (YamlSequenceNode)root["groups"];
        return [.. groups.Children.Cast<YamlMappingNode>().SelectMany(g => ((YamlSequenceNode)g["rules"]).Children.Cast<YamlMappingNode>())];
    }

    private static string Text(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    [Fact]
    public void EveryRuleIsCompleteAndItsMetricsAreExportedByTheAgent()
    {
        var book = new StatusBook("host-a", TimeProvider.System);
        book.SetSuspended(new Reconciler.State.Suspension { By = "alice", Since = DateTimeOffset.UnixEpoch });
        var metrics = PrometheusTextParser.Parse(AgentMetrics.Write(book, StatusView.Build(book, null, TimeSpan.FromSeconds(30), null, false), null));

        var rules = Rules();
        Assert.True(rules.Count >= 2);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            var name = Text(rule, "alert");
            var expr = Text(rule, "expr");
            Assert.Matches(PromDuration(), Text(rule, "for"));
            Assert.False(string.IsNullOrWhiteSpace(Text((YamlMappingNode)rule["labels"], "severity")), name);
            Assert.False(string.IsNullOrWhiteSpace(Text((YamlMappingNode)rule["annotations"], "summary")), name);
            Assert.Equal(expr.Count(c => c == '('), expr.Count(c => c == ')'));
            foreach (Match m in VnetMetric().Matches(expr))
            {
                var metric = m.Groups[1].Value;
                Assert.True(metrics.ContainsKey(metric) || metrics.ContainsKey(Regex.Replace(metric, "_(bucket|sum|count)$", "")),
                    $"{name}: {metric} is not in the agent's /metrics");
                used.Add(metric);
            }
        }
        // The two the issue asks for: a stale sync and an epoch that never rotates.
        Assert.Contains(rules, r => Text(r, "expr").Contains("vnet_last_success_timestamp_seconds", StringComparison.Ordinal));
        Assert.Contains(rules, r => Text(r, "expr").Contains("changes(vnet_esp_epoch[7d]) == 0", StringComparison.Ordinal));
        Assert.Contains("vnet_suspended", used);
    }

    [Fact]
    public void TheOperationsGuideShowsTheFileAndNamesEveryAlert()
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "operations.md"));
        Assert.Contains("examples/alerts/vnet-reconciler.rules.yml", doc);
        foreach (var rule in Rules()) Assert.Contains(Text(rule, "alert"), doc);
    }
}
