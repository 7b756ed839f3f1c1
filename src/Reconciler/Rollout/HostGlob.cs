namespace VnetReconciler.Reconciler.Rollout;

/// <summary>
/// A wave's host pattern (SPEC §2.4): a plain name matches itself; a shell glob matches with <c>*</c> (any run of
/// characters), <c>?</c> (one character) and <c>[abc]</c>, <c>[a-z]</c>, <c>[!a-z]</c> (<c>^</c> also negates), as
/// fnmatch(3) without flags. An unterminated <c>[</c> stands for itself.
/// </summary>
public static class HostGlob
{
    public static bool Matches(string pattern, string host) => Match(pattern.AsSpan(), host.AsSpan());

    private static bool Match(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        // Iterative with one backtrack point (the last '*'), linear in practice for host names.
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = ++p;
                starT = t;
                continue;
            }
            if (p < pattern.Length && MatchOne(pattern, ref p, text[t]))
            {
                t++;
                continue;
            }
            if (starP < 0) return false;
            p = starP;
            t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    /// <summary>Whether the pattern element at <paramref name="p"/> matches <paramref name="c"/>; advances past it when it does.</summary>
    private static bool MatchOne(ReadOnlySpan<char> pattern, ref int p, char c)
    {
        if (pattern[p] == '?')
        {
            p++;
            return true;
        }
        if (pattern[p] == '[' && ClassEnd(pattern, p) is var end and > 0)
        {
            var i = p + 1;
            var negate = pattern[i] is '!' or '^';
            if (negate) i++;
            var found = false;
            // A ']' right after '[' or '[!' is a member, not the end (ClassEnd skipped it).
            while (i < end)
            {
                if (i + 2 < end && pattern[i + 1] == '-')
                {
                    found |= c >= pattern[i] && c <= pattern[i + 2];
                    i += 3;
                }
                else
                {
                    found |= c == pattern[i];
                    i++;
                }
            }
            if (found == negate) return false;
            p = end + 1;
            return true;
        }
        if (pattern[p] != c) return false;
        p++;
        return true;
    }

    /// <summary>The index of the <c>]</c> closing the class that opens at <paramref name="open"/>, or -1.</summary>
    private static int ClassEnd(ReadOnlySpan<char> pattern, int open)
    {
        var i = open + 1;
        if (i < pattern.Length && pattern[i] is '!' or '^') i++;
        if (i < pattern.Length && pattern[i] == ']') i++;
        for (; i < pattern.Length; i++)
        {
            if (pattern[i] == ']') return i;
        }
        return -1;
    }
}
