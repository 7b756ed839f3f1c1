using VnetReconciler.Dataplane.Netlink;

namespace VnetReconciler.Dataplane.Links;

public sealed partial class LinkClient
{
    /// <summary>
    /// Deletes many links. Equals one <c>ip link del LINK</c> per link. A deletion holds the RTNL lock only briefly
    /// and then waits for RCU grace periods (netdev_run_todo), so the links are split over up to
    /// <paramref name="parallelism"/> sockets deleting at the same time, which overlaps those waits; each socket
    /// pipelines its share. Every deletion is attempted; the first failure is thrown afterwards with the number
    /// that failed. Runs on one socket when called from a thread outside the client's namespace.
    /// </summary>
    public void DeleteLinks(IReadOnlyList<LinkRef> links, int parallelism = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var requests = new List<QueuedRequest>(links.Count);
        foreach (var link in links)
        {
            if (link.Index == 0) InterfaceName.Validate(link.Name);
            requests.Add(new((ref NetlinkWriter w, uint seq) => LinkCodec.DeleteLink(ref w, seq, link), $"ip link del {link}"));
        }
        var lanes = Math.Min(parallelism, links.Count / 4);
        if (lanes <= 1 || !InClientNamespace())
        {
            RequestPipeline.ThrowIfFailed(RunPipeline(requests), requests.Count);
            return;
        }

        var sockets = new List<NetlinkSocket>(lanes);
        try
        {
            for (var i = 0; i < lanes; i++) sockets.Add(NetlinkSocket.Open(bufferBytes: 1 << 20)); // this thread is in the client's namespace
            var outcomes = new (NetlinkException? First, int Failed)[lanes];
            var threads = new Thread[lanes];
            for (var lane = 0; lane < lanes; lane++)
            {
                var mine = lane;
                var share = requests.Where((_, i) => i % lanes == mine).ToList();
                threads[lane] = new Thread(() => outcomes[mine] = RequestPipeline.Run(sockets[mine], share)) { IsBackground = true, Name = $"link delete {mine}" };
                threads[lane].Start();
            }
            foreach (var t in threads) t.Join();
            var first = outcomes.Select(o => o.First).FirstOrDefault(e => e is not null);
            RequestPipeline.ThrowIfFailed((first, outcomes.Sum(o => o.Failed)), requests.Count);
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
        }
    }
}
