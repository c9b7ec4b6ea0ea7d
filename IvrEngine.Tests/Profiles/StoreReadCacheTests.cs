using IvrEngine.Profiles;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

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
        await _store.AddInteractionAsync(StoreCards.Call(client, "earlier", Start));
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

    [Fact]
    public async Task An_edited_phone_or_account_is_found_by_its_new_key_and_no_longer_by_its_old_one()
    {
        var client = await _store.InsertAsync(StoreCards.New("Mover"));
        var (oldPhone, oldAccount) = (client.Phones[0], client.AccountNumbers[0]);
        const string NewPhone = "+12125550177";
        const string NewAccount = "ACC-NEW-177";

        // Read once, so that each key (and "nobody has the new ones") is kept.
        (await _store.FindByPhoneAsync(oldPhone))!.Id.Should().Be(client.Id);
        (await _store.FindByAccountAsync(oldAccount))!.Id.Should().Be(client.Id);
        (await _store.FindByPhoneAsync(NewPhone)).Should().BeNull();
        (await _store.FindByAccountAsync(NewAccount)).Should().BeNull();
        (await _store.GetAsync(client.Id))!.Name.Should().Be("Mover");

        var edit = (await _store.GetAsync(client.Id))!;
        edit.Phones = [NewPhone];
        edit.AccountNumbers = [NewAccount];
        edit.Name = "Moved";
        await _store.UpdateAsync(edit);

        (await _store.FindByPhoneAsync(oldPhone)).Should().BeNull();
        (await _store.FindByAccountAsync(oldAccount)).Should().BeNull();
        var byPhone = (await _store.FindByPhoneAsync(NewPhone))!;
        byPhone.Id.Should().Be(client.Id);
        byPhone.Name.Should().Be("Moved");
        byPhone.Version.Should().Be(2);
        (await _store.FindByAccountAsync(NewAccount))!.Id.Should().Be(client.Id);
        (await _store.GetAsync(client.Id))!.Name.Should().Be("Moved");

        // The freed keys can go to another client, and are found there.
        var other = StoreCards.New("Taker");
        other.Phones = [oldPhone];
        await _store.InsertAsync(other);
        (await _store.FindByPhoneAsync(oldPhone))!.Name.Should().Be("Taker");
    }

    [Fact]
    public async Task An_edited_card_is_seen_by_every_lookup()
    {
        var client = await _store.InsertAsync(StoreCards.New("Regular"));
        (await _store.FindByPhoneAsync(client.Phones[0]))!.Category.Should().Be(ClientCategories.Regular);
        (await _store.GetAsync(client.Id))!.Category.Should().Be(ClientCategories.Regular);

        var edit = (await _store.GetAsync(client.Id))!;
        edit.Category = ClientCategories.Vip;
        edit.OverdueAmount = 12.5m;
        await _store.UpdateAsync(edit);

        var found = (await _store.FindByPhoneAsync(client.Phones[0]))!;
        found.Category.Should().Be(ClientCategories.Vip);
        found.OverdueAmount.Should().Be(12.5m);
        found.Version.Should().Be(2);
        (await _store.FindByAccountAsync(client.AccountNumbers[0]))!.Category.Should().Be(ClientCategories.Vip);
        (await _store.GetAsync(client.Id))!.Category.Should().Be(ClientCategories.Vip);
    }

    [Fact]
    public async Task A_card_read_just_before_an_edit_is_not_kept_over_the_edit()
    {
        // The read takes the lock first and maps the card after letting it go; the edit commits in between or after.
        // Either way what is kept afterwards is the edited card (a read that an edit overtook is not kept).
        for (var round = 0; round < 20; round++)
        {
            var client = await _store.InsertAsync(StoreCards.New("Round " + round));
            var changed = StoreReadCache.Copy(client);
            changed.Name = "Edited " + round;
            Task<ClientCard?> read;
            Task<ClientCard> edit;
            using (_store.HoldEngine())
            {
                read = _store.GetAsync(client.Id);
                edit = _store.UpdateAsync(changed);
                SpinWait.SpinUntil(() => _store.EngineWaiting == 2, TimeSpan.FromSeconds(30)).Should().BeTrue("the read and the edit queue for the file");
            }

            (await read)!.Name.Should().Be("Round " + round, "the read was first in line");
            await edit;
            (await _store.GetAsync(client.Id))!.Name.Should().Be("Edited " + round);
            (await _store.FindByPhoneAsync(client.Phones[0]))!.Name.Should().Be("Edited " + round);
        }
    }

    [Fact]
    public void A_card_read_before_a_write_forgot_it_is_not_kept()
    {
        // What the store does around a read whose card is mapped after the lock is let go (the race above, made certain).
        var cache = new StoreReadCache(10);
        var card = StoreCards.New("Read before the edit");
        card.Id = Guid.NewGuid();
        var generation = cache.CardGeneration;
        cache.ForgetCard(card.Id);
        cache.AddCard(card, generation);
        cache.TryGetCard(card.Id, out _).Should().BeFalse();

        cache.AddCard(card, cache.CardGeneration);
        cache.TryGetCard(card.Id, out var kept).Should().BeTrue();
        kept.Should().NotBeSameAs(card);
        kept!.Name.Should().Be(card.Name);
    }

    [Fact]
    public async Task A_new_client_is_found_by_keys_that_were_kept_as_nobodys()
    {
        var cards = new CardFingerprints("store-cache-test-key");
        var fingerprint = cards.Fingerprint("4111111111111111");
        var card = StoreCards.New("Newcomer");
        card.Cards = [new CardReference { Fingerprint = fingerprint, Last4 = "1111" }];
        (await _store.FindByPhoneAsync(card.Phones[0])).Should().BeNull();
        (await _store.FindByAccountAsync(card.AccountNumbers[0])).Should().BeNull();
        (await _store.FindByCardFingerprintAsync(fingerprint)).Should().BeNull();

        await _store.InsertAsync(card);

        (await _store.FindByPhoneAsync(card.Phones[0]))!.Name.Should().Be("Newcomer");
        (await _store.FindByAccountAsync(card.AccountNumbers[0]))!.Name.Should().Be("Newcomer");
        (await _store.FindByCardFingerprintAsync(fingerprint))!.Name.Should().Be("Newcomer");
    }

    [Fact]
    public async Task Imported_clients_are_found_by_keys_that_were_kept_as_nobodys()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_temp.Folder, "import"));
        var csv = Path.Combine(folder.FullName, "clients.csv");
        await File.WriteAllTextAsync(csv, "name,phones,accounts\nImported One,+12125550161,7700161\nImported Two,+12125550162,7700162\n");
        (await _store.FindByPhoneAsync("+12125550161")).Should().BeNull();
        (await _store.FindByAccountAsync("7700162")).Should().BeNull();

        var report = await new ClientImporter(_store, new StoreOptions(), TimeProvider.System).ImportFileAsync(csv);

        report.Imported.Should().Be(2);
        (await _store.FindByPhoneAsync("+12125550161"))!.Name.Should().Be("Imported One");
        (await _store.FindByAccountAsync("7700162"))!.Name.Should().Be("Imported Two");

        // A batch of the store's own (what the importer hands it) too.
        var batch = new[] { StoreCards.New("Batch One"), StoreCards.New("Batch Two") };
        foreach (var card in batch) (await _store.FindByPhoneAsync(card.Phones[0])).Should().BeNull();
        await _store.InsertManyAsync(batch);
        foreach (var card in batch) (await _store.FindByPhoneAsync(card.Phones[0]))!.Name.Should().Be(card.Name);
    }

    [Fact]
    public async Task A_call_record_makes_the_caller_a_repeat_contact_on_the_next_lookup()
    {
        var client = await _store.InsertAsync(StoreCards.New("Repeat Caller"));
        var time = new FakeTimeProvider(Start.AddMinutes(30));
        var lookup = new ClientLookup(_store, new PhoneNormalizer(), new CardFingerprints("store-cache-test-key"),
            new ClientClassifier(Options.Create(new ClassificationOptions()), time));
        var first = await lookup.ByCallerAsync(client.Phones[0], "5000");
        first.Code.Should().NotBe('R');
        (await _store.LastContactAtAsync(client.Id, client.Phones[0])).Should().BeNull();
        (await _store.LastContactAtAsync(client.Id, "+12125550150")).Should().BeNull();

        await _store.AddInteractionAsync(StoreCards.Call(client, "first", Start));

        (await lookup.ByCallerAsync(client.Phones[0], "5000")).Code.Should().Be('R');
        (await _store.LastContactAtAsync(client.Id, null)).Should().Be(Start);
        (await _store.LastContactAtAsync(client.Id, "+12125550150")).Should().Be(Start);

        // A record that arrives late does not hide a newer call; a newer one moves both times.
        await _store.AddInteractionAsync(StoreCards.Call(client, "late", Start.AddMinutes(-20)));
        (await _store.LastContactAtAsync(client.Id, client.Phones[0])).Should().Be(Start);
        var fromElsewhere = StoreCards.Call(client, "mobile", Start.AddMinutes(5));
        fromElsewhere.CallerNumber = "+12125550150";
        await _store.AddInteractionAsync(fromElsewhere);
        (await _store.LastContactAtAsync(client.Id, null)).Should().Be(Start.AddMinutes(5));
        (await _store.LastInteractionFromAsync("+12125550150"))!.CallUuid.Should().Be("mobile");

        // A call from an unidentified number, later given to the client by an agent.
        await _store.AddInteractionAsync(new InteractionRecord { CallUuid = "anonymous", At = Start.AddMinutes(9), CallerNumber = "+12125550151" });
        (await _store.LastContactAtAsync(client.Id, null)).Should().Be(Start.AddMinutes(5));
        (await _store.SetInteractionClientAsync("anonymous", client.Id)).Should().BeTrue();
        (await _store.LastContactAtAsync(client.Id, null)).Should().Be(Start.AddMinutes(9));
    }

    [Fact]
    public async Task A_record_that_fails_leaves_the_last_contact_as_it_was()
    {
        var client = await _store.InsertAsync(StoreCards.New());
        var first = StoreCards.Call(client, "first", Start);
        await _store.AddInteractionAsync(first);
        (await _store.LastContactAtAsync(client.Id, client.Phones[0])).Should().Be(Start);

        // The same id again: the insert (after the summaries) fails, its transaction rolls back, and the summaries it
        // wrote with it; a later commit must not bring them back.
        var clash = StoreCards.Call(client, "clash", Start.AddHours(1));
        clash.Id = first.Id;
        await FluentActions.Awaiting(() => _store.AddInteractionAsync(clash)).Should().ThrowAsync<LiteDB.LiteException>();
        var other = await _store.InsertAsync(StoreCards.New());
        await _store.AddInteractionAsync(StoreCards.Call(other, "next", Start.AddHours(2)));

        (await _store.LastContactAtAsync(client.Id, client.Phones[0])).Should().Be(Start);
        (await _store.LastContactAtAsync(client.Id, null)).Should().Be(Start);
    }

    [Fact]
    public async Task A_card_handed_out_is_a_copy()
    {
        var client = await _store.InsertAsync(StoreCards.New("Original"));
        await _store.FindByPhoneAsync(client.Phones[0]);
        var found = (await _store.FindByPhoneAsync(client.Phones[0]))!;
        found.Name = "Changed by a caller";
        found.Phones.Add("+12125550140");

        var again = (await _store.FindByPhoneAsync(client.Phones[0]))!;
        again.Name.Should().Be("Original");
        again.Phones.Should().Equal(client.Phones);
        (await _store.GetAsync(client.Id))!.Name.Should().Be("Original");
    }

    [Fact]
    public async Task A_new_photo_is_seen_through_a_kept_card()
    {
        var client = await _store.InsertAsync(StoreCards.New());
        (await _store.FindByPhoneAsync(client.Phones[0]))!.PhotoId.Should().BeNull();

        await _store.SetPhotoAsync(client.Id, 1, new MemoryStream([1, 2, 3]), "me.png");

        var card = (await _store.FindByPhoneAsync(client.Phones[0]))!;
        card.PhotoId.Should().NotBeNull();
        card.Version.Should().Be(2);
    }

    [Fact]
    public async Task What_is_kept_stays_within_Store_CacheClients()
    {
        using var temp = new StoreTempFolder();
        using var store = new LiteDbClientStore(temp.DbPath, cacheClients: 5);
        var clients = new List<ClientCard>();
        for (var i = 0; i < 20; i++) clients.Add(await store.InsertAsync(StoreCards.New()));
        foreach (var client in clients)
        {
            (await store.FindByPhoneAsync(client.Phones[0]))!.Id.Should().Be(client.Id);
            (await store.FindByAccountAsync(client.AccountNumbers[0]))!.Id.Should().Be(client.Id);
            await store.LastContactAtAsync(client.Id, client.Phones[0]);
            await store.AddInteractionAsync(StoreCards.Call(client, "call-" + client.Id, Start));
        }

        var (keys, cards, ofClients, ofNumbers) = store.ReadCache.Counts;
        keys.Should().BeInRange(1, 5);
        cards.Should().BeInRange(1, 5);
        ofClients.Should().BeInRange(1, 5);
        ofNumbers.Should().BeInRange(1, 5);

        // What was forgotten is read from the file again, right.
        foreach (var client in clients)
        {
            (await store.FindByPhoneAsync(client.Phones[0]))!.Id.Should().Be(client.Id);
            (await store.LastContactAtAsync(client.Id, client.Phones[0])).Should().Be(Start);
        }
    }

    [Fact]
    public async Task A_card_with_many_notes_is_not_kept_and_is_read_whole_from_the_file_each_time()
    {
        using var temp = new StoreTempFolder();
        using var store = new LiteDbClientStore(temp.DbPath, cacheClients: 100);
        var small = await store.InsertAsync(StoreCards.New("Small"));
        var large = StoreCards.New("Many notes");
        for (var i = 0; i < 200; i++) large.Notes.Add(new ClientNote { Text = new string('n', 100), Author = "agent-101", At = Start });
        StoreReadCache.EstimatedBytes(large).Should().BeGreaterThan(StoreReadCache.MaxCardBytes);
        large = await store.InsertAsync(large);

        (await store.FindByPhoneAsync(small.Phones[0]))!.Id.Should().Be(small.Id);
        (await store.FindByPhoneAsync(large.Phones[0]))!.Notes.Should().HaveCount(200);
        store.ReadCache.Counts.Cards.Should().Be(1, "only the small card is kept");

        Task<ClientCard?> lookup;
        using (store.HoldEngine())
        {
            (await store.FindByPhoneAsync(small.Phones[0]).WaitAsync(TimeSpan.FromSeconds(10)))!.Id.Should().Be(small.Id);
            lookup = store.FindByPhoneAsync(large.Phones[0]);
            lookup.IsCompleted.Should().BeFalse("the large card is read from the file");
        }

        (await lookup)!.Notes.Should().HaveCount(200);
    }

    [Fact]
    public async Task With_Store_CacheClients_0_nothing_is_kept_and_every_lookup_reads_the_file()
    {
        using var temp = new StoreTempFolder();
        using var store = new LiteDbClientStore(temp.DbPath, cacheClients: 0);
        var client = await store.InsertAsync(StoreCards.New());
        (await store.FindByPhoneAsync(client.Phones[0]))!.Id.Should().Be(client.Id);
        await store.AddInteractionAsync(StoreCards.Call(client, "one", Start));
        (await store.LastContactAtAsync(client.Id, client.Phones[0])).Should().Be(Start);

        store.ReadCache.Counts.Should().Be((0, 0, 0, 0));
        Task<ClientCard?> lookup;
        using (store.HoldEngine())
        {
            lookup = store.FindByPhoneAsync(client.Phones[0]);
            lookup.IsCompleted.Should().BeFalse("nothing is kept: the lookup waits for the file");
        }

        (await lookup)!.Id.Should().Be(client.Id);
    }

    [Fact]
    public async Task A_change_made_with_SQL_is_seen()
    {
        var client = await _store.InsertAsync(StoreCards.New("Before SQL"));
        (await _store.FindByPhoneAsync(client.Phones[0]))!.Name.Should().Be("Before SQL");

        _store.Execute($"UPDATE {LiteDbClientStore.Clients} SET Name = 'After SQL' WHERE _id = @0", new LiteDB.BsonDocument { ["0"] = client.Id });

        (await _store.FindByPhoneAsync(client.Phones[0]))!.Name.Should().Be("After SQL");
    }
}
