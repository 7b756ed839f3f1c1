using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VnetReconciler.Dataplane.Interop;

namespace VnetReconciler.Dataplane.Tunnel;

// The epoll loop (Linux): one thread over every vnetif and socket, however many vnets the host carries.
public sealed partial class TunnelEngine
{
    private const int LoopTimeoutMs = 200;
    private readonly Dictionary<int, VnetState> _deviceByFd = [];
    private readonly HashSet<int> _registered = [];
    private int _epoll = -1;

    /// <summary>
    /// How long the loop keeps polling (epoll_wait without sleeping) after it last moved something, before it sleeps in
    /// epoll_wait. A request answered within this time (a ping's reply, a TCP ACK) is picked up without a wake-up, which on
    /// a busy host is the largest part of a userspace tunnel's latency. Costs at most this much CPU per burst of traffic,
    /// nothing on an idle tunnel. Default off: on the shared 2-core test machine (load average ~14) polling took CPU from
    /// the stacks it waits for and made the RTT worse (docs/tunnel.md); <c>VNET_BUSY_POLL_US</c> in the environment sets it.
    /// </summary>
    public TimeSpan BusyPoll { get; init; } = DefaultBusyPoll();

    private static TimeSpan DefaultBusyPoll() =>
        int.TryParse(Environment.GetEnvironmentVariable("VNET_BUSY_POLL_US"), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var us) ? TimeSpan.FromMicroseconds(us) : TimeSpan.Zero;

    /// <summary>
    /// Runs the dataplane on the calling thread until <paramref name="stop"/> is cancelled: epoll over every vnetif
    /// and socket; each ready descriptor moves one batch. Configure may be called from other threads meanwhile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // entered once and never left: tiering would leave it unoptimised
    public unsafe void Run(CancellationToken stop)
    {
        lock (_gate)
        {
            if (_epoll >= 0) throw new InvalidOperationException("the tunnel loop is already running");
            _epoll = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
            if (_epoll < 0) throw new IOException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }
        LoopChanged();
        var events = stackalloc Libc.EpollEvent[BatchSize];
        var spin = (long)(BusyPoll.TotalSeconds * _time.TimestampFrequency);
        var lastMoved = long.MinValue / 2;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                // Poll without sleeping while traffic is recent (BusyPoll), then sleep until something is ready.
                var polling = spin > 0 && _time.GetTimestamp() - lastMoved < spin;
                var ready = Libc.EpollWait(_epoll, events, BatchSize, polling ? 0 : LoopTimeoutMs);
                if (ready > 0 && spin > 0) lastMoved = _time.GetTimestamp();
                if (ready <= 0 && polling) continue;
                lock (_gate)
                {
                    if (_disposed) return;
                    for (var i = 0; i < ready; i++) Service((int)events[i].Data, events[i].Events);
                    ExpireIfDue();
                }
            }
        }
        finally
        {
            LoopDispose();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Service(int fd, uint events)
    {
        if (_udp is not null && fd == _udp.Bind.FileDescriptor) ReceiveBatch(_udp);
        else if (_vxlan is not null && fd == _vxlan.Bind.FileDescriptor) ReceiveBatch(_vxlan);
        else if (_esp is not null && fd == _esp.Bind.FileDescriptor) ReceiveBatch(_esp);
        else if (_deviceByFd.TryGetValue(fd, out var vnet))
        {
            ReadDevice(vnet);
            // A TAP that went away keeps reporting HUP/ERR (level-triggered): stop watching it; Observe no longer lists the
            // vnet, so the reconciler sees the drift and the next Configure reopens it.
            if (vnet.Device.IsBroken || (events & (Libc.EPOLLERR | Libc.EPOLLHUP)) != 0) LoopForget(fd);
        }
    }

    /// <summary>Registers descriptors that appeared since the last call (after Configure).</summary>
    private unsafe void LoopChanged()
    {
        lock (_gate)
        {
            _deviceByFd.Clear();
            foreach (var vnet in _vnetList)
                if (vnet.Device.FileDescriptor >= 0 && !vnet.Device.IsBroken) _deviceByFd[vnet.Device.FileDescriptor] = vnet;
            if (_epoll < 0) return;
            Register(_udp?.Bind.FileDescriptor ?? -1);
            Register(_vxlan?.Bind.FileDescriptor ?? -1);
            Register(_esp?.Bind.FileDescriptor ?? -1);
            foreach (var fd in _deviceByFd.Keys) Register(fd);
        }
    }

    private unsafe void Register(int fd)
    {
        if (fd < 0 || !_registered.Add(fd)) return;
        var ev = new Libc.EpollEvent { Events = Libc.EPOLLIN, Data = (ulong)fd };
        if (Libc.EpollCtl(_epoll, Libc.EPOLL_CTL_ADD, fd, &ev) < 0) _registered.Remove(fd);
    }

    /// <summary>Unregisters a descriptor before it is closed, so a reused number is never confused with it.</summary>
    private unsafe void LoopForget(int fd)
    {
        if (fd < 0) return;
        _deviceByFd.Remove(fd);
        if (_epoll < 0 || !_registered.Remove(fd)) return;
        Libc.EpollCtl(_epoll, Libc.EPOLL_CTL_DEL, fd, null);
    }

    private void LoopDispose()
    {
        lock (_gate)
        {
            if (_epoll < 0) return;
            Libc.Close(_epoll);
            _epoll = -1;
            _registered.Clear();
        }
    }
}
