using System.Text.Json;
using VnetReconciler.Reconciler.Tests.Cli;
using VnetReconciler.TestSupport;
using Xunit.Abstractions;

namespace VnetReconciler.Reconciler.Tests.Agent;

/// <summary>
/// <c>vnetctl agent --address IP --key-dir DIR</c> (SPEC §5): the address overrides the host file's as this host's tunnel
/// endpoint, the key directory is where the secure vnets' key files are looked up, and a bad address is refused.
/// </summary>
[Collection("Privileged")]
public sealed class AgentOptionsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Fact]
    public void AddressOverridesTheHostFileAndKeyDirIsWhereKeyFilesAreRead()
    {
        using var fleet = new TwoHostFleet(output);
        var keyDir = Path.Combine(fleet.Repo.Root, "keys-elsewhere");
        Directory.CreateDirectory(keyDir);
        var underlay = JsonDocument.Parse(fleet.A.Ip("-j", "addr", "show")).RootElement.EnumerateArray()
            .First(l => l.GetProperty("addr_info").EnumerateArray().Any(a => a.GetProperty("local").GetString() == "198.18.0.1")).GetProperty("ifname").GetString()!;
        fleet.A.Ip("addr", "add", "198.18.0.11/24", "dev", underlay);
        fleet.StartAgent(fleet.A, "host-a", "1h", "--address", "198.18.0.11", "--key-dir", keyDir);
        Poll.Until(() => TwoHostFleet.Status(fleet.A) is { ValueKind: JsonValueKind.Object } s && s.GetProperty("history").GetArrayLength() > 0,
            Generous, "a first cycle");

        var status = TwoHostFleet.Status(fleet.A);
        Assert.Equal("198.18.0.11", status.GetProperty("address").GetString());
        // The tunnel's sockets are bound for the overriding address's host (the UDP vnet port is open in the namespace).
        Assert.Contains(":1798", fleet.A.Exec("ss", "-Hlun").Stdout);
        // Secure vnets look their keys up in --key-dir: the key-file problem names a file there, not /etc/vnet-reconciler/keys.
        bool Names(string text) { lock (fleet.Logs) return fleet.Logs[fleet.A.Name].Any(l => l.Contains(text, StringComparison.Ordinal)); }
        Poll.Until(() => Names(Path.Combine(keyDir, "98.key")), Generous, "the agent looks for 98.key in --key-dir");
        Assert.False(Names("/etc/vnet-reconciler/keys"), "a key file was looked up in the default key directory");

        var bad = VnetctlProcess.Run(fleet.B, ["agent", "--repo", fleet.Repo.Work, "--host", "host-b", "--address", "not-an-ip",
            "--state-dir", fleet.StateDir(fleet.B), "--trust", Path.Combine(fleet.StateDir(fleet.B), "none.yaml")]);
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("--address 'not-an-ip'", bad.Stderr);
    }
}
