namespace MultiArch.Build.Platforms;

/// <summary>"Did you mean": the known value nearest to a typo, by edit distance.</summary>
internal static class Spelling
{
    /// <summary>
    /// The first of <paramref name="candidates"/> (so: list the common ones first) at the smallest edit distance from
    /// <paramref name="text"/>, when that distance is at most <paramref name="maxDistance"/> and less than half the text
    /// (a short word is not "near" everything); null otherwise or when the text is one of them.
    /// </summary>
    public static string? Closest(string text, IEnumerable<string> candidates, int maxDistance = 2)
    {
        var typed = text.Trim().ToLowerInvariant();
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(typed, candidate.ToLowerInvariant());
            if (distance == 0)
            {
                return null;
            }

            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return bestDistance <= maxDistance && bestDistance * 2 < typed.Length ? best : null;
    }

    /// <summary>
    /// Edit distance counting an insertion, a deletion, a substitution and a swap of two neighbours as one each
    /// (optimal string alignment): <c>amd46</c> is one from <c>amd64</c>.
    /// </summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
