using System.Text.Json;
using VnetReconciler.Reconciler.Planning;

namespace VnetReconciler.Reconciler.State;

/// <summary>
/// The inventory of owned and adopted links (SPEC §3.2), persisted in <c>STATE_DIR/inventory.json</c> after every
/// change, atomically, so that an entry is on disk before the object it names is created (write-ahead). A
/// read-only inventory (for <c>plan</c> and <c>drift</c>) never writes.
/// </summary>
public sealed class FileInventory : IInventory
{
    public const string FileName = "inventory.json";
    private readonly string _path;
    private readonly bool _readOnly;
    private readonly SortedDictionary<string, InventoryEntry> _entries = new(StringComparer.Ordinal);

    public FileInventory(string stateDir, bool readOnly = false)
    {
        _path = Path.Combine(stateDir, FileName);
        _readOnly = readOnly;
        if (!File.Exists(_path)) return;
        try
        {
            var inventory = JsonSerializer.Deserialize(File.ReadAllBytes(_path), StateJsonContext.Default.Inventory) ?? Inventory.Empty;
            foreach (var o in inventory.Objects)
                _entries[o.Name] = new InventoryEntry(o.Name, RoleOf(o.Kind), o.Vnet ?? "", o.OriginalMtu);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{_path}: not a valid inventory: {e.Message}", e);
        }
    }

    public IReadOnlyCollection<InventoryEntry> Entries => _entries.Values;

    public void Record(InventoryEntry entry)
    {
        if (_entries.TryGetValue(entry.Name, out var old) && old == entry) return;
        _entries[entry.Name] = entry;
        Save();
    }

    public void Forget(string name)
    {
        if (_entries.Remove(name)) Save();
    }

    /// <summary>The entries as the state directory's <see cref="Inventory"/> record (for <see cref="LastApplied"/>).</summary>
    public Inventory Snapshot() => new()
    {
        Objects = [.. _entries.Values.Select(e => new OwnedObject(KindOf(e.Role), e.Name, e.Vnet, null, e.OriginalMtu))],
    };

    /// <summary>Deletes the file (uninstall).</summary>
    public void Clear()
    {
        _entries.Clear();
        if (!_readOnly) File.Delete(_path);
    }

    private void Save()
    {
        if (_readOnly) return;
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        AtomicFile.Write(_path, JsonSerializer.SerializeToUtf8Bytes(Snapshot(), StateJsonContext.Default.Inventory));
    }

    private static LinkRole RoleOf(OwnedKind kind) => kind switch
    {
        OwnedKind.Bridge => LinkRole.Bridge,
        OwnedKind.VnetIf => LinkRole.Vnetif,
        OwnedKind.Tap => LinkRole.Tap,
        _ => LinkRole.Port,
    };

    private static OwnedKind KindOf(LinkRole role) => role switch
    {
        LinkRole.Bridge => OwnedKind.Bridge,
        LinkRole.Vnetif => OwnedKind.VnetIf,
        LinkRole.Tap => OwnedKind.Tap,
        _ => OwnedKind.Port,
    };
}
