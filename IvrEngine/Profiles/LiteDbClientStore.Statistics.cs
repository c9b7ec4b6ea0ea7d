using System.Globalization;
using IvrEngine.Statistics;
using LiteDB;

namespace IvrEngine.Profiles;

/// <summary>The statistics' hourly totals (<see cref="IStatisticsStore"/>), in the same file, through the same writer
/// and engine lock as the cards: one document per slice, its id the dimension, then the UTC hour (<c>yyyyMMddHH</c>),
/// then the value, so that a report's period of one dimension is one seek and one walk of the <c>_id</c> index.</summary>
public sealed partial class LiteDbClientStore : IStatisticsStore
{
    internal const string StatisticsHours = "stat_hours";

    private const char KeySeparator = '\u001f';
    private const string HourFormat = "yyyyMMddHH";

    /// <inheritdoc />
    public async Task AddHoursAsync(IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>> totals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(totals);
        if (totals.Count == 0) return;
        await WriteAsync(() =>
        {
            var hours = _db.GetCollection(StatisticsHours);
            foreach (var (key, add) in totals)
            {
                var id = IdOf(key);
                var sum = hours.FindById(id) is { } existing ? FromDocument(existing).Totals : new HourTotals();
                sum.Add(add);
                hours.Upsert(ToDocument(id, key, sum));
            }

            return true;
        }, cancellationToken, groupable: true);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadHoursAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dimension);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        var end = CallFacts.HourOf(until) == until ? CallFacts.HourOf(until) : CallFacts.HourOf(until).AddHours(1);
        if (end <= CallFacts.HourOf(since)) return [];
        var first = dimension + KeySeparator + CallFacts.HourOf(since).UtcDateTime.ToString(HourFormat, CultureInfo.InvariantCulture);
        var last = dimension + KeySeparator + end.UtcDateTime.ToString(HourFormat, CultureInfo.InvariantCulture);

        // Read a page of slices per hold of the engine lock: a year's report does not hold up the calls' lookups.
        var result = new List<KeyValuePair<SliceKey, HourTotals>>();
        var after = first;
        var inclusive = true;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var lower = after;
            var lowerInclusive = inclusive;
            var page = await ReadAsync(() => _db.GetCollection(StatisticsHours)
                .Find(Query.And(lowerInclusive ? Query.GTE("_id", lower) : Query.GT("_id", lower), Query.LT("_id", last)), limit: SearchPage)
                .ToList());
            foreach (var doc in page)
            {
                var (key, totals) = FromDocument(doc);
                result.Add(new(key, totals));
            }

            if (page.Count < SearchPage) return result;
            after = page[^1]["_id"].AsString;
            inclusive = false;
        }
    }

    private static string IdOf(SliceKey key) =>
        string.Join(KeySeparator, key.Dimension, key.Hour.UtcDateTime.ToString(HourFormat, CultureInfo.InvariantCulture), key.Value);

    private static BsonDocument ToDocument(string id, SliceKey key, HourTotals t) => new()
    {
        ["_id"] = id,
        ["hour"] = key.Hour.UtcDateTime,
        ["dimension"] = key.Dimension,
        ["value"] = key.Value,
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
        ["repeats"] = t.Repeats,
        ["ivrSeconds"] = t.IvrSeconds,
        ["waitSeconds"] = t.WaitSeconds,
        ["talkSeconds"] = t.TalkSeconds,
        ["waits"] = new BsonArray(t.Waits.Select(n => new BsonValue(n))),
        ["answeredWaits"] = new BsonArray(t.AnsweredWaits.Select(n => new BsonValue(n))),
    };

    private static (SliceKey Key, HourTotals Totals) FromDocument(BsonDocument doc)
    {
        var key = new SliceKey(new DateTimeOffset(DateTime.SpecifyKind(doc["hour"].AsDateTime, DateTimeKind.Utc)), doc["dimension"].AsString, doc["value"].AsString);
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
            Repeats = doc["repeats"].AsInt64,
            IvrSeconds = doc["ivrSeconds"].AsDouble,
            WaitSeconds = doc["waitSeconds"].AsDouble,
            TalkSeconds = doc["talkSeconds"].AsDouble,
        };
        Buckets(doc["waits"], totals.Waits);
        Buckets(doc["answeredWaits"], totals.AnsweredWaits);
        return (key, totals);
    }

    private static void Buckets(BsonValue value, long[] into)
    {
        if (!value.IsArray) return;
        var array = value.AsArray;
        for (var i = 0; i < into.Length && i < array.Count; i++) into[i] = array[i].AsInt64;
    }
}
