using System.Globalization;
using System.Text.RegularExpressions;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>
/// A strict parser of the Prometheus text format 0.0.4, independent of the product's writer: every family has exactly one
/// HELP and one TYPE line before its samples, sample names belong to the family (histograms: _bucket/_sum/_count), label
/// names are valid, values parse, no duplicate series, histogram buckets are cumulative and end with le="+Inf" = _count.
/// </summary>
internal static partial class PrometheusTextParser
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public sealed record Family(string Name, string Type, string Help, List<Sample> Samples);

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    public static Dictionary<string, Family> Parse(string text)
    {
        if (!text.EndsWith('\n')) throw new FormatException("the exposition must end with a newline");
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        Family? current = null;
        string? pendingHelp = null, pendingHelpName = null;
        var lineNo = 0;
        foreach (var line in text[..^1].Split('\n'))
        {
            lineNo++;
            if (line.Length == 0) throw new FormatException($"line {lineNo}: empty line");
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var sp = rest.IndexOf(' ');
                pendingHelpName = sp < 0 ? rest : rest[..sp];
                pendingHelp = sp < 0 ? "" : rest[(sp + 1)..];
                if (!MetricName().IsMatch(pendingHelpName)) throw new FormatException($"line {lineNo}: bad metric name in HELP");
                if (families.ContainsKey(pendingHelpName)) throw new FormatException($"line {lineNo}: second HELP for {pendingHelpName}");
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                if (parts.Length != 2) throw new FormatException($"line {lineNo}: TYPE needs a name and a type");
                if (parts[0] != pendingHelpName) throw new FormatException($"line {lineNo}: TYPE {parts[0]} without its HELP just before");
                if (parts[1] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped")) throw new FormatException($"line {lineNo}: unknown type {parts[1]}");
                if (parts[1] == "counter" && !parts[0].EndsWith("_total", StringComparison.Ordinal)) throw new FormatException($"line {lineNo}: counter {parts[0]} not named *_total");
                current = new Family(parts[0], parts[1], pendingHelp!, []);
                families.Add(current.Name, current);
                pendingHelpName = null;
                continue;
            }
            if (line.StartsWith('#')) throw new FormatException($"line {lineNo}: unexpected comment");
            var sample = ParseSample(line, lineNo);
            if (current is null || !BelongsTo(sample.Name, current)) throw new FormatException($"line {lineNo}: sample {sample.Name} outside its family");
            var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")) + "}";
            if (!series.Add(key)) throw new FormatException($"line {lineNo}: duplicate series {key}");
            current.Samples.Add(sample);
        }
        foreach (var f in families.Values.Where(f => f.Type == "histogram")) CheckHistogram(f);
        return families;
    }

    private static bool BelongsTo(string name, Family f) => f.Type == "histogram"
        ? name == f.Name + "_bucket" || name == f.Name + "_sum" || name == f.Name + "_count"
        : name == f.Name;

    private static Sample ParseSample(string line, int lineNo)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
        var name = line[..i];
        if (!MetricName().IsMatch(name)) throw new FormatException($"line {lineNo}: bad metric name '{name}'");
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var label = line[i..eq];
                if (!LabelName().IsMatch(label)) throw new FormatException($"line {lineNo}: bad label name '{label}'");
                if (line[eq + 1] != '"') throw new FormatException($"line {lineNo}: label value not quoted");
                var sb = new System.Text.StringBuilder();
                var j = eq + 2;
                for (; line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        sb.Append(line[j] switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => throw new FormatException($"line {lineNo}: bad escape") });
                    }
                    else sb.Append(line[j]);
                }
                if (!labels.TryAdd(label, sb.ToString())) throw new FormatException($"line {lineNo}: label {label} twice");
                i = j + 1;
                if (line[i] == ',') i++;
                else if (line[i] != '}') throw new FormatException($"line {lineNo}: expected , or }}");
            }
            i++;
        }
        if (i >= line.Length || line[i] != ' ') throw new FormatException($"line {lineNo}: expected a space before the value");
        var valueText = line[(i + 1)..];
        if (valueText.Contains(' ', StringComparison.Ordinal)) throw new FormatException($"line {lineNo}: timestamps are not expected here");
        var value = valueText switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, value);
    }

    private static void CheckHistogram(Family f)
    {
        var buckets = f.Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).ToList();
        if (buckets.Count == 0 || buckets[^1].Labels["le"] != "+Inf") throw new FormatException($"{f.Name}: the last bucket must be le=\"+Inf\"");
        for (var i = 1; i < buckets.Count; i++)
            if (buckets[i].Value < buckets[i - 1].Value) throw new FormatException($"{f.Name}: buckets are not cumulative");
        var count = f.Samples.Single(s => s.Name == f.Name + "_count").Value;
        if (count != buckets[^1].Value) throw new FormatException($"{f.Name}: +Inf bucket {buckets[^1].Value} != count {count}");
        _ = f.Samples.Single(s => s.Name == f.Name + "_sum");
    }
}
