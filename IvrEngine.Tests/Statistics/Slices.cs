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
        counted.Should().HaveCount(PerCall, "a call is in its hour's total, in one slice of each of the six dimensions and in one of each of their 30 ordered pairs");
        var single = counted.Where(s => !SliceDimensions.IsPair(s.Key.Dimension)).ToList();
        var hour = single.First().Key.Hour;
        var total = single.Single(s => s.Key.Dimension == SliceDimensions.Total).Value;
        counted.Should().OnlyContain(s => s.Value.Calls == total.Calls && s.Value.WaitSeconds == total.WaitSeconds);
        single.Should().OnlyContain(s => s.Key.Hour == hour);
        var value = single.ToDictionary(s => s.Key.Dimension, s => s.Key.Value);

        // Each pair: the call's UTC day, the call's value of each of its two dimensions.
        var day = new DateTimeOffset(hour.UtcDateTime.Date, TimeSpan.Zero);
        var pairs = counted.Where(s => SliceDimensions.IsPair(s.Key.Dimension)).ToList();
        pairs.Select(s => s.Key.Dimension).Should().BeEquivalentTo(SliceDimensions.Pairs.Select(p => p.Name));
        foreach (var (key, _) in pairs)
        {
            var names = key.Dimension.Split('+');
            (key.Hour, key.Value, key.Other).Should().Be((day, value[names[0]], value[names[1]]), key.Dimension);
        }

        return (new CallFacts(hour, value[SliceDimensions.Campaign], value[SliceDimensions.Flow], value[SliceDimensions.Queue],
            value[SliceDimensions.Agent], value[SliceDimensions.Cti], value[SliceDimensions.Category]), total);
    }

    /// <summary>The slices one call adds to: its hour's total, one per dimension, one per pair of dimensions.</summary>
    public const int PerCall = 1 + 6 + 30;

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
