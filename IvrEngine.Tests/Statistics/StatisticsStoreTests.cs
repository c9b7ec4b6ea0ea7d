using FluentAssertions;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Statistics;
using IvrEngine.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace IvrEngine.Tests.Statistics;

/// <summary>The hourly totals in a store (<see cref="IStatisticsStore"/>): added up per slice, read back by period,
/// across reopening, and added to by several engines at once; run against each store by its subclass (on the
/// <typeparamref name="TStorage"/> the client store's contract tests use).</summary>
public abstract class StatisticsStoreTests<TStorage> : IAsyncLifetime
    where TStorage : IStoreStorage, new()
{
    private readonly List<IStatisticsStore> _open = [];

    /// <summary>The test's data: a LiteDB file, or a fresh PostgreSQL database with its schema.</summary>
    protected TStorage Storage { get; } = new();

    /// <summary>A store on the test's data, opened anew (a reopened LiteDB file; another connection pool on the same
    /// PostgreSQL database, as another engine would).</summary>
    protected abstract Task<IStatisticsStore> OpenStoreAsync();

    public Task InitializeAsync() => Storage.InitializeAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _open.ToList()) Close(store);
        await Storage.DisposeAsync();
    }

    private async Task<IStatisticsStore> OpenAsync()
    {
        var store = await OpenStoreAsync();
        _open.Add(store);
        return store;
    }

    private void Close(IStatisticsStore store)
    {
        (store as IDisposable)?.Dispose();
        _open.Remove(store);
    }

    private static KeyValuePair<SliceKey, HourTotals> Slice(int day, int hour, string queue, long calls, long answered = 0, double wait = 0)
    {
        var totals = new HourTotals { Calls = calls, Queued = calls, Answered = answered, WaitSeconds = wait };
        totals.Waits[HourTotals.BucketOf(wait / Math.Max(1, calls))] = calls;
        totals.AnsweredWaits[0] = answered;
        return new(new SliceKey(new DateTimeOffset(2026, 12, day, hour, 0, 0, TimeSpan.Zero), SliceDimensions.Queue, queue), totals);
    }

    [StoreFact]
    public async Task Totals_added_to_the_same_slice_sum_and_a_period_reads_its_whole_hours_only()
    {
        var store = await OpenAsync();
        await store.AddHoursAsync([Slice(4, 9, "vip", 2, 1, 30), Slice(4, 10, "vip", 1), Slice(4, 9, "general", 5)], []);
        await store.AddHoursAsync([Slice(4, 9, "vip", 3, 3, 12), Slice(5, 0, "vip", 7)], []);
        Close(store);

        var reopened = await OpenAsync();
        var nine = await reopened.ReadHoursAsync(SliceDimensions.Queue, new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
        nine.Should().HaveCount(2).And.OnlyContain(s => s.Key.Hour.Hour == 9);
        var vip = nine.Single(s => s.Key.Value == "vip").Value;
        (vip.Calls, vip.Answered, vip.WaitSeconds, vip.AnsweredWaits[0]).Should().Be((5L, 4L, 42.0, 4L));
        vip.Waits.Sum().Should().Be(5);

        // 09:30 to 10:15 counts the hours 09 and 10 whole; a day in +04:00 is 20:00 to 20:00 UTC.
        (await reopened.ReadHoursAsync(SliceDimensions.Queue, new DateTimeOffset(2026, 12, 4, 9, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 4, 10, 15, 0, TimeSpan.Zero)))
            .Sum(s => s.Value.Calls).Should().Be(11);
        (await reopened.ReadHoursAsync(SliceDimensions.Queue, new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.FromHours(4)), new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.FromHours(4))))
            .Select(s => s.Key.Hour).Should().Equal(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero));
        (await reopened.ReadHoursAsync(SliceDimensions.Queue, new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero))).Should().BeEmpty();

        // One value's hours only (a filtered report by the hour).
        (await reopened.ReadHoursAsync(SliceDimensions.Queue, new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero), "vip"))
            .Select(s => (s.Key.Hour.Day, s.Key.Hour.Hour, s.Key.Value, s.Value.Calls)).Should().Equal((4, 9, "vip", 5L), (4, 10, "vip", 1L), (5, 0, "vip", 7L));
        (await reopened.ReadHoursAsync(SliceDimensions.Queue, new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero), "vi"))
            .Should().BeEmpty();
    }

    [StoreFact]
    public async Task A_period_with_more_slices_than_a_page_reads_them_all_in_hour_order()
    {
        var store = await OpenAsync();
        var slices = Enumerable.Range(0, 2500).Select(i => Slice(1 + i / 24 / 100, i / 100 % 24, "q" + (i % 100).ToString("D3", System.Globalization.CultureInfo.InvariantCulture), 1)).ToList();
        await store.AddHoursAsync(slices, []);

        var read = await store.ReadHoursAsync(SliceDimensions.Queue, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero));
        read.Should().HaveCount(2500);
        read.Select(s => s.Key.Hour).Should().BeInAscendingOrder();
        read.Sum(s => s.Value.Calls).Should().Be(2500);
    }

    [StoreFact]
    public async Task A_period_not_cut_by_time_reads_its_whole_days_from_the_days_totals_and_its_edges_by_the_hour()
    {
        var store = await OpenAsync();

        // Three calls an hour on the 1st to the 3rd (UTC), in two batches as two flushes would add them.
        var all = (from day in Enumerable.Range(1, 3) from hour in Enumerable.Range(0, 24) select Slice(day, hour, "vip", 3)).ToList();
        await store.AddHoursAsync(all.Take(40).ToList(), []);
        await store.AddHoursAsync(all.Skip(40).ToList(), []);

        // 1st 20:00 to 3rd 04:00: 4 hours, the 2nd whole, 4 hours.
        var since = new DateTimeOffset(2026, 12, 1, 20, 0, 0, TimeSpan.Zero);
        var until = new DateTimeOffset(2026, 12, 3, 4, 0, 0, TimeSpan.Zero);
        var period = await store.ReadPeriodAsync(SliceDimensions.Queue, since, until);
        period.Should().HaveCount(9);
        period.Count(s => s.Value.Calls == 72).Should().Be(1, "the 2nd is one document: its 24 hours summed");
        period.Sum(s => s.Value.Calls).Should().Be(32 * 3);
        (await store.ReadHoursAsync(SliceDimensions.Queue, since, until)).Sum(s => s.Value.Calls).Should().Be(32 * 3, "the same calls by the hour");

        // Within one day, and a period shorter than a day across midnight: hours only.
        (await store.ReadPeriodAsync(SliceDimensions.Queue, since, since.AddHours(2))).Should().HaveCount(2);
        (await store.ReadPeriodAsync(SliceDimensions.Queue, since, since.AddHours(8))).Sum(s => s.Value.Calls).Should().Be(24);
        (await store.ReadPeriodAsync(SliceDimensions.Total, since, until)).Should().BeEmpty("only the queue's slices were added");

        // One value's: the same documents here (vip is the only queue), none of another value.
        (await store.ReadPeriodAsync(SliceDimensions.Queue, since, until, "vip")).Select(s => (s.Key.Hour, s.Value.Calls)).Should()
            .Equal(period.Select(s => (s.Key.Hour, s.Value.Calls)));
        (await store.ReadPeriodAsync(SliceDimensions.Queue, since, until, "general")).Should().BeEmpty();
    }

    [StoreFact]
    public async Task A_pair_of_dimensions_is_kept_by_day_only_and_read_for_the_days_a_period_touches_with_its_dispositions()
    {
        var store = await OpenAsync();
        var wrapped = new HourTotals { Calls = 1, WrapUps = 1 };
        HourTotals.CountDisposition(wrapped, "escalated");

        // Two calls of the 4th (09:00 and 23:00 UTC) and one of the 5th, as a collector hands them over.
        await store.AddHoursAsync([
            .. Slices.Of(new CallFacts(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero), "5000", "bank", "vip", "1001", "V", "a\u001fb"), wrapped),
            .. Slices.Of(new CallFacts(new DateTimeOffset(2026, 12, 4, 23, 0, 0, TimeSpan.Zero), "5000", "bank", "vip", "1002", "V", ""), new HourTotals { Calls = 1 }),
        ], []);
        await store.AddHoursAsync([
            .. Slices.Of(new CallFacts(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero), "5000", "bank", "vip", "1001", "V", ""), new HourTotals { Calls = 1 }),
        ], []);
        Close(store);

        var reopened = await OpenAsync();
        var fourth = new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);
        (await reopened.ReadHoursAsync("queue+agent", fourth, fourth.AddDays(2))).Should().BeEmpty("a pair has no hours");

        // 4th 22:00 to 5th 01:00 touches both days: the days are read whole.
        var days = await reopened.ReadPairDaysAsync("queue+agent", "vip", fourth.AddHours(22), fourth.AddHours(25));
        days.Select(d => (d.Key.Hour, d.Key.Value, d.Key.Other, d.Value.Calls)).Should().Equal(
            (fourth, "vip", "1001", 1L), (fourth, "vip", "1002", 1L), (fourth.AddDays(1), "vip", "1001", 1L));
        (await reopened.ReadPairDaysAsync("queue+agent", "vip", fourth.AddDays(1), fourth.AddDays(2))).Should().ContainSingle();
        (await reopened.ReadPairDaysAsync("queue+agent", "vip", fourth.AddDays(2), fourth.AddDays(3))).Should().BeEmpty();
        (await reopened.ReadPairDaysAsync("queue+agent", "vip", fourth.AddHours(9), fourth.AddHours(10))).Sum(d => d.Value.Calls).Should().Be(2, "the 4th whole");
        (await reopened.ReadPairDaysAsync("queue+agent", "vip", fourth, fourth.AddDays(1))).Should().HaveCount(2, "a period ending at midnight does not touch the next day");
        (await reopened.ReadPairDaysAsync("queue+agent", "vi", fourth, fourth.AddDays(2))).Should().BeEmpty("only the value asked for, not one it begins");
        (await reopened.ReadPairDaysAsync("agent+queue", "1001", fourth, fourth.AddDays(2))).Select(d => (d.Key.Hour, d.Key.Other)).Should().Equal(
            (fourth, "vip"), (fourth.AddDays(1), "vip"));

        var withDisposition = days.Single(d => d.Key.Other == "1001" && d.Key.Hour == fourth).Value;
        withDisposition.Dispositions.Should().Equal(0L, 0L, 1L, 0L, 0L);
        (await reopened.ReadHoursAsync(SliceDimensions.Agent, fourth, fourth.AddDays(1))).Single(s => s.Key.Value == "1001").Value.Dispositions[2].Should().Be(1);

        // A category with the key's separator in it is kept as another value, not as a part of the key.
        (await reopened.ReadPairDaysAsync("cti+category", "V", fourth, fourth.AddDays(1))).Select(d => d.Key.Other).Should().BeEquivalentTo("a?b", "");
        (await reopened.ReadPairDaysAsync("category+cti", "a\u001fb", fourth, fourth.AddDays(1))).Should().ContainSingle("a value asked for is read as it is kept");
    }

    [StoreFact]
    public async Task A_flows_steps_are_summed_per_day_with_their_destinations_and_read_in_day_and_step_order()
    {
        var fourth = new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);
        var store = await OpenAsync();
        await store.AddHoursAsync([], [Step(fourth, "bank", "welcome", 2), Step(fourth, "bank", "route", 1, "vip"), Step(fourth.AddDays(1), "bank", "welcome", 1),
            Step(fourth, "taxi", "welcome", 5)]);

        // The same step twice in one add, as two flows' sub-flow would hand it over.
        await store.AddHoursAsync([], [Step(fourth, "bank", "route", 2, "general"), Step(fourth, "bank", "route", 1, "vip")]);
        Close(store);

        var reopened = await OpenAsync();
        var day = await reopened.ReadStepsAsync("bank", fourth.AddHours(9), fourth.AddHours(10));
        day.Select(s => (s.Key.Day, s.Key.Flow, s.Key.Step, s.Value.Entered)).Should().Equal((fourth, "bank", "route", 4L), (fourth, "bank", "welcome", 2L));
        var route = day[0].Value;
        (route.Left, route.WentOn, route.PlaceSum).Should().Be((4L, 0L, 8L));
        route.LeftTo.Should().BeEquivalentTo(new Dictionary<string, long> { ["vip"] = 2, ["general"] = 2 });
        day[1].Value.LeftTo.Should().BeEmpty();

        (await reopened.ReadStepsAsync("bank", fourth, fourth.AddDays(2))).Select(s => (s.Key.Day, s.Key.Step)).Should().Equal(
            (fourth, "route"), (fourth, "welcome"), (fourth.AddDays(1), "welcome"));
        (await reopened.ReadStepsAsync("bank", fourth, fourth.AddDays(1))).Should().HaveCount(2, "a period ending at midnight does not touch the next day");
        (await reopened.ReadStepsAsync("taxi", fourth, fourth.AddDays(2))).Should().ContainSingle().Which.Value.Entered.Should().Be(5);
        (await reopened.ReadStepsAsync("ban", fourth, fourth.AddDays(2))).Should().BeEmpty();
    }

    [StoreFact]
    public async Task Engines_adding_to_the_same_slices_at_once_lose_no_count()
    {
        // Two engines on one store (LiteDB: one store per process, so one engine's two flushes at once).
        var first = await OpenAsync();
        var second = OneStorePerProcess ? first : await OpenAsync();
        var nine = new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
        var day = StepKey.DayOf(nine);

        // Per round, four calls in two hours of one day: each call's hour total, dimensions and pairs overlap the others'.
        var calls = Enumerable.Range(0, 4).Select(i => new CallFacts(nine.AddHours(i % 2), "5000", "bank", "vip", "100" + i, "V", "")).ToList();
        const int Rounds = 40;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task AddAsync(IStatisticsStore store, int engine)
        {
            await start.Task;
            for (var round = 0; round < Rounds; round++)
            {
                var totals = new HourTotals { Calls = 1, Answered = 1, WaitSeconds = 0.5 };
                totals.Waits[engine] = 1;
                await store.AddHoursAsync([.. calls.SelectMany(c => Slices.Of(c, totals))], [Step(day, "bank", "route", 1, "vip")]);
            }
        }

        var adding = new[] { Task.Run(() => AddAsync(first, 0)), Task.Run(() => AddAsync(second, 1)) };
        start.SetResult();
        await Task.WhenAll(adding);

        var hours = await first.ReadHoursAsync(SliceDimensions.Total, nine, nine.AddHours(2));
        hours.Select(h => (h.Key.Hour, h.Value.Calls, h.Value.Answered, h.Value.WaitSeconds)).Should().Equal(
            (nine, 4L * Rounds, 4L * Rounds, 2.0 * Rounds), (nine.AddHours(1), 4L * Rounds, 4L * Rounds, 2.0 * Rounds));
        var whole = (await second.ReadPeriodAsync(SliceDimensions.Queue, day, day.AddDays(1), "vip")).Should().ContainSingle().Subject.Value;
        (whole.Calls, whole.Waits[0], whole.Waits[1]).Should().Be((8L * Rounds, 4L * Rounds, 4L * Rounds));
        (await first.ReadPairDaysAsync("queue+agent", "vip", day, day.AddDays(1))).Select(p => (p.Key.Other, p.Value.Calls)).Should().Equal(
            ("1000", 2L * Rounds), ("1001", 2L * Rounds), ("1002", 2L * Rounds), ("1003", 2L * Rounds));
        var route = (await second.ReadStepsAsync("bank", day, day.AddDays(1))).Should().ContainSingle().Subject.Value;
        (route.Entered, route.LeftTo["vip"]).Should().Be((2L * Rounds, 2L * Rounds));
    }

    /// <summary>True where engines cannot open the store twice in one process (LiteDB): the concurrency test's two
    /// engines are then one store's two callers at once.</summary>
    protected virtual bool OneStorePerProcess => false;

    protected static KeyValuePair<StepKey, StepTotals> Step(DateTimeOffset day, string flow, string step, long entered, string? leftTo = null)
    {
        var totals = new StepTotals { Entered = entered, WentOn = leftTo is null ? entered : 0, Left = leftTo is null ? 0 : entered, PlaceSum = 2 * entered };
        if (leftTo is not null) totals.LeftTo[leftTo] = entered;
        return new(new StepKey(day, flow, step), totals);
    }
}

/// <summary>The statistics' contract on the LiteDB store (a file in a temporary folder).</summary>
public sealed class LiteDbStatisticsStoreTests : StatisticsStoreTests<LiteDbStorage>
{
    protected override bool OneStorePerProcess => true;

    protected override Task<IStatisticsStore> OpenStoreAsync() => Task.FromResult((IStatisticsStore)Storage.Open());
}

/// <summary>The statistics' contract on PostgreSQL: a fresh database per test, migrated; each store opened is a
/// connection pool of its own, as another engine's.</summary>
public sealed class PostgresStatisticsStoreTests : StatisticsStoreTests<PostgresStorage>
{
    private readonly List<NpgsqlDataSource> _pools = [];

    protected override Task<IStatisticsStore> OpenStoreAsync()
    {
        var pool = NpgsqlDataSource.Create(Storage.ConnectionString);
        _pools.Add(pool);
        return Task.FromResult<IStatisticsStore>(new PostgresStatisticsStore(pool));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var pool in _pools) await pool.DisposeAsync();
    }

    [PostgresFact]
    public async Task The_engine_keeps_its_statistics_in_PostgreSQL_when_the_store_is_PostgreSQL()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Provider"] = "PostgreSQL",
            ["Store:ConnectionString"] = Storage.ConnectionString,
        }).Build();
        await using var services = new ServiceCollection().AddLogging().AddClientProfiles(configuration).AddStatistics(configuration).BuildServiceProvider();

        var store = services.GetRequiredService<IStatisticsStore>();
        store.Should().BeOfType<PostgresStatisticsStore>();
        var hour = new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero);
        await store.AddHoursAsync([new(new SliceKey(hour, SliceDimensions.Total, string.Empty), new HourTotals { Calls = 3 })], []);

        var another = await OpenStoreAsync();
        (await another.ReadHoursAsync(SliceDimensions.Total, hour, hour.AddHours(1))).Should().ContainSingle().Which.Value.Calls.Should().Be(3, "another engine reads it");
    }

    [PostgresFact]
    public async Task The_report_command_reads_the_statistics_from_PostgreSQL()
    {
        var store = await OpenStoreAsync();
        await store.AddHoursAsync([
            .. Slices.Of(new CallFacts(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero), "5000", "bank", "vip@default", "1001@default", "V", ""), new HourTotals { Calls = 4, Queued = 4, Answered = 3 }),
            .. Slices.Of(new CallFacts(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero), "5000", "bank", "vip@default", "", "N", ""), new HourTotals { Calls = 100 }),
        ], [Step(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), "bank", "welcome", 4)]);
        string[] where = ["--time-zone", "UTC", "--Store:Provider=PostgreSQL", "--Store:ConnectionString=" + Storage.ConnectionString];

        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await EngineCli.RunAsync(["report", "--from", "2026-12-04", "--to", "2026-12-04", "--by", "queue", "--csv", .. where], output, error);
        (code, error.ToString()).Should().Be((0, string.Empty));
        var lines = output.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(2, "the 5th is outside the period");
        lines[1].Should().StartWith("vip@default,4,0,0,,0,0,4,3,");

        using var funnel = new StringWriter();
        code = await EngineCli.RunAsync(["report", "--funnel", "bank", "--csv", "--from", "2026-12-04", "--to", "2026-12-04", .. where], funnel, error);
        code.Should().Be(0);
        funnel.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[1].Should().Be("welcome,4,4,0,0,0,0,0,");
    }
}
