using System.Globalization;
using System.Text;
using CsvHelper;
using IvrEngine.Scripts;

namespace IvrEngine.Statistics;

/// <summary>How a report's rows are cut.</summary>
public enum ReportDimension
{
    /// <summary>One row: the whole period.</summary>
    Total,

    /// <summary>By the last queue a call waited in.</summary>
    Queue,

    /// <summary>By dialed number.</summary>
    Campaign,

    /// <summary>By flow.</summary>
    Flow,

    /// <summary>By the agent who took the call last.</summary>
    Agent,

    /// <summary>By customer-type code.</summary>
    Cti,

    /// <summary>By client category.</summary>
    Category,

    /// <summary>By hour of the day (00 to 23, in the report's time zone).</summary>
    Hour,

    /// <summary>By day (in the report's time zone).</summary>
    Day,
}

/// <summary>A report's figures for one row (docs/statistics.md defines each).</summary>
public sealed record ReportFigures(
    long Calls,
    long IvrCalls,
    long Contained,
    double? ContainmentPercent,
    long IvrAbandoned,
    long IvrFailed,
    long Queued,
    long Answered,
    long Abandoned,
    double? AbandonPercent,
    long Overflowed,
    double? ServiceLevelPercent,
    double? AverageWaitSeconds,
    double? P90WaitSeconds,
    double? AverageTalkSeconds,
    double? AverageIvrSeconds,
    long Transfers,
    long Repeats,
    long Requests,
    double? AverageWrapUpSeconds,
    double? AverageHandleSeconds,
    long WrapUps,
    IReadOnlyDictionary<string, long> Dispositions,
    double? ResolvedPercent,
    long Offers,
    long OffersMissed,
    double? OffersMissedPercent);

/// <summary>One row of a report.</summary>
/// <param name="Key">The row's value of the dimension ("(none)" for calls without one; "all" for the total).</param>
/// <param name="Totals">The summed totals.</param>
/// <param name="Figures">What they give.</param>
public sealed record ReportRow(string Key, HourTotals Totals, ReportFigures Figures);

/// <summary>One step of a flow's funnel.</summary>
/// <param name="Flow">The flow.</param>
/// <param name="Step">The step's id.</param>
/// <param name="Totals">What the callers did there, summed over the period's days.</param>
public sealed record FunnelRow(string Flow, string Step, StepTotals Totals);

/// <summary>Reports over the hourly totals: sums the slices of a period by a dimension and computes the figures.</summary>
public static class StatisticsReport
{
    /// <summary>The service level's threshold when none is asked for, in seconds.</summary>
    public const int DefaultServiceLevelSeconds = 20;

    /// <summary>The key of a row without a value of its dimension.</summary>
    public const string None = "(none)";

    /// <summary>The dimensions by their command-line and query-string names.</summary>
    public static bool TryParseDimension(string? text, out ReportDimension dimension)
    {
        dimension = ReportDimension.Total;
        if (string.IsNullOrEmpty(text)) return true;
        return Enum.TryParse(text, ignoreCase: true, out dimension) && Enum.IsDefined(dimension) && !text.All(char.IsAsciiDigit);
    }

    /// <summary>True when a service level can be computed for <paramref name="seconds"/> (one of the histogram's edges).</summary>
    public static bool IsServiceLevelThreshold(int seconds) => HourTotals.WaitEdges.Contains(seconds);

    /// <summary>Reads the period's slices from the store and builds the report. The store keeps whole hours: a period
    /// that starts or ends within an hour counts that hour whole. Filtered and cut by another dimension, the report reads
    /// their pair, kept by UTC day: it counts the whole UTC days the period touches (<see cref="CountsWholeDays"/>).</summary>
    public static async Task<IReadOnlyList<ReportRow>> RunAsync(IStatisticsStore store, ReportQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(query);
        // Cut by time, the hours are needed; else the days' totals do for the whole days of the period.
        var (dimension, pair) = Source(query.By, query.Where);
        var value = query.Where?.Value;
        var slices = pair ? await store.ReadPairDaysAsync(dimension, value!, query.Since, query.Until, cancellationToken).ConfigureAwait(false)
            : query.By is ReportDimension.Hour or ReportDimension.Day
            ? await store.ReadHoursAsync(dimension, query.Since, query.Until, value, cancellationToken).ConfigureAwait(false)
            : await store.ReadPeriodAsync(dimension, query.Since, query.Until, value, cancellationToken).ConfigureAwait(false);
        return Build(slices, query.By, query.Zone, query.ServiceLevelSeconds, query.Where);
    }

    /// <summary>True when the report counts the whole UTC days its period touches rather than its hours: filtered on one
    /// dimension and cut by another.</summary>
    public static bool CountsWholeDays(ReportQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Source(query.By, query.Where).Pair;
    }

    /// <summary>The slices a report cut by <paramref name="by"/> reads: the hour's totals for the whole period, the hour
    /// of the day and the day; else the dimension's own.</summary>
    public static string DimensionOf(ReportDimension by) => by switch
    {
        ReportDimension.Total or ReportDimension.Hour or ReportDimension.Day => SliceDimensions.Total,
        ReportDimension.Queue => SliceDimensions.Queue,
        ReportDimension.Campaign => SliceDimensions.Campaign,
        ReportDimension.Flow => SliceDimensions.Flow,
        ReportDimension.Agent => SliceDimensions.Agent,
        ReportDimension.Cti => SliceDimensions.Cti,
        ReportDimension.Category => SliceDimensions.Category,
        _ => throw new ArgumentOutOfRangeException(nameof(by), by, null),
    };

    /// <summary>The slices a report reads: unfiltered, <see cref="DimensionOf"/>; filtered and cut by time or by the
    /// filter's own dimension, the filter's dimension (by hour); filtered and cut by another, their pair, the filter's
    /// first (by day).</summary>
    public static (string Dimension, bool Pair) Source(ReportDimension by, ReportFilter? where)
    {
        if (where is null) return (DimensionOf(by), false);
        var filtered = DimensionOf(where.Dimension);
        if (by is ReportDimension.Total or ReportDimension.Hour or ReportDimension.Day || by == where.Dimension) return (filtered, false);
        return (SliceDimensions.PairOf(filtered, DimensionOf(by)).Name, true);
    }

    /// <summary>Sums <paramref name="slices"/> (of <see cref="Source"/>'s dimension) by <paramref name="by"/>, in the
    /// key's order, keeping those of <paramref name="where"/>, and computes the figures.</summary>
    public static IReadOnlyList<ReportRow> Build(IEnumerable<KeyValuePair<SliceKey, HourTotals>> slices, ReportDimension by, TimeZoneInfo zone,
        int serviceLevelSeconds = DefaultServiceLevelSeconds, ReportFilter? where = null)
    {
        ArgumentNullException.ThrowIfNull(slices);
        ArgumentNullException.ThrowIfNull(zone);
        if (!IsServiceLevelThreshold(serviceLevelSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(serviceLevelSeconds), serviceLevelSeconds,
                "The service level's threshold must be one of " + string.Join(", ", HourTotals.WaitEdges) + " seconds.");
        }

        var rows = new SortedDictionary<string, HourTotals>(StringComparer.Ordinal);
        var (dimension, pair) = Source(by, where);
        var filterValue = where is null ? null : CallFacts.Clean(where.Value);
        foreach (var (key, totals) in slices)
        {
            // Every call is in one slice of each dimension: summing another dimension's would count it again.
            if (key.Dimension != dimension) continue;
            if (filterValue is not null && !string.Equals(key.Value, filterValue, StringComparison.Ordinal)) continue;
            var row = RowKey(key.Hour, pair ? key.Other : key.Value, by, zone);
            if (!rows.TryGetValue(row, out var sum)) rows[row] = sum = new HourTotals();
            sum.Add(totals);
        }

        if (by == ReportDimension.Total && rows.Count == 0) rows["all"] = new HourTotals();
        return [.. rows.Select(r => new ReportRow(r.Key, r.Value, Figures(r.Value, serviceLevelSeconds)))];
    }

    /// <summary>The figures of summed totals.</summary>
    public static ReportFigures Figures(HourTotals t, int serviceLevelSeconds = DefaultServiceLevelSeconds)
    {
        ArgumentNullException.ThrowIfNull(t);
        var within = 0L;
        for (var i = 0; i < HourTotals.WaitEdges.Count && HourTotals.WaitEdges[i] <= serviceLevelSeconds; i++) within += t.AnsweredWaits[i];
        return new ReportFigures(
            t.Calls,
            t.IvrCalls,
            t.Contained,
            Percent(t.Contained, t.IvrCalls),
            t.IvrAbandoned,
            t.IvrFailed,
            t.Queued,
            t.Answered,
            t.Abandoned,
            Percent(t.Abandoned, t.Queued),
            t.Overflowed,
            Percent(within, t.Answered + t.Abandoned),
            t.Queued == 0 ? null : t.WaitSeconds / t.Queued,
            Percentile(t.Waits, 0.9),
            t.Answered == 0 ? null : t.TalkSeconds / t.Answered,
            t.IvrCalls == 0 ? null : t.IvrSeconds / t.IvrCalls,
            t.Transfers,
            t.Repeats,
            t.Requests,
            t.WrapUps == 0 ? null : t.WrapUpSeconds / t.WrapUps,
            t.Answered == 0 ? null : (t.TalkSeconds + t.WrapUpSeconds) / t.Answered,
            t.WrapUps,
            ContextContract.Dispositions.Select((d, i) => (d, i)).ToDictionary(p => p.d, p => p.i < t.Dispositions.Length ? t.Dispositions[p.i] : 0),
            Percent(t.Dispositions.Length > 0 ? t.Dispositions[0] : 0, t.WrapUps),
            t.Offers,
            t.OffersMissed,
            Percent(t.OffersMissed, t.Offers));
    }

    /// <summary>The upper edge of the bucket that holds the given share of the counted waits; +infinity when it is the
    /// last (longer than the last edge); null when nothing was counted.</summary>
    public static double? Percentile(long[] buckets, double share)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        var total = buckets.Sum();
        if (total == 0) return null;
        var needed = (long)Math.Ceiling(total * share);
        var seen = 0L;
        for (var i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i];
            if (seen >= needed) return i < HourTotals.WaitEdges.Count ? HourTotals.WaitEdges[i] : double.PositiveInfinity;
        }

        return double.PositiveInfinity;
    }

    /// <summary>The columns of <see cref="WriteCsv"/> and of the terminal table, in order.</summary>
    public static IReadOnlyList<string> Columns(ReportDimension by, int serviceLevelSeconds) =>
    [
        by.ToString().ToLowerInvariant(), "calls", "calls_in_ivr", "contained", "containment_pct", "abandoned_in_ivr", "failed_in_ivr", "queued",
        "answered", "abandoned", "abandon_pct", "overflowed", $"service_level_{serviceLevelSeconds}s_pct", "avg_wait_s", "p90_wait_s",
        "avg_talk_s", "avg_in_ivr_s", "transfers", "repeats", "requests", "avg_wrap_up_s", "avg_handle_s", "wrap_ups",
        .. ContextContract.Dispositions.Select(d => "disposition_" + d.Replace('-', '_')), "resolved_pct", "offers", "offers_missed", "offers_missed_pct",
    ];

    /// <summary>The row's cells, in <see cref="Columns"/>' order, as text (invariant culture; empty when undefined).</summary>
    public static IReadOnlyList<string> Cells(ReportRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var f = row.Figures;
        return
        [
            row.Key, Count(f.Calls), Count(f.IvrCalls), Count(f.Contained), Number(f.ContainmentPercent), Count(f.IvrAbandoned), Count(f.IvrFailed),
            Count(f.Queued), Count(f.Answered), Count(f.Abandoned), Number(f.AbandonPercent), Count(f.Overflowed), Number(f.ServiceLevelPercent),
            Number(f.AverageWaitSeconds), Number(f.P90WaitSeconds), Number(f.AverageTalkSeconds), Number(f.AverageIvrSeconds), Count(f.Transfers),
            Count(f.Repeats), Count(f.Requests), Number(f.AverageWrapUpSeconds), Number(f.AverageHandleSeconds), Count(f.WrapUps),
            .. ContextContract.Dispositions.Select(d => Count(f.Dispositions.GetValueOrDefault(d))), Number(f.ResolvedPercent),
            Count(f.Offers), Count(f.OffersMissed), Number(f.OffersMissedPercent),
        ];
    }

    /// <summary>Writes the rows as CSV (CsvHelper: RFC 4180, a header line, CRLF; a text cell a spreadsheet would run as
    /// a formula gets a leading quote).</summary>
    public static Task WriteCsvAsync(Stream output, IReadOnlyList<ReportRow> rows, ReportDimension by, int serviceLevelSeconds,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return WriteCsvAsync(output, Columns(by, serviceLevelSeconds), rows.Select(Cells), cancellationToken);
    }

    /// <summary>Writes a funnel as CSV, as <see cref="WriteCsvAsync(Stream, IReadOnlyList{ReportRow}, ReportDimension, int, CancellationToken)"/>.</summary>
    public static Task WriteFunnelCsvAsync(Stream output, IReadOnlyList<FunnelRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return WriteCsvAsync(output, FunnelColumns, rows.Select(FunnelCells), cancellationToken);
    }

    /// <summary>Writes a header and lines as CSV, a value a spreadsheet would run as a formula escaped: every CSV the
    /// engine serves whole (the reports, the funnel, the outgoing campaigns' figures).</summary>
    internal static async Task WriteCsvAsync(Stream output, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var options = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };
        await using var writer = CsvWriter.Create(output, options, true);
        writer.WriteHeader([.. header]);
        foreach (var line in lines) await writer.WriteRecordAsync([.. line], cancellationToken);
        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>Writes the rows as an aligned table for the terminal.</summary>
    public static void WriteTable(TextWriter writer, IReadOnlyList<ReportRow> rows, ReportDimension by, int serviceLevelSeconds)
    {
        ArgumentNullException.ThrowIfNull(rows);
        WriteTable(writer, Columns(by, serviceLevelSeconds), rows.Select(Cells));
    }

    /// <summary>Writes a funnel as an aligned table for the terminal.</summary>
    public static void WriteFunnelTable(TextWriter writer, IReadOnlyList<FunnelRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        WriteTable(writer, FunnelColumns, rows.Select(FunnelCells));
    }

    private static void WriteTable(TextWriter writer, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> cells)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var lines = new List<IReadOnlyList<string>> { header };
        lines.AddRange(cells.Select(r => r.Select(c => c.Length == 0 ? "-" : c).ToList()));
        var widths = Enumerable.Range(0, header.Count).Select(i => lines.Max(l => l[i].Length)).ToList();
        foreach (var line in lines)
        {
            var text = new StringBuilder();
            for (var i = 0; i < line.Count; i++)
            {
                if (i > 0) text.Append("  ");
                text.Append(i == 0 || i == line.Count - 1 && header == FunnelColumns ? line[i].PadRight(widths[i]) : line[i].PadLeft(widths[i]));
            }

            writer.WriteLine(text.ToString().TrimEnd());
        }
    }

    /// <summary>The columns of a funnel, in order.</summary>
    public static readonly IReadOnlyList<string> FunnelColumns = ["step", "entered", "went_on", "timed_out", "invalid", "hung_up", "ended", "left", "left_to"];

    /// <summary>The steps of a flow's funnel summed over the days read, the most entered first (the flow's way in,
    /// then down the funnel); steps as many entered in the order callers met them, then by name.</summary>
    public static IReadOnlyList<FunnelRow> Funnel(IEnumerable<KeyValuePair<StepKey, StepTotals>> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var rows = new Dictionary<(string Flow, string Step), StepTotals>();
        foreach (var (key, totals) in steps)
        {
            if (!rows.TryGetValue((key.Flow, key.Step), out var sum)) rows[(key.Flow, key.Step)] = sum = new StepTotals();
            sum.Add(totals);
        }

        return [.. rows.OrderByDescending(r => r.Value.Entered).ThenBy(r => r.Value.Entered == 0 ? 0 : (double)r.Value.PlaceSum / r.Value.Entered)
            .ThenBy(r => r.Key.Step, StringComparer.Ordinal)
            .Select(r => new FunnelRow(r.Key.Flow, r.Key.Step, r.Value))];
    }

    /// <summary>A funnel row's cells, in <see cref="FunnelColumns"/>' order; where callers left to, the most first
    /// (<c>vip 12; general 3</c>).</summary>
    public static IReadOnlyList<string> FunnelCells(FunnelRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var t = row.Totals;
        var leftTo = string.Join("; ", t.LeftTo.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (p.Key.Length == 0 ? None : p.Key) + " " + Count(p.Value)));
        return [row.Step, Count(t.Entered), Count(t.WentOn), Count(t.TimedOut), Count(t.Invalid), Count(t.HungUp), Count(t.Ended), Count(t.Left), leftTo];
    }

    private static string RowKey(DateTimeOffset hour, string value, ReportDimension by, TimeZoneInfo zone) => by switch
    {
        ReportDimension.Total => "all",
        ReportDimension.Hour => TimeZoneInfo.ConvertTime(hour, zone).Hour.ToString("00", CultureInfo.InvariantCulture),
        ReportDimension.Day => TimeZoneInfo.ConvertTime(hour, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => NoneIfEmpty(value),
    };

    private static string NoneIfEmpty(string value) => value.Length == 0 ? None : value;

    private static double? Percent(long part, long whole) => whole == 0 ? null : Math.Round(100.0 * part / whole, 1);

    private static string Count(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(double? value) => value switch
    {
        null => string.Empty,
        double.PositiveInfinity => ">" + HourTotals.WaitEdges[^1].ToString(CultureInfo.InvariantCulture),
        { } v => Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture),
    };
}
