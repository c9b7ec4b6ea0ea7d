using IvrEngine.Statistics;

namespace IvrEngine.Tests.Statistics;

/// <summary>Helpers of the statistics' tests: a call's slices, and a counted call read back from them.</summary>
internal static class Slices
{
    /// <summary>The slices a call with these facts adds to, each with <paramref name="totals"/>.</summary>
    public static IEnumerable<KeyValuePair<SliceKey, HourTotals>> Of(CallFacts facts, HourTotals totals) =>
        facts.Slices().Select(key => new KeyValuePair<SliceKey, HourTotals>(key, totals));

    /// <summary>What the collector counted since the last take, when it is one call (or calls of one and the same
    /// slice): its facts and its totals, after checking that the hour's total and each dimension hold it once.</summary>
    public static (CallFacts Facts, HourTotals Totals) TakeOne(StatisticsCollector collector)
    {
        var counted = collector.TakeCounted();
        counted.Should().HaveCount(7, "a call is in its hour's total and in one slice of each of the six dimensions");
        var hour = counted.First().Key.Hour;
        var total = counted.Single(s => s.Key.Dimension == SliceDimensions.Total).Value;
        counted.Should().OnlyContain(s => s.Key.Hour == hour && s.Value.Calls == total.Calls && s.Value.WaitSeconds == total.WaitSeconds);
        var value = counted.ToDictionary(s => s.Key.Dimension, s => s.Key.Value);
        return (new CallFacts(hour, value[SliceDimensions.Campaign], value[SliceDimensions.Flow], value[SliceDimensions.Queue],
            value[SliceDimensions.Agent], value[SliceDimensions.Cti], value[SliceDimensions.Category]), total);
    }

    /// <summary>The sum of the hours' totals among <paramref name="slices"/>.</summary>
    public static HourTotals Total(IEnumerable<KeyValuePair<SliceKey, HourTotals>> slices)
    {
        var sum = new HourTotals();
        foreach (var (key, totals) in slices)
        {
            if (key.Dimension == SliceDimensions.Total) sum.Add(totals);
        }

        return sum;
    }
}
