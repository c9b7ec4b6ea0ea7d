namespace IvrEngine.Statistics;

/// <summary>The hours and days a report's period reads, the same for every statistics store.</summary>
internal static class StatisticsPeriod
{
    /// <summary>The UTC days a period touches: from the one holding its start to the one after its end (the end's own
    /// day unless the end is a midnight).</summary>
    public static (DateTimeOffset First, DateTimeOffset End) Days(DateTimeOffset since, DateTimeOffset until) =>
        (StepKey.DayOf(since), StepKey.DayOf(until) == until ? StepKey.DayOf(until) : StepKey.DayOf(until).AddDays(1));

    /// <summary>The whole hours a period counts: from the one holding its start to the one after its end (the end's
    /// own hour unless the end is a whole hour).</summary>
    public static (DateTimeOffset First, DateTimeOffset End) Hours(DateTimeOffset since, DateTimeOffset until)
    {
        var end = CallFacts.HourOf(until) == until ? CallFacts.HourOf(until) : CallFacts.HourOf(until).AddHours(1);
        return (CallFacts.HourOf(since), end);
    }
}
