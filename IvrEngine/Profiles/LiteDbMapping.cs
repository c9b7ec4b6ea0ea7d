using LiteDB;

namespace IvrEngine.Profiles;

/// <summary>How the store's types map to LiteDB documents, and the store's index expressions and lookups in one
/// place (the lookups are the exact query forms whose plans the tests check).</summary>
internal static class LiteDbMapping
{
    public const string ClientIndex = "client";
    /// <summary>An index of records by caller number that stores before the last-contact summaries had (dropped when
    /// opened).</summary>
    public const string CallerIndex = "caller";
    /// <summary>The index on time of the card audit (and of the records in stores before it was dropped from them).</summary>
    public const string AtIndex = "at";

    /// <summary>The multikey indexes on the clients collection that stores before the keys collection had (dropped
    /// when such a store is opened: the keys collection replaces them).</summary>
    public static readonly string[] LegacyClientIndexes = ["phones", "accounts", "cards"];

    /// <summary>A DateTimeOffset is stored as <c>{ utcTicks, offsetMinutes }</c> (see <see cref="CreateMapper"/>);
    /// ordering by instant is ordering by utcTicks.</summary>
    public const string AtExpression = "$.At.utcTicks";

    private const string UtcTicks = "utcTicks";
    private const string OffsetMinutes = "offsetMinutes";

    /// <summary>The mapper: strings kept exactly (LiteDB's defaults trim them and turn "" into null), DateTimeOffset
    /// kept to the tick with its offset (LiteDB's default keeps UTC milliseconds only), decimal as Decimal128,
    /// TimeSpan and TimeOnly as ticks, dictionaries as documents, the campaign keyed by its DNIS.</summary>
    public static BsonMapper CreateMapper()
    {
        var mapper = new BsonMapper
        {
            TrimWhitespace = false,
            EmptyStringToNull = false,
            SerializeNullValues = false,
        };
        mapper.RegisterType(FromDateTimeOffset, ToDateTimeOffset);
        // LiteDB 5 knows no TimeOnly (a campaign's calling hours): its ticks since midnight.
        mapper.RegisterType<TimeOnly>(static time => time.Ticks, static bson => new TimeOnly(bson.AsInt64));
        mapper.Entity<Campaign>().Id(x => x.Dnis, autoId: false);
        return mapper;
    }

    /// <summary>A card as the mapper writes it (the same document, field for field: a test holds the two equal),
    /// written by hand: the reflection mapper looks up every list's item type on every card and spent more time on
    /// a card than LiteDB spends storing it.</summary>
    public static BsonDocument ToDocument(ClientCard card)
    {
        var doc = new BsonDocument
        {
            ["_id"] = card.Id,
            [nameof(ClientCard.Name)] = card.Name,
        };
        AddText(doc, nameof(ClientCard.Company), card.Company);
        AddStrings(doc, nameof(ClientCard.Phones), card.Phones);
        AddStrings(doc, nameof(ClientCard.AccountNumbers), card.AccountNumbers);
        AddDocuments(doc, nameof(ClientCard.Cards), card.Cards, static (item, reference) =>
        {
            AddText(item, nameof(CardReference.Fingerprint), reference.Fingerprint);
            AddText(item, nameof(CardReference.Last4), reference.Last4);
        });

        AddText(doc, nameof(ClientCard.Category), card.Category);
        AddDocuments(doc, nameof(ClientCard.Notes), card.Notes, static (item, note) =>
        {
            AddText(item, nameof(ClientNote.Text), note.Text);
            AddText(item, nameof(ClientNote.Author), note.Author);
            item[nameof(ClientNote.At)] = FromDateTimeOffset(note.At);
        });

        AddText(doc, nameof(ClientCard.Language), card.Language);
        if (card.Location is { } location)
        {
            var item = new BsonDocument();
            AddText(item, nameof(ClientLocation.City), location.City);
            AddText(item, nameof(ClientLocation.Country), location.Country);
            AddText(item, nameof(ClientLocation.TimeZone), location.TimeZone);
            doc[nameof(ClientCard.Location)] = item;
        }

        AddText(doc, nameof(ClientCard.ManagerId), card.ManagerId);
        doc[nameof(ClientCard.Balance)] = card.Balance;
        doc[nameof(ClientCard.OverdueAmount)] = card.OverdueAmount;
        doc[nameof(ClientCard.HasContract)] = card.HasContract;
        AddDocuments(doc, nameof(ClientCard.OpenOrders), card.OpenOrders, static (item, order) =>
        {
            AddText(item, nameof(OpenOrder.Number), order.Number);
            AddText(item, nameof(OpenOrder.Stage), order.Stage);
            AddText(item, nameof(OpenOrder.Responsible), order.Responsible);
            item[nameof(OpenOrder.Debt)] = order.Debt;
        });

        AddText(doc, nameof(ClientCard.PhotoId), card.PhotoId);
        doc[nameof(ClientCard.CreatedAt)] = FromDateTimeOffset(card.CreatedAt);
        if (card.LastContactAt is { } lastContact) doc[nameof(ClientCard.LastContactAt)] = FromDateTimeOffset(lastContact);
        doc[nameof(ClientCard.Version)] = card.Version;
        return doc;
    }

    /// <summary>An empty array (LiteDB's BsonArray has no capacity constructor; an int would become its element).</summary>
    private static BsonArray NewArray(int capacity)
    {
        var array = new BsonArray();
        if (array.RawValue is List<BsonValue> list) list.Capacity = capacity;
        return array;
    }

    private static void AddText(BsonDocument doc, string name, string? value)
    {
        if (value is not null) doc[name] = value;
    }

    /// <summary>An array of sub-documents, each filled by <paramref name="fill"/>; nothing when the list is null.</summary>
    private static void AddDocuments<T>(BsonDocument doc, string name, List<T>? items, Action<BsonDocument, T> fill)
    {
        if (items is null) return;
        var array = NewArray(items.Count);
        foreach (var value in items)
        {
            var item = new BsonDocument();
            fill(item, value);
            array.Add(item);
        }

        doc[name] = array;
    }

    private static void AddStrings(BsonDocument doc, string name, List<string>? values)
    {
        if (values is null) return;
        var array = NewArray(values.Count);
        foreach (var value in values) array.Add(value is null ? BsonValue.Null : new BsonValue(value));
        doc[name] = array;
    }

    private static BsonDocument FromDateTimeOffset(DateTimeOffset value) =>
        new() { [UtcTicks] = value.UtcTicks, [OffsetMinutes] = (int)value.Offset.TotalMinutes };

    private static DateTimeOffset ToDateTimeOffset(BsonValue bson)
    {
        if (bson.IsDocument)
        {
            var offset = TimeSpan.FromMinutes(bson[OffsetMinutes].AsInt32);
            return new DateTimeOffset(bson[UtcTicks].AsInt64 + offset.Ticks, offset);
        }

        // Written by something else (LiteDB's own default): a UTC date.
        return new DateTimeOffset(DateTime.SpecifyKind(bson.AsDateTime.ToUniversalTime(), DateTimeKind.Utc));
    }

    /// <summary>The key document id of a phone, account or card fingerprint in the keys collection:
    /// <c>p:+15551234567</c>, <c>a:40001</c>, <c>c:&lt;fingerprint&gt;</c>. Each is the id of one document naming
    /// its client, so the keys collection's unique _id index is what refuses a key given to two clients.</summary>
    public static string KeyOf(StoreLookup lookup, string value) => lookup switch
    {
        StoreLookup.Phone => "p:" + value,
        StoreLookup.Account => "a:" + value,
        StoreLookup.CardFingerprint => "c:" + value,
        _ => throw new ArgumentOutOfRangeException(nameof(lookup)),
    };

    /// <summary>The key document of <paramref name="value"/>: an _id seek on the keys collection. Always with the
    /// value as a parameter: LiteDB caches every expression text it parses and compiles, so a value written into
    /// the text costs a compile (about a millisecond) per new value and keeps it in memory for good.</summary>
    public static BsonExpression KeyQuery(StoreLookup lookup, string value) => BsonExpression.Create("$._id = @0", KeyOf(lookup, value));

    /// <summary>A key document: its id (<see cref="KeyOf"/>) and its client.</summary>
    public static BsonDocument KeyDocument(string key, Guid clientId) => new() { ["_id"] = key, [KeyClient] = clientId };

    /// <summary>The field of a key document naming its client.</summary>
    public const string KeyClient = "c";

    /// <summary>A client's calls, newest first.</summary>
    public static ILiteQueryableResult<InteractionRecord> InteractionsOf(ILiteCollection<InteractionRecord> interactions, Guid clientId) =>
        interactions.Query().Where(BsonExpression.Create("$.ClientId = @0", clientId)).OrderByDescending(AtExpression);

    /// <summary>The id of the last-contact summary of a client (<c>c:</c>) or of a caller number (<c>n:</c>).</summary>
    public static string LastContactOfClient(Guid clientId) => "c:" + clientId.ToString("N");

    /// <inheritdoc cref="LastContactOfClient"/>
    public static string LastContactFrom(string callerNumber) => "n:" + callerNumber;

    /// <summary>The fields of a last-contact summary: the newest interaction's id and its time in UTC ticks.</summary>
    public const string LastContactInteraction = "i";

    /// <inheritdoc cref="LastContactInteraction"/>
    public const string LastContactTicks = "t";

    /// <summary>The summary keys an interaction updates: its client's and its caller number's.</summary>
    public static IEnumerable<string> LastContactKeys(InteractionRecord interaction)
    {
        if (interaction.ClientId is { } clientId) yield return LastContactOfClient(clientId);
        if (interaction.CallerNumber.Length > 0) yield return LastContactFrom(interaction.CallerNumber);
    }

    /// <summary>A last-contact summary: its id (<see cref="LastContactOfClient"/>, <see cref="LastContactFrom"/>),
    /// the newest interaction and its time in UTC ticks.</summary>
    public static BsonDocument LastContactDocument(string key, Guid interactionId, long ticks) =>
        new() { ["_id"] = key, [LastContactInteraction] = interactionId, [LastContactTicks] = ticks };

    /// <summary>A call's record as the mapper writes it (the same document, field for field: a test holds the two
    /// equal), written by hand: the reflection mapper cost more than the insert.</summary>
    public static BsonDocument ToDocument(InteractionRecord record)
    {
        var doc = new BsonDocument { ["_id"] = record.Id };
        if (record.ClientId is { } clientId) doc[nameof(InteractionRecord.ClientId)] = clientId;
        AddText(doc, nameof(InteractionRecord.CallUuid), record.CallUuid);
        doc[nameof(InteractionRecord.At)] = FromDateTimeOffset(record.At);
        AddText(doc, nameof(InteractionRecord.Direction), record.Direction);
        AddText(doc, nameof(InteractionRecord.CallerNumber), record.CallerNumber);
        AddText(doc, nameof(InteractionRecord.DialedNumber), record.DialedNumber);
        AddText(doc, nameof(InteractionRecord.Flow), record.Flow);
        AddStrings(doc, nameof(InteractionRecord.Steps), record.Steps);
        if (record.Collected is { } collected)
        {
            var values = new BsonDocument();
            foreach (var (name, value) in collected) values[name] = value is null ? BsonValue.Null : new BsonValue(value);
            doc[nameof(InteractionRecord.Collected)] = values;
        }

        AddText(doc, nameof(InteractionRecord.Outcome), record.Outcome);
        AddText(doc, nameof(InteractionRecord.Queue), record.Queue);
        AddText(doc, nameof(InteractionRecord.Agent), record.Agent);
        doc[nameof(InteractionRecord.IvrDuration)] = record.IvrDuration.Ticks;
        if (record.TotalDuration is { } total) doc[nameof(InteractionRecord.TotalDuration)] = total.Ticks;
        AddText(doc, nameof(InteractionRecord.Disposition), record.Disposition);
        AddText(doc, nameof(InteractionRecord.Campaign), record.Campaign);
        AddText(doc, nameof(InteractionRecord.HangupCause), record.HangupCause);
        AddText(doc, nameof(InteractionRecord.WrapUpNote), record.WrapUpNote);
        if (record.WrapUpAt is { } wrapUpAt) doc[nameof(InteractionRecord.WrapUpAt)] = FromDateTimeOffset(wrapUpAt);
        return doc;
    }

    /// <summary>Cards after <paramref name="id"/> in id order (export pages).</summary>
    public static BsonExpression IdsAfter(BsonValue id) => BsonExpression.Create("$._id > @0", id);

    /// <summary>A client's tickets.</summary>
    public static BsonExpression TicketsQuery(Guid clientId) => BsonExpression.Create("$.ClientId = @0", clientId);
}
