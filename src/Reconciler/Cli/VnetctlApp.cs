using System.CommandLine;

namespace VnetReconciler.Reconciler.Cli;

/// <summary>The <c>vnetctl</c> command tree (SPEC §5). Each command lives in its own file and registers here.</summary>
public static class VnetctlApp
{
    public static RootCommand Build()
    {
        var root = new RootCommand("vnetctl: a GitOps agent for Xen-style virtual networks (vnets)");
        root.Subcommands.Add(ValidateCommand.Create());
        root.Subcommands.Add(PlanCommand.CreatePlan());
        root.Subcommands.Add(PlanCommand.CreateApply());
        root.Subcommands.Add(DriftCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        var git = new Sources.GitCli();
        foreach (var verb in VnetVerbs.Create(git)) root.Subcommands.Add(verb);
        foreach (var verb in PeerVerbs.Create(git)) root.Subcommands.Add(verb);
        root.Subcommands.Add(AgentCommand.Create());
        root.Subcommands.Add(SyncCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(UninstallCommand.Create());
        root.Subcommands.Add(DiffCommand.Create());
        root.Subcommands.Add(FleetStatusCommand.Create());
        root.Subcommands.Add(SuspendCommand.CreateSuspend());
        root.Subcommands.Add(SuspendCommand.CreateResume());
        return root;
    }

    public static Task<int> RunAsync(string[] args) => Build().Parse(args).InvokeAsync();
}
