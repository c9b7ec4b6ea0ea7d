using IvrEngine.Profiles;

namespace IvrEngine.Dialer;

/// <summary>Whether a time zone is within a campaign's calling hours at an instant: the contact's own local day and
/// time, by the system's time zone rules (daylight saving included).</summary>
public static class CallingHoursClock
{
    /// <summary>True when it is a calling day and from <see cref="CallingHours.From"/> (included) to
    /// <see cref="CallingHours.To"/> (excluded) in <paramref name="timeZone"/> at <paramref name="now"/>. An unknown
    /// time zone is never open.</summary>
    public static bool IsOpen(CallingHours hours, string timeZone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(hours);
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone)) return false;
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        return hours.Days.Contains(local.DayOfWeek) && time >= hours.From && time < hours.To;
    }

    /// <summary>The time zones of <paramref name="timeZones"/> within the hours at <paramref name="now"/>.</summary>
    public static IReadOnlyList<string> Open(CallingHours hours, IEnumerable<string> timeZones, DateTimeOffset now) =>
        [.. timeZones.Where(zone => IsOpen(hours, zone, now))];
}
