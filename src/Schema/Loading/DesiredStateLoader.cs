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
        paths.Sort(StringComparer.Ordinal);
        // Reading happens inside the parallel parse, so one pass over the files does everything that needs no other file.
        return LoadSorted(paths.Count, i =>
        {
            try
            {
                return (new SourceFile(paths[i], File.ReadAllText(Path.Combine(root, paths[i]))), null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (new SourceFile(paths[i], ""), new Diagnostic(Model.Severity.Error, paths[i], 0, 0, DiagnosticCodes.Io, $"cannot read {paths[i]}: {e.Message}"));
            }
        });
    }

    /// <summary>Loads files given in memory: paths relative to the tree's root with '/' separators.</summary>
    public static LoadResult Load(IEnumerable<SourceFile> files)
    {
        var sorted = files
            .Where(f => RepositoryLayout.Classify(f.Path).Role != FileRole.Ignored)
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToArray();
        return LoadSorted(sorted.Length, i => (sorted[i], null));
    }

    /// <param name="count">How many desired-state files, in path order.</param>
    /// <param name="file">File <c>i</c>, or the diagnostic that it could not be read.</param>
    private static LoadResult LoadSorted(int count, Func<int, (SourceFile File, Diagnostic? ReadError)> file)
    {
        var contents = new FileContent[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = count > ParallelThreshold ? -1 : 1 },
            i =>
            {
                var (source, readError) = file(i);
                var (role, format) = RepositoryLayout.Classify(source.Path);
                var content = FileBinder.Bind(source, role, format);
                if (readError is not null) content.Diagnostics.Insert(0, readError);
                content.Bound = !content.Diagnostics.Any(d => d.IsError);
                RecordValidators.Diagnose(content.Vnets, content.Hosts, content.Fleet, content.Diagnostics);
                contents[i] = content;
            });

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
        var bound = contents.All(c => c.Bound);
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
