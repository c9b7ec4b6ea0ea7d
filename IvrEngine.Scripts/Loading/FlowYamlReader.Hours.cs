using System.Globalization;
using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Loading;

internal sealed partial class FlowYamlReader
{
    /// <summary>Indexed by <see cref="DayOfWeek"/>.</summary>
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private static readonly string[] HoursFields = ["timezone", "holidays"];

    private ParsedStep Hours(StepContext step)
    {
        var owner = step.Owner;
        var exits = new List<FlowExit>();
        var week = new List<OpeningRange>();
        var holidays = new List<DateOnly>();
        string? zone = null;
        var zoneSpan = SourceSpan.None;
        if (step.KindPair.Value is not YMapping map)
        {
            Error(step.KindPair.Value is YScalar { IsNull: true } ? step.KindPair.Key : step.KindPair.Value,
                $"{owner}: 'hours' needs days and times, e.g. hours: {{ mon-fri: \"08:00-18:00\", sat: \"09:00-13:00\" }}");
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var pair in map.Pairs)
            {
                var key = pair.Key.Value;
                if (!seen.Add(key))
                {
                    Error(pair.Key, $"{owner}: field '{key}' is written twice");
                }
                else if (key == "timezone")
                {
                    zone = TimeZone(pair, owner);
                    zoneSpan = At(pair.Value);
                }
                else if (key == "holidays")
                {
                    ReadHolidays(pair, owner, holidays);
                }
                else if (ParseDays(key, out var bad) is { } days)
                {
                    ReadRanges(pair, owner, days, week);
                }
                else
                {
                    var word = key.Contains('-', StringComparison.Ordinal) || key.Contains(',', StringComparison.Ordinal) ? bad : key;
                    var hint = word.Length > 3 && DayNames.Contains(word[..3].ToLowerInvariant())
                        ? word[..3].ToLowerInvariant()
                        : Suggest.Closest(word, [.. DayNames, .. HoursFields]);
                    Error(pair.Key, hint is not null && HoursFields.Contains(hint)
                        ? $"{owner}: unknown field '{key}' (did you mean '{hint}'?)"
                        : $"{owner}: day '{bad}' is unknown: write mon tue wed thu fri sat sun, a range (mon-fri) or a list (mon,wed){(hint is null ? string.Empty : $" (did you mean '{hint}'?)")}");
                }
            }
        }

        var hours = new HoursStep
        {
            Id = step.Id,
            Span = step.Span,
            TimeZone = zone,
            TimeZoneSpan = zoneSpan,
            Week = week,
            Holidays = holidays,
            Open = Target(step, "open", "open", exits, "where to go when open") ?? string.Empty,
            Closed = Target(step, "closed", "closed", exits, "where to go when closed") ?? string.Empty,
            Holiday = Target(step, "holiday", "holiday", exits, null),
        };
        return Finish(step, hours, exits);
    }

    /// <summary><c>mon</c>, <c>mon-fri</c>, <c>mon,wed</c>, <c>sat-sun,wed</c>; a range may wrap (<c>fri-mon</c>). Null
    /// with the first unknown day name in <paramref name="bad"/>.</summary>
    internal static HashSet<DayOfWeek>? ParseDays(string key, out string bad)
    {
        var days = new HashSet<DayOfWeek>();
        foreach (var part in key.Split(','))
        {
            var ends = part.Split('-');
            if (ends.Length > 2)
            {
                bad = part.Trim();
                return null;
            }

            var from = Array.IndexOf(DayNames, ends[0].Trim().ToLowerInvariant());
            var to = Array.IndexOf(DayNames, ends[^1].Trim().ToLowerInvariant());
            if (from < 0 || to < 0)
            {
                bad = (from < 0 ? ends[0] : ends[^1]).Trim();
                return null;
            }

            for (var day = from; ; day = (day + 1) % 7)
            {
                days.Add((DayOfWeek)day);
                if (day == to)
                {
                    break;
                }
            }
        }

        bad = string.Empty;
        return days;
    }

    private void ReadRanges(YPair pair, string owner, HashSet<DayOfWeek> days, List<OpeningRange> week)
    {
        IReadOnlyList<YNode> items = pair.Value is YSequence sequence ? sequence.Items : [pair.Value];
        if (items.Count == 0 || pair.Value is YScalar { IsNull: true })
        {
            Error(pair.Key, $"{owner}: '{pair.Key.Value}' has no hours: write them like \"08:00-18:00\" (leave the day out when closed)");
            return;
        }

        foreach (var item in items)
        {
            if (item is not YScalar scalar || scalar.IsNull)
            {
                Error(item, $"{owner}: hours are written like \"08:00-18:00\", not {item.Describe}");
                continue;
            }

            foreach (var range in scalar.Value.Split(','))
            {
                var text = range.Trim();
                var ends = text.Split('-');
                if (ends.Length != 2 || ParseTime(ends[0], end: false) is not { } from || ParseTime(ends[1], end: true) is not { } to)
                {
                    Error(item, $"{owner}: hours '{text}' are not a range like 08:00-18:00");
                    continue;
                }

                if (to <= from)
                {
                    Error(item, $"{owner}: hours '{text}' end before they start (a range past midnight is two ranges on two days)");
                    continue;
                }

                week.Add(new OpeningRange(days, from, to, At(pair.Key)));
            }
        }
    }

    /// <summary><c>HH:mm</c>, 00:00 to 23:59; <c>24:00</c> as the end of a range.</summary>
    internal static TimeOnly? ParseTime(string text, bool end)
    {
        var parts = text.Trim().Split(':');
        if (parts.Length != 2 || parts[0].Length is < 1 or > 2 || parts[1].Length != 2
            || !parts[0].All(char.IsAsciiDigit) || !parts[1].All(char.IsAsciiDigit))
        {
            return null;
        }

        var hour = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var minute = int.Parse(parts[1], CultureInfo.InvariantCulture);
        if (end && hour == 24 && minute == 0)
        {
            return TimeOnly.MaxValue;
        }

        return hour < 24 && minute < 60 ? new TimeOnly(hour, minute) : null;
    }

    private void ReadHolidays(YPair pair, string owner, List<DateOnly> holidays)
    {
        IReadOnlyList<YNode> items = pair.Value switch
        {
            YSequence sequence => sequence.Items,
            YScalar { IsNull: true } => [],
            _ => [pair.Value],
        };
        foreach (var item in items)
        {
            var text = item is YScalar scalar ? scalar.Value.Trim() : null;
            if (text is not null && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                holidays.Add(date);
            }
            else
            {
                Error(item, $"{owner}: holiday '{text ?? item.Describe}' is not a date (write YYYY-MM-DD)");
            }
        }
    }
}
