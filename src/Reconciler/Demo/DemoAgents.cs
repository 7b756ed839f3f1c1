using System.Diagnostics;
using System.Text.Json;
using VnetReconciler.Schema.Model;

namespace VnetReconciler.Reconciler.Demo;

/// <summary>The demo's agents: one <c>vnetctl agent</c> process per host namespace, each with its own state and keys.</summary>
internal sealed class DemoAgents(DemoShell sh, DemoFleet fleet, DesiredState state, string repo, string work)
{
    /// <summary>Git without the machine's configuration, with a fixed author: the demo's commits are its own.</summary>
    public static readonly Dictionary<string, string> GitEnvironment = new()
    {
        ["GIT_CONFIG_GLOBAL"] = "/dev/null",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_AUTHOR_NAME"] = "vnetctl demo",
        ["GIT_AUTHOR_EMAIL"] = "demo@vnet-reconciler.invalid",
        ["GIT_COMMITTER_NAME"] = "vnetctl demo",
        ["GIT_COMMITTER_EMAIL"] = "demo@vnet-reconciler.invalid",
    };

    public string StateDir(string host) => Path.Combine(work, "state", host);

    public void StartAll()
    {
        foreach (var host in state.Hosts)
        {
            Directory.CreateDirectory(StateDir(host.Name));
            var keyDir = Path.Combine(work, "keys", host.Name);
            Directory.CreateDirectory(keyDir);
            sh.Spawn("ip", ["netns", "exec", fleet.HostNs(host.Name), .. Self(),
                "agent", "--repo", repo, "--ref", "main", "--host", host.Name, "--state-dir", StateDir(host.Name),
                "--key-dir", keyDir, "--interval", "2s", "--trust", Path.Combine(work, "no-trust-file.yaml")],
                Path.Combine(work, host.Name + ".log"), GitEnvironment);
        }
    }

    /// <summary>Waits until every agent reports Ready (its first cycle converged).</summary>
    public void WaitReady(TimeSpan deadline)
    {
        var sw = Stopwatch.StartNew();
        foreach (var host in state.Hosts)
        {
            while (!IsReady(host.Name))
            {
                if (sw.Elapsed > deadline)
                    throw new TimeoutException($"agent on {host.Name} not Ready after {deadline.TotalSeconds:F0} s (log: {work}/{host.Name}.log)");
                Thread.Sleep(200); // poll interval
            }
        }
    }

    public DemoShell.Result Vnetctl(string host, IReadOnlyList<string> args, bool check = true) =>
        sh.Run("ip", ["netns", "exec", fleet.HostNs(host), .. Self(), .. args], TimeSpan.FromSeconds(120), GitEnvironment, check: check);

    /// <summary><c>vnetctl fleet status</c> when the agents publish; otherwise each agent's own status, side by side.</summary>
    public string FleetStatus(string remote)
    {
        // Agents publish in the background after each cycle: give every host a few seconds to appear.
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var fleetStatus = sh.Run(Self()[0], [.. Self()[1..], "fleet", "status", "--repo", remote], check: false, env: GitEnvironment);
            var all = state.Hosts.All(h => fleetStatus.Stdout.Contains(h.Name, StringComparison.Ordinal));
            if (fleetStatus.ExitCode == 0 && (all || sw.Elapsed > TimeSpan.FromSeconds(15))) return fleetStatus.Stdout.TrimEnd();
            if (sw.Elapsed > TimeSpan.FromSeconds(15)) break;
            Thread.Sleep(500); // poll interval
        }
        var lines = new List<string> { $"{"host",-8} {"applied",-12} {"ready",-6} {"vnets",-5} drift" };
        foreach (var host in state.Hosts)
        {
            var r = Vnetctl(host.Name, ["status", "-o", "json"], check: false);
            if (r.ExitCode != 0) { lines.Add($"{host.Name,-8} (no answer)"); continue; }
            var s = JsonDocument.Parse(r.Stdout).RootElement;
            var applied = s.GetProperty("revision").GetProperty("applied").GetString() ?? "-";
            var ready = s.GetProperty("conditions").EnumerateArray().FirstOrDefault(c => c.GetProperty("type").GetString() == "Ready");
            lines.Add($"{host.Name,-8} {applied[..Math.Min(12, applied.Length)],-12} {ready.GetProperty("status").GetString(),-6} " +
                      $"{s.GetProperty("vnets").GetArrayLength(),-5} {s.GetProperty("drift").GetArrayLength()}");
        }
        return string.Join('\n', lines);
    }

    /// <summary>Whether the agent on <paramref name="host"/> has the vnet's vnetif open in its tunnel (status <c>vnets[].carried</c>).</summary>
    public bool Carries(string host, VnetId vnet)
    {
        var s = Status(host);
        return s is { } json && json.GetProperty("vnets").EnumerateArray()
            .Any(v => v.GetProperty("id").GetString() == vnet.ToString() && v.TryGetProperty("carried", out var c) && c.GetBoolean());
    }

    /// <summary>The agent's notes (tunnel problems, secure vnets waiting), one line.</summary>
    public string Notes(string host, VnetId? vnet = null) =>
        Status(host) is { } s && s.TryGetProperty("notes", out var notes)
            ? string.Join("; ", notes.EnumerateArray().Select(n => n.GetString() ?? "").Where(n => vnet is null || n.Contains(vnet.Value.ToString())))
            : "";

    private JsonElement? Status(string host)
    {
        var r = Vnetctl(host, ["status", "-o", "json"], check: false);
        if (r.ExitCode != 0) return null;
        try
        {
            return JsonDocument.Parse(r.Stdout).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private bool IsReady(string host)
    {
        var r = Vnetctl(host, ["status", "-o", "json"], check: false);
        if (r.ExitCode != 0) return false;
        try
        {
            return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("conditions").EnumerateArray()
                .Any(c => c.GetProperty("type").GetString() == "Ready" && c.GetProperty("status").GetString() == "True");
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>How to start this very vnetctl again: the apphost, or <c>dotnet vnetctl.dll</c>.</summary>
    private static string[] Self()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? [process, typeof(DemoAgents).Assembly.Location]
            : [process];
    }
}
