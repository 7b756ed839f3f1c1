namespace VnetReconciler.Reconciler.Sources;

/// <summary>Which files of a desired-state repository are read (SPEC §2); every other file is ignored.</summary>
public static class DesiredStateLayout
{
    private static readonly string[] s_folders = ["vnets/", "hosts/", "peers/"];
    private static readonly string[] s_extensions = [".sxp", ".yaml", ".yml"];

    /// <summary><c>fleet.yaml</c>, <c>fleet.sxp</c>, or a <c>*.sxp|*.yaml|*.yml</c> file anywhere under <c>vnets/</c>, <c>hosts/</c>, <c>peers/</c>.</summary>
    public static bool IsDesiredStateFile(string path) =>
        path is "fleet.yaml" or "fleet.sxp"
        || (s_folders.Any(f => path.StartsWith(f, StringComparison.Ordinal))
            && s_extensions.Any(e => path.EndsWith(e, StringComparison.Ordinal)));
}
