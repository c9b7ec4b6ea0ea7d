using FluentAssertions;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Statistics;

namespace IvrEngine.Tests.Statistics;

/// <summary><c>report</c>: the figures of a period from the store, as a table or CSV, and plain refusals.</summary>
public sealed class ReportCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ivrengine-report-");

    private string DbPath => Path.Combine(_folder.FullName, "r.db");

    public void Dispose() => _folder.Delete(recursive: true);

    private async Task SeedAsync()
    {
        using var store = new LiteDbClientStore(DbPath);
        var vip = new HourTotals { Calls = 4, IvrCalls = 4, Queued = 4, Answered = 3, Abandoned = 1, WaitSeconds = 40, TalkSeconds = 300 };
        vip.AnsweredWaits[HourTotals.BucketOf(5)] = 3;
        vip.Waits[HourTotals.BucketOf(5)] = 3;
        vip.Waits[HourTotals.BucketOf(25)] = 1;
        var ivr = new HourTotals { Calls = 2, IvrCalls = 2, Contained = 2, IvrSeconds = 60 };
        await store.AddHoursAsync([
            .. Slices.Of(new CallFacts(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero), "5000", "bank", "vip@default", "1001@default", "V", "vip"), vip),
            .. Slices.Of(new CallFacts(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero), "5000", "bank", "", "", "N", ""), ivr),
            .. Slices.Of(new CallFacts(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero), "5000", "bank", "vip@default", "", "N", ""), new HourTotals { Calls = 100 }),
        ], []);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await EngineCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_day_by_queue_prints_a_table_and_csv_of_that_day_only()
    {
        await SeedAsync();

        var (code, output, error) = await RunAsync("report", "--from", "2026-12-04", "--to", "2026-12-04", "--by", "queue", "--time-zone", "UTC", "--Store:Path=" + DbPath);
        (code, error).Should().Be((0, string.Empty));
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines[0].Should().Be("2026-12-04 00:00 +00:00 to 2026-12-05 00:00 +00:00 (UTC), by queue, service level within 20 s; whole hours are counted");
        lines[1].Should().MatchRegex(@"^queue\s+calls\s+calls_in_ivr\s+contained\s+containment_pct");
        lines[2].Should().MatchRegex(@"^\(none\)\s+2\s+2\s+2\s+100\s");
        lines[3].Should().MatchRegex(@"^vip@default\s+4\s+4\s+0\s+0\s+0\s+0\s+4\s+3\s+1\s+25\s+0\s+75\s+10\s+30\s+100\s+0\s+0\s+0\s+0\s+-\s+100\s+0\s+0\s+0\s+0\s+0\s+0\s+-\s+0\s+0\s+-$");
        lines.Should().HaveCount(4, "the 5th is outside the period");

        (code, output, _) = await RunAsync("report", "--from", "2026-12-04", "--to", "2026-12-05", "--by", "cti", "--csv", "--time-zone", "UTC", "--Store:Path=" + DbPath);
        code.Should().Be(0);
        output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            "cti,calls,calls_in_ivr,contained,containment_pct,abandoned_in_ivr,failed_in_ivr,queued,answered,abandoned,abandon_pct,overflowed,service_level_20s_pct,avg_wait_s,p90_wait_s,avg_talk_s,avg_in_ivr_s,transfers,repeats,requests,avg_wrap_up_s,avg_handle_s,"
            + "wrap_ups,disposition_resolved,disposition_callback,disposition_escalated,disposition_no_action,disposition_other,resolved_pct,offers,offers_missed,offers_missed_pct",
            "N,102,2,2,100,0,0,0,0,0,,0,,,,,30,0,0,0,,,0,0,0,0,0,0,,0,0,",
            "V,4,4,0,0,0,0,4,3,1,25,0,75,10,30,100,0,0,0,0,,100,0,0,0,0,0,0,,0,0,");
    }

    [Fact]
    public async Task A_filter_keeps_its_calls_and_says_when_the_whole_days_are_counted()
    {
        await SeedAsync();

        // The N calls: two contained on the 4th (no queue), a hundred queued in vip on the 5th.
        var (code, output, error) = await RunAsync("report", "--from", "2026-12-04", "--to", "2026-12-05", "--by", "queue", "--where", "cti=N", "--time-zone", "UTC",
            "--Store:Path=" + DbPath);
        (code, error).Should().Be((0, string.Empty));
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines[0].Should().EndWith("by queue, only cti=N, service level within 20 s; whole UTC days are counted (a filter and rows by another dimension)");
        lines.Skip(2).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..2])).Should().Equal("(none) 2", "vip@default 100");

        (code, output, _) = await RunAsync("report", "--from", "2026-12-04T09:00", "--to", "2026-12-04T10:00", "--by", "hour", "--where", "queue=vip@default", "--csv",
            "--time-zone", "UTC", "--Store:Path=" + DbPath);
        code.Should().Be(0);
        output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l[..5]).Should().Equal("09,4,");

        (code, _, error) = await RunAsync("report", "--where", "hour=9", "--Store:Path=" + DbPath);
        code.Should().Be(2);
        error.Should().Contain("'hour' is not a dimension a report can be filtered on");
    }

    [Fact]
    public async Task Bad_requests_a_missing_store_and_a_store_the_engine_holds_are_refused_with_exit_2()
    {
        var (code, _, error) = await RunAsync("report", "--by", "planet", "--Store:Path=" + DbPath);
        code.Should().Be(2);
        error.Should().Contain("'planet' is not a way to cut a report");

        (code, _, error) = await RunAsync("report", "--Store:Path=" + DbPath);
        code.Should().Be(2);
        error.Should().Contain("there is no store at");
        File.Exists(DbPath).Should().BeFalse("a report makes no store");

        await SeedAsync();
        using var held = new LiteDbClientStore(DbPath);
        (code, _, error) = await RunAsync("report", "--Store:Path=" + DbPath);
        code.Should().Be(2);
        error.Should().Contain("While the engine runs, ask it: GET /api/statistics/report");
    }
}
