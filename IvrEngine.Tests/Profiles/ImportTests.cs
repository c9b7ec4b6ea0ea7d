using IvrEngine.Profiles;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.Profiles;

/// <summary>Importing into a store, run on each store by its subclass.</summary>
public abstract class ImportContract<TStorage>
    where TStorage : IStoreStorage, new()
{
    [StoreFact]
    public async Task Csv_rows_become_cards_with_e164_phones_and_card_fingerprints()
    {
        using var temp = await TempStore.OpenAsync(new TStorage());
        var csv = ImportText.Csv(
            "Anna Smith,Smith LLC,(555) 123-4567;+995 32 2 00 00 00,1001;1002,4111 1111 1111 1111,VIP,EN,Boston,us,America/New_York,agent-7,100.50,20,yes,first note",
            "\"Petrov, Ivan\",,8 916 123-45-67,2001,,,ru,Москва,RU,Europe/Moscow,,0,,no,\"Просит перезвонить\nвторая заметка\"");

        var report = await temp.Importer().ImportAsync(ImportText.Utf8(csv), ClientFileFormat.Csv);

        report.Should().BeEquivalentTo(new ImportReport(2, 2, []));
        var anna = await temp.Store.FindByPhoneAsync("+15551234567");
        anna.Should().NotBeNull();
        anna!.Phones.Should().Equal("+15551234567", "+995322000000");
        anna.AccountNumbers.Should().Equal("1001", "1002");
        anna.Company.Should().Be("Smith LLC");
        anna.Category.Should().Be(ClientCategories.Vip);
        anna.Language.Should().Be("en");
        anna.Location!.Country.Should().Be("US");
        anna.Location.TimeZone.Should().Be("America/New_York");
        anna.ManagerId.Should().Be("agent-7");
        anna.Balance.Should().Be(100.50m);
        anna.OverdueAmount.Should().Be(20m);
        anna.HasContract.Should().BeTrue();
        anna.Notes.Select(n => n.Text).Should().Equal("first note");
        anna.Cards.Should().ContainSingle().Which.Last4.Should().Be("1111");
        anna.Cards[0].Fingerprint.Should().Be(new CardFingerprints(temp.Options).Fingerprint("4111111111111111"));
        (await temp.Store.FindByCardFingerprintAsync(anna.Cards[0].Fingerprint))!.Id.Should().Be(anna.Id);

        // A national number is read in the row's country, not the default region.
        var ivan = await temp.Store.FindByAccountAsync("2001");
        ivan!.Name.Should().Be("Petrov, Ivan");
        ivan.Phones.Should().Equal("+79161234567");
        ivan.Category.Should().Be(ClientCategories.Regular);
        ivan.HasContract.Should().BeFalse();
        ivan.Notes.Select(n => n.Text).Should().Equal("Просит перезвонить", "вторая заметка");
    }

    [StoreFact]
    public async Task Bad_rows_are_reported_with_their_line_and_reason_and_the_rest_is_imported()
    {
        using var temp = await TempStore.OpenAsync(new TStorage());
        var csv = ImportText.Csv(
            "Good One,,+15551110001,3001,,,,,,,,,,,",                              // line 2
            "Bad Phone,,abc,3002,,,,,,,,,,,",                                       // line 3
            "Dup Account,,+15551110003,3001,,,,,,,,,,,",                            // line 4
            "Bad Card,,+15551110004,3004,4111111111111112,,,,,,,,,,",               // line 5
            "Bad Balance,,+15551110005,3005,,,,,,,,x,,,",                           // line 6
            "Bad Zone,,+15551110006,3006,,,,,,Mars/Base,,,,,",                      // line 7
            ",,+15551110007,3007,,,,,,,,,,,",                                       // line 8
            "Dup Phone,,+1 555 111 0001,3008,,,,,,,,,,,",                           // line 9
            "Bad Contract,,+15551110009,3009,,,,,,,,,,maybe,",                      // line 10
            "Short Row,,+15551110010",                                              // line 11
            "Good Two,,+15551110011,3011,5555555555554444,,,,,,,,,,");              // line 12

        var report = await temp.Importer().ImportAsync(ImportText.Utf8(csv), ClientFileFormat.Csv);

        report.Read.Should().Be(11);
        report.Imported.Should().Be(2);
        report.Rejected.Select(r => (r.Line, r.Name)).Should().Equal(
            (3, "Bad Phone"), (4, "Dup Account"), (5, "Bad Card"), (6, "Bad Balance"), (7, "Bad Zone"), (8, ""),
            (9, "Dup Phone"), (10, "Bad Contract"), (11, "Short Row"));
        var reasons = report.Rejected.Select(r => r.Reason).ToArray();
        reasons[0].Should().StartWith("phone 'abc' is not a phone number");
        reasons[1].Should().Be("account 3001 already belongs to client Good One");
        reasons[2].Should().Be("card ending 1112 fails the Luhn check");
        reasons[3].Should().Be("balance 'x' is not a number");
        reasons[4].Should().Be("time zone 'Mars/Base' unknown");
        reasons[5].Should().Be("name is missing");
        reasons[6].Should().Be("phone +15551110001 already belongs to client Good One");
        reasons[7].Should().Be("has_contract 'maybe' is not yes or no");
        reasons[8].Should().Be("the row has 3 fields, the header has 15");
        reasons.Should().NotContain(r => r.Contains("4111111111111112", StringComparison.Ordinal), "a card number never goes whole into a report");
        (await temp.Store.CountAsync()).Should().Be(2);
    }

    [StoreFact]
    public async Task Rows_clashing_with_clients_already_in_the_store_are_rejected()
    {
        using var temp = await TempStore.OpenAsync(new TStorage());
        var first = ImportText.Csv("Owner,,+15552220001,4001,4111111111111111,,,,,,,,,,");
        (await temp.Importer().ImportAsync(ImportText.Utf8(first), ClientFileFormat.Csv)).Imported.Should().Be(1);

        var second = ImportText.Csv(
            "Same Phone,,+15552220001,4101,,,,,,,,,,,",
            "Same Account,,+15552220002,4001,,,,,,,,,,,",
            "Same Card,,+15552220003,4103,4111-1111-1111-1111,,,,,,,,,,",
            "New Client,,+15552220004,4104,,,,,,,,,,,");
        var report = await temp.Importer().ImportAsync(ImportText.Utf8(second), ClientFileFormat.Csv);

        report.Imported.Should().Be(1);
        report.Rejected.Select(r => r.Reason).Should().Equal(
            "phone +15552220001 already belongs to client Owner",
            "account 4001 already belongs to client Owner",
            "card ending 1111 already belongs to client Owner");
    }

    [StoreFact]
    public async Task Json_items_with_nested_orders_and_notes_are_imported_and_bad_items_reported_by_position()
    {
        using var temp = await TempStore.OpenAsync(new TStorage());
        const string json = """
            [
              { "name": "Nino", "phones": ["+995 599 12 34 56"], "accounts": "5001;5002", "category": "vip", "language": "ka",
                "country": "GE", "timezone": "Asia/Tbilisi", "balance": 12.5, "overdue": "2", "has_contract": true,
                "notes": [ { "text": "ურჩევნია ქართულად", "author": "agent-1", "at": "2026-01-02T03:04:05+00:00" }, "plain note" ],
                "orders": [ { "number": "A-1", "stage": "shipped", "responsible": "agent-2", "debt": 10.25 } ] },
              42,
              { "name": "Broken", "phones": ["12"] },
              { "name": "Bad Order", "orders": [ { "number": "B-1", "debt": "lots" } ] }
            ]
            """;

        var report = await temp.Importer().ImportAsync(ImportText.Utf8(json), ClientFileFormat.Json);

        report.Read.Should().Be(4);
        report.Imported.Should().Be(1);
        report.Rejected.Select(r => (r.Line, r.Name)).Should().Equal((2, ""), (3, "Broken"), (4, "Bad Order"));
        report.Rejected[0].Reason.Should().Be("item is a JSON number, not an object");
        report.Rejected[1].Reason.Should().StartWith("phone '12' is not a phone number");
        report.Rejected[2].Reason.Should().Be("order B-1 debt 'lots' is not a number");

        var nino = await temp.Store.FindByPhoneAsync("+995599123456");
        nino!.AccountNumbers.Should().Equal("5001", "5002");
        nino.Balance.Should().Be(12.5m);
        nino.OverdueAmount.Should().Be(2m);
        nino.HasContract.Should().BeTrue();
        nino.Notes.Should().HaveCount(2);
        nino.Notes[0].Author.Should().Be("agent-1");
        nino.Notes[0].At.Should().Be(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        nino.OpenOrders.Should().ContainSingle().Which.Should().BeEquivalentTo(new OpenOrder { Number = "A-1", Stage = "shipped", Responsible = "agent-2", Debt = 10.25m });
    }

    [StoreFact]
    public async Task Many_rows_go_in_batches()
    {
        using var temp = await TempStore.OpenAsync(new TStorage());
        var rows = Enumerable.Range(0, 25).Select(i => $"Client {i},,+1555333{i:D4},{60000 + i},,,,,,,,,,,").ToArray();

        var report = await temp.Importer(batchSize: 10).ImportAsync(ImportText.Utf8(ImportText.Csv(rows)), ClientFileFormat.Csv);

        report.Should().BeEquivalentTo(new ImportReport(25, 25, []));
        (await temp.Store.CountAsync()).Should().Be(25);
    }

    [StoreFact]
    public async Task A_row_refused_for_an_earlier_rows_key_names_its_line_when_the_earlier_row_is_refused_in_the_end()
    {
        // The earlier row (line 2) passes the checks, then another writer takes its account before the batch is stored.
        using var temp = await TempStore.OpenAsync(new TStorage());
        var rival = new ClientCard { Name = "Rival", Phones = ["+15553449999"], AccountNumbers = ["5001"] };
        var store = StoreStandIn.Over(temp.Store, (method, args, forward) =>
            method.Name == nameof(IClientStore.InsertManyAsync) && rival.Version == 0 ? RivalThenAsync(forward) : forward());

        async Task<int> RivalThenAsync(Func<object?> forward)
        {
            await temp.Store.InsertAsync(rival);
            return await (Task<int>)forward()!;
        }

        var csv = ImportText.Csv(
            "First,,+15553440001,5001,,,,,,,,,,,",       // line 2: loses account 5001 to the rival
            "Second,,+15553440001,5002,,,,,,,,,,,",      // line 3: First's phone
            "Third,,+15553440003,5003,,,,,,,,,,,",       // line 4
            "Fourth,,+15553440004,5003,,,,,,,,,,,");     // line 5: Third's account
        var report = await new ClientImporter(store, temp.Options).ImportAsync(ImportText.Utf8(csv), ClientFileFormat.Csv);

        report.Imported.Should().Be(1);
        report.Rejected.Select(r => (r.Line, r.Name)).Should().Equal((2, "First"), (3, "Second"), (5, "Fourth"));
        report.Rejected[0].Reason.Should().Contain("5001");
        report.Rejected[1].Reason.Should().Be("phone +15553440001 already belongs to the client on line 2", "nobody holds the phone in the end");
        report.Rejected[2].Reason.Should().Be("account 5003 already belongs to client Third");
        (await temp.Store.FindByPhoneAsync("+15553440001")).Should().BeNull();
    }
}

/// <summary>The import contract on a LiteDB file.</summary>
public sealed class LiteDbImportTests : ImportContract<LiteDbStorage>;

/// <summary>The import contract on PostgreSQL (binary COPY).</summary>
public sealed class PostgresImportTests : ImportContract<PostgresStorage>;

/// <summary>Files that cannot be imported at all (nothing reaches a store).</summary>
public sealed class ImportTests
{
    [Theory]
    [InlineData("name,phone\nA,+15551234567\n", "Unknown column 'phone'")]
    [InlineData("company,phones\nA,+15551234567\n", "no 'name' column")]
    [InlineData("", "empty")]
    public async Task A_csv_that_cannot_be_read_as_a_whole_throws_with_a_plain_message(string csv, string message)
    {
        using var temp = new TempStore();
        var act = () => temp.Importer().ImportAsync(ImportText.Utf8(csv), ClientFileFormat.Csv);
        (await act.Should().ThrowAsync<ClientImportException>()).Which.Message.Should().Contain(message);
    }

    [Theory]
    [InlineData("{ \"name\": \"A\" }")]
    [InlineData("[ { \"name\": \"A\" }, ")]
    public async Task Json_that_is_not_one_array_throws(string json)
    {
        using var temp = new TempStore();
        var act = () => temp.Importer().ImportAsync(ImportText.Utf8(json), ClientFileFormat.Json);
        (await act.Should().ThrowAsync<ClientImportException>()).Which.Message.Should().Contain("array of client objects");
    }

    [Fact]
    public async Task A_missing_file_throws_with_its_name()
    {
        using var temp = new TempStore();
        var act = () => temp.Importer().ImportFileAsync(temp.PathOf("nope.csv"));
        (await act.Should().ThrowAsync<ClientImportException>()).Which.Message.Should().Contain("nope.csv");
    }
}
