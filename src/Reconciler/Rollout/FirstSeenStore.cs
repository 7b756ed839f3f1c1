using System.Text.Json;
using VnetReconciler.Reconciler.Cli;
using VnetReconciler.Reconciler.State;

namespace VnetReconciler.Reconciler.Rollout;

/// <summary>
/// When this host first fetched the revision it waits to apply (SPEC §6.4: a host silent for longer than <c>grace</c>
/// before the revision appeared does not block). Kept in the state directory as <c>rollout-first-seen.json</c>, replaced
/// atomically, so a restarted agent measures grace from the same instant instead of from its restart (which would excuse
/// hosts that fell silent after the revision appeared, possibly of it). Only the newest revision is kept: the agent waits
/// for one at a time.
/// </summary>
public sealed class FirstSeenStore(string stateDir)
{
    public const string FileName = "rollout-first-seen.json";

    private readonly string _path = Path.Combine(stateDir, FileName);
    private Entry? _entry;
    private bool _loaded;

    /// <summary>The instant <paramref name="commitId"/> was first seen; <paramref name="now"/> (recorded) when it is new.</summary>
    public DateTimeOffset FirstSeen(string commitId, DateTimeOffset now)
    {
        if (!_loaded)
        {
            _entry = Read();
            _loaded = true;
        }
        if (_entry is { } e && e.Commit == commitId) return e.FirstSeen;
        _entry = new Entry(commitId, now);
        try
        {
            Directory.CreateDirectory(stateDir);
            AtomicFile.Write(_path, JsonSerializer.SerializeToUtf8Bytes(_entry, Json.Options));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Kept in memory until the agent stops; only a restart would then take the revision for new.
        }
        return now;
    }

    private Entry? Read()
    {
        try
        {
            return File.Exists(_path) ? JsonSerializer.Deserialize<Entry>(File.ReadAllBytes(_path), Json.Options) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null; // unreadable: the revision counts as first seen now, as on a fresh host
        }
    }

    private sealed record Entry(string Commit, DateTimeOffset FirstSeen);
}
