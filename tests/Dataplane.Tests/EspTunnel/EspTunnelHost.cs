using System.Net;
using VnetReconciler.Dataplane.Esp;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.EspTunnel;

/// <summary>
/// One host's dataplane as the agent composes it: a <see cref="TunnelEngine"/> with an <see cref="EspSecureTransport"/> as
/// its secure transport and control handler, sockets and TAPs opened inside the host's namespace, the loop on a thread of
/// this process. Disposing it is the "kill" of the restart test: the engine and the endpoint go, with every SA.
/// </summary>
public sealed class EspTunnelHost : IDisposable
{
    private readonly LinuxTunnelPlatform _platform = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _loop;

    private EspTunnelHost(NetNs ns, TunnelConfig config, IReadOnlyCollection<EspVnetConfig> esp, string keyDir, string keyLog)
    {
        Namespace = ns;
        Transport = new EspSecureTransport(config.LocalAddress, new KeyRing(keyDir), probes: Probes, keyLog: new EspKeyLog(keyLog));
        Engine = new TunnelEngine(_platform, TimeProvider.System, Transport, Transport);
        Transport.Attach(Engine);
        Transport.Configure(esp);
        var problems = ns.Run(() => Engine.Configure(config));
        if (problems.Count > 0)
        {
            Engine.Dispose();
            Transport.Dispose();
            _platform.Dispose();
            throw new InvalidOperationException(string.Join("; ", problems));
        }
        _loop = new Thread(() => Engine.Run(_stop.Token)) { IsBackground = true, Name = $"esp tunnel {ns.Name}" };
        _loop.Start();
    }

    public NetNs Namespace { get; }

    /// <summary>Stands in for the agent's probe handler (SPEC §6.5): records the probes that arrive.</summary>
    public ProbeLog Probes { get; } = new();
    public TunnelEngine Engine { get; }
    public EspSecureTransport Transport { get; }
    public EspEndpoint Esp => Transport.Endpoint;

    public static EspTunnelHost Start(NetNs ns, TunnelConfig config, IReadOnlyCollection<EspVnetConfig> esp, string keyDir, string keyLog) =>
        new(ns, config, esp, keyDir, keyLog);

    /// <summary>True once an outbound SA to every peer of every secure vnet is up.</summary>
    public bool Established(IEnumerable<(VnetKey Vnet, IPAddress Peer)> pairs) => pairs.All(p => Esp.Epoch(p.Vnet, p.Peer) != 0);

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Join(TimeSpan.FromSeconds(5));
        Engine.Dispose();
        Transport.Dispose();
        _platform.Dispose();
        _stop.Dispose();
    }
}

/// <summary>Records received probes (type 5) with their sender.</summary>
public sealed class ProbeLog : IVnetControlHandler
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(uint Source, byte[] Payload)> _received = new();

    public IReadOnlyList<(uint Source, byte[] Payload)> Received => _received.ToArray();

    public VnetReconciler.Dataplane.Forwarding.DropReason Handle(VnetMessageType type, ReadOnlySpan<byte> payload, uint source)
    {
        _received.Enqueue((source, payload.ToArray()));
        return VnetReconciler.Dataplane.Forwarding.DropReason.None;
    }
}
