namespace VnetReconciler.Reconciler.Planning;

/// <summary>The kind of a kernel link, as rtnetlink's IFLA_INFO_KIND names it.</summary>
public enum KernelLinkKind { Bridge, Tun, Veth, Vxlan, Other }

/// <summary>A link as the kernel reports it (one row of <c>ip -j link</c>), names resolved.</summary>
public sealed record KernelLink
{
    public required int Index { get; init; }
    public required string Name { get; init; }
    public KernelLinkKind Kind { get; init; }
    public string? Master { get; init; }
    public int Mtu { get; init; }
    public bool Up { get; init; }
    public string? Alias { get; init; }
    /// <summary>For TUN/TAP devices: owner uid and group, when set.</summary>
    public uint? TunOwner { get; init; }
    public uint? TunGroup { get; init; }
}

/// <summary>
/// The kernel operations the reconciler needs, as one small port: the real implementation goes through
/// rtnetlink and the TUN/TAP ioctls (src/Dataplane), the unit tier uses an in-memory kernel.
/// </summary>
public interface IKernelLinks
{
    IReadOnlyList<KernelLink> Dump();
    /// <summary><c>ip link add NAME mtu MTU type bridge</c>, then <c>ip link set NAME alias ALIAS [up]</c>.</summary>
    void CreateBridge(string name, int mtu, string alias, bool up);
    /// <summary><c>ip tuntap add mode tap name NAME [user U] [group G]</c>, then <c>ip link set NAME mtu MTU alias ALIAS [master M] [up]</c>.</summary>
    void CreateTap(string name, uint? owner, uint? group, int mtu, string alias, string? master, bool up);
    /// <summary>Changes a persistent TAP's owner and group (TUNSETOWNER, TUNSETGROUP).</summary>
    void SetTapOwner(string name, uint? owner, uint? group);
    /// <summary><c>ip link set NAME master BRIDGE</c>, or <c>nomaster</c> when null.</summary>
    void SetMaster(string name, string? master);
    void SetMtu(string name, int mtu);
    /// <summary><c>ip link set NAME alias TEXT</c>.</summary>
    void SetAlias(string name, string alias);
    void SetUp(string name, bool up);
    void Delete(string name);
}

/// <summary>A kernel operation failed; <see cref="IsTransient"/> says whether retrying can help.</summary>
public sealed class KernelOperationException(string message, bool isTransient, Exception? inner = null) : Exception(message, inner)
{
    public bool IsTransient { get; } = isTransient;
}
