namespace VnetReconciler.Reconciler.Planning;

/// <summary>
/// One object the agent created (or adopted, for <c>link</c> ports) on this host (SPEC §3.2). For an adopted port,
/// <paramref name="OriginalMtu"/> is the MTU it had when the agent first took it, given back when it is released.
/// </summary>
public sealed record InventoryEntry(string Name, LinkRole Role, string Vnet, int? OriginalMtu = null);

/// <summary>
/// The agent's record of what it owns, kept in its state directory beside the kernel marker (the alias), as
/// Flux keeps an inventory: an entry is written before the object is created (write-ahead), so a crash between
/// creating a link and marking it leaves a link the next cycle still recognises as its own.
/// </summary>
public interface IInventory
{
    IReadOnlyCollection<InventoryEntry> Entries { get; }
    InventoryEntry? Find(string name) => Entries.FirstOrDefault(e => e.Name == name);
    void Record(InventoryEntry entry);
    void Forget(string name);
}

/// <summary>An inventory held in memory (plan, tests); the agent's is persisted in the state directory.</summary>
public sealed class MemoryInventory : IInventory
{
    private readonly Dictionary<string, InventoryEntry> _entries = new(StringComparer.Ordinal);

    public MemoryInventory(IEnumerable<InventoryEntry>? entries = null)
    {
        foreach (var e in entries ?? []) _entries[e.Name] = e;
    }

    public IReadOnlyCollection<InventoryEntry> Entries => _entries.Values;
    public void Record(InventoryEntry entry) => _entries[entry.Name] = entry;
    public void Forget(string name) => _entries.Remove(name);
}
