using LiteDB;

namespace IvrEngine.Profiles;

/// <summary>How the store's types map to LiteDB documents, and the store's index expressions and lookups in one
/// place (the lookups are the exact query forms whose plans the tests check).</summary>
internal static class LiteDbMapping
{
    public const string PhonesIndex = "phones";
    public const string AccountsIndex = "accounts";
    public const string CardsIndex = "cards";
    public const string ClientIndex = "client";
    public const string CallerIndex = "caller";
    public const string AtIndex = "at";

    /// <summary>Multikey: one index entry per phone of a card.</summary>
    public const string PhonesExpression = "$.Phones[*]";

    /// <summary>Multikey: one index entry per account number.</summary>
    public const string AccountsExpression = "$.AccountNumbers[*]";

    /// <summary>Multikey: one index entry per payment card's fingerprint.</summary>
    public const string CardsExpression = "$.Cards[*].Fingerprint";

    /// <summary>A DateTimeOffset is stored as <c>{ utcTicks, offsetMinutes }</c> (see <see cref="CreateMapper"/>);
    /// ordering by instant is ordering by utcTicks.</summary>
    public const string AtExpression = "$.At.utcTicks";

    private const string UtcTicks = "utcTicks";
    private const string OffsetMinutes = "offsetMinutes";

    /// <summary>The mapper: strings kept exactly (LiteDB's defaults trim them and turn "" into null), DateTimeOffset
    /// kept to the tick with its offset (LiteDB's default keeps UTC milliseconds only), decimal as Decimal128,
    /// TimeSpan as ticks, dictionaries as documents, the campaign keyed by its DNIS.</summary>
    public static BsonMapper CreateMapper()
    {
        var mapper = new BsonMapper
        {
            TrimWhitespace = false,
            EmptyStringToNull = false,
            SerializeNullValues = false,
        };
        mapper.RegisterType(
            value => new BsonDocument { [UtcTicks] = value.UtcTicks, [OffsetMinutes] = (int)value.Offset.TotalMinutes },
            bson => ToDateTimeOffset(bson));
        mapper.Entity<Campaign>().Id(x => x.Dnis, autoId: false);
        return mapper;
    }

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

    /// <summary>The card holding <paramref name="value"/> as a phone, account or card fingerprint: <c>ANY =</c> on
    /// the multikey index, which LiteDB answers with an index seek. Always with the value as a parameter: LiteDB
    /// caches every expression text it parses and compiles, so a value written into the text (what
    /// <c>Query.EQ</c> and <c>Query.Any().EQ</c> do) costs a compile (about a millisecond) per new value and keeps it
    /// in memory for good.</summary>
    public static BsonExpression ClientQuery(StoreLookup lookup, string value) => lookup switch
    {
        StoreLookup.Phone => BsonExpression.Create(PhonesExpression + " ANY = @0", value),
        StoreLookup.Account => BsonExpression.Create(AccountsExpression + " ANY = @0", value),
        StoreLookup.CardFingerprint => BsonExpression.Create(CardsExpression + " ANY = @0", value),
        _ => throw new ArgumentOutOfRangeException(nameof(lookup)),
    };

    /// <summary>The cards holding any of <paramref name="values"/> as a phone, account or card fingerprint: <c>ANY IN</c>
    /// on the multikey index, which LiteDB answers with one index seek per value in one query (a missing value costs
    /// the seek only; a query per value would cost its planning too).</summary>
    public static BsonExpression ClientsHoldingAny(StoreLookup lookup, IEnumerable<string> values)
    {
        var array = new BsonArray(values.Select(v => new BsonValue(v)));
        return lookup switch
        {
            StoreLookup.Phone => BsonExpression.Create(PhonesExpression + " ANY IN @0", array),
            StoreLookup.Account => BsonExpression.Create(AccountsExpression + " ANY IN @0", array),
            StoreLookup.CardFingerprint => BsonExpression.Create(CardsExpression + " ANY IN @0", array),
            _ => throw new ArgumentOutOfRangeException(nameof(lookup)),
        };
    }

    /// <summary>A client's calls, newest first.</summary>
    public static ILiteQueryableResult<InteractionRecord> InteractionsOf(ILiteCollection<InteractionRecord> interactions, Guid clientId) =>
        interactions.Query().Where(BsonExpression.Create("$.ClientId = @0", clientId)).OrderByDescending(AtExpression);

    /// <summary>Calls from a number, newest first.</summary>
    public static ILiteQueryableResult<InteractionRecord> InteractionsFrom(ILiteCollection<InteractionRecord> interactions, string callerNumber) =>
        interactions.Query().Where(BsonExpression.Create("$.CallerNumber = @0", callerNumber)).OrderByDescending(AtExpression);

    /// <summary>Cards after <paramref name="id"/> in id order (export pages).</summary>
    public static BsonExpression IdsAfter(BsonValue id) => BsonExpression.Create("$._id > @0", id);

    /// <summary>A card's id and keys, read from the cards that hold a key of a batch: <c>{ i, p, a, c }</c>.</summary>
    public static readonly BsonExpression KeysProjection =
        BsonExpression.Create("{ i: $._id, p: $.Phones, a: $.AccountNumbers, c: $.Cards[*].Fingerprint }");

    /// <summary>A client's tickets.</summary>
    public static BsonExpression TicketsQuery(Guid clientId) => BsonExpression.Create("$.ClientId = @0", clientId);
}
