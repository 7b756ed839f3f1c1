using VnetReconciler.TestSupport;

namespace VnetReconciler.Reconciler.Tests.Cli;

/// <summary>Runs the real <c>vnetctl</c> (the built vnetctl.dll beside the tests) inside a test's namespace.</summary>
internal static class VnetctlProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "vnetctl.dll");

    public static CmdResult Run(NetNs ns, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var all = new Dictionary<string, string>
        {
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["NO_COLOR"] = "1",
            ["DOTNET_DbgEnableMiniDump"] = "0",
        };
        if (env is not null) foreach (var (k, v) in env) all[k] = v;
        return ns.Exec("dotnet", [Dll, .. args], TimeSpan.FromSeconds(120), all);
    }
}
