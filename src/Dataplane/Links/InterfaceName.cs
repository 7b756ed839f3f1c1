using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace VnetReconciler.Dataplane.Links;

/// <summary>
/// Interface names as SPEC §2.1 allows them: 1 to 14 bytes, none of <c>/</c>, <c>:</c> or whitespace, not
/// <c>.</c> or <c>..</c>. The kernel's own limit is IFNAMSIZ - 1 = 15 (linux/if.h, dev_valid_name); the spec keeps
/// one byte of room. Checked before any system call so a bad name never reaches the kernel.
/// </summary>
public static class InterfaceName
{
    public const int MaxLength = 14;

    /// <summary>True when <paramref name="name"/> is acceptable; otherwise <paramref name="problem"/> says why.</summary>
    public static bool IsValid([NotNullWhen(true)] string? name, [NotNullWhen(false)] out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(name)) problem = "an interface name must not be empty";
        else if (Encoding.UTF8.GetByteCount(name) > MaxLength)
            problem = $"interface name '{name}' is longer than {MaxLength} characters";
        else if (name is "." or "..") problem = $"interface name '{name}' is not allowed";
        else
        {
            foreach (var c in name)
            {
                if (c == '/' || c == ':' || char.IsWhiteSpace(c) || char.IsControl(c))
                {
                    problem = $"interface name '{name}' contains '{(char.IsControl(c) ? "\\u" + ((int)c).ToString("x4") : c.ToString())}' (no '/', ':', whitespace or control characters)";
                    break;
                }
            }
        }
        return problem is null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the problem unless <paramref name="name"/> is valid.</summary>
    public static void Validate([NotNull] string? name, string parameter = "name")
    {
        if (!IsValid(name, out var problem)) throw new ArgumentException(problem, parameter);
    }
}
