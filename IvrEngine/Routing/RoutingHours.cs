using System.Globalization;

namespace IvrEngine.Routing;

/// <summary>A rule's time of day: ranges like <c>08:00-18:00</c>, separated by commas; a range whose end is before
/// its start wraps midnight; <c>24:00</c> ends a range at midnight.</summary>
internal static class RoutingHours
{
    /// <summary>The ranges, or null with a message.</summary>
    public static IReadOnlyList<(TimeSpan From, TimeSpan To)>? Parse(string text, out string? error)
    {
        var ranges = new List<(TimeSpan, TimeSpan)>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-', StringSplitOptions.TrimEntries);
            if (ends.Length != 2 || Time(ends[0]) is not { } from || Time(ends[1]) is not { } to || from == to)
            {
                error = $"\"{part}\" is not a range of times like \"08:00-18:00\"";
                return null;
            }

            ranges.Add((from, to));
        }

        if (ranges.Count == 0)
        {
            error = "no range given (e.g. \"08:00-18:00\")";
            return null;
        }

        error = null;
        return ranges;
    }

    /// <summary>True when <paramref name="time"/> is in one of the ranges (start inclusive, end exclusive).</summary>
    public static bool Contains(IReadOnlyList<(TimeSpan From, TimeSpan To)> ranges, TimeSpan time) =>
        ranges.Any(r => r.From < r.To ? time >= r.From && time < r.To : time >= r.From || time < r.To);

    private static TimeSpan? Time(string text)
    {
        if (text == "24:00")
        {
            return TimeSpan.FromHours(24);
        }

        return TimeOnly.TryParseExact(text, ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time.ToTimeSpan()
            : null;
    }
}
