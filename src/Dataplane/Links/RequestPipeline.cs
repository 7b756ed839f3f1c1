using VnetReconciler.Dataplane.Netlink;

namespace VnetReconciler.Dataplane.Links;

/// <summary>A request not yet written: how to write it, and the <c>ip</c> command it equals (for errors).</summary>
internal readonly record struct QueuedRequest(LinkClient.RequestWriter Write, string Operation);

/// <summary>
/// Runs queued requests on one socket, pipelined: up to <see cref="MaxPerDatagram"/> requests per datagram with
/// consecutive sequence numbers, then their acknowledgements. The kernel processes every request of a datagram in
/// order even when one fails.
/// </summary>
internal static class RequestPipeline
{
    /// <summary>Requests per datagram; bounded so that their acknowledgements fit the socket's receive buffer.</summary>
    public const int MaxPerDatagram = 256;

    /// <summary>The largest request written here (an RTM_NEWLINK with a 256-byte alias stays well below).</summary>
    private const int MaxRequestBytes = 512;

    public static (NetlinkException? First, int Failed) Run(NetlinkSocket socket, IReadOnlyList<QueuedRequest> requests)
    {
        var buffer = new byte[Math.Min(requests.Count, MaxPerDatagram) * MaxRequestBytes + 4096];
        NetlinkException? first = null;
        var failed = 0;
        for (var start = 0; start < requests.Count;)
        {
            var w = new NetlinkWriter(buffer);
            var seq = socket.ReserveSequences(Math.Min(MaxPerDatagram, requests.Count - start));
            var count = 0;
            while (start + count < requests.Count && count < MaxPerDatagram && w.Remaining >= MaxRequestBytes)
            {
                requests[start + count].Write(ref w, seq + (uint)count);
                count++;
            }
            var chunkStart = start;
            try
            {
                socket.Transact(w.Written, seq, count, i => requests[chunkStart + i].Operation);
            }
            catch (NetlinkException e)
            {
                first ??= e;
                failed += e.FailedRequests;
            }
            start += count;
        }
        return (first, failed);
    }

    /// <summary>Throws the first failure, saying how many of how many requests failed.</summary>
    public static void ThrowIfFailed((NetlinkException? First, int Failed) outcome, int total)
    {
        if (outcome.First is { } first)
            throw outcome.Failed == 1 && total == 1 ? first
                : new NetlinkException(first.Operation, first.Errno, first.ExtAckMessage, outcome.Failed, total);
    }
}
