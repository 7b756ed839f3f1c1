using System.Text.Json;

namespace VnetReconciler.Reconciler.State;

/// <summary>An operator's <c>vnetctl suspend</c> (SPEC §5): who, why, since when and, with <c>--for</c>, until when.</summary>
public sealed record Suspension
{
    /// <summary>The local user who asked (the client's <c>SUDO_USER</c>, else its user name).</summary>
    public required string By { get; init; }

    public string? Reason { get; init; }

    public required DateTimeOffset Since { get; init; }

    /// <summary>When the agent resumes by itself; null for "until <c>vnetctl resume</c>".</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Whether the suspension has run out at <paramref name="now"/>.</summary>
    public bool ExpiredAt(DateTimeOffset now) => Until is { } until && until <= now;
}

/// <summary>
/// Keeps the <see cref="Suspension"/> in the state directory as <c>suspended.json</c>, replaced atomically
/// (<see cref="AtomicFile"/>), so a restarted agent stays suspended until <see cref="Suspension.Until"/>. No file: not
/// suspended.
/// </summary>
public sealed class SuspensionStore(string stateDir)
{
    public const string FileName = "suspended.json";

    private readonly string _path = Path.Combine(Path.GetFullPath(stateDir), FileName);

    public string FilePath => _path;

    public void Save(Suspension suspension)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        AtomicFile.Write(_path, JsonSerializer.SerializeToUtf8Bytes(suspension, StateJsonContext.Default.Suspension));
    }

    /// <summary>The stored suspension, or null when the agent is not suspended.</summary>
    /// <exception cref="InvalidDataException">The file exists but cannot be read (named, with the reason).</exception>
    public Suspension? Load()
    {
        if (!File.Exists(_path)) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(_path), StateJsonContext.Default.Suspension)
                   ?? throw new InvalidDataException($"{_path}: empty suspension file");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{_path}: not a valid suspension file: {e.Message}", e);
        }
    }

    public void Clear() => File.Delete(_path);
}
