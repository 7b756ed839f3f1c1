using VnetReconciler.Dataplane.Interop;

namespace VnetReconciler.Dataplane.Netlink;

/// <summary>Receives one reply message of a request (any type but NLMSG_ERROR / NLMSG_DONE).</summary>
public delegate void NetlinkReplyHandler(NetlinkMessage reply);

public sealed partial class NetlinkSocket
{
    /// <summary>
    /// Sends <paramref name="count"/> requests that were written with consecutive sequence numbers from
    /// <paramref name="firstSequence"/>, each with NLM_F_ACK, in one datagram, then reads until every one is
    /// acknowledged. Replies (e.g. RTM_NEWLINK for a GET, or a dump's parts) go to <paramref name="onReply"/>.
    /// When requests fail, the others still run; the first failure is thrown after all acknowledgements are read,
    /// its message naming how many failed. <paramref name="describe"/> names request i in <c>ip</c> terms.
    /// </summary>
    public void Transact(ReadOnlySpan<byte> requests, uint firstSequence, int count, Func<int, string> describe,
        NetlinkReplyHandler? onReply = null)
    {
        Send(requests, describe(0));
        var pending = count;
        var next = firstSequence; // requests are answered in order
        NetlinkException? first = null;
        var failures = 0;
        var interrupted = false;
        while (pending > 0)
        {
            ReadOnlySpan<byte> datagram;
            try
            {
                datagram = Receive("receive");
            }
            catch (NetlinkException e)
            {
                throw new NetlinkException(describe((int)(next - firstSequence)), e.Errno, e.ExtAckMessage);
            }
            var reader = new NetlinkReader(datagram);
            while (reader.TryRead(out var message))
            {
                if (message.PortId != 0 && message.PortId != PortId) continue; // neither the kernel nor addressed to us
                var index = unchecked((int)(message.Sequence - firstSequence));
                if (index < 0) continue; // a leftover of an earlier exchange abandoned by an exception
                if (index >= count)
                {
                    throw new NetlinkException(describe(0), Libc.EPROTO,
                        $"reply with sequence {message.Sequence}, expected {firstSequence}..{firstSequence + (uint)count - 1}");
                }
                if ((message.Flags & NetlinkH.NLM_F_DUMP_INTR) != 0) interrupted = true;
                switch (message.Type)
                {
                    case NetlinkH.NLMSG_ERROR:
                    case NetlinkH.NLMSG_DONE:
                        var errno = message.ErrorNumber;
                        if (errno != 0 && ++failures == 1) first = new NetlinkException(describe(index), errno, message.ExtendedAckMessage());
                        // An acknowledgement ends a request, NLMSG_DONE ends a dump (dumps are sent without NLM_F_ACK).
                        pending--;
                        next = message.Sequence + 1;
                        break;
                    case NetlinkH.NLMSG_NOOP:
                        break;
                    case NetlinkH.NLMSG_OVERRUN:
                        throw new NetlinkException(describe(index), Libc.ENOBUFS, "NLMSG_OVERRUN");
                    default:
                        onReply?.Invoke(message);
                        break;
                }
            }
        }
        if (first is not null)
        {
            throw failures == 1 && count == 1 ? first
                : new NetlinkException(first.Operation, first.Errno, first.ExtAckMessage, failures, count);
        }
        if (interrupted)
            throw new NetlinkException(describe(0), Libc.EINTR, "the dump was interrupted by a concurrent change (NLM_F_DUMP_INTR); retry");
    }

    /// <summary>Sends one request and waits for its acknowledgement; replies go to <paramref name="onReply"/>.</summary>
    public void Request(ReadOnlySpan<byte> request, uint sequence, string operation, NetlinkReplyHandler? onReply = null) =>
        Transact(request, sequence, 1, _ => operation, onReply);
}
