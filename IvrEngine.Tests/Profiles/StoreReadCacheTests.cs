using IvrEngine.Profiles;
using Microsoft.Extensions.Options;

namespace IvrEngine.Tests.Profiles;

/// <summary>The store answers a caller it has seen from memory (who holds the key, the card, the last contacts):
/// every LiteDB read went through its query pipeline, about 26 KB and 25-50 µs a seek, four to five seeks a lookup.
/// What it keeps must never go stale: every write through the store (edits, new clients, imports, call records)
/// changes it, and each test here fails if one does not.</summary>
public sealed class StoreReadCacheTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly StoreTempFolder _temp = new();
    private readonly LiteDbClientStore _store;

    public StoreReadCacheTests() => _store = _temp.Open();

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_known_callers_lookup_is_answered_from_memory_while_the_file_is_busy()
    {
        var cards = new CardFingerprints("store-cache-test-key");
        var client = await _store.InsertAsync(StoreCards.New("Known Caller"));
        await _store.UpsertCampaignAsync(new Campaign { Dnis = "5000", Name = "bank" });
        await _store.AddInteractionAsync(Call(client, "earlier", Start));
        var lookup = new ClientLookup(_store, new PhoneNormalizer(), cards,
            new ClientClassifier(Options.Create(new ClassificationOptions()), TimeProvider.System));
        var first = await lookup.ByCallerAsync(client.Phones[0], "5000");
        var unknown = await lookup.ByCallerAsync("+12125550111", "5000");

        // The writer (or a long search) holds the file: a lookup that needs it waits.
        Task<LookupResult> again;
        Task<LookupResult> unknownAgain;
        using (_store.HoldEngine())
        {
            again = lookup.ByCallerAsync(client.Phones[0], "5000");
            unknownAgain = lookup.ByCallerAsync("+12125550111", "5000");
            again.IsCompleted.Should().BeTrue("the key, the card and the last contacts were read before");
            unknownAgain.IsCompleted.Should().BeTrue("an unknown number is remembered as unknown");
        }

        var result = await again;
        result.Client!.Id.Should().Be(client.Id);
        result.Code.Should().Be(first.Code);
        result.Reason.Should().Be(first.Reason);
        (await unknownAgain).Found.Should().BeFalse();
        unknown.Found.Should().BeFalse();
    }

    private static InteractionRecord Call(ClientCard client, string uuid, DateTimeOffset at) => new()
    {
        ClientId = client.Id,
        CallUuid = uuid,
        At = at,
        CallerNumber = client.Phones[0],
        DialedNumber = "5000",
        Outcome = "transferred",
    };
}
