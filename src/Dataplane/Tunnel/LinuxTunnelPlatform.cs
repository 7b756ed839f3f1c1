using VnetReconciler.Dataplane.Links;
using VnetReconciler.Dataplane.Tun;

namespace VnetReconciler.Dataplane.Tunnel;

/// <summary>
/// A vnetif opened with <see cref="TapDevice"/>, non-blocking, as the engine's <see cref="IFrameDevice"/>. A broken
/// descriptor (the TAP was deleted under us) is a state, not an exception on the packet path: reads return -1,
/// writes false, and <see cref="IsBroken"/> tells the engine to reopen it at the next Configure.
/// </summary>
public sealed class TapFrameDevice(TapDevice tap) : IFrameDevice
{
    public TapDevice Tap { get; } = tap;

    public int FileDescriptor => Tap.FileDescriptor;

    public bool IsBroken { get; private set; }

    public int Read(Span<byte> frame)
    {
        if (IsBroken) return -1;
        try
        {
            return Tap.Read(frame);
        }
        catch (TapException)
        {
            IsBroken = true;
            return -1;
        }
    }

    public bool Write(ReadOnlySpan<byte> frame)
    {
        if (IsBroken) return false;
        try
        {
            return Tap.Write(frame);
        }
        catch (TapException)
        {
            IsBroken = true;
            return false;
        }
    }

    public void Dispose() => Tap.Dispose();
}

/// <summary>
/// The real host for <see cref="TunnelEngine"/>: UDP binds with recvmmsg/sendmmsg, vnetifs opened with TUNSETIFF and
/// stale bridge entries removed through rtnetlink, all in the network namespace of the thread that calls
/// <see cref="TunnelEngine.Configure"/> (the netlink socket is opened on the first call that creates something).
/// </summary>
public sealed class LinuxTunnelPlatform : ITunnelPlatform, IDisposable
{
    private LinkClient? _links;
    private BridgeFdb? _fdb;

    public IDatagramBind Bind(ushort port, uint multicastGroup)
    {
        OpenLinks();
        return UdpBind.Open(port, multicastGroup: multicastGroup);
    }

    public IFrameDevice OpenDevice(string vnetif)
    {
        OpenLinks();
        return new TapFrameDevice(TapDevice.Open(vnetif, TapOpenOptions.NonBlocking));
    }

    public void ForgetBridgeEntry(string bridge, MacAddress mac) => _fdb?.Forget(bridge, mac);

    public void Dispose() => _links?.Dispose();

    private void OpenLinks()
    {
        if (_links is not null) return;
        _links = LinkClient.Open();
        _fdb = new BridgeFdb(_links);
    }
}
