namespace VnetReconciler.Dataplane.Esp;

/// <summary>
/// The key files of a key directory (SPEC §4.5, default <c>/etc/vnet-reconciler/keys</c>), loaded on first use and
/// re-read when they change. <see cref="Poll"/> compares each file's inode, size, modification and change times and
/// mode (statx) with what was loaded (the caller drives it from its <see cref="TimeProvider"/> tick; no watcher threads) and re-reads changed files.
/// A file that turns bad (unreadable, refused for its mode, a syntax error) is reported in <see cref="Errors"/> while the
/// last good keys stay in use, as a bad revision never tears down a working network; a file that disappears drops its
/// keys. Not thread-safe; <see cref="EspEndpoint"/> serializes calls.
/// </summary>
public sealed class KeyRing : IDisposable
{
    private readonly string _directory;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public KeyRing(string directory) => _directory = directory;

    /// <summary>The path of a key's file: <c>&lt;key-dir&gt;/&lt;key&gt;.key</c>.</summary>
    public string PathOf(string keyName) => Path.Combine(_directory, keyName + ".key");

    /// <summary>The key's current epochs, loading the file on first use; null when it has never loaded cleanly.</summary>
    public KeySet? Get(string keyName)
    {
        if (!_entries.TryGetValue(keyName, out var entry))
        {
            entry = new Entry();
            _entries.Add(keyName, entry);
            Reload(keyName, entry);
        }
        return entry.Keys;
    }

    /// <summary>Problems of the last load of each key file that has any (messages name file and line, never a secret).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<KeyFileError>> Errors =>
        _entries.Where(e => e.Value.Errors.Count > 0).ToDictionary(e => e.Key, e => e.Value.Errors);

    /// <summary>Re-reads the key files that changed since they were loaded; returns the names whose keys changed.</summary>
    public IReadOnlyList<string> Poll()
    {
        var changed = new List<string>();
        foreach (var (name, entry) in _entries)
        {
            if (Fingerprint.Of(PathOf(name)) == entry.Fingerprint) continue;
            var before = entry.Keys;
            Reload(name, entry);
            if (!ReferenceEquals(before, entry.Keys)) changed.Add(name);
        }
        return changed;
    }

    private void Reload(string name, Entry entry)
    {
        var path = PathOf(name);
        entry.Fingerprint = Fingerprint.Of(path);
        var keys = KeyFile.Load(name, path, out var errors);
        entry.Errors = errors;
        if (keys is not null && entry.Keys is not null && keys.SameSecrets(entry.Keys))
        {
            keys.Dispose(); // touched or chmod-ed, same keys: nothing to renegotiate
            return;
        }
        if (keys is not null || !entry.Fingerprint.Exists)
        {
            entry.Keys?.Dispose();
            entry.Keys = keys;
        }
    }

    public void Dispose()
    {
        foreach (var entry in _entries.Values) entry.Keys?.Dispose();
        _entries.Clear();
    }

    private sealed class Entry
    {
        public KeySet? Keys;
        public IReadOnlyList<KeyFileError> Errors = [];
        public Fingerprint Fingerprint;
    }

    /// <summary>
    /// What identifies one version of a key file: inode (a file renamed over it), size, modification and status-change
    /// times in ns (an edit in place, a chmod) and mode, from statx(2). Default when the file does not exist.
    /// </summary>
    private readonly record struct Fingerprint(bool Exists, ulong Inode, ulong Size, long Modified, long Changed, ushort Mode)
    {
        public static Fingerprint Of(string path)
        {
            if (Interop.Libc.StatX(Interop.Libc.AtFdCwd, path, 0, Interop.Libc.StatxBasicStats, out var st) != 0) return default;
            return new Fingerprint(true, st.Inode, st.Size, st.ModifySeconds * 1_000_000_000 + st.ModifyNanoseconds,
                st.ChangeSeconds * 1_000_000_000 + st.ChangeNanoseconds, st.Mode);
        }
    }
}
