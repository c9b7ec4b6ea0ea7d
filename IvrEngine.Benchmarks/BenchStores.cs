namespace IvrEngine.Benchmarks;

/// <summary>The <c>--store</c> option of the benchmarks that run on a store: <c>litedb</c> (the default),
/// <c>postgres</c>, or <c>both</c> (LiteDB then PostgreSQL in one run, their figures side by side).</summary>
internal static class BenchStores
{
    public const string LiteDb = "LiteDB";
    public const string Postgres = "PostgreSQL";

    /// <summary>The stores <paramref name="option"/> names, in the order they run.</summary>
    public static IReadOnlyList<string> Parse(string? option) => option?.ToLowerInvariant() switch
    {
        null or "litedb" => [LiteDb],
        "postgres" or "postgresql" => [Postgres],
        "both" => [LiteDb, Postgres],
        _ => throw new UsageException($"Option '--store' wants litedb, postgres or both, got '{option}'."),
    };

    /// <summary>The machine's load averages (1, 5, 15 minutes), to say how busy it was.</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(" ", parts.Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    /// <summary>Prints each store's figures as a column, one row per figure (in the first store's order).</summary>
    public static void PrintSideBySide(IReadOnlyList<(string Store, IReadOnlyList<(string Figure, string Value)> Rows)> stores)
    {
        var labels = stores[0].Rows.Select(r => r.Figure).ToList();
        var width = Math.Max(6, labels.Max(l => l.Length));
        Console.WriteLine();
        Console.WriteLine("side by side".PadRight(width) + string.Concat(stores.Select(s => $"  {s.Store,16}")));
        foreach (var label in labels)
        {
            Console.WriteLine(label.PadRight(width) + string.Concat(stores.Select(s =>
                $"  {s.Rows.FirstOrDefault(r => r.Figure == label).Value ?? "-",16}")));
        }
    }
}
