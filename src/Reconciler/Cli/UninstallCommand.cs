using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;
using VnetReconciler.Reconciler.Apply;
using VnetReconciler.Reconciler.Planning;
using VnetReconciler.Reconciler.State;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>
/// <c>vnetctl uninstall</c> (SPEC §5): deletes every link the agent owns on this host, releases the adopted
/// <c>link</c> ports, then deletes the agent's files from the state directory. Asks first unless <c>--yes</c>;
/// refuses while an agent answers on <c>--listen</c> (it would recreate everything) unless <c>--force</c>.
/// </summary>
internal static class UninstallCommand
{
    public const string DefaultListen = "127.0.0.1:9797";

    public static Command Create()
    {
        var output = OutputOption.Create("text", "json");
        var stateDir = new Option<string>("--state-dir") { Description = "The agent's state directory", DefaultValueFactory = _ => HostOptions.DefaultStateDir };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var force = new Option<bool>("--force") { Description = "Uninstall even while an agent answers on --listen" };
        var listen = new Option<string>("--listen") { Description = "Where a running agent would answer", DefaultValueFactory = _ => DefaultListen };
        var command = new Command("uninstall", "Delete everything the agent owns on this host and its state") { stateDir, yes, force, listen, output };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var dir = parse.GetValue(stateDir)!;
            var json = parse.GetValue(output) == "json";
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out var endpoint))
            {
                stderr.WriteLine($"error: --listen '{parse.GetValue(listen)}' is not ADDRESS:PORT");
                return 1;
            }
            if (AgentAnswers(endpoint))
            {
                if (!parse.GetValue(force))
                {
                    stderr.WriteLine($"error: an agent answers on {endpoint}; it would recreate what uninstall removes. Stop it first, or pass --force.");
                    return 1;
                }
                stderr.WriteLine($"warning: an agent answers on {endpoint}; uninstalling anyway (--force). It may recreate what is removed.");
            }

            FileInventory inventory;
            try
            {
                inventory = new FileInventory(dir, readOnly: true);
            }
            catch (InvalidDataException e)
            {
                stderr.WriteLine($"error: {e.Message}; fix or remove it, then run uninstall again (owned links are still found by their alias)");
                return 1;
            }
            NetlinkKernel kernel;
            try
            {
                kernel = NetlinkKernel.Open();
            }
            catch (Exception e) when (e is Dataplane.Netlink.NetlinkException or IOException)
            {
                stderr.WriteLine($"error: cannot open rtnetlink: {e.Message}");
                return 1;
            }
            using var _ = kernel;
            UninstallPlan plan;
            try
            {
                plan = Uninstaller.Plan(kernel.Dump(), inventory.Entries);
            }
            catch (KernelOperationException e)
            {
                stderr.WriteLine($"error: cannot list the links: {e.Message}");
                return 1;
            }
            var files = AgentStateDirectory.Files(dir);
            if (!parse.GetValue(yes))
            {
                if (Console.IsInputRedirected)
                {
                    stderr.WriteLine("error: uninstall needs confirmation and stdin is not a terminal; pass --yes to uninstall without asking");
                    return 1;
                }
                stderr.Write(Text(plan, files, null, Terminal.IsColour(stdout)));
                stderr.Write("Remove all of this? [y/N] ");
                if (Console.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes"))
                {
                    stderr.WriteLine("Nothing removed.");
                    return 1;
                }
            }

            var result = Uninstaller.Execute(plan, kernel);
            // State goes only when the kernel is clean: a failed step keeps the inventory for the next attempt.
            IReadOnlyList<string> removed = result.Succeeded ? AgentStateDirectory.Remove(dir, files) : [];
            stdout.Write(json
                ? Cli.Json.Serialize(new
                {
                    changes = result.Done, failures = result.Failures, notes = plan.Notes, state_dir = Path.GetFullPath(dir),
                    state_removed = removed, summary = new { release = plan.Releases, delete = plan.Deletions, failed = result.Failures.Count },
                }) + "\n"
                : Text(plan, removed, result, Terminal.IsColour(stdout)));
            return result.Succeeded ? 0 : 1;
        });
        return command;
    }

    /// <summary>Whether something accepts a TCP connection on the agent's endpoint within a second.</summary>
    private static bool AgentAnswers(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            return socket.ConnectAsync(endpoint).Wait(TimeSpan.FromSeconds(1));
        }
        catch (AggregateException e) when (e.InnerException is SocketException)
        {
            return false;
        }
    }

    /// <summary>Before confirmation (<paramref name="result"/> null): what would go. After: what went and what failed.</summary>
    private static string Text(UninstallPlan plan, IReadOnlyList<string> files, UninstallResult? result, bool colour)
    {
        var sb = new StringBuilder();
        var changes = result?.Done ?? plan.Changes;
        sb.AppendLine(result is null ? "Uninstall would remove:" : "Uninstall removed:");
        if (changes.Count == 0) sb.AppendLine("  no links owned by vnet-reconciler on this host");
        foreach (var c in changes) sb.Append(PlanRenderer.ChangeLine(c, colour));
        foreach (var f in result?.Failures ?? []) sb.Append("  failed: ").Append(f.Name).Append(": ").AppendLine(f.Error);
        foreach (var n in plan.Notes) sb.Append("  note: ").AppendLine(n);
        foreach (var f in files) sb.Append("  state: ").AppendLine(f);
        if (result is { Succeeded: false }) sb.AppendLine("State directory kept: run uninstall again once the failures above are fixed.");
        else sb.AppendLine($"{plan.Releases} port(s) released, {plan.Deletions} link(s) deleted, {files.Count} state file(s) removed.");
        return sb.ToString();
    }
}

/// <summary>The files the agent writes in its state directory, and only those: uninstall removes these and nothing else.</summary>
internal static class AgentStateDirectory
{
    /// <summary>Names (files or directories) the agent writes, with the temporary files of <see cref="AtomicFile"/>.</summary>
    public static readonly string[] Names =
    [
        "mirror", FileInventory.FileName, FileInventory.FileName + AtomicFile.TemporarySuffix,
        AppliedStateStore.FileName, AppliedStateStore.FileName + AtomicFile.TemporarySuffix,
        SuspensionStore.FileName, SuspensionStore.FileName + AtomicFile.TemporarySuffix,
        TunnelSnapshotStore.FileName, TunnelSnapshotStore.FileName + AtomicFile.TemporarySuffix,
    ];

    /// <summary>The agent's files present in <paramref name="dir"/>, full paths.</summary>
    public static IReadOnlyList<string> Files(string dir) =>
        [.. Names.Select(n => Path.Combine(Path.GetFullPath(dir), n)).Where(p => File.Exists(p) || Directory.Exists(p))];

    /// <summary>Deletes them, then the directory itself when nothing else is left in it; returns what was deleted.</summary>
    public static IReadOnlyList<string> Remove(string dir, IReadOnlyList<string> files)
    {
        var removed = new List<string>();
        foreach (var f in files)
        {
            if (Directory.Exists(f)) Directory.Delete(f, recursive: true);
            else File.Delete(f);
            removed.Add(f);
        }
        var full = Path.GetFullPath(dir);
        if (Directory.Exists(full) && !Directory.EnumerateFileSystemEntries(full).Any())
        {
            Directory.Delete(full);
            removed.Add(full);
        }
        return removed;
    }
}
