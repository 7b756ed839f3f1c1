namespace VnetReconciler.Schema.Loading;

/// <summary>The closest known name to a misspelt one (Damerau-Levenshtein, optimal string alignment).</summary>
internal static class DidYouMean
{
    public static string? Suggest(string word, ReadOnlySpan<string> known, ReadOnlySpan<string> moreKnown)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidates in new[] { known.ToArray(), moreKnown.ToArray() })
            foreach (var candidate in candidates)
            {
                var d = Distance(word, candidate);
                if (d < bestDistance)
                {
                    bestDistance = d;
                    best = candidate;
                }
            }
        var limit = Math.Max(1, Math.Min(3, word.Length / 3));
        return bestDistance <= limit ? best : null;
    }

    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
