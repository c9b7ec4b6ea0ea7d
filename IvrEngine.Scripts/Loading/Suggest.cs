namespace IvrEngine.Scripts.Loading;

/// <summary>"Did you mean": the closest known name to a misspelt one.</summary>
internal static class Suggest
{
    /// <summary>Past this many candidates no hint is given (it would cost too much in a hostile file).</summary>
    public const int MaxCandidates = 2000;

    /// <summary>Hints are given for the first this many problems of a load only, so that a file with thousands of
    /// problems costs no more than a few.</summary>
    public const int MaxHintedProblems = 100;

    /// <summary>The candidate closest to <paramref name="written"/>, when close enough to be a typo; else null.</summary>
    public static string? Closest(string written, IEnumerable<string> candidates)
    {
        var list = candidates as IReadOnlyCollection<string> ?? [.. candidates.Take(MaxCandidates + 1)];
        if (written.Length is 0 or > 200 || list.Count > MaxCandidates)
        {
            return null;
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in list)
        {
            if (candidate.Length > 200 || Math.Abs(candidate.Length - written.Length) > Math.Max(2, written.Length / 3))
            {
                continue;
            }

            var distance = Distance(written.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        var allowed = Math.Max(2, Math.Min(written.Length, best?.Length ?? 0) / 3);
        return best is not null && bestDistance <= allowed && bestDistance < Math.Max(written.Length, best.Length) ? best : null;
    }

    /// <summary>" (did you mean 'x'?)" or nothing.</summary>
    public static string Hint(string written, IEnumerable<string> candidates) =>
        Closest(written, candidates) is { } best ? $" (did you mean '{best}'?)" : string.Empty;

    /// <summary>Edit distance with adjacent transpositions (optimal string alignment).</summary>
    internal static int Distance(string a, string b)
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
                var value = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, d[i - 2, j - 2] + 1);
                }

                d[i, j] = value;
            }
        }

        return d[a.Length, b.Length];
    }
}
