using System.Globalization;
using IvrEngine.Profiles;
using IvrEngine.Tests.Support;
using LiteDB;
using LiteDB.Engine;

namespace IvrEngine.Tests.Profiles;

/// <summary>Phones, accounts and card fingerprints are a card's keys: claimed on insert, moved on update. Run on each
/// store by its subclass.</summary>
public abstract class StoreKeysContract<TStorage> : IAsyncLifetime
    where TStorage : IStoreStorage, new()
{
    private static readonly CardFingerprints Fingerprints = new("store-keys-tests-key-0123456789");
    private readonly TStorage _storage = new();

    public Task InitializeAsync() => _storage.InitializeAsync();

    public Task DisposeAsync() => _storage.DisposeAsync().AsTask();

    [StoreFact]
    public async Task An_update_frees_the_keys_a_card_dropped_and_keeps_the_ones_it_kept()
    {
        using var store = _storage.Open();
        var first = StoreCards.New();
        first.Phones.Add("+15550001111");
        first = await store.InsertAsync(first);

        first.Phones.Remove("+15550001111");
        first.AccountNumbers.Add("A-2");
        first = await store.UpdateAsync(first);
        (await store.FindByPhoneAsync("+15550001111")).Should().BeNull();
        (await store.FindByAccountAsync("A-2"))!.Id.Should().Be(first.Id);
        (await store.FindByPhoneAsync(first.Phones[0]))!.Id.Should().Be(first.Id, "a key the card kept stays its own");

        var second = StoreCards.New();
        second.Phones.Add("+15550001111");
        second = await store.InsertAsync(second);
        (await store.FindByPhoneAsync("+15550001111"))!.Id.Should().Be(second.Id);

        // The same update again changes nothing about the keys and is accepted.
        first = await store.UpdateAsync(first);
        first.Version.Should().Be(3);
    }

    [StoreFact]
    public async Task A_key_written_twice_on_one_card_is_one_key()
    {
        using var store = _storage.Open();
        var card = StoreCards.New();
        card.Phones.Add(card.Phones[0]);
        var reference = Fingerprints.Create("4111111111111111");
        card.Cards.Add(reference);
        card.Cards.Add(new CardReference { Fingerprint = reference.Fingerprint, Last4 = reference.Last4 });
        card = await store.InsertAsync(card);
        (await store.InsertManyAsync([StoreCards.New(), StoreCards.New()])).Should().Be(2);
        (await store.FindByPhoneAsync(card.Phones[0]))!.Phones.Should().HaveCount(2);
        (await store.FindByCardFingerprintAsync(reference.Fingerprint))!.Id.Should().Be(card.Id);
    }
}

/// <summary>The keys on a LiteDB file.</summary>
public sealed class LiteDbStoreKeysTests : StoreKeysContract<LiteDbStorage>;

/// <summary>The keys on PostgreSQL.</summary>
public sealed class PostgresStoreKeysTests : StoreKeysContract<PostgresStorage>;

/// <summary>Phones, accounts and card fingerprints are document ids in the store's keys collection: claimed on insert,
/// moved on update, and built from the old multikey indexes when an older store is opened.</summary>
public sealed class StoreKeysTests : IDisposable
{
    private static readonly CardFingerprints Fingerprints = new("store-keys-tests-key-0123456789");
    private readonly StoreTempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_store_with_the_old_multikey_indexes_is_upgraded_when_opened()
    {
        var cards = Enumerable.Range(0, 50).Select(_ => StoreCards.New()).ToList();
        cards[7].Cards.Add(Fingerprints.Create("5555555555554444"));
        WriteLegacyStore(_temp.DbPath, cards);

        using (var store = _temp.Open())
        {
            (await store.CountAsync()).Should().Be(50);
            (await store.FindByPhoneAsync(cards[3].Phones[0]))!.Id.Should().Be(cards[3].Id);
            (await store.FindByAccountAsync(cards[49].AccountNumbers[0]))!.Id.Should().Be(cards[49].Id);
            (await store.FindByCardFingerprintAsync(Fingerprints.Fingerprint("5555555555554444")))!.Id.Should().Be(cards[7].Id);
            store.Execute("SELECT $ FROM $indexes WHERE collection = 'clients'").ConvertAll(i => i["name"].AsString).Should().Equal("_id");

            var clash = StoreCards.New();
            clash.AccountNumbers.Add(cards[10].AccountNumbers[0]);
            var act = () => store.InsertAsync(clash);
            (await act.Should().ThrowAsync<DuplicateClientException>()).WithMessage($"*{cards[10].AccountNumbers[0]}*{cards[10].Id}*");
        }

        // Upgraded once: opening again finds nothing to move.
        using var again = _temp.Open();
        (await again.FindByPhoneAsync(cards[0].Phones[0]))!.Id.Should().Be(cards[0].Id);
    }

    /// <summary>A store as the versions before the keys collection wrote it: cards in the clients collection with
    /// multikey indexes on phones, accounts and card fingerprints.</summary>
    private static void WriteLegacyStore(string path, List<ClientCard> cards)
    {
        var settings = new EngineSettings { Filename = path, Collation = new Collation(CultureInfo.InvariantCulture.LCID, CompareOptions.Ordinal) };
        using var db = new LiteDatabase(new LiteEngine(settings), LiteDbMapping.CreateMapper());
        var clients = db.GetCollection<ClientCard>(LiteDbClientStore.Clients);
        clients.EnsureIndex("phones", "$.Phones[*]");
        clients.EnsureIndex("accounts", "$.AccountNumbers[*]");
        clients.EnsureIndex("cards", "$.Cards[*].Fingerprint");
        foreach (var card in cards)
        {
            card.Id = Guid.NewGuid();
            card.Version = 1;
        }

        clients.InsertBulk(cards);
    }
}
