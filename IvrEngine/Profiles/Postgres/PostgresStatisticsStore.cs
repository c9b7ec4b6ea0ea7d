using IvrEngine.Statistics;
using Npgsql;
using NpgsqlTypes;

namespace IvrEngine.Profiles.Postgres;

/// <summary>The statistics' totals (<see cref="IStatisticsStore"/>) in PostgreSQL, shared by every engine: tables
/// <c>stat_slices</c> (a row per slice and hour and per slice and UTC day, the pairs of dimensions by day only) and
/// <c>stat_steps</c> (Migrations/V002__statistics.sql). The same semantics as the LiteDB store's; a flush is one
/// transaction of two statements (the slices, the steps), each adding all its rows with
/// <c>INSERT ... ON CONFLICT DO UPDATE SET col = row.col + added.col</c>: engines adding to the same slice at once
/// take turns on its row and never lose a count. Rows are added in one order (their keys') by every engine, so two
/// flushes touching the same rows never wait on each other in a circle.</summary>
public sealed class PostgresStatisticsStore(NpgsqlDataSource dataSource) : IStatisticsStore
{
    /// <summary>HourTotals' counts and their columns, in the order the statements name them.</summary>
    private static readonly Count<HourTotals>[] SliceCounts =
    [
        new("calls", t => t.Calls, (t, v) => t.Calls = v),
        new("menu_calls", t => t.IvrCalls, (t, v) => t.IvrCalls = v),
        new("contained", t => t.Contained, (t, v) => t.Contained = v),
        new("menu_abandoned", t => t.IvrAbandoned, (t, v) => t.IvrAbandoned = v),
        new("menu_failed", t => t.IvrFailed, (t, v) => t.IvrFailed = v),
        new("queued", t => t.Queued, (t, v) => t.Queued = v),
        new("answered", t => t.Answered, (t, v) => t.Answered = v),
        new("abandoned", t => t.Abandoned, (t, v) => t.Abandoned = v),
        new("overflowed", t => t.Overflowed, (t, v) => t.Overflowed = v),
        new("transfers", t => t.Transfers, (t, v) => t.Transfers = v),
        new("offers", t => t.Offers, (t, v) => t.Offers = v),
        new("offers_missed", t => t.OffersMissed, (t, v) => t.OffersMissed = v),
        new("repeats", t => t.Repeats, (t, v) => t.Repeats = v),
        new("wrap_ups", t => t.WrapUps, (t, v) => t.WrapUps = v),
        new("requests", t => t.Requests, (t, v) => t.Requests = v),
    ];

    private static readonly Sum[] SliceSums =
    [
        new("wrap_up_seconds", t => t.WrapUpSeconds, (t, v) => t.WrapUpSeconds = v),
        new("menu_seconds", t => t.IvrSeconds, (t, v) => t.IvrSeconds = v),
        new("wait_seconds", t => t.WaitSeconds, (t, v) => t.WaitSeconds = v),
        new("talk_seconds", t => t.TalkSeconds, (t, v) => t.TalkSeconds = v),
    ];

    private static readonly Buckets[] SliceBuckets =
    [
        new("waits", t => t.Waits),
        new("answered_waits", t => t.AnsweredWaits),
        new("dispositions", t => t.Dispositions),
    ];

    private static readonly Count<StepTotals>[] StepCounts =
    [
        new("entered", t => t.Entered, (t, v) => t.Entered = v),
        new("went_on", t => t.WentOn, (t, v) => t.WentOn = v),
        new("timed_out", t => t.TimedOut, (t, v) => t.TimedOut = v),
        new("invalid", t => t.Invalid, (t, v) => t.Invalid = v),
        new("hung_up", t => t.HungUp, (t, v) => t.HungUp = v),
        new("ended", t => t.Ended, (t, v) => t.Ended = v),
        new("transferred", t => t.Left, (t, v) => t.Left = v),
        new("place_sum", t => t.PlaceSum, (t, v) => t.PlaceSum = v),
    ];

    private static readonly string SliceColumns = string.Join(", ",
        ["at", "dimension", "value", "other", .. SliceCounts.Select(c => c.Column), .. SliceSums.Select(c => c.Column), .. SliceBuckets.Select(c => c.Column)]);

    private static readonly string AddSlicesSql = AddSlices();
    private static readonly string AddStepsSql = AddSteps();

    /// <inheritdoc />
    public async Task AddHoursAsync(IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>> totals, IReadOnlyCollection<KeyValuePair<StepKey, StepTotals>> steps,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(totals);
        ArgumentNullException.ThrowIfNull(steps);
        if (totals.Count == 0 && steps.Count == 0) return;

        // A statement may add to a row once: the same slice given twice is summed here first, as is each hour into its
        // UTC day (a pair of dimensions is kept by day only). Sums are new objects: the caller's totals are not changed.
        var rows = new Dictionary<RowKey, HourTotals>();
        foreach (var (key, add) in totals)
        {
            var value = CallFacts.Clean(key.Value);
            var other = CallFacts.Clean(key.Other);
            if (!SliceDimensions.IsPair(key.Dimension)) SumInto(rows, new RowKey(key.Dimension, false, key.Hour.UtcDateTime, value, other), add);
            SumInto(rows, new RowKey(key.Dimension, true, key.Hour.UtcDateTime.Date, value, other), add);
        }

        var stepRows = new Dictionary<(string Flow, DateOnly Day, string Step), StepTotals>();
        foreach (var (key, add) in steps)
        {
            var id = (key.Flow, DateOnly.FromDateTime(key.Day.UtcDateTime), key.Step);
            if (!stepRows.TryGetValue(id, out var sum)) stepRows[id] = sum = new StepTotals();
            sum.Add(add);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (rows.Count > 0)
        {
            await using var command = SlicesCommand(rows, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        if (stepRows.Count > 0)
        {
            await using var command = StepsCommand(stepRows, connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadHoursAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
        string? value = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dimension);
        var (first, end) = StatisticsPeriod.Hours(since, until);
        return ReadSlicesAsync(dimension, byDay: false, first, end, value is null ? null : CallFacts.Clean(value), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPeriodAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
        string? value = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dimension);
        var (first, end) = StatisticsPeriod.Hours(since, until);
        if (end <= first) return [];

        // The whole UTC days of the period from the days' rows, the hours before and after them from the hours'.
        var firstDay = StepKey.DayOf(first);
        if (firstDay < first) firstDay = firstDay.AddDays(1);
        var endDay = StepKey.DayOf(end);
        var clean = value is null ? null : CallFacts.Clean(value);
        if (endDay <= firstDay) return await ReadSlicesAsync(dimension, byDay: false, first, end, clean, cancellationToken);
        var result = new List<KeyValuePair<SliceKey, HourTotals>>();
        result.AddRange(await ReadSlicesAsync(dimension, byDay: false, first, firstDay, clean, cancellationToken));
        result.AddRange(await ReadSlicesAsync(dimension, byDay: true, firstDay, endDay, clean, cancellationToken));
        result.AddRange(await ReadSlicesAsync(dimension, byDay: false, endDay, end, clean, cancellationToken));
        return result;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPairDaysAsync(string pair, string value, DateTimeOffset since, DateTimeOffset until,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pair);
        ArgumentNullException.ThrowIfNull(value);
        var (first, end) = StatisticsPeriod.Days(since, until);
        return ReadSlicesAsync(pair, byDay: true, first, end, CallFacts.Clean(value), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<KeyValuePair<StepKey, StepTotals>>> ReadStepsAsync(string flow, DateTimeOffset since, DateTimeOffset until,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(flow);
        var (first, end) = StatisticsPeriod.Days(since, until);
        if (end <= first) return [];
        await using var command = dataSource.CreateCommand(
            $"SELECT day, step, {string.Join(", ", StepCounts.Select(c => c.Column))}, left_to FROM stat_steps WHERE flow = $1 AND day >= $2 AND day < $3 ORDER BY day, step");
        command.Parameters.Add(new NpgsqlParameter { Value = flow });
        command.Parameters.Add(new NpgsqlParameter { Value = DateOnly.FromDateTime(first.UtcDateTime) });
        command.Parameters.Add(new NpgsqlParameter { Value = DateOnly.FromDateTime(end.UtcDateTime) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<KeyValuePair<StepKey, StepTotals>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var day = reader.GetFieldValue<DateOnly>(0);
            var key = new StepKey(new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), flow, reader.GetString(1));
            var totals = new StepTotals();
            for (var i = 0; i < StepCounts.Length; i++) StepCounts[i].Set(totals, reader.GetInt64(2 + i));
            var leftTo = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, long>>(reader.GetString(2 + StepCounts.Length));
            if (leftTo is not null)
            {
                foreach (var (to, count) in leftTo) totals.LeftTo[to] = count;
            }

            result.Add(new(key, totals));
        }

        return result;
    }

    /// <summary>The rows of <paramref name="dimension"/>'s hours or days from <paramref name="first"/> to before
    /// <paramref name="end"/>, of one value when one is given, in time order (then value, then other): one range of
    /// the primary key, or of the by-value index for one value.</summary>
    private async Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadSlicesAsync(string dimension, bool byDay, DateTimeOffset first, DateTimeOffset end,
        string? value, CancellationToken cancellationToken)
    {
        if (end <= first) return [];
        await using var command = dataSource.CreateCommand(value is null
            ? $"SELECT {SliceColumns} FROM stat_slices WHERE dimension = $1 AND by_day = $2 AND at >= $3 AND at < $4 ORDER BY at, value, other"
            : $"SELECT {SliceColumns} FROM stat_slices WHERE dimension = $1 AND by_day = $2 AND value = $5 AND at >= $3 AND at < $4 ORDER BY at, other");
        command.Parameters.Add(new NpgsqlParameter { Value = dimension });
        command.Parameters.Add(new NpgsqlParameter { Value = byDay });
        command.Parameters.Add(new NpgsqlParameter { Value = first.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = end.UtcDateTime });
        if (value is not null) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var result = new List<KeyValuePair<SliceKey, HourTotals>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = new SliceKey(new DateTimeOffset(reader.GetFieldValue<DateTime>(0), TimeSpan.Zero), reader.GetString(1), reader.GetString(2), reader.GetString(3));
            var totals = new HourTotals();
            var column = 4;
            foreach (var count in SliceCounts) count.Set(totals, reader.GetInt64(column++));
            foreach (var sum in SliceSums) sum.Set(totals, reader.GetDouble(column++));
            foreach (var buckets in SliceBuckets)
            {
                var kept = reader.GetFieldValue<long[]>(column++);
                var into = buckets.Of(totals);
                Array.Copy(kept, into, Math.Min(kept.Length, into.Length));
            }

            result.Add(new(key, totals));
        }

        return result;
    }

    private static void SumInto(Dictionary<RowKey, HourTotals> rows, RowKey key, HourTotals add)
    {
        if (!rows.TryGetValue(key, out var sum)) rows[key] = sum = new HourTotals();
        sum.Add(add);
    }

    /// <summary>All the slices' rows in one statement: each column's values as an array (the buckets of every row one
    /// after the other in one array, cut back into rows by position), in the keys' order.</summary>
    private static NpgsqlCommand SlicesCommand(Dictionary<RowKey, HourTotals> rows, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var ordered = rows.OrderBy(r => r.Key, RowKey.Order).ToList();
        var command = new NpgsqlCommand(AddSlicesSql, connection, transaction);
        command.Parameters.Add(ArrayOf(ordered.Select(r => r.Key.Dimension).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(ArrayOf(ordered.Select(r => r.Key.ByDay).ToArray(), NpgsqlDbType.Boolean));
        command.Parameters.Add(ArrayOf(ordered.Select(r => r.Key.At).ToArray(), NpgsqlDbType.TimestampTz));
        command.Parameters.Add(ArrayOf(ordered.Select(r => r.Key.Value).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(ArrayOf(ordered.Select(r => r.Key.Other).ToArray(), NpgsqlDbType.Text));
        foreach (var count in SliceCounts) command.Parameters.Add(ArrayOf(ordered.Select(r => count.Get(r.Value)).ToArray(), NpgsqlDbType.Bigint));
        foreach (var sum in SliceSums) command.Parameters.Add(ArrayOf(ordered.Select(r => sum.Get(r.Value)).ToArray(), NpgsqlDbType.Double));
        foreach (var buckets in SliceBuckets)
        {
            var width = buckets.Of(new HourTotals()).Length;
            var flat = new long[ordered.Count * width];
            for (var i = 0; i < ordered.Count; i++)
            {
                var of = buckets.Of(ordered[i].Value);
                Array.Copy(of, 0, flat, i * width, Math.Min(width, of.Length));
            }

            command.Parameters.Add(ArrayOf(flat, NpgsqlDbType.Bigint));
            command.Parameters.Add(new NpgsqlParameter { Value = width, NpgsqlDbType = NpgsqlDbType.Integer });
        }

        return command;
    }

    private static NpgsqlCommand StepsCommand(Dictionary<(string Flow, DateOnly Day, string Step), StepTotals> rows, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var ordered = rows.OrderBy(r => r.Key.Flow, StringComparer.Ordinal).ThenBy(r => r.Key.Day).ThenBy(r => r.Key.Step, StringComparer.Ordinal).ToList();
        var command = new NpgsqlCommand(AddStepsSql, connection, transaction);
        command.Parameters.Add(ArrayOf(ordered.Select(r => r.Key.Flow).ToArray(), NpgsqlDbType.Text));
        command.Parameters.Add(ArrayOf(ordered.Select(r => r.Key.Day).ToArray(), NpgsqlDbType.Date));
        command.Parameters.Add(ArrayOf(ordered.Select(r => r.Key.Step).ToArray(), NpgsqlDbType.Text));
        foreach (var count in StepCounts) command.Parameters.Add(ArrayOf(ordered.Select(r => count.Get(r.Value)).ToArray(), NpgsqlDbType.Bigint));
        command.Parameters.Add(ArrayOf(ordered.Select(r => System.Text.Json.JsonSerializer.Serialize(r.Value.LeftTo)).ToArray(), NpgsqlDbType.Jsonb));
        return command;
    }

    private static NpgsqlParameter ArrayOf<T>(T[] values, NpgsqlDbType type) =>
        new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type };

    /// <summary>INSERT ... SELECT FROM unnest(the columns' arrays) ON CONFLICT DO UPDATE adding each column.</summary>
    private static string AddSlices()
    {
        // $1-$5 the keys, then the counts, the sums, and per histogram its flat array and its width.
        List<string> scalars = ["dimension", "by_day", "at", "value", "other", .. SliceCounts.Select(c => c.Column), .. SliceSums.Select(c => c.Column)];
        List<string> types = ["text", "boolean", "timestamptz", "text", "text", .. SliceCounts.Select(_ => "bigint"), .. SliceSums.Select(_ => "double precision")];
        var unnest = string.Join(", ", types.Select((type, i) => $"${i + 1}::{type}[]"));
        var buckets = SliceBuckets.Select((b, i) =>
        {
            var array = scalars.Count + 1 + (2 * i);
            return $"(${array}::bigint[])[(u.i - 1) * ${array + 1}::integer + 1 : u.i * ${array + 1}::integer]";
        });
        var adds = SliceCounts.Select(c => c.Column).Concat(SliceSums.Select(c => c.Column)).Select(c => $"{c} = t.{c} + excluded.{c}")
            .Concat(SliceBuckets.Select(b => $"{b.Column} = ivr_add_counts(t.{b.Column}, excluded.{b.Column})"));
        return $"""
            INSERT INTO stat_slices AS t ({string.Join(", ", scalars.Concat(SliceBuckets.Select(b => b.Column)))})
            SELECT {string.Join(", ", scalars.Select(c => "u." + c).Concat(buckets))}
            FROM unnest({unnest}) WITH ORDINALITY AS u({string.Join(", ", scalars)}, i)
            ORDER BY u.i
            ON CONFLICT (dimension, by_day, at, value, other) DO UPDATE SET {string.Join(", ", adds)}
            """;
    }

    private static string AddSteps()
    {
        List<string> columns = ["flow", "day", "step", .. StepCounts.Select(c => c.Column), "left_to"];
        List<string> types = ["text", "date", "text", .. StepCounts.Select(_ => "bigint"), "jsonb"];
        var adds = StepCounts.Select(c => $"{c.Column} = t.{c.Column} + excluded.{c.Column}").Append("left_to = ivr_add_counts(t.left_to, excluded.left_to)");
        return $"""
            INSERT INTO stat_steps AS t ({string.Join(", ", columns)})
            SELECT {string.Join(", ", columns.Select(c => "u." + c))}
            FROM unnest({string.Join(", ", types.Select((type, i) => $"${i + 1}::{type}[]"))}) WITH ORDINALITY AS u({string.Join(", ", columns)}, i)
            ORDER BY u.i
            ON CONFLICT (flow, day, step) DO UPDATE SET {string.Join(", ", adds)}
            """;
    }

    /// <summary>A row of <c>stat_slices</c>; <see cref="Order"/> is the one every engine adds rows in (the primary key's).</summary>
    private readonly record struct RowKey(string Dimension, bool ByDay, DateTime At, string Value, string Other)
    {
        public static readonly IComparer<RowKey> Order = Comparer<RowKey>.Create((a, b) =>
        {
            var c = string.CompareOrdinal(a.Dimension, b.Dimension);
            if (c == 0) c = a.ByDay.CompareTo(b.ByDay);
            if (c == 0) c = a.At.CompareTo(b.At);
            if (c == 0) c = string.CompareOrdinal(a.Value, b.Value);
            return c != 0 ? c : string.CompareOrdinal(a.Other, b.Other);
        });
    }

    private sealed record Count<T>(string Column, Func<T, long> Get, Action<T, long> Set);

    private sealed record Sum(string Column, Func<HourTotals, double> Get, Action<HourTotals, double> Set);

    private sealed record Buckets(string Column, Func<HourTotals, long[]> Of);
}
