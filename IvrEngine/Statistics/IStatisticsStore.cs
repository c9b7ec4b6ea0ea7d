namespace IvrEngine.Statistics;

/// <summary>Where the hourly totals are kept: the engine's store (LiteDB by default).</summary>
public interface IStatisticsStore
{
    /// <summary>Adds totals to the slices they name (a slice not kept yet starts at zero), in one transaction.</summary>
    Task AddHoursAsync(IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>> totals, CancellationToken cancellationToken = default);

    /// <summary>Every slice of <paramref name="dimension"/> (<see cref="SliceDimensions"/>) of the hours from the one
    /// holding <paramref name="since"/> to the one before <paramref name="until"/> (the hour holding
    /// <paramref name="until"/> too unless it is a whole hour), in hour order.</summary>
    Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadHoursAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
        CancellationToken cancellationToken = default);
}
