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
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    [Theory]
    [InlineData(StoreLookup.Phone, "+12125550100", "phones", "$.Phones[*]")]
    [InlineData(StoreLookup.Account, "ACC1", "accounts", "$.AccountNumbers[*]")]
    [InlineData(StoreLookup.CardFingerprint, "ab12", "cards", "MAP($.Cards[*]=>@.Fingerprint)")]
    [InlineData(StoreLookup.LastInteractionFrom, "+12125550100", "caller", "$.CallerNumber")]
    [InlineData(StoreLookup.TicketsOfClient, "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "client", "$.ClientId")]
    [InlineData(StoreLookup.InteractionsOfClient, "6f9619ff-8b86-d011-b42d-00cf4fc964ff", "client", "$.ClientId")]
    internal void Each_lookup_seeks_its_index(StoreLookup lookup, string value, string index, string expression)
    {
        var plan = _store.ExplainLookup(lookup, value);
        plan["index"]["name"].AsString.Should().Be(index, plan.ToString());
        plan["index"]["expr"].AsString.Should().Be(expression, plan.ToString());
        plan["index"]["mode"].AsString.Should().StartWith($"INDEX SEEK({index} = ", plan.ToString());
    }

    [Fact]
    public void Explain_in_sql_names_the_index_for_the_multikey_forms()
    {
        var plan = _store.Execute("EXPLAIN SELECT $ FROM clients WHERE $.Phones[*] ANY = @0", new BsonDocument { ["0"] = "+12125550100" }).Single();
        plan["index"]["mode"].AsString.Should().Be("INDEX SEEK(phones = \"+12125550100\")");

        plan = _store.Execute("EXPLAIN SELECT $ FROM clients WHERE $.Cards[*].Fingerprint ANY = @0", new BsonDocument { ["0"] = "ab" }).Single();
        plan["index"]["name"].AsString.Should().Be("cards");
    }

    [Theory]
    [InlineData(StoreLookup.Phone)]
    [InlineData(StoreLookup.Account)]
    [InlineData(StoreLookup.CardFingerprint)]
    internal void The_value_travels_as_a_parameter_not_in_the_expression_text(StoreLookup lookup)
    {
        // LiteDB parses, compiles and caches every distinct expression text for good: a value in the text would cost
        // a compile per new value and grow the cache without end.
        var expression = LiteDbMapping.ClientQuery(lookup, "+12125550123");
        expression.Source.Should().NotContain("12125550123");
        expression.Parameters["0"].AsString.Should().Be("+12125550123");
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
