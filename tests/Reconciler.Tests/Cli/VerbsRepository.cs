using System.CommandLine;
using VnetReconciler.Reconciler.Cli;
using VnetReconciler.Reconciler.Tests.Sources;
using VnetReconciler.Schema;

namespace VnetReconciler.Reconciler.Tests.Cli;

/// <summary>
/// A real git work repository holding a small valid fleet, with the author in its own git configuration (git runs
/// without the machine's), and the vnet and peer verbs run in-process against it with their output captured.
/// </summary>
internal sealed class VerbsRepository : IDisposable
{
    public const string Author = "Ada Operator <ada@example.test>";

    public static readonly IReadOnlyDictionary<string, string?> Fleet = new Dictionary<string, string?>
    {
        ["vnets/vnet97.sxp"] = "(vnet (id 97) (bridge vnet97) (vnetif vnif97) (security none))\n",
        ["vnets/lab.sxp"] = "# lab vnets\n(vnet (id 98) (bridge vnet98))\n(vnet (id a0) (bridge \"vnet-a0\") # the (a0) one\n  (security none))\n(vnet (id a1) (bridge vnet-a1))\n",
        ["vnets/vnet96.yaml"] = "vnet: { id: \"96\", bridge: vnet96 }\n",
        ["hosts/host-a.sxp"] = "(host (name host-a) (address 198.18.0.1)\n  (port (name vm-a97) (vnet 97)))\n",
        ["peers/all.sxp"] = "(peer (addr 198.18.0.9))\n(peer.add (addr 198.18.0.10))\n",
    };

    public VerbsRepository(bool withFleet = true)
    {
        Repo.Git(Repo.Work, "config", "user.name", "Ada Operator");
        Repo.Git(Repo.Work, "config", "user.email", "ada@example.test");
        if (withFleet) Repo.Commit(Fleet, "fleet");
    }

    public TestRepository Repo { get; } = new();

    public string Work => Repo.Work;

    /// <summary>Runs <c>vnetctl ARGS --repo WORK</c> in-process.</summary>
    public (int Exit, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand();
        var git = TestRepository.ProductGit();
        foreach (var c in VnetVerbs.Create(git).Concat(PeerVerbs.Create(git))) root.Subcommands.Add(c);
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = root.Parse([.. args, "--repo", Work]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>A file outside the repository, as an operator's vnet file.</summary>
    public string WriteInput(string name, string text)
    {
        var path = Path.Combine(Repo.Root, name);
        File.WriteAllText(path, text);
        return path;
    }

    public string Head() => Repo.Head();

    /// <summary>"author|subject" of HEAD.</summary>
    public string LastCommit() => Repo.Git(Work, "log", "-1", "--format=%an <%ae>|%s").Trim();

    /// <summary>The paths HEAD changed, as "A|M|D path".</summary>
    public string[] LastChange() => Repo.Git(Work, "show", "--format=", "--name-status", "HEAD").Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => l.Replace('\t', ' ')).ToArray();

    public string Show(string path, string rev = "HEAD") => Repo.Git(Work, "show", $"{rev}:{path}");

    public string Status() => Repo.Git(Work, "status", "--porcelain").Trim();

    /// <summary>The committed tree validates: loaded from a fresh checkout of HEAD.</summary>
    public LoadResult LoadHead()
    {
        var dir = Path.Combine(Repo.Root, "check-" + Guid.NewGuid().ToString("N")[..8]);
        Repo.Git(Repo.Root, "clone", "--quiet", Work, dir);
        return DesiredStateLoader.LoadDirectory(dir);
    }

    public void Dispose() => Repo.Dispose();
}
