using System.Globalization;

namespace IvrEngine.Statistics;

/// <summary>What a report is asked for, read the same way from the command line (<c>report</c>) and the web API.</summary>
/// <param name="Since">The first moment counted.</param>
/// <param name="Until">The first moment not counted.</param>
/// <param name="By">How the rows are cut.</param>
/// <param name="ServiceLevelSeconds">The service level's threshold.</param>
/// <param name="Zone">The time zone of the dates given, of the hour and day rows.</param>
/// <param name="Where">Only the calls with this value of a dimension, or all.</param>
public sealed record ReportQuery(DateTimeOffset Since, DateTimeOffset Until, ReportDimension By, int ServiceLevelSeconds, TimeZoneInfo Zone,
    ReportFilter? Where = null)
{
    private static readonly string[] DateFormats = ["yyyy-MM-dd"];
    private static readonly string[] LocalFormats = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss"];

    /// <summary>The dimensions' names, as the command line and the API take them.</summary>
    public static string DimensionNames => string.Join(", ", Enum.GetNames<ReportDimension>().Select(n => n.ToLowerInvariant()));

    /// <summary>Reads a report's request. <paramref name="from"/>: a date (from its start) or a date and time, in
    /// <paramref name="timeZone"/> unless it carries an offset; default the start of today. <paramref name="to"/>: a
    /// date (up to its end, the day included) or a date and time (not included); default now. Null with the reason
    /// when something does not read.</summary>
    public static ReportQuery? TryParse(string? from, string? to, string? by, string? serviceLevel, string? timeZone, DateTimeOffset now, out string? error) =>
        TryParse(from, to, by, serviceLevel, timeZone, null, now, out error);

    /// <summary>As the other, with a filter: <paramref name="where"/> is <c>dimension=value</c> (<c>campaign=5000</c>,
    /// <c>cti=V</c>; <c>agent=(none)</c> for the calls no agent took), or empty for all calls.</summary>
    public static ReportQuery? TryParse(string? from, string? to, string? by, string? serviceLevel, string? timeZone, string? where, DateTimeOffset now,
        out string? error)
    {
        ReportFilter? filter = null;
        if (!string.IsNullOrWhiteSpace(where) && (filter = ReportFilter.TryParse(where, out error)) is null) return null;

        error = null;
        TimeZoneInfo zone;
        try
        {
            zone = string.IsNullOrWhiteSpace(timeZone) ? TimeZoneInfo.Local : TimeZoneInfo.FindSystemTimeZoneById(timeZone.Trim());
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            error = $"unknown time zone '{timeZone}' (an IANA name such as Europe/Tbilisi or UTC)";
            return null;
        }

        var today = TimeZoneInfo.ConvertTime(now, zone).Date;
        var since = string.IsNullOrWhiteSpace(from) ? At(today, zone) : Moment(from, zone, endOfDay: false);
        if (since is null)
        {
            error = $"'{from}' is not a date (2026-12-01), a date and time (2026-12-01T08:00) or one with an offset (2026-12-01T08:00:00Z)";
            return null;
        }

        var until = string.IsNullOrWhiteSpace(to) ? now : Moment(to, zone, endOfDay: true);
        if (until is null)
        {
            error = $"'{to}' is not a date (2026-12-01), a date and time (2026-12-01T18:00) or one with an offset (2026-12-01T18:00:00Z)";
            return null;
        }

        if (until <= since)
        {
            error = $"the period is empty: it ends ({until:O}) before it starts ({since:O})";
            return null;
        }

        if (!StatisticsReport.TryParseDimension(by, out var dimension))
        {
            error = $"'{by}' is not a way to cut a report; one of: {DimensionNames}";
            return null;
        }

        var threshold = StatisticsReport.DefaultServiceLevelSeconds;
        if (!string.IsNullOrWhiteSpace(serviceLevel)
            && (!int.TryParse(serviceLevel, NumberStyles.None, CultureInfo.InvariantCulture, out threshold) || !StatisticsReport.IsServiceLevelThreshold(threshold)))
        {
            error = $"the service level's threshold must be one of {string.Join(", ", HourTotals.WaitEdges)} seconds, not '{serviceLevel}'";
            return null;
        }

        return new ReportQuery(since.Value, until.Value, dimension, threshold, zone, filter);
    }

    private static DateTimeOffset? Moment(string text, TimeZoneInfo zone, bool endOfDay)
    {
        text = text.Trim();
        if (DateTime.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return At(endOfDay ? date.AddDays(1) : date, zone);
        }

        if (DateTime.TryParseExact(text, LocalFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return At(local, zone);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var exact) && HasOffset(text) ? exact : null;
    }

    private static bool HasOffset(string text) => text.EndsWith('Z') || text.EndsWith('z') || text.LastIndexOfAny(['+', '-']) > text.IndexOf('T', StringComparison.Ordinal) && text.Contains('T', StringComparison.Ordinal);

    /// <summary>A wall-clock time of the zone as a moment (a time skipped by a clock change reads as the moment after).</summary>
    private static DateTimeOffset At(DateTime local, TimeZoneInfo zone)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(unspecified)) unspecified = unspecified.AddMinutes(30);
        return new DateTimeOffset(unspecified, zone.GetUtcOffset(unspecified));
    }
}

/// <summary>A report's filter: only the calls with <paramref name="Value"/> of <paramref name="Dimension"/>.</summary>
/// <param name="Dimension">Queue, campaign, flow, agent, CTI code or category.</param>
/// <param name="Value">The value; empty for the calls without one.</param>
public sealed record ReportFilter(ReportDimension Dimension, string Value)
{
    /// <summary>The dimensions a report can be filtered on.</summary>
    public static readonly IReadOnlyList<ReportDimension> Dimensions =
        [ReportDimension.Queue, ReportDimension.Campaign, ReportDimension.Flow, ReportDimension.Agent, ReportDimension.Cti, ReportDimension.Category];

    /// <summary>Reads <c>dimension=value</c>; null with the reason when it does not read.</summary>
    public static ReportFilter? TryParse(string text, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        error = null;
        var names = string.Join(", ", Dimensions.Select(d => d.ToString().ToLowerInvariant()));
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == text.Length - 1)
        {
            error = $"a filter is dimension=value (campaign=5000, cti=V, agent={StatisticsReport.None}), not '{text}'; the dimension one of: {names}";
            return null;
        }

        var name = text[..equals].Trim();
        if (!StatisticsReport.TryParseDimension(name, out var dimension) || !Dimensions.Contains(dimension))
        {
            error = $"'{name}' is not a dimension a report can be filtered on; one of: {names}";
            return null;
        }

        var value = text[(equals + 1)..].Trim();
        return new ReportFilter(dimension, value == StatisticsReport.None ? string.Empty : value);
    }

    /// <summary>As the command line and the API take it.</summary>
    public override string ToString() => Dimension.ToString().ToLowerInvariant() + "=" + (Value.Length == 0 ? StatisticsReport.None : Value);
}
