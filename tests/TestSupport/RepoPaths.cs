namespace VnetReconciler.TestSupport;

/// <summary>Paths inside this source tree, found from the test binaries' location.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Examples => Path.Combine(Root, "examples", "desired-state");

    /// <summary>The example fleet's files as (relative path, text), for committing into test repositories.</summary>
    public static IReadOnlyDictionary<string, string?> ExampleFiles() =>
        Directory.EnumerateFiles(Examples, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(Examples, f).Replace('\\', '/'), f => (string?)File.ReadAllText(f));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VnetReconciler.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no VnetReconciler.sln above {AppContext.BaseDirectory}");
    }
}
