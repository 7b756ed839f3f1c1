namespace VnetReconciler.Schema.Validation;

/// <summary>Linux interface names as SPEC §2.1 allows them: 1 to 14 characters (IFNAMSIZ 16 in linux/if.h, minus the
/// terminator and one spare), none of '/', ':' or whitespace, and not '.' or '..'.</summary>
internal static class InterfaceName
{
    public const int MaxLength = 14;

    /// <summary>Null when <paramref name="name"/> is valid, else what is wrong with it (after "<c>bridge name 'x' </c>").</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0) return "is empty: interface names have 1 to 14 characters";
        if (name.Length > MaxLength) return $"is {name.Length} characters long: interface names have at most {MaxLength}";
        if (name is "." or "..") return "is not allowed as an interface name";
        foreach (var c in name)
        {
            if (c is '/' or ':') return $"contains '{c}': interface names may not contain '/', ':' or whitespace";
            if (char.IsWhiteSpace(c)) return "contains whitespace: interface names may not contain '/', ':' or whitespace";
        }
        return null;
    }
}
