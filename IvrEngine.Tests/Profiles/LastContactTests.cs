using IvrEngine.Profiles;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.Profiles;

/// <summary>The newest call of a client and of a number (what every lookup of a known caller asks), run on each
/// store by its subclass.</summary>
public abstract class LastContactContract<TStorage> : IAsyncLifetime
    where TStorage : IStoreStorage, new()
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly TStorage _storage = new();
    private IClientStore _store = null!;

    public async Task InitializeAsync()
    {
        await _storage.InitializeAsync();
        _store = _storage.Open();
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        await _storage.DisposeAsync();
    }

    [StoreFact]
    public async Task A_record_that_arrives_late_does_not_hide_a_newer_call()
    {
        // A long call is recorded when it ends, after a short call that started later.
        var client = await _store.InsertAsync(StoreCards.New());
        await _store.AddInteractionAsync(StoreCards.Call(client, "later-short", Start.AddMinutes(10)));
        await _store.AddInteractionAsync(StoreCards.Call(client, "earlier-long", Start));

        (await _store.GetInteractionsAsync(client.Id, 1)).Single().CallUuid.Should().Be("later-short");
        (await _store.LastInteractionFromAsync(client.Phones[0]))!.CallUuid.Should().Be("later-short");
    }

    [StoreFact]
    public async Task The_newest_of_a_client_and_of_a_number_are_kept_apart()
    {
        var client = await _store.InsertAsync(StoreCards.New());
        await _store.AddInteractionAsync(StoreCards.Call(client, "from-home", Start));
        var fromMobile = StoreCards.Call(client, "from-mobile", Start.AddHours(1));
        fromMobile.CallerNumber = "+12125550199";
        await _store.AddInteractionAsync(fromMobile);

        (await _store.GetInteractionsAsync(client.Id, 1)).Single().CallUuid.Should().Be("from-mobile");
        (await _store.LastInteractionFromAsync(client.Phones[0]))!.CallUuid.Should().Be("from-home");
        (await _store.LastInteractionFromAsync("+12125550199"))!.CallUuid.Should().Be("from-mobile");
        (await _store.LastInteractionFromAsync(string.Empty)).Should().BeNull();
    }

    [StoreFact]
    public async Task The_time_of_the_last_contact_is_the_newer_of_the_clients_and_the_numbers()
    {
        var client = await _store.InsertAsync(StoreCards.New());
        await _store.AddInteractionAsync(StoreCards.Call(client, "from-home", Start));
        var fromMobile = StoreCards.Call(client, "from-mobile", Start.AddHours(1));
        fromMobile.CallerNumber = "+12125550199";
        await _store.AddInteractionAsync(fromMobile);
        await _store.AddInteractionAsync(new InteractionRecord { CallUuid = "stranger", At = Start.AddHours(2), CallerNumber = "+12125550188" });

        (await _store.LastContactAtAsync(client.Id, client.Phones[0])).Should().Be(Start.AddHours(1), "the client's newest, from another number");
        (await _store.LastContactAtAsync(Guid.NewGuid(), "+12125550188")).Should().Be(Start.AddHours(2), "the number's newest, from no known client");
        (await _store.LastContactAtAsync(client.Id, null)).Should().Be(Start.AddHours(1));
        (await _store.LastContactAtAsync(Guid.NewGuid(), "+12125550177")).Should().BeNull();
    }
}

/// <summary>The contract on a LiteDB file.</summary>
public sealed class LiteDbLastContactTests : LastContactContract<LiteDbStorage>;

/// <summary>The contract on PostgreSQL.</summary>
public sealed class PostgresLastContactTests : LastContactContract<PostgresStorage>;

/// <summary>The newest call of a client and of a number, asked on every lookup of a known caller, comes from a summary
/// kept with each record: two seeks however often the client called.</summary>
public sealed class LastContactTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly StoreTempFolder _temp = new();
    private LiteDbClientStore _store;

    public LastContactTests() => _store = _temp.Open();

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_store_written_before_the_summaries_gets_them_when_it_is_opened()
    {
        var client = await _store.InsertAsync(StoreCards.New());
        for (var i = 0; i < 5; i++) await _store.AddInteractionAsync(StoreCards.Call(client, "call-" + i, Start.AddMinutes(i % 2 == 0 ? i : -i)));
        await _store.AddInteractionAsync(new InteractionRecord { CallUuid = "anonymous", At = Start, CallerNumber = "+12125550100" });

        // What an older version left: the records without their summaries.
        _store.Execute($"DELETE {LiteDbClientStore.LastContacts} WHERE _id != null");
        (await _store.LastInteractionFromAsync(client.Phones[0])).Should().BeNull("the summaries are gone");
        _store.Dispose();

        _store = _temp.Open();
        (await _store.GetInteractionsAsync(client.Id, 1)).Single().CallUuid.Should().Be("call-4");
        (await _store.LastInteractionFromAsync(client.Phones[0]))!.CallUuid.Should().Be("call-4");
        (await _store.LastInteractionFromAsync("+12125550100"))!.CallUuid.Should().Be("anonymous");
    }

    [Fact]
    public async Task The_index_of_records_by_caller_number_that_nothing_reads_any_more_is_dropped_when_a_store_is_opened()
    {
        var client = await _store.InsertAsync(StoreCards.New());
        await _store.AddInteractionAsync(StoreCards.Call(client, "call", Start));
        _store.Execute($"CREATE INDEX {LiteDbMapping.CallerIndex} ON {LiteDbClientStore.Interactions}($.CallerNumber)");
        IndexesOfInteractions().Should().Contain(LiteDbMapping.CallerIndex, "an older store has it");
        _store.Dispose();

        _store = _temp.Open();
        IndexesOfInteractions().Should().NotContain(LiteDbMapping.CallerIndex);
        (await _store.LastInteractionFromAsync(client.Phones[0]))!.CallUuid.Should().Be("call");
    }

    [Fact]
    public async Task The_index_of_records_by_time_that_no_query_reads_is_dropped_when_a_store_is_opened()
    {
        // Every query of records seeks the client's or the call's index and sorts what it finds by time; an index on
        // the time was only one more skip list to walk and write on every call's record.
        var client = await _store.InsertAsync(StoreCards.New());
        for (var i = 0; i < 3; i++) await _store.AddInteractionAsync(StoreCards.Call(client, "call-" + i, Start.AddMinutes(i % 2 == 0 ? i : -i)));
        _store.Execute($"CREATE INDEX {LiteDbMapping.AtIndex} ON {LiteDbClientStore.Interactions}({LiteDbMapping.AtExpression})");
        IndexesOfInteractions().Should().Contain(LiteDbMapping.AtIndex, "an older store has it");
        _store.Dispose();

        _store = _temp.Open();
        IndexesOfInteractions().Should().NotContain(LiteDbMapping.AtIndex);
        IndexesOfInteractions().Should().Contain([LiteDbMapping.ClientIndex, LiteDbClientStore.CallIndex]);
        (await _store.GetInteractionsAsync(client.Id, 10)).Select(call => call.CallUuid).Should().Equal("call-2", "call-0", "call-1");
        (await ((IDeskStore)_store).FindInteractionAsync("call-1"))!.CallUuid.Should().Be("call-1");
    }

    private List<string> IndexesOfInteractions() =>
        _store.Execute($"SELECT $ FROM $indexes WHERE collection = '{LiteDbClientStore.Interactions}'").ConvertAll(index => index["name"].AsString);

    [Fact]
    public async Task A_lookup_waiting_for_the_store_holds_no_thread()
    {
        // 500 calls arriving at once used to block every pool thread in this wait.
        var client = await _store.InsertAsync(StoreCards.New());
        Task<ClientCard?>[] lookups;
        using (_store.HoldEngine())
        {
            lookups = Enumerable.Range(0, 50).Select(_ => _store.FindByPhoneAsync(client.Phones[0])).ToArray();
            lookups.Should().OnlyContain(lookup => !lookup.IsCompleted, "each lookup is queued, not blocking its caller");
        }

        var found = await Task.WhenAll(lookups).WaitAsync(TimeSpan.FromSeconds(30));
        found.Should().OnlyContain(card => card!.Id == client.Id);
    }

    [Fact]
    public async Task The_time_of_the_last_contact_comes_from_the_summaries_alone()
    {
        // What every lookup of a known caller asks: the newest of the client's and the number's calls. Two small seeks
        // under one hold of the store; the records themselves (steps, collected digits, context) are not read.
        var client = await _store.InsertAsync(StoreCards.New());
        await _store.AddInteractionAsync(StoreCards.Call(client, "from-home", Start));
        var fromMobile = StoreCards.Call(client, "from-mobile", Start.AddHours(1));
        fromMobile.CallerNumber = "+12125550199";
        await _store.AddInteractionAsync(fromMobile);
        await _store.AddInteractionAsync(new InteractionRecord { CallUuid = "stranger", At = Start.AddHours(2), CallerNumber = "+12125550188" });

        // The records are gone; the summaries still name their times.
        _store.Execute($"DELETE {LiteDbClientStore.Interactions} WHERE _id != null");

        (await _store.LastContactAtAsync(client.Id, client.Phones[0])).Should().Be(Start.AddHours(1), "the client's newest, from another number");
        (await _store.LastContactAtAsync(Guid.NewGuid(), "+12125550188")).Should().Be(Start.AddHours(2), "the number's newest, from no known client");
        (await _store.LastContactAtAsync(client.Id, null)).Should().Be(Start.AddHours(1));
        (await _store.LastContactAtAsync(Guid.NewGuid(), "+12125550177")).Should().BeNull();
    }

    [Fact]
    public async Task A_lookup_classifies_a_repeat_caller_from_the_summaries_alone()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start.AddHours(3));
        var client = await _store.InsertAsync(StoreCards.New());
        await _store.AddInteractionAsync(StoreCards.Call(client, "earlier", Start));
        _store.Execute($"DELETE {LiteDbClientStore.Interactions} WHERE _id != null");
        var lookup = new ClientLookup(_store, new PhoneNormalizer("US"), new CardFingerprints("test-key"),
            new ClientClassifier(Microsoft.Extensions.Options.Options.Create(new ClassificationOptions()), time));

        var result = await lookup.ByCallerAsync(client.Phones[0], "5000");

        result.Client!.Id.Should().Be(client.Id);
        result.Code.Should().Be('R', "the client called 3 h ago");
    }
}
