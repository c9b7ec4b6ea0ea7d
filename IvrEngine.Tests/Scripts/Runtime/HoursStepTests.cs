using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using static IvrEngine.Tests.Scripts.Runtime.FlowHarness;

namespace IvrEngine.Tests.Scripts.Runtime;

public sealed class HoursStepTests
{
    private static readonly DayOfWeek[] Weekdays = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    private readonly FlowHarness _harness = new();

    private static OpeningRange Range(DayOfWeek[] days, string from, string to) =>
        new(days.ToHashSet(), TimeOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), TimeOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture), SourceSpan.None);

    private static FlowDefinition HoursFlow(string? stepZone, string? flowZone, string? holiday = "holiday", params OpeningRange[] week) => Flow(
        new HoursStep
        {
            Id = "office",
            TimeZone = stepZone,
            Week = week.Length > 0 ? week : [Range(Weekdays, "09:00", "17:00"), Range([DayOfWeek.Saturday], "09:00", "13:00")],
            Holidays = [new DateOnly(2026, 12, 25), new DateOnly(2027, 1, 1)],
            Open = "open",
            Closed = "closed",
            Holiday = holiday,
        },
        Hangup("open"),
        Hangup("closed"),
        Hangup("holiday")) with
    { TimeZone = flowZone };

    private async Task<string> WhereAt(DateTimeOffset utc, FlowDefinition flow)
    {
        _harness.Time.AdjustTime(utc);
        var result = await _harness.RunAsync(flow, new ScriptedCall());
        result.Outcome.Should().Be(FlowOutcome.Hangup, result.Error);
        return result.LastStep["main/".Length..];
    }

    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(7, 0, "open")]     // 09:00 in Berlin (CEST, UTC+2): opens
    [InlineData(6, 59, "closed")]  // 08:59
    [InlineData(14, 59, "open")]   // 16:59
    [InlineData(15, 0, "closed")]  // 17:00: the end is exclusive
    public async Task Open_from_the_start_inclusive_to_the_end_exclusive_in_the_steps_zone(int hour, int minute, string expected)
    {
        // Wednesday 2026-07-15. The flow's zone (New York, six hours behind Berlin) would say closed at 07:00 and open at 15:00.
        var where = await WhereAt(Utc(2026, 7, 15, hour, minute), HoursFlow("Europe/Berlin", flowZone: "America/New_York"));

        where.Should().Be(expected);
    }

    [Theory]
    [InlineData(7, 13, 30, "open")]    // July: EDT (UTC-4), 13:30 UTC is 09:30
    [InlineData(1, 13, 30, "closed")]  // January: EST (UTC-5), 13:30 UTC is 08:30
    [InlineData(1, 14, 30, "open")]    // January: 09:30
    [InlineData(7, 21, 30, "closed")]  // July: 17:30
    [InlineData(1, 21, 30, "open")]    // January: 16:30
    public async Task The_flows_zone_applies_with_its_daylight_saving_time(int month, int hour, int minute, string expected)
    {
        // Wednesdays: 2026-07-15 and 2026-01-14.
        var day = month == 7 ? 15 : 14;

        var where = await WhereAt(Utc(2026, month, day, hour, minute), HoursFlow(stepZone: null, flowZone: "America/New_York"));

        where.Should().Be(expected);
    }

    [Fact]
    public async Task Without_any_zone_the_hours_are_utc()
    {
        var where = await WhereAt(Utc(2026, 7, 15, 9, 0), HoursFlow(stepZone: null, flowZone: null));

        where.Should().Be("open");
    }

    [Fact]
    public async Task The_weekday_is_the_local_one()
    {
        // Saturday 2026-07-18 03:00 UTC is Friday 23:00 in New York: closed, though Saturday 09:00 UTC opens.
        (await WhereAt(Utc(2026, 7, 18, 3, 0), HoursFlow(null, "America/New_York"))).Should().Be("closed");
        // Saturday 2026-07-18 14:00 UTC is Saturday 10:00 in New York: Saturday's range.
        (await WhereAt(Utc(2026, 7, 18, 14, 0), HoursFlow(null, "America/New_York"))).Should().Be("open");
        // Sunday: no range.
        (await WhereAt(Utc(2026, 7, 19, 14, 0), HoursFlow(null, "America/New_York"))).Should().Be("closed");
    }

    [Fact]
    public async Task A_holiday_is_the_local_date_and_goes_to_holiday()
    {
        // 2026-12-24 23:30 UTC is already 2026-12-25 00:30 in Berlin; a Friday, but a holiday all day.
        (await WhereAt(Utc(2026, 12, 24, 23, 30), HoursFlow("Europe/Berlin", null))).Should().Be("holiday");
        (await WhereAt(Utc(2026, 12, 25, 10, 0), HoursFlow("Europe/Berlin", null))).Should().Be("holiday");
        // The same instant in New York is still the 24th, 18:30: closed, not a holiday.
        (await WhereAt(Utc(2026, 12, 24, 23, 30), HoursFlow("America/New_York", null))).Should().Be("closed");
    }

    [Fact]
    public async Task A_holiday_without_a_holiday_exit_is_closed()
    {
        (await WhereAt(Utc(2026, 12, 25, 10, 0), HoursFlow("Europe/Berlin", null, holiday: null))).Should().Be("closed");
    }

    [Theory]
    [InlineData(5, 22, 30, "open")]   // Friday 22:30
    [InlineData(6, 1, 59, "open")]    // Saturday 01:59, still Friday's night
    [InlineData(6, 2, 0, "closed")]
    [InlineData(5, 21, 59, "closed")]
    [InlineData(4, 1, 0, "closed")]   // Thursday night: no Wednesday range
    public async Task A_range_ending_before_it_starts_runs_past_midnight(int weekday, int hour, int minute, string expected)
    {
        // 2026-07-16 is a Thursday (4), 2026-07-17 Friday (5), 2026-07-18 Saturday (6).
        var day = 12 + weekday;

        var where = await WhereAt(Utc(2026, 7, day, hour, minute), HoursFlow(null, null, "holiday", Range([DayOfWeek.Friday], "22:00", "02:00")));

        where.Should().Be(expected);
    }

    [Fact]
    public void A_range_ending_at_midnight_is_open_until_midnight()
    {
        var week = new[] { Range([DayOfWeek.Monday], "18:00", "00:00") };

        FlowRun.IsOpen(week, DayOfWeek.Monday, new TimeOnly(23, 59)).Should().BeTrue();
        FlowRun.IsOpen(week, DayOfWeek.Monday, new TimeOnly(17, 59)).Should().BeFalse();
        FlowRun.IsOpen(week, DayOfWeek.Tuesday, new TimeOnly(0, 0)).Should().BeFalse();
    }

    [Fact]
    public async Task Now_in_expressions_is_the_flows_local_time()
    {
        _harness.Time.AdjustTime(Utc(2026, 1, 14, 13, 30));
        var flow = Flow(
            new SetStep { Id = "s", Assignments = [new Assignment("hour", "Now.Hour", true, SourceSpan.None), new Assignment("day", "Now.DayOfWeek", true, SourceSpan.None)] },
            Hangup("end")) with
        { TimeZone = "America/New_York" };

        var result = await _harness.RunAsync(flow, new ScriptedCall());

        result.MaskedVariables.Should().Equal(new Dictionary<string, string> { ["hour"] = "8", ["day"] = "Wednesday" });
    }

    [Fact]
    public async Task An_unknown_zone_fails_the_run_naming_it()
    {
        var result = await _harness.RunAsync(HoursFlow("Mars/Olympus_Mons", null), new ScriptedCall());

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.Error.Should().Be("step 'main/office': the time zone 'Mars/Olympus_Mons' is not known on this machine");
    }
}
