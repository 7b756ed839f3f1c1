using VnetReconciler.Schema.Loading;
using VnetReconciler.Schema.Model;
using VnetReconciler.Schema.Validation;

namespace VnetReconciler.Schema;

/// <summary>
/// Loads and validates a desired-state tree (SPEC §2): from a directory, or from files in memory (a git tree).
/// User mistakes are diagnostics, never exceptions; one error rejects the whole revision (the state is null).
/// </summary>
public static class DesiredStateLoader
{
    /// <summary>Files above this count are parsed in parallel.</summary>
    private const int ParallelThreshold = 32;

    /// <summary>Reads every desired-state file under <paramref name="dir"/> (SPEC §2 layout; other files are ignored).</summary>
    public static LoadResult LoadDirectory(string dir)
    {
        var root = Path.GetFullPath(dir);
        if (!Directory.Exists(root))
            return new LoadResult(null, [new Diagnostic(Model.Severity.Error, dir, 0, 0, DiagnosticCodes.Io, $"{dir}: no such directory")]);
        var paths = new List<string>();
        foreach (var name in new[] { "fleet.yaml", "fleet.yml", "fleet.sxp" })
            if (File.Exists(Path.Combine(root, name))) paths.Add(name);
        foreach (var sub in new[] { "vnets", "hosts", "peers" })
        {
            var subDir = Path.Combine(root, sub);
            if (!Directory.Exists(subDir)) continue;
            foreach (var file in Directory.EnumerateFiles(subDir, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
                if (RepositoryLayout.Classify(relative).Role != FileRole.Ignored) paths.Add(relative);
            }
        }
        var files = new SourceFile[paths.Count];
        var errors = new Diagnostic?[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { MaxDegreeOfParallelism = paths.Count > ParallelThreshold ? -1 : 1 }, i =>
        {
            try
            {
                files[i] = new SourceFile(paths[i], File.ReadAllText(Path.Combine(root, paths[i])));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                files[i] = new SourceFile(paths[i], "");
                errors[i] = new Diagnostic(Model.Severity.Error, paths[i], 0, 0, DiagnosticCodes.Io, $"cannot read {paths[i]}: {e.Message}");
            }
        });
        var result = Load(files);
        var readErrors = errors.OfType<Diagnostic>().ToList();
        return readErrors.Count == 0 ? result : new LoadResult(null, [.. readErrors, .. result.Diagnostics]);
    }

    /// <summary>Loads files given in memory: paths relative to the tree's root with '/' separators.</summary>
    public static LoadResult Load(IEnumerable<SourceFile> files)
    {
        var sorted = files
            .Select(f => (File: f, Layout: RepositoryLayout.Classify(f.Path)))
            .Where(f => f.Layout.Role != FileRole.Ignored)
            .OrderBy(f => f.File.Path, StringComparer.Ordinal)
            .ToArray();
        var contents = new FileContent[sorted.Length];
        Parallel.For(0, sorted.Length, new ParallelOptions { MaxDegreeOfParallelism = sorted.Length > ParallelThreshold ? -1 : 1 },
            i => contents[i] = FileBinder.Bind(sorted[i].File, sorted[i].Layout.Role, sorted[i].Layout.Format));

        var diagnostics = new List<Diagnostic>();
        var vnets = new List<Vnet>();
        var hosts = new List<Host>();
        var peers = new List<Peer>();
        Fleet? fleet = null;
        for (var i = 0; i < contents.Length; i++)
        {
            var content = contents[i];
            diagnostics.AddRange(content.Diagnostics);
            vnets.AddRange(content.Vnets);
            hosts.AddRange(content.Hosts);
            peers.AddRange(content.Peers);
            if (content.Fleet is null) continue;
            if (fleet is not null)
                diagnostics.Add(Diagnostic.Error(content.Fleet.Span, DiagnosticCodes.Duplicate,
                    $"the fleet is already defined at {fleet.Span}: keep one fleet file"));
            else
                fleet = content.Fleet;
        }
        var bound = !diagnostics.Any(d => d.IsError);
        var state = new DesiredState
        {
            Fleet = fleet ?? Fleet.Default,
            Vnets = vnets.ToEquatableArray(),
            Hosts = hosts.ToEquatableArray(),
            Peers = peers.ToEquatableArray(),
        };
        diagnostics.AddRange(DesiredStateValidator.Instance.Diagnose(state, bound));
        var ordered = Order(diagnostics);
        return new LoadResult(ordered.Any(d => d.IsError) ? null : state, ordered);
    }

    /// <summary>Path order, then position; equal positions keep their order.</summary>
    private static List<Diagnostic> Order(List<Diagnostic> diagnostics) =>
        diagnostics.OrderBy(d => d.File, StringComparer.Ordinal).ThenBy(d => d.Line).ThenBy(d => d.Column).ToList();
}
