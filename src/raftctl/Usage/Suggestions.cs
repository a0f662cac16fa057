namespace RaftKv.Ctl.Usage;

/// <summary>"Did you mean" for near-miss words: the closest candidate within a small edit distance.</summary>
internal static class Suggestions
{
    /// <summary>The candidate nearest to <paramref name="word"/> (Damerau-Levenshtein), or null when none is close (at most 2 edits, and fewer than half the word).</summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var d = Distance(word.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance)
            {
                best = candidate;
                bestDistance = d;
            }
        }
        var allowed = Math.Min(2, Math.Max(1, word.Length / 2));
        return bestDistance <= allowed || (best is not null && best.StartsWith(word, StringComparison.OrdinalIgnoreCase) && word.Length >= 2) ? best : null;
    }

    /// <summary>Edit distance counting insertions, deletions, substitutions and swaps of neighbours (optimal string alignment).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
