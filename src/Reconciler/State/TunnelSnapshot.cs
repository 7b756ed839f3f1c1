using System.Text.Json;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.State;

/// <summary>
/// The tunnel tables the agent last converged (<c>tunnel.json</c>): what a restarted agent carries at once, before it has
/// parsed a revision or reached git, so a restart is hitless (the persistent vnetifs stay; only the process is new).
/// Plain values only: names of key files, never keys.
/// </summary>
public sealed record TunnelSnapshot
{
    /// <summary>The revision these tables were converged for (commit id or <c>dir:PATH</c>).</summary>
    public required string Revision { get; init; }

    public required string LocalAddress { get; init; }
    public int Port { get; init; }
    public int VxlanPort { get; init; }
    public bool MulticastFlood { get; init; }
    public required string FloodGroup { get; init; }
    public bool AcceptUnknownPeers { get; init; }
    public IReadOnlyList<string> RelayPeers { get; init; } = [];
    /// <summary>Bridge of each vnet (canonical id).</summary>
    public IReadOnlyDictionary<string, string> Bridges { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<TunnelSnapshotVnet> Vnets { get; init; } = [];
}

/// <summary>One vnet of a <see cref="TunnelSnapshot"/> (the reconciler's tunnel spec, as plain values).</summary>
public sealed record TunnelSnapshotVnet
{
    public required string Id { get; init; }
    public required string Vnetif { get; init; }
    public Encapsulation Encapsulation { get; init; }
    public Security Security { get; init; }
    public EspSuite? Suite { get; init; }
    /// <summary>Name of the key file, never the key.</summary>
    public string? Key { get; init; }
    public int Mtu { get; init; }
    public int Port { get; init; }
    public IReadOnlyList<string> Peers { get; init; } = [];
    public IReadOnlyList<string> AnnouncedMacs { get; init; } = [];
}

/// <summary>
/// Keeps the <see cref="TunnelSnapshot"/> in the state directory, replaced atomically when it changes. It is a cache:
/// a missing or unreadable file only means the restarted agent takes the slower path (the last applied revision).
/// </summary>
public sealed class TunnelSnapshotStore(string stateDir)
{
    public const string FileName = "tunnel.json";

    private readonly string _path = Path.Combine(Path.GetFullPath(stateDir), FileName);

    /// <summary>Writes the snapshot unless the file already holds exactly it; true when it wrote.</summary>
    public bool Save(TunnelSnapshot snapshot)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(snapshot, StateJsonContext.Default.TunnelSnapshot);
        if (File.Exists(_path) && File.ReadAllBytes(_path).AsSpan().SequenceEqual(bytes)) return false;
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        AtomicFile.Write(_path, bytes);
        return true;
    }

    /// <summary>The stored snapshot; null when there is none or it cannot be read (<paramref name="problem"/> says why).</summary>
    public TunnelSnapshot? Load(out string? problem)
    {
        problem = null;
        if (!File.Exists(_path)) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(_path), StateJsonContext.Default.TunnelSnapshot);
        }
        catch (JsonException e)
        {
            problem = $"{_path}: not a valid tunnel snapshot: {e.Message}";
            return null;
        }
    }
}
