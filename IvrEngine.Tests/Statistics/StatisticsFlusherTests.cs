using System.Threading.Channels;
using FluentAssertions;
using IvrEngine.Hosting;
using IvrEngine.Statistics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Statistics;

/// <summary>The engine's flusher: the slices every FlushSeconds, the pairs of dimensions every PairFlushSeconds, all
/// of it at the stop.</summary>
public sealed class StatisticsFlusherTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_pairs_of_dimensions_go_to_the_store_every_PairFlushSeconds_and_at_the_stop_the_rest_every_FlushSeconds()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
        var options = new StatisticsOptions { FlushSeconds = 5, PairFlushSeconds = 60 };
        using var collector = new StatisticsCollector(time, options, switchEvents: false);
        var store = new RecordingStore();
        using var flusher = new StatisticsFlusher(collector, store, options, time, NullLogger<StatisticsFlusher>.Instance);
        await flusher.StartAsync(CancellationToken.None);

        collector.IvrEnded(Leg("a", time.GetUtcNow()));
        time.Advance(TimeSpan.FromSeconds(5));
        var first = await store.Added.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        first.Should().HaveCount(Slices.PerCall - SliceDimensions.Pairs.Count).And.NotContain(s => SliceDimensions.IsPair(s.Key.Dimension));

        // Another call; the 5 s rounds until 60 s write its slices, the round at 60 s the pairs of both calls.
        collector.IvrEnded(Leg("b", time.GetUtcNow()));
        var pairs = new List<KeyValuePair<SliceKey, HourTotals>>();
        for (var round = 2; round <= 12; round++)
        {
            time.Advance(TimeSpan.FromSeconds(5));
            if (round == 2) (await store.Added.Reader.ReadAsync().AsTask().WaitAsync(Patience)).Should().NotContain(s => SliceDimensions.IsPair(s.Key.Dimension));
        }

        pairs.AddRange(await store.Added.Reader.ReadAsync().AsTask().WaitAsync(Patience));
        pairs.Should().HaveCount(SliceDimensions.Pairs.Count).And.OnlyContain(s => SliceDimensions.IsPair(s.Key.Dimension) && s.Value.Calls == 2);

        // At the stop, whatever is left, pairs included.
        collector.IvrEnded(Leg("c", time.GetUtcNow()));
        await flusher.StopAsync(CancellationToken.None);
        var last = await store.Added.Reader.ReadAsync().AsTask().WaitAsync(Patience);
        last.Should().HaveCount(Slices.PerCall);
    }

    private static IvrLeg Leg(string uuid, DateTimeOffset at) =>
        new(uuid, at, TimeSpan.FromSeconds(20), "5000", "bank", "hangup", null, "E", "regular", ["welcome"]);

    /// <summary>Hands each non-empty batch the flusher adds to the test.</summary>
    private sealed class RecordingStore : IStatisticsStore
    {
        public Channel<IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>>> Added { get; } = Channel.CreateUnbounded<IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>>>();

        public Task AddHoursAsync(IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>> totals, IReadOnlyCollection<KeyValuePair<StepKey, StepTotals>> steps,
            CancellationToken cancellationToken = default)
        {
            if (totals.Count > 0) Added.Writer.TryWrite([.. totals]);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<KeyValuePair<StepKey, StepTotals>>> ReadStepsAsync(string flow, DateTimeOffset since, DateTimeOffset until,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadHoursAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
            string? value = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPairDaysAsync(string pair, string value, DateTimeOffset since, DateTimeOffset until,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPeriodAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
            string? value = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
