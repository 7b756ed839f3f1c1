using System.CommandLine;
using VnetReconciler.Reconciler.Sources;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>The options every host-level command shares (SPEC §5): where the desired state is and which host this is.</summary>
internal sealed class HostOptions
{
    public const string DefaultStateDir = "/var/lib/vnet-reconciler";

    public Option<string> Repo { get; } = new("--repo") { Description = "Desired-state repository: a git URL or path, or a plain directory", Required = true };
    public Option<string> Ref { get; } = new("--ref") { Description = "Branch, tag or commit to apply (default: the remote's HEAD)", DefaultValueFactory = _ => "HEAD" };
    public Option<string> Host { get; } = new("--host") { Description = "This host's name in hosts/ (default: the machine's hostname)", DefaultValueFactory = _ => Environment.MachineName };
    public Option<string> StateDir { get; } = new("--state-dir") { Description = "Where the agent keeps its mirror, inventory and last applied revision", DefaultValueFactory = _ => DefaultStateDir };
    public Option<string> Trust { get; } = new("--trust") { Description = "Host-local signature policy (SPEC §6.2)", DefaultValueFactory = _ => TrustPolicy.DefaultPath };
    public Option<string?> Address { get; } = new("--address") { Description = "This host's underlay address, overriding the host file's" };

    public void AddTo(Command command)
    {
        command.Options.Add(Repo);
        command.Options.Add(Ref);
        command.Options.Add(Host);
        command.Options.Add(StateDir);
        command.Options.Add(Trust);
        command.Options.Add(Address);
    }
}

/// <summary><c>-o text|json[|markdown]</c>.</summary>
internal static class OutputOption
{
    public static Option<string> Create(params string[] formats)
    {
        var o = new Option<string>("--output", "-o") { Description = $"Output format: {string.Join(", ", formats)}", DefaultValueFactory = _ => "text" };
        o.AcceptOnlyFromAmong(formats);
        return o;
    }
}
