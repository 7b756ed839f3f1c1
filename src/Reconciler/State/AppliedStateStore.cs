using System.Text.Json;

namespace VnetReconciler.Reconciler.State;

/// <summary>
/// Keeps <see cref="LastApplied"/> in the state directory as <c>last-applied.json</c>, replaced atomically
/// (<see cref="AtomicFile"/>). Only a revision that was verified and applied is ever saved here; a bad or
/// unverifiable one never replaces it (SPEC §6.3).
/// </summary>
public sealed class AppliedStateStore
{
    public const string FileName = "last-applied.json";

    private readonly string _path;

    public AppliedStateStore(string stateDir)
    {
        StateDir = Path.GetFullPath(stateDir);
        _path = Path.Combine(StateDir, FileName);
    }

    public string StateDir { get; }

    /// <summary>Called before each step of a save; tests throw from it to simulate a crash between steps.</summary>
    internal Action<AtomicWriteStep>? BeforeStep { get; set; }

    /// <summary>Replaces the stored state with <paramref name="state"/>: afterwards (or after a crash at any
    /// point) <see cref="Load"/> returns either the previous state or this one.</summary>
    public void Save(LastApplied state)
    {
        Directory.CreateDirectory(StateDir);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(
            new AppliedStateDocument(AppliedStateDocument.CurrentVersion, state), StateJsonContext.Default.AppliedStateDocument);
        AtomicFile.Write(_path, bytes, BeforeStep);
    }

    /// <summary>The stored state, or null when this host never applied a revision.</summary>
    /// <exception cref="InvalidDataException">The file exists but cannot be read as state (named, with the reason).</exception>
    public LastApplied? Load()
    {
        if (!File.Exists(_path)) return null;
        AppliedStateDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(File.ReadAllBytes(_path), StateJsonContext.Default.AppliedStateDocument);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{_path}: not a valid state file: {e.Message}", e);
        }
        if (document is null || document.Version != AppliedStateDocument.CurrentVersion)
        {
            throw new InvalidDataException($"{_path}: unsupported state format version {document?.Version}");
        }
        return document.State;
    }
}
