using IvrEngine.Profiles;
using LiteDB;

namespace IvrEngine.Tests.Profiles;

/// <summary>Every lookup the store makes must seek an index, never scan: these hold the exact query forms the store
/// uses to LiteDB's plan for them (what EXPLAIN prints).</summary>
public sealed class StoreQueryPlanTests : IDisposable
{
    private readonly StoreTempFolder _temp = new();
    private readonly LiteDbClientStore _store;

    public StoreQueryPlanTests()
    {
        _store = _temp.Open();

        // Some data, so the planner has real indexes with keys to choose from.
        var cards = Enumerable.Range(0, 300).Select(_ => StoreCards.New()).ToList();
        _store.InsertManyAsync(cards).GetAwaiter().GetResult();
        _store.AddInteractionAsync(new InteractionRecord { ClientId = cards[0].Id, CallerNumber = cards[0].Phones[0], CallUuid = "c1", At = DateTimeOffset.UnixEpoch })
            .GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    [Theory]
    [InlineData(StoreLookup.Phone, "+12125550100", "_id", "$._id")]
    [InlineData(StoreLookup.Account, "ACC1", "_id", "$._id")]
    [InlineData(StoreLookup.CardFingerprint, "ab12", "_id", "$._id")]
    [InlineData(StoreLookup.LastInteractionFrom, "+12125550100", "_id", "$._id")]
    [InlineData(StoreLookup.LastInteractionOfClient, "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "_id", "$._id")]
    [InlineData(StoreLookup.TicketsOfClient, "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "client", "$.ClientId")]
    [InlineData(StoreLookup.InteractionsOfClient, "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "client", "$.ClientId")]
    internal void Each_lookup_seeks_its_index(StoreLookup lookup, string value, string index, string expression)
    {
        var plan = _store.ExplainLookup(lookup, value);
        plan["index"]["name"].AsString.Should().Be(index, plan.ToString());
        plan["index"]["expr"].AsString.Should().Be(expression, plan.ToString());
        plan["index"]["mode"].AsString.Should().StartWith($"INDEX SEEK({index} = ", plan.ToString());
    }

    [Theory]
    [InlineData(StoreLookup.Phone)]
    [InlineData(StoreLookup.Account)]
    [InlineData(StoreLookup.CardFingerprint)]
    internal void A_lookup_by_key_seeks_the_keys_collection_then_the_client(StoreLookup lookup)
    {
        // Phones, accounts and card fingerprints are document ids in the keys collection (its unique _id index is
        // what refuses a key given to two clients); the key document names the client, read by id.
        var plan = _store.ExplainLookup(lookup, "x");
        plan["collection"].AsString.Should().Be(LiteDbClientStore.ClientKeys);
        plan["index"]["mode"].AsString.Should().Be($"INDEX SEEK(_id = \"{LiteDbMapping.KeyOf(lookup, "x")}\")");

        var client = _store.Execute("EXPLAIN SELECT $ FROM clients WHERE $._id = @0", new BsonDocument { ["0"] = Guid.NewGuid() }).Single();
        client["index"]["mode"].AsString.Should().StartWith("INDEX SEEK(_id = ");
    }

    [Fact]
    public void The_clients_collection_keeps_no_multikey_index()
    {
        var indexes = _store.Execute("SELECT $ FROM $indexes WHERE collection = 'clients'").ConvertAll(index => index["name"].AsString);
        indexes.Should().Equal("_id");
    }

    [Theory]
    [InlineData(StoreLookup.Phone)]
    [InlineData(StoreLookup.Account)]
    [InlineData(StoreLookup.CardFingerprint)]
    internal void The_value_travels_as_a_parameter_not_in_the_expression_text(StoreLookup lookup)
    {
        // LiteDB parses, compiles and caches every distinct expression text for good: a value in the text would cost
        // a compile per new value and grow the cache without end.
        var expression = LiteDbMapping.KeyQuery(lookup, "+12125550123");
        expression.Source.Should().NotContain("12125550123");
        expression.Parameters["0"].AsString.Should().Be(LiteDbMapping.KeyOf(lookup, "+12125550123"));
        LiteDbMapping.TicketsQuery(Guid.NewGuid()).Source.Should().Be("$.ClientId=@0");
    }

    [Fact]
    public void The_check_would_catch_a_scan()
    {
        // A form with no index behind it: what a regression would look like.
        var plan = _store.Execute("EXPLAIN SELECT $ FROM clients WHERE $.Name = 'x'").Single();
        plan["index"]["mode"].AsString.Should().StartWith("FULL INDEX SCAN", plan.ToString());
    }
}
