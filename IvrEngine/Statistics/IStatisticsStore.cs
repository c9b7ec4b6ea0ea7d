namespace IvrEngine.Statistics;

/// <summary>Where the hourly totals are kept: the engine's store (LiteDB by default).</summary>
public interface IStatisticsStore
{
    /// <summary>Adds totals to the slices they name and to the funnel's steps (a slice or step not kept yet starts at
    /// zero), in one transaction; every hour's slice adds to its UTC day's too, and a pair of dimensions is kept by day
    /// only.</summary>
    Task AddHoursAsync(IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>> totals, IReadOnlyCollection<KeyValuePair<StepKey, StepTotals>> steps,
        CancellationToken cancellationToken = default);

    /// <summary>The funnel of <paramref name="flow"/>: its steps' totals on the UTC days from the one holding
    /// <paramref name="since"/> to the one holding the moment before <paramref name="until"/>.</summary>
    Task<IReadOnlyList<KeyValuePair<StepKey, StepTotals>>> ReadStepsAsync(string flow, DateTimeOffset since, DateTimeOffset until,
        CancellationToken cancellationToken = default);

    /// <summary>Every slice of <paramref name="dimension"/> (<see cref="SliceDimensions"/>) of the hours from the one
    /// holding <paramref name="since"/> to the one before <paramref name="until"/> (the hour holding
    /// <paramref name="until"/> too unless it is a whole hour), in hour order; only those of <paramref name="value"/>
    /// when one is given.</summary>
    Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadHoursAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
        string? value = null, CancellationToken cancellationToken = default);

    /// <summary>The slices of a pair of dimensions (<see cref="SliceDimensions.Pairs"/>, kept by day only) whose first
    /// value is <paramref name="value"/>, on the UTC days the period touches (from the one holding
    /// <paramref name="since"/> to the one holding the moment before <paramref name="until"/>), one per day and second
    /// value, in day order.</summary>
    Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPairDaysAsync(string pair, string value, DateTimeOffset since, DateTimeOffset until,
        CancellationToken cancellationToken = default);

    /// <summary>The same period's totals of <paramref name="dimension"/> for a report not cut by time: the whole UTC
    /// days of the period as one slice per day and value (its <see cref="SliceKey.Hour"/> the day's midnight), the
    /// hours before and after them as hours.</summary>
    Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPeriodAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
        string? value = null, CancellationToken cancellationToken = default);
}
