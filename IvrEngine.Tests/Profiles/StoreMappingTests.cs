using IvrEngine.Profiles;
using LiteDB;

namespace IvrEngine.Tests.Profiles;

/// <summary>The hand-written card mapping (bulk inserts) writes exactly the document the store's mapper writes, which
/// is what every read maps back.</summary>
public sealed class StoreMappingTests
{
    private static readonly BsonMapper Mapper = LiteDbMapping.CreateMapper();

    public static TheoryData<string> Cards => ["full", "minimal", "partial"];

    [Theory]
    [MemberData(nameof(Cards))]
    public void The_hand_written_mapping_writes_what_the_mapper_writes(string which)
    {
        var card = Card(which);
        WritesWhatTheMapperWrites(card, LiteDbMapping.ToDocument(card));
    }

    /// <summary>The hand-written document equals the mapper's, and reads back through the mapper to the same.</summary>
    private static void WritesWhatTheMapperWrites<T>(T value, BsonDocument byHand)
    {
        var byMapper = Mapper.ToDocument(value);
        Canonical(byHand).Should().Be(Canonical(byMapper));

        var back = Mapper.ToObject<T>(byHand);
        Canonical(Mapper.ToDocument(back)).Should().Be(Canonical(byMapper));
    }

    private static ClientCard Card(string which) => which switch
    {
        "minimal" => new ClientCard(),
        "partial" => new ClientCard
        {
            Id = Guid.CreateVersion7(),
            Name = "  spaced  ",
            Company = string.Empty,
            Location = new ClientLocation { Country = "GE" },
            Balance = -0.5m,
            CreatedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(-5)),
        },
        _ => new ClientCard
        {
            Id = Guid.NewGuid(),
            Name = "ნინო ბერიძე",
            Company = "Acme",
            Phones = ["+995322123007", "+15551230001"],
            AccountNumbers = ["40007"],
            Cards = [new CardReference { Fingerprint = "ab12", Last4 = "1111" }],
            Category = ClientCategories.Vip,
            Notes = [new ClientNote { Text = "Звонил дважды", Author = "agent-7", At = new DateTimeOffset(2026, 3, 1, 9, 30, 0, 1, TimeSpan.FromHours(4)) }],
            Language = "ka",
            Location = new ClientLocation { City = "Tbilisi", Country = "GE", TimeZone = "Asia/Tbilisi" },
            ManagerId = "agent-3",
            Balance = 1250.00m,
            OverdueAmount = 12.345m,
            HasContract = true,
            OpenOrders = [new OpenOrder { Number = "A-1", Stage = "new", Responsible = "bob", Debt = 99.90m }, new OpenOrder { Number = "A-2" }],
            PhotoId = "client/x",
            CreatedAt = DateTimeOffset.UnixEpoch.AddTicks(1),
            LastContactAt = new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero),
            Version = 7,
        },
    };

    public static TheoryData<string> Records => ["full", "minimal", "anonymous"];

    [Theory]
    [MemberData(nameof(Records))]
    public void The_hand_written_call_record_mapping_writes_what_the_mapper_writes(string which)
    {
        var record = Record(which);
        WritesWhatTheMapperWrites(record, LiteDbMapping.ToDocument(record));
    }

    private static InteractionRecord Record(string which) => which switch
    {
        "minimal" => new InteractionRecord(),
        "anonymous" => new InteractionRecord
        {
            Id = Guid.CreateVersion7(),
            CallUuid = "c0ffee",
            At = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(-5)),
            CallerNumber = string.Empty,
            DialedNumber = "5000",
            Outcome = "hung-up",
            Collected = [],
            Steps = [],
        },
        _ => new InteractionRecord
        {
            Id = Guid.NewGuid(),
            ClientId = Guid.NewGuid(),
            CallUuid = "6f1c0a5e-uuid",
            At = new DateTimeOffset(2026, 3, 1, 9, 30, 0, 1, TimeSpan.FromHours(4)),
            Direction = "inbound",
            CallerNumber = "+995322123007",
            DialedNumber = "5002",
            Flow = "clinic",
            Steps = ["welcome", "language", " menu "],
            Collected = new() { ["menu"] = "1", ["account"] = "****0007", ["note"] = "ნინო" },
            Outcome = "transferred",
            Queue = "queue_vip",
            Agent = "1001@default",
            IvrDuration = TimeSpan.FromMilliseconds(12_345.6789),
            TotalDuration = TimeSpan.FromMinutes(3),
            Disposition = "resolved",
            Campaign = "reminders-dec",
            HangupCause = "USER_BUSY",
            WrapUpNote = "Called back",
            WrapUpAt = new DateTimeOffset(2026, 3, 1, 9, 40, 0, TimeSpan.Zero),
        },
    };

    /// <summary>The document as JSON with every document's fields in name order (field order does not matter to reads).</summary>
    private static string Canonical(BsonValue value) => JsonSerializer.Serialize(Sorted(value));

    private static BsonValue Sorted(BsonValue value)
    {
        if (value.IsDocument)
        {
            var sorted = new BsonDocument();
            foreach (var key in value.AsDocument.Keys.Order(StringComparer.Ordinal)) sorted[key] = Sorted(value.AsDocument[key]);
            return sorted;
        }

        if (value.IsArray) return new BsonArray(value.AsArray.Select(Sorted));
        return value;
    }
}
