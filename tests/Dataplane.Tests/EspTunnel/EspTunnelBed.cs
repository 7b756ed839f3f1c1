using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using VnetReconciler.Dataplane.Esp;
using VnetReconciler.Dataplane.Tests.Tunnel.Privileged;
using VnetReconciler.Dataplane.Tunnel;
using VnetReconciler.TestSupport;

namespace VnetReconciler.Dataplane.Tests.EspTunnel;

/// <summary>
/// Two hosts (the tunnel's <see cref="TunnelTestbed"/>: 198.18.0.1 and .2 on a veth underlay, bridges, TAPs, VMs) with
/// ESP: a key directory per host, one <c>VNET_ESP_KEYLOG</c> file, engines with <see cref="EspSecureTransport"/>, and the
/// oracles: tshark captures on the underlay, scapy decoding them, and datagrams injected from host A's namespace.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EspTunnelBed : IDisposable
{
    public const string KeyName = "fleet";
    public static readonly IPAddress A = IPAddress.Parse("198.18.0.1"), B = IPAddress.Parse("198.18.0.2");
    private readonly List<EspTunnelHost> _hosts = [];
    private readonly List<Process> _processes = [];
    private readonly string _dir;

    public EspTunnelBed()
    {
        Bed = new TunnelTestbed();
        _dir = Directory.CreateTempSubdirectory("esptunnel-").FullName;
        Directory.CreateDirectory(KeyDir(A));
        Directory.CreateDirectory(KeyDir(B));
        // dumpcap may write its capture as a user other than root; the key log and key files are 0600 themselves.
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute | UnixFileMode.OtherWrite);
    }

    public TunnelTestbed Bed { get; }
    public string KeyLog => Path.Combine(_dir, "keylog");
    public string Underlay(IPAddress host) => Bed.Link(host.Equals(A) ? "ula" : "ulb");
    public NetNs Host(IPAddress host) => host.Equals(A) ? Bed.HostA : Bed.HostB;
    public string KeyDir(IPAddress host) => Path.Combine(_dir, host.Equals(A) ? "keys-a" : "keys-b");

    /// <summary>Writes <c>&lt;key-dir&gt;/fleet.key</c> with these epochs (the same secret per epoch on every host), mode 0600, atomically.</summary>
    public void WriteKeys(IPAddress host, params byte[] epochs)
    {
        var text = new StringBuilder();
        foreach (var epoch in epochs)
            text.Append(epoch).Append(" hex:").Append(Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes($"test secret {epoch}")))).Append('\n');
        var path = Path.Combine(KeyDir(host), KeyName + ".key");
        var temp = path + ".new";
        File.WriteAllText(temp, text.ToString());
        File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, path, overwrite: true);
    }

    public EspTunnelHost Start(IPAddress host, params (VnetKey Vnet, VnetSecurity Security, EspSuite Suite)[] vnets)
    {
        var peer = host.Equals(A) ? B : A;
        var config = new TunnelConfig
        {
            LocalAddress = host,
            Vnets = vnets.Select(v => Bed.Vnet(v.Vnet, peer.ToString(), mtu: VnetMtu) with { Security = v.Security }).ToArray(),
        };
        var esp = vnets.Select(v => new EspVnetConfig(v.Vnet, v.Suite, KeyName, [peer])).ToArray();
        var started = EspTunnelHost.Start(Host(host), config, esp, KeyDir(host), KeyLog);
        _hosts.Add(started);
        return started;
    }

    /// <summary>Disposes a host started here (the in-process "kill").</summary>
    public void Stop(EspTunnelHost host)
    {
        _hosts.Remove(host);
        host.Dispose();
    }

    /// <summary>Inner MTU: 1500 − IPv4 20 − UDP 8 − ESP 8 + IV 8 + pad ≤ 15 + 2 + ICV 16 − Ethernet 14, rounded down (SPEC §3.3).</summary>
    public const int VnetMtu = 1400;

    /// <summary>A VM on <paramref name="host"/>'s vnet bridge with IPv6 off, so that nothing but the test's own traffic crosses.</summary>
    public NetNs AddVm(string role, IPAddress host, VnetKey vnet, string cidr)
    {
        var vm = Bed.AddVm(role, Host(host), vnet, cidr, VnetMtu);
        vm.Sysctl("net.ipv6.conf.all.disable_ipv6", "1");
        vm.Sysctl("net.ipv6.conf.eth0.disable_ipv6", "1");
        return vm;
    }

    /// <summary>Starts tshark on <paramref name="host"/>'s underlay veth, writing pcap; returns once it captures.</summary>
    public Capture StartCapture(IPAddress host, string name)
    {
        var file = Path.Combine(_dir, name + ".pcap");
        var ready = new ManualResetEventSlim();
        var process = Host(host).Start("tshark", ["-n", "-q", "-i", Underlay(host), "-F", "pcap", "-w", file]);
        _processes.Add(process);
        process.ErrorDataReceived += (_, e) => { if (e.Data?.Contains("Capturing on", StringComparison.Ordinal) == true) ready.Set(); };
        process.BeginErrorReadLine();
        process.StandardOutput.Close();
        if (!ready.Wait(TimeSpan.FromSeconds(30))) throw new InvalidOperationException("tshark did not start capturing");
        return new Capture(process, file);
    }

    /// <summary>scapy's counts for a capture (see capture_oracle.py).</summary>
    public Dictionary<string, long> Decode(Capture capture, string patternHex)
    {
        var result = Cmd.Run("/usr/bin/python3", ["testdata/esptunnel/capture_oracle.py", capture.File, KeyLog, patternHex],
            TimeSpan.FromMinutes(3)).EnsureSuccess();
        return result.Stdout.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('='))
            .ToDictionary(kv => kv[0], kv => long.Parse(kv[1]));
    }

    /// <summary>Sends UDP payloads to <paramref name="to"/>:<paramref name="port"/> from <paramref name="from"/>'s underlay address, inside its namespace.</summary>
    public void Inject(IPAddress from, IPAddress to, ushort port, IEnumerable<byte[]> payloads)
    {
        var list = payloads.ToList();
        Host(from).Run(() =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(from, 0));
            foreach (var payload in list) socket.SendTo(payload, new IPEndPoint(to, port));
        });
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            process.Dispose();
        }
        foreach (var host in _hosts) host.Dispose();
        Bed.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A running tshark and its file.</summary>
    public sealed class Capture(Process process, string file)
    {
        public string File { get; } = file;

        /// <summary>
        /// Waits until the file holds <paramref name="espDatagrams"/> datagrams to the ESP port (what the endpoints sealed while
        /// it ran: tshark writes with a delay, and what it has not written at SIGINT is lost), then stops it.
        /// </summary>
        public void Stop(long espDatagrams)
        {
            Poll.Until(() => UdpPayloads(null, EspSecureTransport.DefaultPort).Count >= espDatagrams, TimeSpan.FromSeconds(30),
                $"{espDatagrams} ESP datagrams in the capture");
            Stop();
        }

        /// <summary>Stops tshark with SIGINT (it closes the file cleanly) and waits for it.</summary>
        public void Stop()
        {
            if (process.HasExited) return;
            Cmd.Run("kill", "-INT", process.Id.ToString());
            if (!process.WaitForExit(TimeSpan.FromSeconds(20))) process.Kill(entireProcessTree: true);
        }

        /// <summary>The UDP payloads sent from <paramref name="source"/> (null: anyone) to <paramref name="port"/> (pcap, Ethernet, IPv4).</summary>
        public IReadOnlyList<byte[]> UdpPayloads(IPAddress? source, ushort port)
        {
            byte[] bytes;
            using (var stream = new FileStream(File, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            {
                bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
            }
            var list = new List<byte[]>();
            var src = source is null ? 0 : UnderlayAddress.ToUInt32(source);
            for (var at = 24; at + 16 <= bytes.Length;)
            {
                var captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8));
                if (at + 16 + captured > bytes.Length) break; // the record being written
                var frame = bytes.AsSpan(at + 16, captured);
                at += 16 + captured;
                if (frame.Length < 42 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800) continue;
                var ip = frame[14..];
                var headerLength = (ip[0] & 0x0F) * 4;
                if (ip[9] != 17 || (source is not null && BinaryPrimitives.ReadUInt32BigEndian(ip[12..]) != src)) continue;
                if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0) continue; // fragments
                var udp = ip[headerLength..];
                if (BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) != port) continue;
                list.Add(udp[8..BinaryPrimitives.ReadUInt16BigEndian(udp[4..])].ToArray());
            }
            return list;
        }
    }
}
