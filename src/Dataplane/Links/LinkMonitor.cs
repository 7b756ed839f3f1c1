using System.Runtime.InteropServices;
using System.Threading.Channels;
using VnetReconciler.Dataplane.Interop;
using VnetReconciler.Dataplane.Netlink;

namespace VnetReconciler.Dataplane.Links;

/// <summary>
/// Hears the kernel's link notifications (RTNLGRP_LINK, as <c>ip monitor link</c> does) in the network namespace of
/// the thread that starts it, and delivers them as typed <see cref="LinkEvent"/>s on a channel, so that a manual
/// change (a port released, a bridge deleted, an MTU changed) can be healed at once. A dedicated thread reads the
/// socket; Dispose wakes it through an eventfd and waits for it. Lost notifications are reported as
/// <see cref="LinkEventKind.Overflow"/>, never silently. Bridge-port notifications (family AF_BRIDGE) are left
/// out: every membership change also comes as a plain link notification with the new IFLA_MASTER. The kernel
/// announces an alias change only while the link is up (netdev_state_change), so a consumer that heals aliases
/// also compares them after each resync.
/// </summary>
public sealed unsafe class LinkMonitor : IDisposable
{
    private readonly NetlinkSocket _socket;
    private readonly FileDescriptorHandle _wake;
    private readonly Channel<LinkEvent> _events = Channel.CreateUnbounded<LinkEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Thread _thread;
    private int _disposed;

    private LinkMonitor(NetlinkSocket socket, FileDescriptorHandle wake)
    {
        _socket = socket;
        _wake = wake;
        _thread = new Thread(ReadLoop) { IsBackground = true, Name = "link monitor" };
    }

    /// <summary>Subscribes to RTNLGRP_LINK in the calling thread's network namespace. Equals <c>ip monitor link</c>.</summary>
    public static LinkMonitor Start()
    {
        var socket = NetlinkSocket.Open(groups: RtnetlinkH.RTMGRP_LINK);
        var fd = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (fd < 0)
        {
            socket.Dispose();
            throw new NetlinkException("eventfd", Marshal.GetLastPInvokeError());
        }
        var monitor = new LinkMonitor(socket, new FileDescriptorHandle(fd));
        monitor._thread.Start();
        return monitor;
    }

    /// <summary>The events, in the order the kernel sent them. Completes (with the error, if any) when the monitor stops.</summary>
    public ChannelReader<LinkEvent> Events => _events.Reader;

    /// <summary>The events as an async stream.</summary>
    public IAsyncEnumerable<LinkEvent> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _events.Reader.ReadAllAsync(cancellationToken);

    private void ReadLoop()
    {
        Exception? failure = null;
        try
        {
            var fds = stackalloc Libc.PollFd[2];
            fds[0] = new Libc.PollFd { Fd = _socket.Handle.Fd, Events = Libc.POLLIN };
            fds[1] = new Libc.PollFd { Fd = _wake.Fd, Events = Libc.POLLIN };
            while (Volatile.Read(ref _disposed) == 0)
            {
                fds[0].REvents = fds[1].REvents = 0;
                if (Libc.Poll(fds, 2, -1) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.EINTR) continue;
                    throw new NetlinkException("poll(link monitor)", errno);
                }
                if (fds[1].REvents != 0) break;
                Drain();
            }
        }
        catch (NetlinkException e)
        {
            failure = e;
        }
        _events.Writer.TryComplete(failure);
    }

    private void Drain()
    {
        while (true)
        {
            ReadOnlySpan<byte> datagram;
            try
            {
                datagram = _socket.Receive("ip monitor link", nonBlocking: true);
            }
            catch (NetlinkException e) when (e.Errno == Libc.ENOBUFS)
            {
                _events.Writer.TryWrite(new LinkEvent(LinkEventKind.Overflow, null));
                continue;
            }
            if (datagram.IsEmpty) return;
            var reader = new NetlinkReader(datagram);
            while (reader.TryRead(out var message))
            {
                if (message.Type is not (RtnetlinkH.RTM_NEWLINK or RtnetlinkH.RTM_DELLINK)) continue;
                if (LinkCodec.Family(message) == AddressFamilyH.AF_BRIDGE) continue;
                var link = LinkCodec.DecodeLink(message);
                var kind = message.Type == RtnetlinkH.RTM_DELLINK ? LinkEventKind.Removed
                    : LinkCodec.ChangeMask(message) == uint.MaxValue ? LinkEventKind.Added
                    : LinkEventKind.Changed;
                _events.Writer.TryWrite(new LinkEvent(kind, link));
            }
        }
    }

    /// <summary>Stops the reader thread, closes the socket and completes <see cref="Events"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        ulong one = 1;
        _ = Libc.Write(_wake.Fd, (byte*)&one, sizeof(ulong));
        _thread.Join();
        _socket.Dispose();
        _wake.Dispose();
    }
}
