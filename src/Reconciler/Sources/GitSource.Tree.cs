using System.Globalization;
using System.Text;

namespace VnetReconciler.Reconciler.Sources;

public sealed partial class GitSource
{
    // Git's tree entry modes (git's object format: 100644/100755 regular files; 120000 symlinks and
    // 160000 submodules are not files and never read).
    private const string RegularFile = "100644";
    private const string ExecutableFile = "100755";

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// The desired-state files of a commit (SPEC §2: <c>fleet.yaml|sxp</c>, and <c>*.sxp|*.yaml|*.yml</c> under
    /// <c>vnets/</c>, <c>hosts/</c>, <c>peers/</c>) in path order, read from the object database (one
    /// <c>ls-tree</c>, one <c>cat-file --batch</c>; nothing is checked out).
    /// </summary>
    public async Task<IReadOnlyList<RevisionFile>> ReadTreeAsync(string commitId, CancellationToken ct = default)
    {
        GitNames.RequireCommitId(commitId, nameof(commitId));
        var listing = (await Local(["ls-tree", "-r", "-z", "--full-tree", commitId + "^{commit}", "--"], ct)
            .ConfigureAwait(false)).EnsureSuccess().Stdout;
        var wanted = new List<(string Path, string BlobId)>();
        foreach (var entry in listing.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<mode> SP <type> SP <object> TAB <path>" (git ls-tree, -z: path not quoted)
            var tab = entry.IndexOf('\t');
            var meta = entry[..tab].Split(' ');
            var path = entry[(tab + 1)..];
            if (meta[0] is RegularFile or ExecutableFile && DesiredStateLayout.IsDesiredStateFile(path))
            {
                wanted.Add((path, meta[2]));
            }
        }
        wanted.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        var blobs = await ReadObjectsAsync(wanted.Select(w => w.BlobId).ToList(), ct).ConfigureAwait(false);
        return [.. wanted.Select((w, i) => new RevisionFile(w.Path, Decode(blobs[i])))];
    }

    /// <summary>The raw contents of objects in the mirror, in the order asked (one <c>cat-file --batch</c>).</summary>
    internal async Task<IReadOnlyList<ReadOnlyMemory<byte>>> ReadObjectsAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        var input = Encoding.ASCII.GetBytes(string.Concat(ids.Select(id => id + "\n")));
        var output = (await _git.RunAsync(["cat-file", "--batch"], MirrorDir, LocalTimeout, ct, input, null)
            .ConfigureAwait(false)).EnsureSuccess().StdoutBytes;
        return ParseBatch(output, ids.Count);
    }

    /// <summary>Splits <c>cat-file --batch</c> output: per object "<c>&lt;id&gt; &lt;type&gt; &lt;size&gt;\n&lt;bytes&gt;\n</c>".</summary>
    internal static IReadOnlyList<ReadOnlyMemory<byte>> ParseBatch(byte[] output, int count)
    {
        var objects = new List<ReadOnlyMemory<byte>>(count);
        var at = 0;
        while (objects.Count < count)
        {
            var eol = Array.IndexOf(output, (byte)'\n', at);
            if (eol < 0) throw new InvalidDataException("cat-file --batch output ended early");
            var header = Encoding.ASCII.GetString(output, at, eol - at).Split(' ');
            if (header.Length != 3) throw new InvalidDataException($"cat-file --batch: {string.Join(' ', header)}");
            var size = int.Parse(header[2], CultureInfo.InvariantCulture);
            if (eol + 1 + size > output.Length) throw new InvalidDataException($"cat-file --batch: {header[0]} is cut short");
            objects.Add(output.AsMemory(eol + 1, size));
            at = eol + 1 + size + 1;
        }
        return objects;
    }

    private static string Decode(ReadOnlyMemory<byte> bytes)
    {
        var span = bytes.Span;
        if (span.StartsWith("\uFEFF"u8)) span = span[3..];
        return s_utf8.GetString(span);
    }
}
