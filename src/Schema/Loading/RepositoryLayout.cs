namespace VnetReconciler.Schema.Loading;

internal enum FileRole { Ignored, Fleet, Vnets, Hosts, Peers }

internal enum FileFormat { Sxp, Yaml }

/// <summary>Which files of a tree are desired state (SPEC §2): <c>fleet.*</c>, <c>vnets/**</c>, <c>hosts/**</c>, <c>peers/**</c> with <c>.sxp</c>, <c>.yaml</c> or <c>.yml</c>.</summary>
internal static class RepositoryLayout
{
    /// <remarks>Hidden files and directories (a segment starting with '.', such as an editor's <c>.#vnet97.sxp</c> lock)
    /// are ignored too.</remarks>
    public static (FileRole Role, FileFormat Format) Classify(string path)
    {
        if (path.StartsWith('.') || path.Contains("/.", StringComparison.Ordinal)) return (FileRole.Ignored, default);
        FileFormat format;
        if (path.EndsWith(".sxp", StringComparison.Ordinal)) format = FileFormat.Sxp;
        else if (path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal)) format = FileFormat.Yaml;
        else return (FileRole.Ignored, default);
        if (path is "fleet.yaml" or "fleet.yml" or "fleet.sxp") return (FileRole.Fleet, format);
        if (path.StartsWith("vnets/", StringComparison.Ordinal)) return (FileRole.Vnets, format);
        if (path.StartsWith("hosts/", StringComparison.Ordinal)) return (FileRole.Hosts, format);
        if (path.StartsWith("peers/", StringComparison.Ordinal)) return (FileRole.Peers, format);
        return (FileRole.Ignored, default);
    }

    public static string FormFor(FileRole role) => role switch
    {
        FileRole.Fleet => "fleet",
        FileRole.Vnets => "vnet",
        FileRole.Hosts => "host",
        _ => "peer",
    };
}
