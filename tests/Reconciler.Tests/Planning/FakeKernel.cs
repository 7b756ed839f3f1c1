using VnetReconciler.Reconciler.Planning;

namespace VnetReconciler.Reconciler.Tests.Planning;

/// <summary>
/// An in-memory kernel for the unit tier: links by name with the attributes the reconciler reads. It refuses
/// what the real kernel refuses (a duplicate name, a missing device, enslaving to a non-bridge).
/// </summary>
internal sealed class FakeKernel : IKernelLinks
{
    private readonly SortedDictionary<string, KernelLink> _links = new(StringComparer.Ordinal);
    private int _nextIndex = 2;

    public List<string> Calls { get; } = [];
    /// <summary>When set, SetMtu on this link is silently ignored (a kernel that does not do what it was told).</summary>
    public string? IgnoreMtuOf { get; set; }

    public IReadOnlyList<KernelLink> Dump() => [.. _links.Values];

    public void Add(string name, KernelLinkKind kind, string? master = null, int mtu = 1500, bool up = false, string? alias = null)
    {
        if (_links.ContainsKey(name)) throw new KernelOperationException($"{name}: File exists", false);
        _links[name] = new KernelLink { Index = _nextIndex++, Name = name, Kind = kind, Master = master, Mtu = mtu, Up = up, Alias = alias };
    }

    public void CreateBridge(string name, int mtu, string alias, bool up)
    {
        Calls.Add($"bridge {name}");
        Add(name, KernelLinkKind.Bridge, mtu: mtu, alias: alias, up: up);
    }

    public void CreateTap(string name, uint? owner, uint? group, int mtu, string alias, string? master, bool up)
    {
        Calls.Add($"tap {name}");
        Add(name, KernelLinkKind.Tun, mtu: mtu, alias: alias);
        _links[name] = _links[name] with { TunOwner = owner, TunGroup = group };
        // The real kernel port sets these in a second request: a crash between leaves a bare TAP, as here.
        if (master is not null) SetMaster(name, master);
        if (up) SetUp(name, true);
    }

    public void SetTapOwner(string name, uint? owner, uint? group) => Update(name, $"owner {name}", l => l with { TunOwner = owner, TunGroup = group });

    public void SetMaster(string name, string? master)
    {
        if (master is not null && (!_links.TryGetValue(master, out var m) || m.Kind != KernelLinkKind.Bridge))
            throw new KernelOperationException($"{master}: not a bridge", false);
        Update(name, $"master {name} {master ?? "none"}", l => l with { Master = master });
    }

    public void SetMtu(string name, int mtu) => Update(name, $"mtu {name} {mtu}", l => name == IgnoreMtuOf ? l : l with { Mtu = mtu });
    public void SetAlias(string name, string alias) => Update(name, $"alias {name}", l => l with { Alias = alias });
    public void SetUp(string name, bool up) => Update(name, $"up {name} {up}", l => l with { Up = up });

    public void Delete(string name)
    {
        Calls.Add($"delete {name}");
        if (!_links.Remove(name)) throw new KernelOperationException($"{name}: No such device", false);
        foreach (var (n, l) in _links.ToList())
            if (l.Master == name) _links[n] = l with { Master = null };
    }

    public KernelLink this[string name] => _links[name];
    public bool Has(string name) => _links.ContainsKey(name);

    private void Update(string name, string call, Func<KernelLink, KernelLink> change)
    {
        Calls.Add(call);
        if (!_links.TryGetValue(name, out var l)) throw new KernelOperationException($"{name}: No such device", false);
        _links[name] = change(l);
    }
}
