namespace VnetReconciler.Schema.Tests.Golden;

/// <summary>
/// Every folder of <c>testdata/schema/&lt;case&gt;/</c>: <c>input/</c> is a desired-state tree, <c>expected.txt</c> the exact
/// diagnostics (<c>file:line:col: severity: message</c>, one per line, paths relative to input/; empty for a clean tree).
/// Cases named <c>valid-*</c> must load (no errors); <c>invalid-*</c> must not.
/// Set <c>SCHEMA_GOLDEN_UPDATE=1</c> to rewrite expected.txt from the output (then review the diff).
/// </summary>
public sealed class GoldenTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "testdata", "schema");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(Root).Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(dir));
        return data;
    }

    [Fact]
    public void There_are_at_least_20_valid_and_40_invalid_cases()
    {
        var names = Directory.GetDirectories(Root).Select(Path.GetFileName).ToList();
        Assert.True(names.Count(n => n!.StartsWith("valid-", StringComparison.Ordinal)) >= 20);
        Assert.True(names.Count(n => n!.StartsWith("invalid-", StringComparison.Ordinal)) >= 40);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_gives_exactly_the_expected_diagnostics(string name)
    {
        var dir = Path.Combine(Root, name);
        var result = DesiredStateLoader.LoadDirectory(Path.Combine(dir, "input"));
        var actual = result.Diagnostics.Select(d => d.ToString()).ToList();
        var expectedPath = Path.Combine(dir, "expected.txt");
        if (Environment.GetEnvironmentVariable("SCHEMA_GOLDEN_UPDATE") == "1")
        {
            var source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../testdata/schema", name, "expected.txt"));
            File.WriteAllText(source, string.Concat(actual.Select(l => l + "\n")));
            return;
        }
        var expected = File.ReadAllLines(expectedPath).Where(l => l.Length > 0).ToList();
        Assert.Equal(expected, actual);
        if (name.StartsWith("valid-", StringComparison.Ordinal))
        {
            Assert.False(result.HasErrors);
            Assert.NotNull(result.State);
        }
        else
        {
            Assert.True(result.HasErrors, "an invalid case must have at least one error");
            Assert.Null(result.State);
        }
    }
}
