using VnetReconciler.Dataplane;
using VnetReconciler.Dataplane.Tunnel;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>A tunnel platform that moves nothing: the engine configures and observes, for cycle tests without a kernel.</summary>
internal sealed class MemoryPlatform : ITunnelPlatform
{
    private int _fd = 1000;

    public IDatagramBind Bind(ushort port, uint multicastGroup) => new MemoryBind(port, Interlocked.Increment(ref _fd));

    public IFrameDevice OpenDevice(string vnetif) => new MemoryDevice(Interlocked.Increment(ref _fd));

    public void ForgetBridgeEntry(string bridge, MacAddress mac)
    {
    }
}

internal sealed class MemoryBind(ushort port, int fd) : IDatagramBind
{
    public int FileDescriptor => fd;
    public ushort Port => port;
    public int Receive(DatagramBatch batch) => 0;
    public int Send(DatagramBatch batch, int start) => batch.Count - start;
    public bool SendRawIpv4(ReadOnlySpan<byte> packet) => true;
    public void Dispose()
    {
    }
}

internal sealed class MemoryDevice(int fd) : IFrameDevice
{
    public int FileDescriptor => fd;
    public int Read(Span<byte> frame) => 0;
    public bool Write(ReadOnlySpan<byte> frame) => true;
    public void Dispose()
    {
    }
}
