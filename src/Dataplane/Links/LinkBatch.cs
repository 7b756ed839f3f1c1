using VnetReconciler.Dataplane.Netlink;

namespace VnetReconciler.Dataplane.Links;

/// <summary>
/// Requests queued to go out together: written into one buffer, sent in datagrams of up to
/// <see cref="MaxPerDatagram"/> requests, the acknowledgements read after each datagram. The kernel runs every
/// request even when an earlier one fails; <see cref="Commit"/> then throws the first failure, saying how many failed.
/// Each method equals the <c>ip</c> command of the corresponding <see cref="LinkClient"/> operation.
/// </summary>
public sealed class LinkBatch
{
    /// <summary>Requests per datagram; bounded so that the acknowledgements fit the socket's receive buffer.</summary>
    public const int MaxPerDatagram = RequestPipeline.MaxPerDatagram;

    private readonly LinkClient _client;
    private readonly List<QueuedRequest> _requests = [];

    internal LinkBatch(LinkClient client) => _client = client;

    public int Count => _requests.Count;

    /// <summary><c>ip link add NAME [mtu M] [master I] [up] type bridge</c> (+ <c>ip link set NAME alias A</c>).</summary>
    public LinkBatch CreateBridge(string name, LinkSettings? settings = null)
    {
        InterfaceName.Validate(name);
        _requests.Add(new((ref NetlinkWriter w, uint seq) => LinkCodec.NewLink(ref w, seq, name, "bridge", settings), $"ip link add {name} type bridge"));
        if (settings?.Alias is { Length: > 0 } alias) Update(name, new LinkSettings { Alias = alias });
        return this;
    }

    /// <summary><c>ip link set dev LINK [master M|nomaster] [mtu N] [alias A] [up|down]</c>.</summary>
    public LinkBatch Update(LinkRef link, LinkSettings settings)
    {
        _requests.Add(new((ref NetlinkWriter w, uint seq) => LinkCodec.SetLink(ref w, seq, link, settings), $"ip link set dev {link} {settings.Describe()}"));
        return this;
    }

    /// <summary><c>ip link del LINK</c>.</summary>
    public LinkBatch DeleteLink(LinkRef link)
    {
        _requests.Add(new((ref NetlinkWriter w, uint seq) => LinkCodec.DeleteLink(ref w, seq, link), $"ip link del {link}"));
        return this;
    }

    /// <summary><c>bridge fdb replace MAC dev PORT master static</c>.</summary>
    public LinkBatch AddFdb(int portIndex, MacAddress mac)
    {
        _requests.Add(new((ref NetlinkWriter w, uint seq) => LinkCodec.Fdb(ref w, seq, true, portIndex, mac), $"bridge fdb replace {mac} dev {portIndex} master static"));
        return this;
    }

    /// <summary><c>bridge fdb del MAC dev PORT master</c>.</summary>
    public LinkBatch DeleteFdb(int portIndex, MacAddress mac)
    {
        _requests.Add(new((ref NetlinkWriter w, uint seq) => LinkCodec.Fdb(ref w, seq, false, portIndex, mac), $"bridge fdb del {mac} dev {portIndex} master"));
        return this;
    }

    /// <summary>Sends every queued request and reads every acknowledgement; then the batch is empty again.</summary>
    public void Commit()
    {
        var total = _requests.Count;
        var outcome = _client.RunPipeline(_requests);
        _requests.Clear();
        RequestPipeline.ThrowIfFailed(outcome, total);
    }
}
