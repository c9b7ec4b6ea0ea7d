using System.Globalization;
using IvrEngine.Statistics;
using LiteDB;

namespace IvrEngine.Profiles;

/// <summary>The statistics' hourly totals (<see cref="IStatisticsStore"/>), in the same file, through the same writer
/// and engine lock as the cards: one document per slice, its id the UTC hour first (<c>yyyyMMddHH</c>) so that a
/// period is one seek and one walk of the <c>_id</c> index.</summary>
public sealed partial class LiteDbClientStore : IStatisticsStore
{
    internal const string StatisticsHours = "stat_hours";

    private const char KeySeparator = '\u001f';
    private const string HourFormat = "yyyyMMddHH";

    /// <inheritdoc />
    public async Task AddHoursAsync(IReadOnlyCollection<KeyValuePair<HourKey, HourTotals>> totals, CancellationToken cancellationToken = default)
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
    public async Task<IReadOnlyList<KeyValuePair<HourKey, HourTotals>>> ReadHoursAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        var first = HourKey.HourOf(since).UtcDateTime.ToString(HourFormat, CultureInfo.InvariantCulture);
        var end = HourKey.HourOf(until) == until ? HourKey.HourOf(until) : HourKey.HourOf(until).AddHours(1);
        var last = end.UtcDateTime.ToString(HourFormat, CultureInfo.InvariantCulture);
        if (string.CompareOrdinal(first, last) >= 0) return [];

        // Read a page of slices per hold of the engine lock: a year's report does not hold up the calls' lookups.
        var result = new List<KeyValuePair<HourKey, HourTotals>>();
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

    private static string IdOf(HourKey key) => string.Join(KeySeparator,
        key.Hour.UtcDateTime.ToString(HourFormat, CultureInfo.InvariantCulture), key.Campaign, key.Flow, key.Queue, key.Agent, key.CustomerType, key.Category);

    private static BsonDocument ToDocument(string id, HourKey key, HourTotals t) => new()
    {
        ["_id"] = id,
        ["hour"] = key.Hour.UtcDateTime,
        ["campaign"] = key.Campaign,
        ["flow"] = key.Flow,
        ["queue"] = key.Queue,
        ["agent"] = key.Agent,
        ["cti"] = key.CustomerType,
        ["category"] = key.Category,
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

    private static (HourKey Key, HourTotals Totals) FromDocument(BsonDocument doc)
    {
        var key = new HourKey(new DateTimeOffset(DateTime.SpecifyKind(doc["hour"].AsDateTime, DateTimeKind.Utc)), doc["campaign"].AsString,
            doc["flow"].AsString, doc["queue"].AsString, doc["agent"].AsString, doc["cti"].AsString, doc["category"].AsString);
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
