using VnetReconciler.Dataplane.Forwarding;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// The embedded userspace tunnel (SPEC §4.1–§4.4): one vnetif per vnet, one set of UDP sockets for all vnets.
/// Frames read from a vnetif are encapsulated and sent to the peer that has the destination MAC, or flooded;
/// received datagrams are checked, decapsulated and written to the right vnetif. All packet work happens on one
/// loop (<see cref="Run"/>, or <see cref="Pump"/> in tests) under one lock, which <see cref="Configure"/> and
/// <see cref="Observe"/> share; buffers are allocated once and reused, so the packet path allocates nothing.
/// </summary>
public sealed partial class TunnelEngine : IDisposable
{
    /// <summary>Datagrams or frames moved per system call.</summary>
    public const int BatchSize = 64;

    private readonly object _gate = new();
    private readonly ITunnelPlatform _platform;
    private readonly TimeProvider _time;
    private readonly ISecureTransport? _secure;
    private readonly Dictionary<VnetKey, VnetState> _vnets = [];
    private readonly Dictionary<uint, VnetState> _byVni = [];
    private readonly List<VnetState> _vnetList = [];
    private readonly Dictionary<uint, TrafficCounters> _peerCounters = [];
    private readonly HashSet<uint> _relayPeers = [];
    private readonly DatagramBatch _received = DatagramBatch.ForReceiving(BatchSize);
    private readonly DatagramBatch _frames = DatagramBatch.ForReceiving(BatchSize);
    private readonly DatagramBatch _sealed = DatagramBatch.ForReceiving(BatchSize);
    private readonly ControlBuffers _control = new(BatchSize);
    private readonly byte[] _icmp = new byte[1600];
    private readonly List<IFrameDevice> _holding = new(BatchSize);
    private readonly RelayEchoFilter _relayEchoes;
    private BindState? _udp, _vxlan, _esp;
    private TunnelConfig? _config;
    private uint _local, _group;
    private uint[] _relayList = [];
    private long _lastExpire;
    private bool _disposed;

    private readonly IVnetControlHandler? _controlHandler;

    /// <param name="secure">seals and opens secure vnets (SPEC §4.5); without it they drop.</param>
    /// <param name="control">handles vnet message types 4 and 5; without it they are <see cref="DropReason.UnknownType"/>.</param>
    public TunnelEngine(ITunnelPlatform platform, TimeProvider time, ISecureTransport? secure = null, IVnetControlHandler? control = null)
    {
        _platform = platform;
        _time = time;
        _secure = secure;
        _controlHandler = control;
        _relayEchoes = new RelayEchoFilter(time);
    }

    /// <summary>Counters over all vnets and peers, including datagrams that match no vnet (read them with <see cref="Observe"/>).</summary>
    private TrafficCounters Total { get; } = new();

    /// <summary>
    /// Makes the engine carry exactly <paramref name="config"/>'s vnets. A vnet that keeps its id and vnetif keeps
    /// its device, MAC table and counters. Returns one problem per vnet or socket that could not be set up (those
    /// vnets are then absent from <see cref="Observe"/>, so the reconciler sees the difference).
    /// </summary>
    public IReadOnlyList<string> Configure(TunnelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = new List<string>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var old = _config;
            _config = config;
            _local = UnderlayAddress.ToUInt32(config.LocalAddress);
            _group = UnderlayAddress.ToUInt32(config.FloodGroup);
            _relayList = config.RelayPeers.Select(UnderlayAddress.ToUInt32).ToArray();
            _relayPeers.Clear();
            _relayPeers.UnionWith(_relayList);
            _udp = Rebind(_udp, config.Port, problems);
            // A vnet in a wire change (SPEC §6.4) needs the sockets of its previous settings too.
            _vxlan = config.Vnets.Any(v => v.Encapsulation == Encapsulation.Vxlan || v.Previous?.Encapsulation == Encapsulation.Vxlan)
                ? Rebind(_vxlan, config.VxlanPort, problems) : Unbind(_vxlan);
            _esp = _secure is not null && config.Vnets.Any(v => v.Security != VnetSecurity.None || v.Previous is { Security: not VnetSecurity.None })
                ? Rebind(_esp, _secure.Port, problems) : Unbind(_esp);
            ApplyVnets(config, old, problems);
            // Counters per configured peer: kept for peers that stay, dropped for peers that left.
            var peers = config.Vnets.SelectMany(v => v.Peers).Concat(config.RelayPeers).Select(UnderlayAddress.ToUInt32).ToHashSet();
            foreach (var gone in _peerCounters.Keys.Where(p => !peers.Contains(p)).ToList()) _peerCounters.Remove(gone);
            foreach (var peer in peers) _peerCounters.TryAdd(peer, new TrafficCounters());
        }
        LoopChanged();
        return problems;
    }

    private void ApplyVnets(TunnelConfig config, TunnelConfig? old, List<string> problems)
    {
        var keep = new Dictionary<VnetKey, VnetState>();
        var tableShapeSame = old is not null && old.MaxMacs == config.MaxMacs && old.MacAgeing == config.MacAgeing
            && old.FloodRate == config.FloodRate && old.FloodBurst == config.FloodBurst;
        foreach (var vnet in config.Vnets)
        {
            if (vnet.Encapsulation == Encapsulation.Vxlan && !vnet.Id.FitsVni)
            {
                problems.Add($"vnet {vnet.Id}: VXLAN needs an id that fits 24 bits (SPEC §4.4)");
                continue;
            }
            _vnets.TryGetValue(vnet.Id, out var existing);
            if (existing is not null && existing.Config.Vnetif == vnet.Vnetif && !existing.Device.IsBroken)
            {
                _vnets.Remove(vnet.Id);
                keep[vnet.Id] = tableShapeSame
                    ? new VnetState(vnet, existing.Device, existing.Macs, existing.Limiter, existing.Counters)
                    : new VnetState(vnet, existing.Device, NewMacTable(config), NewLimiter(config), existing.Counters);
                continue;
            }
            try
            {
                var device = _platform.OpenDevice(vnet.Vnetif);
                keep[vnet.Id] = new VnetState(vnet, device, NewMacTable(config), NewLimiter(config), new TrafficCounters());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            {
                problems.Add($"vnet {vnet.Id}: cannot open vnetif {vnet.Vnetif}: {e.Message}");
            }
        }
        foreach (var gone in _vnets.Values) CloseDevice(gone);
        _vnets.Clear();
        _byVni.Clear();
        _vnetList.Clear();
        foreach (var (key, state) in keep)
        {
            _vnets[key] = state;
            _vnetList.Add(state);
            if (state.Accepts(WireFormat.Vxlan)) _byVni[state.Key.Vni] = state;
            foreach (var mac in state.DeclaredLocal)
                if (state.Macs.LearnLocal(mac) == LearnResult.New) Announce(state, mac);
        }
        Flush();
    }

    private MacTable NewMacTable(TunnelConfig config) => new(_time, config.MacAgeing, config.MaxMacs);

    private FloodLimiter NewLimiter(TunnelConfig config) => new(_time, config.FloodRate, config.FloodBurst);

    private BindState? Rebind(BindState? current, ushort port, List<string> problems)
    {
        if (current is not null && current.Bind.Port == port) return current;
        Unbind(current);
        try
        {
            return new BindState(_platform.Bind(port, _config!.Flood == FloodMode.Multicast ? _group : 0));
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
        {
            problems.Add($"cannot bind UDP port {port}: {e.Message}");
            return null;
        }
    }

    private BindState? Unbind(BindState? current)
    {
        if (current is null) return null;
        LoopForget(current.Bind.FileDescriptor);
        current.Bind.Dispose();
        return null;
    }

    private void CloseDevice(VnetState state)
    {
        LoopForget(state.Device.FileDescriptor);
        state.Device.Dispose();
    }

    /// <summary>
    /// One pass over every vnetif and socket, moving up to one batch from each; returns how many frames and
    /// datagrams moved. The in-memory tier drives the engine with this; <see cref="Run"/> uses epoll instead.
    /// </summary>
    public int Pump()
    {
        lock (_gate)
        {
            if (_config is null) return 0;
            var moved = 0;
            if (_udp is not null) moved += ReceiveBatch(_udp);
            if (_vxlan is not null) moved += ReceiveBatch(_vxlan);
            if (_esp is not null) moved += ReceiveBatch(_esp);
            foreach (var vnet in _vnetList) moved += ReadDevice(vnet);
            ExpireIfDue();
            return moved;
        }
    }

    /// <summary>Ages out MAC entries (also done once a second by the loop).</summary>
    public void Expire()
    {
        lock (_gate)
        {
            foreach (var vnet in _vnetList) vnet.Macs.Expire();
            _lastExpire = _time.GetTimestamp();
        }
    }

    private void ExpireIfDue()
    {
        var now = _time.GetTimestamp();
        if (now - _lastExpire < _time.TimestampFrequency) return;
        _lastExpire = now;
        foreach (var vnet in _vnetList) vnet.Macs.Expire();
    }

    private TrafficCounters? PeerCounters(uint address) => _peerCounters.GetValueOrDefault(address);

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var vnet in _vnetList) CloseDevice(vnet);
            _vnetList.Clear();
            _vnets.Clear();
            _udp = Unbind(_udp);
            _vxlan = Unbind(_vxlan);
            _esp = Unbind(_esp);
        }
        LoopDispose();
    }

    /// <summary>A bind and the batch of datagrams waiting to go out on it.</summary>
    private sealed class BindState(IDatagramBind bind)
    {
        public IDatagramBind Bind { get; } = bind;
        public DatagramBatch Outgoing { get; } = DatagramBatch.ForSending(BatchSize * 4);
    }
}
