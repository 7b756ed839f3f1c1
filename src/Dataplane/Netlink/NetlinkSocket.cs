using System.Runtime.InteropServices;
using VnetReconciler.Dataplane.Interop;

namespace VnetReconciler.Dataplane.Netlink;

/// <summary>
/// A netlink socket (AF_NETLINK, SOCK_RAW) in the network namespace of the thread that opens it: extended ACKs on,
/// acknowledgements capped to the request header, strict checking of dump requests, and large socket buffers so many
/// requests can be pipelined. Not thread-safe: one request/response exchange at a time.
/// </summary>
public sealed unsafe partial class NetlinkSocket : IDisposable
{
    /// <summary>Receive buffer size for one datagram; dumps come in parts of at most 32 KiB (netlink_dump).</summary>
    public const int DatagramSize = 64 * 1024;

    private readonly FileDescriptorHandle _handle;
    private readonly byte[] _receiveBuffer = GC.AllocateUninitializedArray<byte>(DatagramSize, pinned: true);
    private uint _sequence;

    private NetlinkSocket(FileDescriptorHandle handle, uint portId, uint groups)
    {
        _handle = handle;
        PortId = portId;
        Groups = groups;
        _sequence = (uint)Environment.TickCount;
    }

    /// <summary>The port id the kernel assigned (nl_pid of the bound address).</summary>
    public uint PortId { get; }

    /// <summary>The multicast groups bound (legacy bit mask, e.g. RTMGRP_LINK).</summary>
    public uint Groups { get; }

    internal FileDescriptorHandle Handle => _handle;

    /// <summary>
    /// Opens and binds a socket of <paramref name="protocol"/> (NETLINK_ROUTE by default) subscribed to
    /// <paramref name="groups"/>, with send and receive buffers of <paramref name="bufferBytes"/> (SO_*BUFFORCE when
    /// privileged, else as much as net.core.[rw]mem_max allows).
    /// </summary>
    public static NetlinkSocket Open(int protocol = NetlinkH.NETLINK_ROUTE, uint groups = 0, int bufferBytes = 8 << 20)
    {
        var fd = Libc.Socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        if (fd < 0) throw new NetlinkException("socket(AF_NETLINK)", Marshal.GetLastPInvokeError());
        var handle = new FileDescriptorHandle(fd);
        try
        {
            SetBuffer(fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, bufferBytes);
            SetBuffer(fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, bufferBytes);
            SetOption(fd, NetlinkH.NETLINK_EXT_ACK, 1);
            SetOption(fd, NetlinkH.NETLINK_CAP_ACK, 1);
            SetOption(fd, NetlinkH.NETLINK_GET_STRICT_CHK, 1);
            var address = new Libc.SockAddrNetlink { Family = Libc.AF_NETLINK, Groups = groups };
            if (Libc.Bind(fd, &address, sizeof(Libc.SockAddrNetlink)) != 0)
                throw new NetlinkException("bind(AF_NETLINK)", Marshal.GetLastPInvokeError());
            var length = sizeof(Libc.SockAddrNetlink);
            if (Libc.GetSockName(fd, &address, &length) != 0)
                throw new NetlinkException("getsockname(AF_NETLINK)", Marshal.GetLastPInvokeError());
            return new NetlinkSocket(handle, address.PortId, groups);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The next sequence number for a request (nlmsg_seq); replies must carry it.</summary>
    public uint NextSequence() => ++_sequence;

    /// <summary>Reserves <paramref name="count"/> consecutive sequence numbers and returns the first.</summary>
    public uint ReserveSequences(int count)
    {
        var first = _sequence + 1;
        _sequence += (uint)count;
        return first;
    }

    /// <summary>Sends one datagram holding one or more messages to the kernel.</summary>
    public void Send(ReadOnlySpan<byte> messages, string operation)
    {
        while (true)
        {
            nint sent;
            fixed (byte* p = messages) sent = Libc.Send(_handle.Fd, p, messages.Length, 0);
            if (sent == messages.Length) return;
            var errno = sent < 0 ? Marshal.GetLastPInvokeError() : Libc.EMSGSIZE;
            if (errno == Libc.EINTR) continue;
            throw new NetlinkException(operation, errno);
        }
    }

    /// <summary>
    /// Receives one datagram into the socket's own buffer and returns it (valid until the next receive). Returns an
    /// empty span when <paramref name="nonBlocking"/> and nothing is queued. ENOBUFS (the kernel dropped messages
    /// because the receive buffer was full) is thrown as a transient <see cref="NetlinkException"/>.
    /// </summary>
    public ReadOnlySpan<byte> Receive(string operation, bool nonBlocking = false)
    {
        while (true)
        {
            nint n;
            fixed (byte* p = _receiveBuffer)
                n = Libc.Recv(_handle.Fd, p, _receiveBuffer.Length, Libc.MSG_TRUNC | (nonBlocking ? Libc.MSG_DONTWAIT : 0));
            if (n >= 0)
            {
                if (n > _receiveBuffer.Length)
                    throw new NetlinkException(operation, Libc.EMSGSIZE, $"a {n}-byte datagram did not fit the {_receiveBuffer.Length}-byte buffer");
                return _receiveBuffer.AsSpan(0, (int)n);
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR) continue;
            if (errno == Libc.EAGAIN && nonBlocking) return default;
            throw new NetlinkException(operation, errno,
                errno == Libc.ENOBUFS ? "the socket receive buffer overflowed; messages were lost" : null);
        }
    }

    public void Dispose() => _handle.Dispose();

    private static void SetBuffer(int fd, int forced, int plain, int bytes)
    {
        if (Libc.SetSockOpt(fd, Libc.SOL_SOCKET, forced, &bytes, sizeof(int)) == 0) return;
        // Unprivileged: the kernel clamps the plain option to net.core.[rw]mem_max, which is fine.
        if (Libc.SetSockOpt(fd, Libc.SOL_SOCKET, plain, &bytes, sizeof(int)) != 0)
            throw new NetlinkException("setsockopt(SO_RCVBUF/SO_SNDBUF)", Marshal.GetLastPInvokeError());
    }

    private static void SetOption(int fd, int option, int value)
    {
        if (Libc.SetSockOpt(fd, NetlinkH.SOL_NETLINK, option, &value, sizeof(int)) != 0)
            throw new NetlinkException($"setsockopt(SOL_NETLINK, {option})", Marshal.GetLastPInvokeError());
    }
}
