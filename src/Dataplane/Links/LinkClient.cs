using VnetReconciler.Dataplane.Interop;
using VnetReconciler.Dataplane.Netlink;
using VnetReconciler.Dataplane.Tun;

namespace VnetReconciler.Dataplane.Links;

/// <summary>
/// The host's links, bridges, TAPs, port memberships and bridge FDB through rtnetlink and the TUN/TAP ioctls
/// (SPEC §3): never by running ip, brctl or bridge. A client works in the network namespace of the thread that
/// opened it (its socket's namespace). TAPs are created in the namespace of the calling thread, so
/// <see cref="CreateTap"/> refuses a caller whose thread is in another namespace. Calls are serialised; failures are
/// <see cref="NetlinkException"/> (or <see cref="TapException"/> for TAP ioctls) with errno, the kernel's
/// extended-ACK text and <see cref="NetlinkException.IsTransient"/>; invalid names are
/// <see cref="ArgumentException"/> before any system call.
/// </summary>
public sealed partial class LinkClient : IDisposable
{
    private readonly NetlinkSocket _socket;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly Lock _gate = new();
    private readonly string? _namespace;

    private LinkClient(NetlinkSocket socket, string? networkNamespace)
    {
        _socket = socket;
        _namespace = networkNamespace;
    }

    /// <summary>Opens a client on a new NETLINK_ROUTE socket in the calling thread's network namespace.</summary>
    public static LinkClient Open() => new(NetlinkSocket.Open(), CurrentThreadNamespace());

    /// <summary>The calling thread's network namespace, e.g. <c>net:[4026531840]</c> (setns acts per thread).</summary>
    private static string? CurrentThreadNamespace() => new FileInfo("/proc/thread-self/ns/net").LinkTarget;

    /// <summary>Whether the calling thread is in the namespace the client's socket belongs to.</summary>
    private bool InClientNamespace() => _namespace is not null && _namespace == CurrentThreadNamespace();

    /// <summary>All links. Equals <c>ip -d link show</c>. An interrupted dump (links changed meanwhile) is retried.</summary>
    public IReadOnlyList<LinkInfo> DumpLinks()
    {
        var links = new List<LinkInfo>();
        RetryInterruptedDump(() =>
        {
            links.Clear();
            Run((ref NetlinkWriter w, uint seq) => LinkCodec.DumpLinks(ref w, seq), "ip link show", reply =>
            {
                if (reply.Type == RtnetlinkH.RTM_NEWLINK) links.Add(LinkCodec.DecodeLink(reply));
            });
        });
        return links;
    }

    /// <summary>One link, or null when there is none by that name or index. Equals <c>ip -d link show dev LINK</c>.</summary>
    public LinkInfo? FindLink(LinkRef link)
    {
        LinkInfo? found = null;
        try
        {
            Run(
                (ref NetlinkWriter w, uint seq) => LinkCodec.GetLink(ref w, seq, link),
                $"ip link show dev {link}",
                reply => { if (reply.Type == RtnetlinkH.RTM_NEWLINK) found = LinkCodec.DecodeLink(reply); });
        }
        catch (NetlinkException e) when (e.Errno == Libc.ENODEV)
        {
            return null;
        }
        return found;
    }

    /// <summary>One link; throws <see cref="NetlinkException"/> (ENODEV) when it does not exist. Equals <c>ip link show dev LINK</c>.</summary>
    public LinkInfo GetLink(LinkRef link) =>
        FindLink(link) ?? throw new NetlinkException($"ip link show dev {link}", Libc.ENODEV, $"no link '{link}' in this network namespace");

    /// <summary>
    /// Creates a bridge. Equals <c>ip link add NAME [mtu M] [up] type bridge</c>, followed by
    /// <c>ip link set NAME alias A</c> when an alias is given (the kernel ignores IFLA_IFALIAS on creation); both
    /// requests go out in one datagram. Throws EEXIST when the name is taken.
    /// </summary>
    public void CreateBridge(string name, LinkSettings? settings = null)
    {
        InterfaceName.Validate(name);
        var batch = Batch().CreateBridge(name, settings);
        batch.Commit();
    }

    /// <summary>
    /// Creates a persistent TAP owned by <paramref name="owner"/> / <paramref name="group"/> in the calling thread's
    /// namespace. Equals <c>ip tuntap add mode tap name NAME [user U] [group G] [multi_queue]</c> (TUNSETIFF,
    /// TUNSETOWNER, TUNSETGROUP, TUNSETPERSIST 1, close). Throws <see cref="TapException"/> EEXIST when the name is taken.
    /// </summary>
    public void CreateTap(string name, uint? owner = null, uint? group = null, bool multiQueue = false)
    {
        InterfaceName.Validate(name);
        if (!InClientNamespace())
            throw new InvalidOperationException(
                $"ip tuntap add {name}: the calling thread is in network namespace {CurrentThreadNamespace()}, the client in {_namespace}; " +
                "a TAP is created in the caller's namespace, so call from a thread in the client's namespace");
        TunControl.CreatePersistent(name, owner, group, multiQueue);
    }

    /// <summary>Deletes a link (bridge, TAP, veth, ...). Equals <c>ip link del LINK</c>. Throws ENODEV when missing.</summary>
    public void DeleteLink(LinkRef link) =>
        Run((ref NetlinkWriter w, uint seq) => LinkCodec.DeleteLink(ref w, seq, link), $"ip link del {link}");

    /// <summary>Applies several changes in one request. Equals <c>ip link set dev LINK [master M|nomaster] [mtu N] [alias A] [up|down]</c>.</summary>
    public void Update(LinkRef link, LinkSettings settings) =>
        Run((ref NetlinkWriter w, uint seq) => LinkCodec.SetLink(ref w, seq, link, settings), $"ip link set dev {link} {settings.Describe()}");

    /// <summary>Makes <paramref name="port"/> a port of <paramref name="bridge"/>. Equals <c>ip link set dev PORT master BRIDGE</c>.</summary>
    public void SetMaster(LinkRef port, LinkRef bridge) =>
        Update(port, new LinkSettings { MasterIndex = bridge.Index != 0 ? bridge.Index : GetLink(bridge).Index });

    /// <summary>Releases <paramref name="port"/> from its bridge. Equals <c>ip link set dev PORT nomaster</c>.</summary>
    public void Release(LinkRef port) => Update(port, new LinkSettings { MasterIndex = 0 });

    /// <summary>Equals <c>ip link set dev LINK mtu MTU</c>. Throws EINVAL (with the kernel's reason) for an MTU out of range.</summary>
    public void SetMtu(LinkRef link, int mtu) => Update(link, new LinkSettings { Mtu = mtu });

    /// <summary>Equals <c>ip link set dev LINK up</c> or <c>ip link set dev LINK down</c>.</summary>
    public void SetUp(LinkRef link, bool up) => Update(link, new LinkSettings { Up = up });

    /// <summary>Equals <c>ip link set dev LINK alias ALIAS</c>; null or empty removes the alias.</summary>
    public void SetAlias(LinkRef link, string? alias) => Update(link, new LinkSettings { Alias = alias ?? "" });

    /// <summary>Starts a batch of requests sent together (pipelined) and acknowledged together.</summary>
    public LinkBatch Batch() => new(this);

    public void Dispose() => _socket.Dispose();

    internal delegate void RequestWriter(ref NetlinkWriter writer, uint sequence);

    /// <summary>Writes one request with a fresh sequence number, sends it and waits for its acknowledgement.</summary>
    internal void Run(RequestWriter write, string operation, NetlinkReplyHandler? onReply = null)
    {
        lock (_gate)
        {
            var w = new NetlinkWriter(_buffer);
            var seq = _socket.NextSequence();
            write(ref w, seq);
            _socket.Request(w.Written, seq, operation, onReply);
        }
    }

    /// <summary>Runs queued requests pipelined on this client's socket (see <see cref="LinkBatch"/>).</summary>
    internal (NetlinkException? First, int Failed) RunPipeline(IReadOnlyList<QueuedRequest> requests)
    {
        lock (_gate) return RequestPipeline.Run(_socket, requests);
    }

    private static void RetryInterruptedDump(Action dump)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                dump();
                return;
            }
            catch (NetlinkException e) when (e.Errno == Libc.EINTR && attempt < 5)
            {
                // NLM_F_DUMP_INTR: the set changed while being dumped; a fresh dump is consistent.
            }
        }
    }
}
