using System.Text.RegularExpressions;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Reconciler.Tests.Packaging;

/// <summary>
/// No Docker engine runs on the build machines, so the Dockerfile is checked by structure: a multi-stage build whose
/// last stage is a runtime image (not the SDK), built from files that exist, starting the binary the project produces,
/// with git (the agent's one external program), and documenting the flags the agent needs (SPEC §3.1: host network,
/// NET_ADMIN, /dev/net/tun). Nothing secret (keys, the repository's .git) goes into the image.
/// </summary>
public sealed partial class DockerfileTests
{
    private sealed record Instruction(string Keyword, string Arguments, int Line);

    private static readonly string s_path = Path.Combine(RepoPaths.Root, "Dockerfile");

    /// <summary>The instructions with line continuations joined and comments dropped, each with its first line.</summary>
    private static List<Instruction> Instructions()
    {
        var result = new List<Instruction>();
        var lines = File.ReadAllLines(s_path);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var start = i + 1;
            var text = line;
            while (text.EndsWith('\\') && i + 1 < lines.Length) text = text[..^1] + " " + lines[++i].Trim();
            var space = text.IndexOf(' ');
            result.Add(new Instruction(text[..space].ToUpperInvariant(), text[(space + 1)..].Trim(), start));
        }
        return result;
    }

    private static List<List<Instruction>> Stages()
    {
        var stages = new List<List<Instruction>>();
        foreach (var instruction in Instructions())
        {
            if (instruction.Keyword == "FROM") stages.Add([]);
            Assert.True(stages.Count > 0, $"Dockerfile:{instruction.Line}: {instruction.Keyword} before the first FROM");
            stages[^1].Add(instruction);
        }
        return stages;
    }

    [Fact]
    public void It_is_a_multi_stage_build_whose_last_stage_is_a_runtime_image_fed_from_the_build_stage()
    {
        var stages = Stages();
        Assert.True(stages.Count >= 2, "a build stage and a runtime stage");
        var build = stages[0][0];
        Assert.Matches(@"dotnet/sdk:10\.0\S* +AS +build$", build.Arguments);
        var runtime = stages[^1];
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/(aspnet|runtime|runtime-deps):10\.0", runtime[0].Arguments);
        Assert.Contains(runtime, i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=build ", StringComparison.Ordinal));
        Assert.DoesNotContain(runtime, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet ", StringComparison.Ordinal));
    }

    [Fact]
    public void It_copies_only_files_that_exist_and_nothing_secret()
    {
        foreach (var copy in Instructions().Where(i => i.Keyword is "COPY" or "ADD" && !i.Arguments.StartsWith("--from=", StringComparison.Ordinal)))
        {
            Assert.Equal("COPY", copy.Keyword); // ADD fetches URLs and unpacks archives: not wanted here
            var sources = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1];
            foreach (var source in sources)
            {
                Assert.True(File.Exists(Path.Combine(RepoPaths.Root, source)) || Directory.Exists(Path.Combine(RepoPaths.Root, source)),
                    $"Dockerfile:{copy.Line}: COPY of '{source}', which is not in the repository");
                Assert.DoesNotMatch(@"(^|/)(\.git|keys?|tests?)(/|$)|\.key$", source);
            }
        }
    }

    [Fact]
    public void It_publishes_the_vnetctl_project_and_starts_the_binary_that_project_produces()
    {
        var instructions = Instructions();
        var publish = Assert.Single(instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        var project = PublishedProject().Match(publish.Arguments).Groups[1].Value;
        var csproj = File.ReadAllText(Path.Combine(RepoPaths.Root, project));
        var assembly = Regex.Match(csproj, "<AssemblyName>([^<]+)</AssemblyName>").Groups[1].Value;
        Assert.Equal("vnetctl", assembly);
        var entry = Assert.Single(instructions, i => i.Keyword == "ENTRYPOINT");
        Assert.Contains($"/{assembly}.dll\"", entry.Arguments, StringComparison.Ordinal);
        Assert.StartsWith("[", entry.Arguments, StringComparison.Ordinal); // exec form: SIGTERM reaches the agent
        Assert.Contains(instructions, i => i.Keyword == "CMD" && i.Arguments.Contains("\"agent\"", StringComparison.Ordinal));
    }

    [Fact]
    public void The_runtime_stage_has_git_and_the_state_volume_and_the_file_documents_the_agents_flags()
    {
        var runtime = Stages()[^1];
        Assert.Contains(runtime, i => i.Keyword == "RUN" && Regex.IsMatch(i.Arguments, @"apt-get install .*\bgit\b"));
        Assert.Contains(runtime, i => i.Keyword == "VOLUME" && i.Arguments.Contains("/var/lib/vnet-reconciler", StringComparison.Ordinal));
        var text = File.ReadAllText(s_path);
        foreach (var flag in new[] { "--network host", "--cap-add NET_ADMIN", "--device /dev/net/tun" })
            Assert.Contains(flag, text, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"dotnet publish +(\S+\.csproj)")]
    private static partial Regex PublishedProject();
}
