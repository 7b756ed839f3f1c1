using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VnetReconciler.Dataplane.Interop;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// A non-blocking UDP socket on <c>0.0.0.0:port</c> (so it also hears the segment's broadcasts) moving datagrams with
/// recvmmsg/sendmmsg. Socket buffers are sized large (a userspace tunnel's retransmit storms are receive-buffer
/// overflows, testbed BASELINE.md), SO_BROADCAST allows floods to the subnet broadcast address, and path-MTU
/// discovery is off so oversized frames leave as outer fragments (SPEC §3.3). Batch buffers must be pinned
/// (<see cref="DatagramBatch"/> allocates them on the pinned heap): the kernel gets their addresses.
/// </summary>
public sealed unsafe partial class UdpBind : IDatagramBind
{
    /// <summary>Socket buffer size asked for (SO_RCVBUFFORCE/SO_SNDBUFFORCE, falling back to the capped SO_RCVBUF).</summary>
    public const int SocketBufferBytes = 8 << 20;

    private readonly int _capacity;
    private readonly Libc.MMsgHdr* _messages;
    private readonly Libc.IoVec* _iovecs;
    private readonly Libc.SockaddrIn* _addresses;
    private int _fd;
    private int _raw = -1;

    private UdpBind(int fd, ushort port, int capacity, bool segmentation)
    {
        _fd = fd;
        Port = port;
        _capacity = capacity;
        _messages = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(Libc.MMsgHdr)));
        _iovecs = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(Libc.IoVec)));
        _addresses = (Libc.SockaddrIn*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(Libc.SockaddrIn)));
        AllocateSegmentation(capacity, segmentation);
        for (var i = 0; i < capacity; i++) PlainMessage(i);
    }

    /// <summary>
    /// Opens the socket in the calling thread's network namespace; a <see cref="SocketException"/> names the errno. With a
    /// <paramref name="multicastGroup"/> (the flood group or broadcast address, host order) it joins the group when it is
    /// multicast and opens a raw socket for §4.3 re-sends. With <paramref name="segmentation"/>, runs of same-size
    /// datagrams to one destination leave as one UDP GSO message (UdpBind.Segmentation.Linux.cs).
    /// </summary>
    public static UdpBind Open(ushort port, int capacity = TunnelEngine.BatchSize * 4, uint multicastGroup = 0, bool segmentation = false)
    {
        var fd = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new SocketException(Marshal.GetLastPInvokeError());
        try
        {
            Check(Libc.SetSocketOption(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1));
            Check(Libc.SetSocketOption(fd, Libc.SOL_SOCKET, Libc.SO_BROADCAST, 1));
            SizeBuffer(fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF);
            SizeBuffer(fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF);
            Check(Libc.SetSocketOption(fd, Libc.IPPROTO_IP, Libc.IP_MTU_DISCOVER, Libc.IP_PMTUDISC_DONT));
            var address = new Libc.SockaddrIn { Family = Libc.AF_INET, Port = BinaryPrimitives.ReverseEndianness(port) };
            Check(Libc.Bind(fd, &address, sizeof(Libc.SockaddrIn)));
            if (multicastGroup >> 28 == 0xE) // 224.0.0.0/4 (RFC 5771)
            {
                Span<uint> mreq = [BinaryPrimitives.ReverseEndianness(multicastGroup), 0]; // struct ip_mreq: group, INADDR_ANY
                fixed (uint* p = mreq) Check(Libc.SetSockOpt(fd, Libc.IPPROTO_IP, Libc.IP_ADD_MEMBERSHIP, p, 8));
            }
            // UDP GRO (linux/udp.h UDP_GRO): runs of datagrams arrive as one, with their size in a control message.
            var coalesced = segmentation && Libc.SetSocketOption(fd, Libc.SOL_UDP, Libc.UDP_GRO, 1) == 0;
            var bind = new UdpBind(fd, port, capacity, segmentation) { _coalescedReceive = coalesced };
            // Flooding to a group or broadcast address: open the raw socket for re-sending forwarded packets (SPEC §4.3)
            // now, in the caller's namespace; the loop thread that sends may be in another one. Without CAP_NET_RAW the
            // host simply does not re-send.
            if (multicastGroup != 0) bind._raw = OpenRawSocket();
            return bind;
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }

    public int FileDescriptor => _fd;

    public ushort Port { get; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Receive(DatagramBatch batch)
    {
        var count = Math.Min(batch.Capacity, _capacity);
        for (var i = 0; i < count; i++)
        {
            ref var slot = ref batch.Slots[i];
            PlainMessage(i);
            ExpectSegmentSize(i);
            _iovecs[i].Base = Address(slot.Buffer, slot.Offset);
            _iovecs[i].Length = (nuint)slot.Length;
        }
        int received;
        do received = Libc.RecvMMsg(_fd, _messages, (uint)count, Libc.MSG_DONTWAIT, null);
        while (received < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR);
        if (received < 0) return 0; // EAGAIN: nothing waiting; other errors (ICMP port unreachable) are per-datagram
        for (var i = 0; i < received; i++)
        {
            ref var slot = ref batch.Slots[i];
            slot.Length = (int)_messages[i].Length;
            slot.Address = BinaryPrimitives.ReverseEndianness(_addresses[i].Address);
            slot.Port = BinaryPrimitives.ReverseEndianness(_addresses[i].Port);
            slot.SegmentSize = ReceivedSegmentSize(i);
        }
        batch.Count = received;
        return received;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Send(DatagramBatch batch, int start)
    {
        var count = Math.Min(batch.Count - start, _capacity);
        if (count <= 0) return 0;
        var messages = Pack(batch, start, count);
        var waited = false;
        while (true)
        {
            var sent = Libc.SendMMsg(_fd, _messages, (uint)messages, Libc.MSG_DONTWAIT);
            if (sent >= 0) return DatagramsIn(sent);
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR) continue;
            if (RefuseSegmentation(errno))
            {
                messages = Pack(batch, start, count);
                continue;
            }
            if (errno != Libc.EAGAIN || waited) return 0; // the first datagram is refused (no route, ICMP error): caller skips it
            // Send buffer full: wait briefly for room rather than drop the batch (the receiver's TCP would see loss).
            var poll = new Libc.PollFd { Fd = _fd, Events = Libc.POLLOUT };
            Libc.Poll(&poll, 1, Libc.SendBackpressureMs);
            waited = true;
        }
    }

    public bool SendRawIpv4(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < Ipv4Packet.HeaderLength) return false;
        if (_raw < 0) return false;
        var destination = new Libc.SockaddrIn { Family = Libc.AF_INET, Address = BinaryPrimitives.ReverseEndianness(BinaryPrimitives.ReadUInt32BigEndian(packet[16..])) };
        fixed (byte* p = packet)
            return Libc.SendTo(_raw, p, (nuint)packet.Length, Libc.MSG_DONTWAIT, &destination, sizeof(Libc.SockaddrIn)) == packet.Length;
    }

    public void Dispose()
    {
        if (_fd < 0) return;
        Libc.Close(_fd);
        if (_raw >= 0) Libc.Close(_raw);
        _fd = _raw = -1;
        NativeMemory.Free(_messages);
        NativeMemory.Free(_iovecs);
        NativeMemory.Free(_addresses);
        FreeSegmentation();
    }

    private static int OpenRawSocket()
    {
        var raw = Libc.Socket(Libc.AF_INET, Libc.SOCK_RAW | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, Libc.IPPROTO_RAW);
        if (raw >= 0) Libc.SetSocketOption(raw, Libc.SOL_SOCKET, Libc.SO_BROADCAST, 1);
        return raw;
    }

    private static void* Address(byte[] pinnedBuffer, int offset) =>
        Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(pinnedBuffer), offset));

    private static void SizeBuffer(int fd, int forced, int capped)
    {
        if (Libc.SetSocketOption(fd, Libc.SOL_SOCKET, forced, SocketBufferBytes) == 0) return;
        Check(Libc.SetSocketOption(fd, Libc.SOL_SOCKET, capped, SocketBufferBytes)); // without CAP_NET_ADMIN: up to rmem_max
    }

    private static void Check(int result)
    {
        if (result < 0) throw new SocketException(Marshal.GetLastPInvokeError());
    }
}
