using FluentAssertions;
using IvrEngine.Profiles;
using IvrEngine.Statistics;

namespace IvrEngine.Tests.Statistics;

/// <summary>The hourly totals in the LiteDB store: added up per slice, read back by period, across reopening.</summary>
public sealed class StatisticsStoreTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ivrengine-stats-");

    private string DbPath => Path.Combine(_folder.FullName, "s.db");

    public void Dispose() => _folder.Delete(recursive: true);

    private static KeyValuePair<SliceKey, HourTotals> Slice(int day, int hour, string queue, long calls, long answered = 0, double wait = 0)
    {
        var totals = new HourTotals { Calls = calls, Queued = calls, Answered = answered, WaitSeconds = wait };
        totals.Waits[HourTotals.BucketOf(wait / Math.Max(1, calls))] = calls;
        totals.AnsweredWaits[0] = answered;
        return new(new SliceKey(new DateTimeOffset(2026, 12, day, hour, 0, 0, TimeSpan.Zero), SliceDimensions.Queue, queue), totals);
    }

    [Fact]
    public async Task Totals_added_to_the_same_slice_sum_and_a_period_reads_its_whole_hours_only()
    {
        using (var store = new LiteDbClientStore(DbPath))
        {
            await store.AddHoursAsync([Slice(4, 9, "vip", 2, 1, 30), Slice(4, 10, "vip", 1), Slice(4, 9, "general", 5)], []);
            await store.AddHoursAsync([Slice(4, 9, "vip", 3, 3, 12), Slice(5, 0, "vip", 7)], []);
        }

        using var reopened = new LiteDbClientStore(DbPath);
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

    [Fact]
    public async Task A_period_with_more_slices_than_a_page_reads_them_all_in_hour_order()
    {
        using var store = new LiteDbClientStore(DbPath);
        var slices = Enumerable.Range(0, 2500).Select(i => Slice(1 + i / 24 / 100, i / 100 % 24, "q" + (i % 100).ToString("D3", System.Globalization.CultureInfo.InvariantCulture), 1)).ToList();
        await store.AddHoursAsync(slices, []);

        var read = await store.ReadHoursAsync(SliceDimensions.Queue, new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero));
        read.Should().HaveCount(2500);
        read.Select(s => s.Key.Hour).Should().BeInAscendingOrder();
        read.Sum(s => s.Value.Calls).Should().Be(2500);
    }

    [Fact]
    public async Task A_period_not_cut_by_time_reads_its_whole_days_from_the_days_totals_and_its_edges_by_the_hour()
    {
        using var store = new LiteDbClientStore(DbPath);

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

    [Fact]
    public async Task A_pair_of_dimensions_is_kept_by_day_only_and_read_for_the_days_a_period_touches_with_its_dispositions()
    {
        using (var store = new LiteDbClientStore(DbPath))
        {
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
        }

        using var reopened = new LiteDbClientStore(DbPath);
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
}
