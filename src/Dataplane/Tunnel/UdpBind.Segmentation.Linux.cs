using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VnetReconciler.Dataplane.Interop;
using VnetReconciler.Dataplane.Tunnel.Offload;

namespace VnetReconciler.Dataplane.Tunnel;

// UDP GSO on send (linux/udp.h UDP_SEGMENT, Documentation/networking/segmentation-offloads.rst): a run of datagrams to one
// destination, all of one size but a shorter last, leaves as one message whose iovecs are the datagrams and whose
// UDP_SEGMENT control message gives that size; the kernel carries it as one packet down the stack and cuts it as late as
// it can (in the device, or at the receiving socket). Other datagrams go one per message as before.
public sealed unsafe partial class UdpBind
{
    private Libc.CmsgU16* _controls;
    private int[] _datagramsIn = [];
    private bool _segmentation;
    private int _segmentLimit = DatagramBatch.MaxDatagram;

    private bool _coalescedReceive;

    /// <summary>Whether the socket receives with UDP GRO (runs of datagrams in one window, <see cref="DatagramSlot.SegmentSize"/>).</summary>
    public bool CoalescedReceive => _coalescedReceive;

    /// <summary>Messages sent with UDP_SEGMENT (each carrying 2 to 64 datagrams).</summary>
    public long SegmentedMessages { get; private set; }

    /// <summary>Times the kernel refused a segmented message (it was then sent datagram by datagram, and that size no longer grouped).</summary>
    public long SegmentationRefused { get; private set; }

    /// <summary>Receive windows that held several datagrams (UDP_GRO), and the datagrams in them.</summary>
    public long CoalescedWindows { get; private set; }

    public long CoalescedDatagrams { get; private set; }

    public OffloadCounterSnapshot? Offload => !_segmentation && !_coalescedReceive && SegmentedMessages == 0 ? null : new OffloadCounterSnapshot
    {
        GsoMessages = SegmentedMessages,
        GsoRefused = SegmentationRefused,
        GroWindows = CoalescedWindows,
        GroDatagrams = CoalescedDatagrams,
    };

    /// <summary>Whether runs of datagrams are sent with UDP_SEGMENT.</summary>
    public bool Segmentation => _segmentation;

    private void AllocateSegmentation(int capacity, bool segmentation)
    {
        _segmentation = segmentation;
        _datagramsIn = new int[capacity];
        _controls = (Libc.CmsgU16*)NativeMemory.AllocZeroed((nuint)(capacity * sizeof(Libc.CmsgU16)));
    }

    private void FreeSegmentation()
    {
        NativeMemory.Free(_controls);
        _controls = null;
    }

    /// <summary>Points message <paramref name="index"/> at one received datagram (recvmmsg shares the arrays with send).</summary>
    private void PlainMessage(int index)
    {
        _messages[index].Iov = &_iovecs[index];
        _messages[index].IovLength = 1;
        _messages[index].Name = &_addresses[index];
        _messages[index].NameLength = (uint)sizeof(Libc.SockaddrIn);
        _messages[index].Control = null;
        _messages[index].ControlLength = 0;
    }

    /// <summary>Gives receive message <paramref name="index"/> room for the UDP_GRO control message.</summary>
    private void ExpectSegmentSize(int index)
    {
        if (!_coalescedReceive) return;
        _messages[index].Control = &_controls[index];
        _messages[index].ControlLength = Libc.CmsgU16.Space;
    }

    /// <summary>The UDP_GRO segment size the kernel reported for message <paramref name="index"/> (an int; 0 = one datagram).</summary>
    private int ReceivedSegmentSize(int index)
    {
        if (!_coalescedReceive || _messages[index].ControlLength < Libc.CmsgIntLen) return 0;
        var control = &_controls[index];
        var size = control->Level == Libc.SOL_UDP && control->Type == Libc.UDP_GRO ? *(int*)&control->Value : 0;
        if (size > 0 && _messages[index].Length > (uint)size)
        {
            CoalescedWindows++;
            CoalescedDatagrams += ((int)_messages[index].Length + size - 1) / size;
        }
        return size;
    }

    /// <summary>Fills the message array from <paramref name="count"/> slots; returns how many messages.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Pack(DatagramBatch batch, int start, int count)
    {
        var messages = 0;
        var i = 0;
        while (i < count)
        {
            ref var first = ref batch.Slots[start + i];
            var run = 1;
            if (_segmentation && first.Length <= _segmentLimit)
            {
                var total = first.Length;
                while (i + run < count && run < Libc.UDP_MAX_SEGMENTS)
                {
                    ref var next = ref batch.Slots[start + i + run];
                    if (next.Address != first.Address || next.Port != first.Port || next.Length > first.Length
                        || next.Length == 0 || total + next.Length > DatagramBatch.MaxDatagram) break;
                    total += next.Length;
                    run++;
                    if (next.Length < first.Length) break; // only the last may be shorter
                }
            }
            for (var k = 0; k < run; k++)
            {
                ref var slot = ref batch.Slots[start + i + k];
                _iovecs[i + k].Base = Address(slot.Buffer, slot.Offset);
                _iovecs[i + k].Length = (nuint)slot.Length;
            }
            ref var message = ref _messages[messages];
            message.Iov = &_iovecs[i];
            message.IovLength = (nuint)run;
            message.Name = &_addresses[messages];
            message.NameLength = (uint)sizeof(Libc.SockaddrIn);
            _addresses[messages] = new Libc.SockaddrIn
            {
                Family = Libc.AF_INET,
                Port = BinaryPrimitives.ReverseEndianness(first.Port),
                Address = BinaryPrimitives.ReverseEndianness(first.Address),
            };
            if (run > 1)
            {
                _controls[messages] = new Libc.CmsgU16
                {
                    Length = Libc.CmsgU16.Len, Level = Libc.SOL_UDP, Type = Libc.UDP_SEGMENT, Value = (ushort)first.Length,
                };
                message.Control = &_controls[messages];
                message.ControlLength = Libc.CmsgU16.Space;
            }
            else
            {
                message.Control = null;
                message.ControlLength = 0;
            }
            _datagramsIn[messages++] = run;
            i += run;
        }
        return messages;
    }

    /// <summary>Datagrams carried by the first <paramref name="messages"/> messages; counts the segmented ones.</summary>
    private int DatagramsIn(int messages)
    {
        var datagrams = 0;
        for (var m = 0; m < messages; m++)
        {
            datagrams += _datagramsIn[m];
            if (_datagramsIn[m] > 1) SegmentedMessages++;
        }
        return datagrams;
    }

    /// <summary>
    /// The kernel refused the first message: if it was segmented (EINVAL: a segment over the route MTU or a socket
    /// without checksums; EIO: a device that cannot; ENOPROTOOPT: an old kernel), stop grouping datagrams of that size
    /// and report true so the caller packs again; a plain datagram refused is the caller's per-datagram failure.
    /// </summary>
    private bool RefuseSegmentation(int errno)
    {
        if (_datagramsIn[0] <= 1 || errno is not (Libc.EINVAL or Libc.EIO or Libc.ENOPROTOOPT or Libc.EMSGSIZE)) return false;
        SegmentationRefused++;
        var size = (int)_iovecs[0].Length;
        _segmentLimit = Math.Min(_segmentLimit, size - 1);
        if (errno == Libc.ENOPROTOOPT) _segmentation = false;
        return true;
    }
}
