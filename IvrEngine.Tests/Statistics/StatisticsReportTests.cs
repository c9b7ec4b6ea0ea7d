using System.Text;
using FluentAssertions;
using IvrEngine.Statistics;

namespace IvrEngine.Tests.Statistics;

/// <summary>The report's figures from summed slices, its cuts, its CSV, and how a request is read.</summary>
public sealed class StatisticsReportTests
{
    private static readonly TimeZoneInfo Tbilisi = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tbilisi");

    private static IEnumerable<KeyValuePair<SliceKey, HourTotals>> Slice(int hourUtc, string queue, string agent, Action<HourTotals> fill)
    {
        var totals = new HourTotals();
        fill(totals);
        return Slices.Of(new CallFacts(new DateTimeOffset(2026, 12, 4, hourUtc, 0, 0, TimeSpan.Zero), "5000", "bank", queue, agent, "E", "regular"), totals);
    }

    /// <summary>10 IVR calls: 2 contained, 1 hung up in the IVR, 7 queued: 5 answered (waits 3, 8, 18, 25, 50 s), 2
    /// abandoned (waits 12 and 400 s).</summary>
    private static readonly KeyValuePair<SliceKey, HourTotals>[] Day =
    [
        .. Slice(5, "vip", "1001", t =>
        {
            t.Calls = 6; t.IvrCalls = 6; t.Contained = 2; t.IvrAbandoned = 1; t.Queued = 3; t.Answered = 3; t.IvrSeconds = 120;
            t.WaitSeconds = 3 + 8 + 18; t.TalkSeconds = 300; t.Repeats = 1;
            foreach (var w in new[] { 3, 8, 18 }) { t.Waits[HourTotals.BucketOf(w)]++; t.AnsweredWaits[HourTotals.BucketOf(w)]++; }
        }),
        .. Slice(21, "general", "1002", t =>
        {
            t.Calls = 4; t.IvrCalls = 4; t.Queued = 4; t.Answered = 2; t.Abandoned = 2; t.IvrSeconds = 80; t.Transfers = 1;
            t.WaitSeconds = 25 + 50 + 12 + 400; t.TalkSeconds = 100;
            foreach (var w in new[] { 25, 50 }) { t.Waits[HourTotals.BucketOf(w)]++; t.AnsweredWaits[HourTotals.BucketOf(w)]++; }
            foreach (var w in new[] { 12, 400 }) t.Waits[HourTotals.BucketOf(w)]++;
        }),
    ];

    [Fact]
    public void The_total_row_gives_containment_abandon_rate_service_level_waits_and_talk()
    {
        var row = StatisticsReport.Build(Day, ReportDimension.Total, TimeZoneInfo.Utc).Should().ContainSingle().Subject;
        var f = row.Figures;
        row.Key.Should().Be("all");
        (f.Calls, f.IvrCalls, f.Contained, f.Queued, f.Answered, f.Abandoned, f.Transfers, f.Repeats).Should().Be((10L, 10L, 2L, 7L, 5L, 2L, 1L, 1L));
        f.ContainmentPercent.Should().Be(20.0);
        f.AbandonPercent.Should().Be(28.6, "2 of 7 queued");
        f.ServiceLevelPercent.Should().Be(42.9, "answered within 20 s (3, 8, 18) of answered and abandoned (7)");
        f.AverageWaitSeconds.Should().BeApproximately(516.0 / 7, 0.001);
        f.P90WaitSeconds.Should().Be(600, "the 7th of 7 waits (400 s) is in the bucket up to 600 s");
        f.AverageTalkSeconds.Should().Be(80);
        f.AverageIvrSeconds.Should().Be(20);

        StatisticsReport.Figures(row.Totals, serviceLevelSeconds: 60).ServiceLevelPercent.Should().Be(71.4, "3, 8, 18, 25 and 50 s are within 60");
    }

    [Fact]
    public void Rows_cut_by_queue_agent_and_hour_of_the_day_in_the_zone_asked_for()
    {
        StatisticsReport.Build(Day, ReportDimension.Queue, TimeZoneInfo.Utc).Select(r => (r.Key, r.Figures.Calls)).Should().Equal(("general", 4L), ("vip", 6L));
        StatisticsReport.Build(Day, ReportDimension.Agent, TimeZoneInfo.Utc).Select(r => r.Key).Should().Equal("1001", "1002");

        // 05:00 and 21:00 UTC are 09:00 on the 4th and 01:00 on the 5th in Tbilisi (+04:00).
        StatisticsReport.Build(Day, ReportDimension.Hour, Tbilisi).Select(r => r.Key).Should().Equal("01", "09");
        StatisticsReport.Build(Day, ReportDimension.Day, Tbilisi).Select(r => r.Key).Should().Equal("2026-12-04", "2026-12-05");
        StatisticsReport.Build([], ReportDimension.Total, TimeZoneInfo.Utc).Single().Figures.ServiceLevelPercent.Should().BeNull();
    }

    [Fact]
    public async Task Csv_has_a_header_and_a_line_per_row_and_defuses_a_cell_a_spreadsheet_would_run()
    {
        var hostile = Slice(5, "=HYPERLINK(\"http://x\")", "1001", t => t.Calls = 1);
        var rows = StatisticsReport.Build([.. Day, .. hostile], ReportDimension.Queue, TimeZoneInfo.Utc);
        using var buffer = new MemoryStream();
        await StatisticsReport.WriteCsvAsync(buffer, rows, ReportDimension.Queue, 20);

        var lines = Encoding.UTF8.GetString(buffer.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(4);
        lines[0].Should().StartWith("queue,calls,calls_in_ivr,contained,containment_pct,").And.Contain("service_level_20s_pct");
        lines.Should().Contain(l => l.StartsWith("vip,6,6,2,33.3,1,0,3,3,0,0,0,100,", StringComparison.Ordinal));
        lines.Should().Contain(l => l.StartsWith("\"'=HYPERLINK(\"\"http://x\"\")\",1,", StringComparison.Ordinal));
    }

    /// <summary>Five calls on the 4th (UTC) and the 5th: campaign, queue, agent, code.</summary>
    private static readonly KeyValuePair<SliceKey, HourTotals>[] Mixed =
    [
        .. Call(4, 9, "5000", "vip", "1001", "V"),
        .. Call(4, 9, "5000", "general", "1002", "E"),
        .. Call(4, 15, "5001", "vip", "1001", "V"),
        .. Call(4, 15, "5001", "", "", "N"),
        .. Call(5, 1, "5001", "vip", "1002", "V"),
    ];

    private static IEnumerable<KeyValuePair<SliceKey, HourTotals>> Call(int day, int hour, string campaign, string queue, string agent, string code) =>
        Slices.Of(new CallFacts(new DateTimeOffset(2026, 12, day, hour, 0, 0, TimeSpan.Zero), campaign, "bank", queue, agent, code, "regular"),
            new HourTotals { Calls = 1, Queued = queue.Length > 0 ? 1 : 0, Answered = agent.Length > 0 ? 1 : 0 });

    private static IEnumerable<(string Key, long Calls)> Rows(ReportDimension by, ReportFilter? where) =>
        StatisticsReport.Build(Mixed, by, TimeZoneInfo.Utc, where: where).Select(r => (r.Key, r.Figures.Calls));

    [Fact]
    public void A_filtered_report_reads_the_filters_dimension_by_the_hour_or_its_pair_with_the_rows_dimension_by_the_day()
    {
        var vip = new ReportFilter(ReportDimension.Cti, "V");
        Rows(ReportDimension.Queue, vip).Should().Equal(("vip", 3L));
        Rows(ReportDimension.Agent, vip).Should().Equal(("1001", 2L), ("1002", 1L));
        Rows(ReportDimension.Total, vip).Should().Equal(("all", 3L));
        Rows(ReportDimension.Hour, vip).Should().Equal(("01", 1L), ("09", 1L), ("15", 1L));
        Rows(ReportDimension.Day, vip).Should().Equal(("2026-12-04", 2L), ("2026-12-05", 1L));
        Rows(ReportDimension.Cti, vip).Should().Equal(("V", 3L));

        // Filtered on a dimension after the rows' in their order, before it, on none.
        Rows(ReportDimension.Campaign, new ReportFilter(ReportDimension.Agent, "1002")).Should().Equal(("5000", 1L), ("5001", 1L));
        Rows(ReportDimension.Queue, new ReportFilter(ReportDimension.Campaign, "5001")).Should().Equal(("(none)", 1L), ("vip", 2L));
        Rows(ReportDimension.Campaign, new ReportFilter(ReportDimension.Agent, string.Empty)).Should().Equal(("5001", 1L));
        Rows(ReportDimension.Queue, new ReportFilter(ReportDimension.Campaign, "9999")).Should().BeEmpty();
        Rows(ReportDimension.Total, new ReportFilter(ReportDimension.Campaign, "9999")).Should().Equal(("all", 0L));

        StatisticsReport.Source(ReportDimension.Campaign, new ReportFilter(ReportDimension.Agent, "1002")).Should().Be(("agent+campaign", true));
        StatisticsReport.Source(ReportDimension.Queue, new ReportFilter(ReportDimension.Campaign, "5001")).Should().Be(("campaign+queue", true));
        StatisticsReport.Source(ReportDimension.Hour, vip).Should().Be(("cti", false));
        StatisticsReport.Source(ReportDimension.Hour, null).Should().Be(("total", false));
    }

    [Fact]
    public void A_filter_reads_dimension_equals_value_and_refuses_what_cannot_filter()
    {
        var now = new DateTimeOffset(2026, 12, 5, 7, 30, 0, TimeSpan.Zero);
        ReportQuery.TryParse(null, null, "queue", null, "UTC", "campaign=5000", now, out var error)!.Where.Should().Be(new ReportFilter(ReportDimension.Campaign, "5000"));
        error.Should().BeNull();
        var none = ReportQuery.TryParse(null, null, null, null, "UTC", " agent = (none) ", now, out _)!.Where!;
        none.Should().Be(new ReportFilter(ReportDimension.Agent, string.Empty));
        none.ToString().Should().Be("agent=(none)");
        ReportQuery.TryParse(null, null, null, null, "UTC", "queue=a=b", now, out _)!.Where!.Value.Should().Be("a=b", "the value is all after the first =");
        ReportQuery.TryParse(null, null, null, null, "UTC", "", now, out _)!.Where.Should().BeNull();

        ReportQuery.TryParse(null, null, null, null, "UTC", "campaign", now, out error).Should().BeNull();
        error.Should().Contain("a filter is dimension=value");
        ReportQuery.TryParse(null, null, null, null, "UTC", "campaign=", now, out error).Should().BeNull();
        error.Should().Contain("a filter is dimension=value");
        ReportQuery.TryParse(null, null, null, null, "UTC", "hour=09", now, out error).Should().BeNull();
        error.Should().Contain("'hour' is not a dimension a report can be filtered on; one of: queue, campaign, flow, agent, cti, category");
        ReportQuery.TryParse(null, null, null, null, "UTC", "planet=earth", now, out error).Should().BeNull();
        error.Should().Contain("'planet' is not a dimension");
    }

    [Fact]
    public async Task Wrap_ups_are_counted_by_disposition_with_the_share_resolved_in_the_figures_and_the_csv()
    {
        var t = new HourTotals { Calls = 4, Queued = 4, Answered = 4, WrapUps = 4, TalkSeconds = 400, WrapUpSeconds = 80 };
        foreach (var d in new[] { "resolved", "resolved", "callback", "something-new" }) HourTotals.CountDisposition(t, d);
        var row = StatisticsReport.Build(Slices.Of(new CallFacts(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero), "5000", "bank", "vip", "1001", "E", ""), t),
            ReportDimension.Queue, TimeZoneInfo.Utc).Single();
        row.Figures.Dispositions.Should().Equal(new Dictionary<string, long> { ["resolved"] = 2, ["callback"] = 1, ["escalated"] = 0, ["no-action"] = 0, ["other"] = 1 });
        (row.Figures.WrapUps, row.Figures.ResolvedPercent, row.Figures.AverageHandleSeconds).Should().Be((4L, 50.0, 120.0));

        using var buffer = new MemoryStream();
        await StatisticsReport.WriteCsvAsync(buffer, [row], ReportDimension.Queue, 20);
        var lines = Encoding.UTF8.GetString(buffer.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().EndWith(",avg_wrap_up_s,avg_handle_s,wrap_ups,disposition_resolved,disposition_callback,disposition_escalated,disposition_no_action,disposition_other,resolved_pct,"
            + "offers,offers_missed,offers_missed_pct");
        lines[1].Should().EndWith(",20,120,4,2,1,0,0,1,50,0,0,");
    }

    [Fact]
    public void A_request_reads_whole_days_in_its_zone_and_refuses_what_does_not_read()
    {
        var now = new DateTimeOffset(2026, 12, 5, 7, 30, 0, TimeSpan.Zero);
        var q = ReportQuery.TryParse("2026-12-01", "2026-12-04", "queue", "30", "Asia/Tbilisi", now, out var error);
        error.Should().BeNull();
        q!.Since.Should().Be(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.FromHours(4)));
        q.Until.Should().Be(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.FromHours(4)), "the last day is counted whole");
        (q.By, q.ServiceLevelSeconds).Should().Be((ReportDimension.Queue, 30));

        var today = ReportQuery.TryParse(null, null, null, null, "UTC", now, out _)!;
        (today.Since, today.Until, today.By).Should().Be((new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero), now, ReportDimension.Total));
        ReportQuery.TryParse("2026-12-01T08:00", "2026-12-01T18:00:00Z", null, null, "Asia/Tbilisi", now, out _)!
            .Should().Match<ReportQuery>(r => r.Since == new DateTimeOffset(2026, 12, 1, 4, 0, 0, TimeSpan.Zero) && r.Until == new DateTimeOffset(2026, 12, 1, 18, 0, 0, TimeSpan.Zero));

        ReportQuery.TryParse("yesterday", null, null, null, "UTC", now, out error).Should().BeNull();
        error.Should().Contain("'yesterday' is not a date");
        ReportQuery.TryParse("2026-12-04", "2026-12-01", null, null, "UTC", now, out error).Should().BeNull();
        error.Should().Contain("the period is empty");
        ReportQuery.TryParse(null, null, "planet", null, "UTC", now, out error).Should().BeNull();
        error.Should().Contain("one of: total, queue, campaign, flow, agent, cti, category, hour, day");
        ReportQuery.TryParse(null, null, "1", null, "UTC", now, out error).Should().BeNull("an enum's number is not a name");
        ReportQuery.TryParse(null, null, null, "25", "UTC", now, out error).Should().BeNull();
        error.Should().Contain("one of 5, 10, 15, 20, 30");
        ReportQuery.TryParse(null, null, null, null, "Mars/Olympus", now, out error).Should().BeNull();
        error.Should().Contain("unknown time zone 'Mars/Olympus'");
    }
}
