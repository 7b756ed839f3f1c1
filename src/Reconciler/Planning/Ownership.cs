namespace VnetReconciler.Reconciler.Planning;

/// <summary>
/// The kernel marker of ownership (SPEC §3.2): every link the agent creates carries the interface alias
/// (IFLA_IFALIAS) <c>vnet-reconciler role=&lt;role&gt; vnet=&lt;canonical id&gt;</c>. The alias survives agent
/// restarts and state-directory loss, so the agent never mistakes someone else's link for its own and never
/// forgets its own. Adopted <c>link</c> ports are not marked: they are not ours, and the inventory records them.
/// </summary>
public static class Ownership
{
    public const string AliasPrefix = "vnet-reconciler";

    public static string Alias(LinkRole role, string vnet) => $"{AliasPrefix} role={RoleText(role)} vnet={vnet}";

    public static bool IsOwnedAlias(string? alias) =>
        alias is not null && (alias == AliasPrefix || alias.StartsWith(AliasPrefix + " ", StringComparison.Ordinal));

    /// <summary>Reads role and vnet back from an owned alias; false when the alias is not ours or not complete.</summary>
    public static bool TryParse(string? alias, out LinkRole role, out string vnet)
    {
        role = default;
        vnet = "";
        if (!IsOwnedAlias(alias)) return false;
        string? r = null, v = null;
        foreach (var part in alias!.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("role=", StringComparison.Ordinal)) r = part[5..];
            else if (part.StartsWith("vnet=", StringComparison.Ordinal)) v = part[5..];
        }
        if (r is null || v is null || !TryParseRole(r, out role)) return false;
        vnet = v;
        return true;
    }

    public static string RoleText(LinkRole role) => role switch
    {
        LinkRole.Bridge => "bridge",
        LinkRole.Vnetif => "vnetif",
        LinkRole.Tap => "tap",
        LinkRole.Port => "port",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    private static bool TryParseRole(string text, out LinkRole role)
    {
        foreach (var r in Enum.GetValues<LinkRole>())
        {
            if (RoleText(r) == text)
            {
                role = r;
                return true;
            }
        }
        role = default;
        return false;
    }
}
