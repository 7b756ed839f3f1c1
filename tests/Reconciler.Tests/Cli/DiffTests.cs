using System.CommandLine;
using System.Text.Json;
using VnetReconciler.Reconciler.Cli;
using VnetReconciler.Reconciler.Tests.Sources;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Reconciler.Tests.Cli;

/// <summary>
/// <c>vnetctl diff REV1 REV2 --repo DIR</c> (SPEC §5) on real git commits. Golden cases live in
/// <c>tests/testdata/diff/&lt;case&gt;/</c>: REV1 is the example fleet, REV2 the example with <c>to/**</c> written over it
/// and the paths in <c>to.deleted</c> removed; <c>expected.{txt,json,md}</c> are the outputs with the commit ids
/// replaced by <c>REV1</c> and <c>REV2</c>. Set <c>VNET_UPDATE_GOLDEN=1</c> to rewrite them in the source tree.
/// </summary>
public sealed class DiffTests
{
    private static string Cases => Path.Combine(AppContext.BaseDirectory, "testdata", "diff");

    public static TheoryData<string> CaseNames() => [.. Directory.EnumerateDirectories(Cases).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal)];

    private static (int Exit, string Stdout, string Stderr) Vnetctl(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = VnetctlApp.Build().Parse(args).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static (TestRepository Repo, string From, string To) Revisions(string caseDir)
    {
        var repo = new TestRepository();
        var from = repo.Commit(RepoPaths.ExampleFiles(), "example fleet");
        var files = new Dictionary<string, string?>();
        var overlay = Path.Combine(caseDir, "to");
        if (Directory.Exists(overlay))
            foreach (var f in Directory.EnumerateFiles(overlay, "*", SearchOption.AllDirectories))
                files[Path.GetRelativePath(overlay, f).Replace('\\', '/')] = File.ReadAllText(f);
        var deleted = Path.Combine(caseDir, "to.deleted");
        if (File.Exists(deleted))
            foreach (var line in File.ReadAllLines(deleted).Where(l => l.Trim() != "")) files[line.Trim()] = null;
        var to = repo.Commit(files, Path.GetFileName(caseDir));
        return (repo, from, to);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GoldenCase(string name)
    {
        var dir = Path.Combine(Cases, name);
        var (repo, from, to) = Revisions(dir);
        using (repo)
        {
            string Normalise(string text) => text.Replace(from, "REV1").Replace(to, "REV2").Replace(from[..12], "REV1").Replace(to[..12], "REV2");
            var changed = false;
            foreach (var (format, file) in new[] { ("text", "expected.txt"), ("json", "expected.json"), ("markdown", "expected.md") })
            {
                var run = Vnetctl("diff", from, to, "--repo", repo.Work, "-o", format, "--detailed-exitcode");
                Assert.True(run.Exit is 0 or 2, run.Stderr);
                Assert.Equal("", run.Stderr);
                changed = run.Exit == 2;
                var actual = Normalise(run.Stdout);
                if (Environment.GetEnvironmentVariable("VNET_UPDATE_GOLDEN") == "1")
                    File.WriteAllText(Path.Combine(RepoPaths.Root, "tests", "testdata", "diff", name, file), actual);
                else
                    Assert.Equal(File.ReadAllText(Path.Combine(dir, file)), actual);
            }
            var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "expected.json"))).RootElement;
            Assert.Equal(json.GetProperty("summary").GetProperty("changed").GetInt32() > 0, changed);
        }
    }

    [Fact]
    public void ASecurityChangeIsAWireChangeAndLowersTheMtuOnEveryHostCarryingTheVnet()
    {
        var (repo, from, to) = Revisions(Path.Combine(Cases, "security-97-conf"));
        using (repo)
        {
            var run = Vnetctl("diff", from, to, "--repo", repo.Work, "-o", "json");
            Assert.Equal(0, run.Exit);
            var hosts = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("hosts").EnumerateArray().ToList();
            Assert.Equal(["host-a", "host-b", "host-c"], hosts.Select(h => h.GetProperty("host").GetString()));
            foreach (var h in hosts)
            {
                Assert.True(h.GetProperty("wire_change").GetBoolean());
                var vnet = Assert.Single(h.GetProperty("changes").EnumerateArray(), c => c.GetProperty("kind").GetString() == "vnet");
                Assert.True(vnet.GetProperty("wire_change").GetBoolean());
                Assert.Contains("security=none", vnet.GetProperty("before").GetString());
                Assert.Contains("security=conf", vnet.GetProperty("after").GetString());
                var mtu = Assert.Single(h.GetProperty("mtu_changes").EnumerateArray());
                Assert.Equal((1436, 1424), (mtu.GetProperty("before").GetInt32(), mtu.GetProperty("after").GetInt32()));
                Assert.Contains(h.GetProperty("changes").EnumerateArray(), c => c.GetProperty("kind").GetString() == "mtu"
                    && c.GetProperty("name").GetString() == "vnet97" && c.GetProperty("before").GetString() == "1436"
                    && c.GetProperty("after").GetString() == "1424");
            }
        }
    }

    [Fact]
    public void AnInvalidRevisionExitsOneWithFileLineAndColumn()
    {
        using var repo = new TestRepository();
        var good = repo.Commit(RepoPaths.ExampleFiles(), "example fleet");
        var bad = repo.Commit("vnets/vnet97.sxp", "(vnet (id 97)\n  (bridge vnet97) (security none)\n", "unbalanced");
        var run = Vnetctl("diff", good, bad, "--repo", repo.Work, "--detailed-exitcode");
        Assert.Equal(1, run.Exit);
        Assert.Matches(@"vnets/vnet97\.sxp:\d+:\d+: ", run.Stderr);
        Assert.Contains("is invalid", run.Stderr);
        Assert.Equal("", run.Stdout);
    }

    [Fact]
    public void AnUnknownRevisionOrANonRepositoryExitsOne()
    {
        using var repo = new TestRepository();
        repo.Commit(RepoPaths.ExampleFiles(), "example fleet");
        var unknown = Vnetctl("diff", "HEAD", "no-such-branch", "--repo", repo.Work);
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("'no-such-branch' is not a commit", unknown.Stderr);
        Assert.Equal(1, Vnetctl("diff", "HEAD", "HEAD", "--repo", repo.Root).Exit);
        var same = Vnetctl("diff", "HEAD", "main", "--repo", repo.Work, "--detailed-exitcode");
        Assert.Equal(0, same.Exit);
        Assert.Contains("0 of 3 host(s) change", same.Stdout);
        Assert.Equal(0, Vnetctl("diff", "main", "main", "--repo", repo.MakeBare(), "--detailed-exitcode").Exit); // a bare repository too
    }
}
