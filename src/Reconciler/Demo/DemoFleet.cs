using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Demo;

/// <summary>One VM of the demo: a namespace whose eth0 is the other end of a declared <c>link</c> port.</summary>
internal sealed record DemoVm(string Host, string Port, VnetId Vnet, string Namespace, IPAddress Address, int Mtu);

/// <summary>
/// The demo's hosts (SPEC §7): one network namespace per host of the desired state, joined by an underlay
/// switch namespace, and one VM namespace behind each declared <c>link</c> port. Every name starts with a
/// per-run prefix (<c>vd&lt;4 hex&gt;</c>); addresses come only from 198.18.0.0/15 (hosts keep their declared
/// 198.18.0.x, VMs get 198.19.&lt;vnet&gt;.&lt;n&gt;); IPv6 is off everywhere.
/// </summary>
internal sealed class DemoFleet(DemoShell sh, DesiredState state, string prefix)
{
    public string Prefix { get; } = prefix;
    public string Switch => $"{Prefix}-ul";
    public List<string> Namespaces { get; } = [];
    public List<DemoVm> Vms { get; } = [];

    public string HostNs(string host) => $"{Prefix}-{host}";

    public void Build()
    {
        AddNamespace(Switch);
        Ip(Switch, "link", "add", "ul", "type", "bridge");
        Ip(Switch, "link", "set", "ul", "up");
        var i = 0;
        foreach (var host in state.Hosts)
        {
            var ns = HostNs(host.Name);
            AddNamespace(ns);
            var swPort = $"{Prefix}u{i}";
            sh.Run("ip", ["-n", ns, "link", "add", "ul0", "type", "veth", "peer", "name", swPort, "netns", Switch]);
            Ip(Switch, "link", "set", swPort, "master", "ul", "up");
            Ip(ns, "addr", "add", $"{host.Address}/24", "dev", "ul0");
            Ip(ns, "link", "set", "ul0", "mtu", state.UnderlayMtuOf(host).ToString(CultureInfo.InvariantCulture), "up");
            foreach (var port in state.PortsOf(host))
            {
                if (port.Type != PortType.Link || state.FindVnet(port.Vnet) is not { } vnet || !vnet.IsCarriedBy(host.Name)) continue;
                var vmNs = $"{Prefix}-{port.Name}";
                AddNamespace(vmNs);
                sh.Run("ip", ["-n", ns, "link", "add", port.Name, "type", "veth", "peer", "name", "eth0", "netns", vmNs]);
                var address = VmAddress(vnet.Id, i + 1);
                var mtu = state.MtuOf(vnet);
                Ip(vmNs, "addr", "add", $"{address}/24", "dev", "eth0");
                Ip(vmNs, "link", "set", "eth0", "mtu", mtu.ToString(CultureInfo.InvariantCulture), "up");
                Ip(ns, "link", "set", port.Name, "up");
                Vms.Add(new DemoVm(host.Name, port.Name, vnet.Id, vmNs, address, mtu));
            }
            i++;
        }
    }

    /// <summary>Key files for the secure vnets, the same secret on every host, mode 0600 (SPEC §4.5).</summary>
    public void WriteKeys(string keyRoot)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("the demo runs on Linux");
        foreach (var vnet in state.Vnets.Where(v => v.Security != Security.None))
        {
            var line = $"1 hex:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}\n";
            foreach (var host in state.Hosts.Where(h => vnet.IsCarriedBy(h.Name)))
            {
                var dir = Path.Combine(keyRoot, host.Name);
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                var path = Path.Combine(dir, vnet.Key + ".key");
                File.WriteAllText(path, "");
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                File.WriteAllText(path, line);
            }
        }
    }

    public DemoShell.Result InNs(string ns, string file, IReadOnlyList<string> args, TimeSpan? timeout = null, bool check = true) =>
        sh.Run("ip", ["netns", "exec", ns, file, .. args], timeout, check: check);

    /// <summary>Deletes every namespace of this run (and with it every link in them).</summary>
    public void Teardown()
    {
        foreach (var ns in Namespaces.AsEnumerable().Reverse())
        {
            foreach (var pid in sh.Run("ip", ["netns", "pids", ns], check: false).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                sh.Run("kill", ["-KILL", pid.Trim()], check: false);
            sh.Run("ip", ["netns", "del", ns], check: false);
        }
        Namespaces.Clear();
    }

    private void AddNamespace(string ns)
    {
        sh.Run("ip", ["netns", "add", ns]);
        Namespaces.Add(ns);
        InNs(ns, "sysctl", ["-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"]);
        Ip(ns, "link", "set", "lo", "up");
    }

    private void Ip(string ns, params string[] args) => sh.Run("ip", ["-n", ns, .. args]);

    /// <summary>198.19.&lt;low byte of the vnet id&gt;.&lt;n&gt;: a VM subnet per vnet inside the benchmarking range.</summary>
    private static IPAddress VmAddress(VnetId vnet, int n) => new([198, 19, (byte)vnet.Value, (byte)n]);
}
