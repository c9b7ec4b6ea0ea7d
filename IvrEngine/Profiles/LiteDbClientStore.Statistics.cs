using System.Globalization;
using IvrEngine.Statistics;
using LiteDB;

namespace IvrEngine.Profiles;

/// <summary>The statistics' totals (<see cref="IStatisticsStore"/>), in the same file, through the same writer and engine
/// lock as the cards: one document per slice and hour, and one per slice and UTC day (the day's hours summed, kept as
/// the hours are added), in <c>stat_hours</c>. An id is the dimension, <c>h</c> and the hour (<c>yyyyMMddHH</c>) or
/// <c>d</c> and the day (<c>yyyyMMdd</c>), then the value: a period of one dimension is one seek and one walk of the
/// <c>_id</c> index, and a report over months reads a document per day and value.</summary>
public sealed partial class LiteDbClientStore : IStatisticsStore
{
    internal const string StatisticsHours = "stat_hours";
    internal const string StatisticsSteps = "stat_steps";

    private const char KeySeparator = '\u001f';
    private const string HourFormat = "yyyyMMddHH";
    private const string DayFormat = "yyyyMMdd";

    /// <inheritdoc />
    public async Task AddHoursAsync(IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>> totals, IReadOnlyCollection<KeyValuePair<StepKey, StepTotals>> steps,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(totals);
        ArgumentNullException.ThrowIfNull(steps);
        if (totals.Count == 0 && steps.Count == 0) return;

        // The days' totals grow with their hours', in the same transaction.
        var days = new Dictionary<SliceKey, HourTotals>();
        foreach (var (key, add) in totals)
        {
            var day = key with { Hour = new DateTimeOffset(key.Hour.UtcDateTime.Date, TimeSpan.Zero) };
            if (!days.TryGetValue(day, out var sum)) days[day] = sum = new HourTotals();
            sum.Add(add);
        }

        await WriteAsync(() =>
        {
            var slices = _db.GetCollection(StatisticsHours);
            foreach (var (key, add) in totals)
            {
                // A pair of dimensions is kept by day only (SliceDimensions.Pairs).
                if (!SliceDimensions.IsPair(key.Dimension)) AddTo(slices, HourId(key), key, add);
            }

            foreach (var (key, add) in days) AddTo(slices, DayId(key), key, add);
            var funnel = _db.GetCollection(StatisticsSteps);
            foreach (var (key, add) in steps)
            {
                var id = StepId(key.Flow, key.Day, key.Step);
                var sum = funnel.FindById(id) is { } existing ? StepFromDocument(existing).Totals : new StepTotals();
                sum.Add(add);
                funnel.Upsert(StepToDocument(id, key, sum));
            }

            return true;
        }, cancellationToken, groupable: true);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadHoursAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
        string? value = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dimension);
        var (first, end) = StatisticsPeriod.Hours(since, until);
        if (end <= first) return [];
        if (value is null) return await ReadRangeAsync(HourId(new SliceKey(first, dimension, string.Empty)), HourId(new SliceKey(end, dimension, string.Empty)), cancellationToken);
        var clean = CallFacts.Clean(value);
        return await ReadEachAsync(first, end, TimeSpan.FromHours(1), hour => HourId(new SliceKey(hour, dimension, clean)), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPeriodAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
        string? value = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dimension);
        var (first, end) = StatisticsPeriod.Hours(since, until);
        if (end <= first) return [];

        // The whole UTC days of the period from the days' totals, the hours before and after them from the hours'.
        var firstDay = new DateTimeOffset(first.UtcDateTime.Date, TimeSpan.Zero);
        if (firstDay < first) firstDay = firstDay.AddDays(1);
        var endDay = new DateTimeOffset(end.UtcDateTime.Date, TimeSpan.Zero);
        if (endDay <= firstDay) return await ReadHoursAsync(dimension, first, end, value, cancellationToken);
        var result = new List<KeyValuePair<SliceKey, HourTotals>>();
        result.AddRange(await ReadHoursAsync(dimension, first, firstDay, value, cancellationToken));
        if (value is null)
        {
            result.AddRange(await ReadRangeAsync(DayId(new SliceKey(firstDay, dimension, string.Empty)), DayId(new SliceKey(endDay, dimension, string.Empty)), cancellationToken));
        }
        else
        {
            var clean = CallFacts.Clean(value);
            result.AddRange(await ReadEachAsync(firstDay, endDay, TimeSpan.FromDays(1), day => DayId(new SliceKey(day, dimension, clean)), cancellationToken));
        }

        result.AddRange(await ReadHoursAsync(dimension, endDay, end, value, cancellationToken));
        return result;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPairDaysAsync(string pair, string value, DateTimeOffset since, DateTimeOffset until,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(pair);
        ArgumentNullException.ThrowIfNull(value);
        var (first, end) = StatisticsPeriod.Days(since, until);
        var clean = CallFacts.Clean(value);
        return end <= first ? Task.FromResult<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>>([])
            : ReadRangeAsync(PairDayPrefix(pair, clean, first), PairDayPrefix(pair, clean, end), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<KeyValuePair<StepKey, StepTotals>>> ReadStepsAsync(string flow, DateTimeOffset since, DateTimeOffset until,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(flow);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        var (first, end) = StatisticsPeriod.Days(since, until);
        if (end <= first) return [];
        var lower = StepId(flow, first, string.Empty);
        var upper = StepId(flow, end, string.Empty);
        var docs = await ReadAsync(() => _db.GetCollection(StatisticsSteps).Find(Query.Between("_id", lower, upper)).ToList());
        var result = new List<KeyValuePair<StepKey, StepTotals>>(docs.Count);
        foreach (var doc in docs)
        {
            var (key, totals) = StepFromDocument(doc);
            result.Add(new(key, totals));
        }

        return result;
    }

    /// <summary>The slices whose ids are from <paramref name="lower"/> (inclusive) to <paramref name="upper"/>
    /// (exclusive: no id equals it, each has a value after it), a page per hold of the engine lock (a year's report
    /// does not hold up the calls' lookups).</summary>
    private async Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadRangeAsync(string lower, string upper, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        var result = new List<KeyValuePair<SliceKey, HourTotals>>();
        var from = lower;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var start = from;
            // Between walks the index from one key to the other (a GTE and an LT would walk on to the collection's end).
            var page = await ReadAsync(() => _db.GetCollection(StatisticsHours).Find(Query.Between("_id", start, upper), limit: SearchPage).ToList());
            result.AddRange(page.Select(Slice));

            if (page.Count < SearchPage) return result;
            from = page[^1]["_id"].AsString + '\0';
        }
    }

    /// <summary>One value's slices: the id <paramref name="idOf"/> makes of each moment from <paramref name="first"/> to
    /// before <paramref name="end"/>, <paramref name="step"/> apart, sought one by one (the other values are never read),
    /// those kept in order, a page of ids per hold of the engine lock.</summary>
    private async Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadEachAsync(DateTimeOffset first, DateTimeOffset end, TimeSpan step,
        Func<DateTimeOffset, string> idOf, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var ids = new List<string>();
        for (var at = first; at < end; at += step) ids.Add(idOf(at));
        var result = new List<KeyValuePair<SliceKey, HourTotals>>();
        for (var at = 0; at < ids.Count; at += SearchPage)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = ids.GetRange(at, Math.Min(SearchPage, ids.Count - at));
            var docs = await ReadAsync(() =>
            {
                var slices = _db.GetCollection(StatisticsHours);
                var found = new List<BsonDocument>();
                foreach (var id in page)
                {
                    if (slices.FindById(id) is { } doc) found.Add(doc);
                }

                return found;
            });
            result.AddRange(docs.Select(Slice));
        }

        return result;
    }

    private static KeyValuePair<SliceKey, HourTotals> Slice(BsonDocument doc)
    {
        var (key, totals) = FromDocument(doc);
        return new(key, totals);
    }

    private static void AddTo(ILiteCollection<BsonDocument> slices, string id, SliceKey key, HourTotals add)
    {
        var sum = slices.FindById(id) is { } existing ? FromDocument(existing).Totals : new HourTotals();
        sum.Add(add);
        slices.Upsert(ToDocument(id, key, sum));
    }

    private static string StepId(string flow, DateTimeOffset day, string step) =>
        string.Join(KeySeparator, flow, day.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture), step);

    private static BsonDocument StepToDocument(string id, StepKey key, StepTotals t)
    {
        // As a list of pairs: a destination (an agent is 1001@default) is no field name.
        var leftTo = new BsonArray(t.LeftTo.Select(p => new BsonDocument { ["to"] = p.Key, ["n"] = p.Value }));
        return new BsonDocument
        {
            ["_id"] = id,
            ["day"] = key.Day.UtcDateTime,
            ["flow"] = key.Flow,
            ["step"] = key.Step,
            ["entered"] = t.Entered,
            ["wentOn"] = t.WentOn,
            ["timedOut"] = t.TimedOut,
            ["invalid"] = t.Invalid,
            ["hungUp"] = t.HungUp,
            ["ended"] = t.Ended,
            ["left"] = t.Left,
            ["placeSum"] = t.PlaceSum,
            ["leftTo"] = leftTo,
        };
    }

    private static (StepKey Key, StepTotals Totals) StepFromDocument(BsonDocument doc)
    {
        var key = new StepKey(new DateTimeOffset(DateTime.SpecifyKind(doc["day"].AsDateTime, DateTimeKind.Utc)), doc["flow"].AsString, doc["step"].AsString);
        var totals = new StepTotals
        {
            Entered = doc["entered"].AsInt64,
            WentOn = doc["wentOn"].AsInt64,
            TimedOut = doc["timedOut"].AsInt64,
            Invalid = doc["invalid"].AsInt64,
            HungUp = doc["hungUp"].AsInt64,
            Ended = doc["ended"].AsInt64,
            Left = doc["left"].AsInt64,
            PlaceSum = doc["placeSum"].AsInt64,
        };
        if (doc["leftTo"].IsArray)
        {
            foreach (var pair in doc["leftTo"].AsArray) totals.LeftTo[pair["to"].AsString] = pair["n"].AsInt64;
        }

        return (key, totals);
    }

    private static string HourId(SliceKey key) => SliceId(key, "h" + key.Hour.UtcDateTime.ToString(HourFormat, CultureInfo.InvariantCulture));

    /// <summary>A dimension's: the dimension, when, the value. A pair's: the pair, the first's value, when, the second's
    /// (a value's days are next to each other: a filtered report is one walk).</summary>
    private static string SliceId(SliceKey key, string when) =>
        SliceDimensions.IsPair(key.Dimension)
            ? string.Join(KeySeparator, key.Dimension, key.Value, when, key.Other)
            : string.Join(KeySeparator, key.Dimension, when, key.Value);

    /// <summary>Below every id of the pair's <paramref name="value"/> on <paramref name="day"/> and after, above those before.</summary>
    private static string PairDayPrefix(string pair, string value, DateTimeOffset day) =>
        string.Join(KeySeparator, pair, value, "d" + day.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture));

    private static string DayId(SliceKey key) => SliceId(key, "d" + key.Hour.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture));

    private static BsonDocument ToDocument(string id, SliceKey key, HourTotals t) => new()
    {
        ["_id"] = id,
        ["hour"] = key.Hour.UtcDateTime,
        ["dimension"] = key.Dimension,
        ["value"] = key.Value,
        ["other"] = key.Other,
        ["calls"] = t.Calls,
        ["ivrCalls"] = t.IvrCalls,
        ["contained"] = t.Contained,
        ["ivrAbandoned"] = t.IvrAbandoned,
        ["ivrFailed"] = t.IvrFailed,
        ["queued"] = t.Queued,
        ["answered"] = t.Answered,
        ["abandoned"] = t.Abandoned,
        ["overflowed"] = t.Overflowed,
        ["transfers"] = t.Transfers,
        ["offers"] = t.Offers,
        ["offersMissed"] = t.OffersMissed,
        ["repeats"] = t.Repeats,
        ["wrapUps"] = t.WrapUps,
        ["requests"] = t.Requests,
        ["wrapUpSeconds"] = t.WrapUpSeconds,
        ["ivrSeconds"] = t.IvrSeconds,
        ["waitSeconds"] = t.WaitSeconds,
        ["talkSeconds"] = t.TalkSeconds,
        ["waits"] = new BsonArray(t.Waits.Select(n => new BsonValue(n))),
        ["answeredWaits"] = new BsonArray(t.AnsweredWaits.Select(n => new BsonValue(n))),
        ["dispositions"] = new BsonArray(t.Dispositions.Select(n => new BsonValue(n))),
    };

    private static (SliceKey Key, HourTotals Totals) FromDocument(BsonDocument doc)
    {
        var key = new SliceKey(new DateTimeOffset(DateTime.SpecifyKind(doc["hour"].AsDateTime, DateTimeKind.Utc)), doc["dimension"].AsString, doc["value"].AsString,
            doc["other"].IsString ? doc["other"].AsString : string.Empty);
        var totals = new HourTotals
        {
            Calls = doc["calls"].AsInt64,
            IvrCalls = doc["ivrCalls"].AsInt64,
            Contained = doc["contained"].AsInt64,
            IvrAbandoned = doc["ivrAbandoned"].AsInt64,
            IvrFailed = doc["ivrFailed"].AsInt64,
            Queued = doc["queued"].AsInt64,
            Answered = doc["answered"].AsInt64,
            Abandoned = doc["abandoned"].AsInt64,
            Overflowed = doc["overflowed"].AsInt64,
            Transfers = doc["transfers"].AsInt64,
            Offers = doc["offers"].AsInt64,
            OffersMissed = doc["offersMissed"].AsInt64,
            Repeats = doc["repeats"].AsInt64,
            WrapUps = doc["wrapUps"].AsInt64,
            Requests = doc["requests"].AsInt64,
            WrapUpSeconds = doc["wrapUpSeconds"].AsDouble,
            IvrSeconds = doc["ivrSeconds"].AsDouble,
            WaitSeconds = doc["waitSeconds"].AsDouble,
            TalkSeconds = doc["talkSeconds"].AsDouble,
        };
        Buckets(doc["waits"], totals.Waits);
        Buckets(doc["answeredWaits"], totals.AnsweredWaits);
        Buckets(doc["dispositions"], totals.Dispositions);
        return (key, totals);
    }

    private static void Buckets(BsonValue value, long[] into)
    {
        if (!value.IsArray) return;
        var array = value.AsArray;
        for (var i = 0; i < into.Length && i < array.Count; i++) into[i] = array[i].AsInt64;
    }
}
