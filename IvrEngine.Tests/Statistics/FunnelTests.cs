using System.Text;
using FluentAssertions;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Statistics;

namespace IvrEngine.Tests.Statistics;

/// <summary>The funnel of a flow: what each caller did at each step, summed per step and UTC day, kept in the store,
/// reported by the command line.</summary>
public sealed class FunnelTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 23, 50, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ivrengine-funnel-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static IvrLeg Leg(string outcome, string[] steps, string? target = null, params InputFailure[] failures) =>
        new("c", At, TimeSpan.FromSeconds(30), "5000", "bank", outcome, outcome == "transferred" ? "queue" : null, "E", null, steps)
        {
            TransferTarget = target,
            InputFailures = failures,
        };

    private static Dictionary<string, StepTotals> ByStep(IvrLeg leg) => StepTotals.Of(leg).ToDictionary(s => s.Key.Step, s => s.Value);

    [Fact]
    public void A_caller_counts_once_per_step_with_what_happened_there_and_at_the_last_step_how_the_call_left()
    {
        // Silence at the menu, a wrong account twice, back to the menu, then to the VIP queue.
        var steps = ByStep(Leg("transferred", ["bank/welcome", "bank/menu", "bank/account", "bank/menu", "bank/route"], "vip",
            new InputFailure("bank/menu", "no-input"), new InputFailure("bank/account", "invalid"), new InputFailure("bank/account", "invalid")));

        steps.Keys.Should().Equal("welcome", "menu", "account", "route");
        steps.Values.Should().OnlyContain(t => t.Entered == 1);
        (steps["menu"].WentOn, steps["menu"].TimedOut, steps["menu"].Invalid).Should().Be((1L, 1L, 0L));
        (steps["account"].TimedOut, steps["account"].Invalid).Should().Be((0L, 1L), "a caller counts once, however many tries");
        (steps["route"].WentOn, steps["route"].Left).Should().Be((0L, 1L));
        steps["route"].LeftTo.Should().Equal(new Dictionary<string, long> { ["vip"] = 1 });
        StepTotals.Of(Leg("transferred", [])).Should().BeEmpty();
        StepTotals.Of(Leg("transferred", ["bank/welcome"])).Single().Key.Day.Should().Be(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero));

        ByStep(Leg("hung-up", ["bank/welcome", "bank/menu"]))["menu"].HungUp.Should().Be(1);
        ByStep(Leg("hangup", ["bank/welcome", "bank/goodbye"]))["goodbye"].Ended.Should().Be(1);

        // Steps as many callers entered come in the order the callers met them, not by name.
        var path = Leg("hung-up", ["bank/welcome", "bank/zeta", "bank/alpha"]);
        StatisticsReport.Funnel(StepTotals.Of(path)).Select(r => r.Step).Should().Equal("welcome", "zeta", "alpha");

        // A sub-flow's steps are its own flow's.
        StepTotals.Of(Leg("hung-up", ["bank/welcome", "identify/ask"])).Select(s => s.Key.Flow).Should().Equal("bank", "identify");
    }

    [Fact]
    public async Task The_funnel_is_kept_per_day_summed_across_flushes_and_printed_most_entered_first()
    {
        var path = Path.Combine(_folder.FullName, "f.db");
        var collector = new StatisticsCollector(TimeProvider.System, new StatisticsOptions(), switchEvents: false);
        using (var store = new LiteDbClientStore(path))
        {
            for (var i = 0; i < 3; i++)
            {
                collector.IvrEnded(Leg("transferred", ["bank/welcome", "bank/menu", "bank/route"], i == 0 ? "general" : "vip", new InputFailure("bank/menu", "invalid")) with { CallUuid = "t" + i });
                await collector.FlushAsync(store);
            }

            collector.IvrEnded(Leg("hung-up", ["bank/welcome"]) with { CallUuid = "h" });
            await collector.FlushAsync(store);

            var next = Leg("hung-up", ["bank/welcome"]) with { CallUuid = "n", StartedAt = At.AddHours(1) };
            collector.IvrEnded(next);
            await collector.FlushAsync(store);

            var day = await store.ReadStepsAsync("bank", At.Date, At.Date.AddDays(1));
            var rows = StatisticsReport.Funnel(day);
            rows.Select(r => (r.Step, r.Totals.Entered, r.Totals.WentOn, r.Totals.Invalid, r.Totals.HungUp, r.Totals.Left)).Should().Equal(
                ("welcome", 4L, 3L, 0L, 1L, 0L), ("menu", 3L, 3L, 3L, 0L, 0L), ("route", 3L, 0L, 0L, 0L, 3L));
            StatisticsReport.FunnelCells(rows[2])[^1].Should().Be("vip 2; general 1");
            (await store.ReadStepsAsync("bank", At.Date.AddDays(1), At.Date.AddDays(2))).Should().ContainSingle().Which.Value.HungUp.Should().Be(1);
            (await store.ReadStepsAsync("taxi", At.Date, At.Date.AddDays(2))).Should().BeEmpty();
        }

        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await EngineCli.RunAsync(["report", "--funnel", "bank", "--from", "2026-12-04", "--to", "2026-12-04", "--time-zone", "UTC", "--Store:Path=" + path], output, error);
        (code, error.ToString()).Should().Be((0, string.Empty));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines[1].Should().MatchRegex(@"^step\s+entered\s+went_on\s+timed_out\s+invalid\s+hung_up\s+ended\s+left\s+left_to$");
        lines[2].Should().MatchRegex(@"^welcome\s+4\s+3\s+0\s+0\s+1\s+0\s+0\s+-$");
        lines[4].Should().MatchRegex(@"^route\s+3\s+0\s+0\s+0\s+0\s+0\s+3\s+vip 2; general 1$");

        using var csv = new StringWriter();
        code = await EngineCli.RunAsync(["report", "--funnel", "bank", "--csv", "--from", "2026-12-04", "--to", "2026-12-05", "--time-zone", "UTC", "--Store:Path=" + path], csv, error);
        code.Should().Be(0);
        csv.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            "step,entered,went_on,timed_out,invalid,hung_up,ended,left,left_to",
            "welcome,5,3,0,0,2,0,0,",
            "menu,3,3,0,3,0,0,0,",
            "route,3,0,0,0,0,0,3,vip 2; general 1");
    }
}
