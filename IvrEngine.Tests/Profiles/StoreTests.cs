using IvrEngine.Profiles;
using IvrEngine.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Profiles;

/// <summary>The client store's contract (<see cref="IClientStore"/>), run on each store by its subclass.</summary>
public abstract class StoreTests<TStorage> : IAsyncLifetime
    where TStorage : IStoreStorage, new()
{
    private static readonly CardFingerprints Fingerprints = new("store-tests-key-0123456789");
    private IClientStore _store = null!;

    protected TStorage Storage { get; } = new();

    protected IClientStore Store => _store;

    public async Task InitializeAsync()
    {
        await Storage.InitializeAsync();
        _store = Storage.Open();
    }

    public async Task DisposeAsync()
    {
        _store.Dispose();
        await Storage.DisposeAsync();
    }

    [StoreFact]
    public async Task Insert_then_find_by_id_phone_account_and_card()
    {
        var card = StoreCards.New("Nino Beridze");
        card.Phones.Add("+995555123456");
        card.Cards.Add(Fingerprints.Create("4111111111111111"));
        var stored = await _store.InsertAsync(card);

        stored.Id.Should().NotBe(Guid.Empty);
        stored.Version.Should().Be(1);
        (await _store.GetAsync(stored.Id))!.Name.Should().Be("Nino Beridze");
        (await _store.FindByPhoneAsync("+995555123456"))!.Id.Should().Be(stored.Id);
        (await _store.FindByPhoneAsync(card.Phones[0]))!.Id.Should().Be(stored.Id);
        (await _store.FindByAccountAsync(card.AccountNumbers[0]))!.Id.Should().Be(stored.Id);
        (await _store.FindByCardFingerprintAsync(Fingerprints.Fingerprint("4111 1111 1111 1111")))!.Id.Should().Be(stored.Id);

        (await _store.GetAsync(Guid.NewGuid())).Should().BeNull();
        (await _store.FindByPhoneAsync("+19999999999")).Should().BeNull();
        (await _store.FindByAccountAsync("nope")).Should().BeNull();
        (await _store.FindByCardFingerprintAsync(Fingerprints.Fingerprint("5555555555554444"))).Should().BeNull();
        (await _store.CountAsync()).Should().Be(1);
    }

    [StoreFact]
    public async Task Insert_sets_created_at_from_the_clock_when_missing()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero));
        _store.Dispose();
        using var store = Storage.Open(time);
        var card = await store.InsertAsync(StoreCards.New());
        card.CreatedAt.Should().Be(time.GetUtcNow());
    }

    [StoreFact]
    public async Task The_store_survives_closing_and_reopening()
    {
        var card = await _store.InsertAsync(StoreCards.New());
        _store.Dispose();
        using var reopened = Storage.Open();
        (await reopened.GetAsync(card.Id))!.Phones.Should().Equal(card.Phones);
        (await reopened.FindByPhoneAsync(card.Phones[0]))!.Id.Should().Be(card.Id);
    }

    [StoreFact]
    public async Task A_phone_account_or_card_cannot_belong_to_two_clients()
    {
        var first = StoreCards.New();
        first.Cards.Add(Fingerprints.Create("4111111111111111"));
        await _store.InsertAsync(first);

        var samePhone = StoreCards.New();
        samePhone.Phones.Add(first.Phones[0]);
        var act = () => _store.InsertAsync(samePhone);
        (await act.Should().ThrowAsync<DuplicateClientException>()).WithMessage($"*Phone {first.Phones[0]}*client {first.Id}*");

        var sameAccount = StoreCards.New();
        sameAccount.AccountNumbers.Add(first.AccountNumbers[0]);
        act = () => _store.InsertAsync(sameAccount);
        (await act.Should().ThrowAsync<DuplicateClientException>()).WithMessage($"*Account {first.AccountNumbers[0]}*client {first.Id}*");

        var sameCard = StoreCards.New();
        sameCard.Cards.Add(Fingerprints.Create("4111111111111111"));
        act = () => _store.InsertAsync(sameCard);
        (await act.Should().ThrowAsync<DuplicateClientException>()).WithMessage($"*ending 1111*client {first.Id}*");

        var sameId = StoreCards.New();
        sameId.Id = first.Id;
        act = () => _store.InsertAsync(sameId);
        await act.Should().ThrowAsync<DuplicateClientException>();

        (await _store.CountAsync()).Should().Be(1, "nothing of a refused insert is stored");
        (await _store.FindByPhoneAsync(samePhone.Phones[0])).Should().BeNull();

        // An update may not take another client's phone either, and is refused whole.
        var second = await _store.InsertAsync(StoreCards.New());
        second.Phones.Add(first.Phones[0]);
        var update = () => _store.UpdateAsync(second);
        await update.Should().ThrowAsync<DuplicateClientException>();
        (await _store.GetAsync(second.Id))!.Version.Should().Be(1);
    }

    [StoreFact]
    public async Task Keys_compare_as_written_not_ignoring_case()
    {
        var lower = StoreCards.New();
        lower.AccountNumbers = ["abc-1"];
        var upper = StoreCards.New();
        upper.AccountNumbers = ["ABC-1"];
        await _store.InsertAsync(lower);
        await _store.InsertAsync(upper);
        (await _store.FindByAccountAsync("abc-1"))!.Id.Should().Be(lower.Id);
        (await _store.FindByAccountAsync("ABC-1"))!.Id.Should().Be(upper.Id);
        (await _store.FindByAccountAsync("Abc-1")).Should().BeNull();
    }

    [StoreFact]
    public async Task A_phone_must_be_e164()
    {
        var card = StoreCards.New();
        card.Phones.Add("(555) 123-4567");
        var act = () => _store.InsertAsync(card);
        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*E.164*PhoneNormalizer*");
    }

    [StoreFact]
    public async Task Update_bumps_the_version_and_a_stale_writer_gets_a_conflict()
    {
        var created = await _store.InsertAsync(StoreCards.New("Original"));

        var first = (await _store.GetAsync(created.Id))!;
        var second = (await _store.GetAsync(created.Id))!;

        first.Name = "First writer";
        (await _store.UpdateAsync(first)).Version.Should().Be(2);

        second.Name = "Second writer";
        var act = () => _store.UpdateAsync(second);
        var conflict = (await act.Should().ThrowAsync<ConcurrencyConflictException>()).Which;
        conflict.ClientId.Should().Be(created.Id);
        conflict.ExpectedVersion.Should().Be(1);
        conflict.ActualVersion.Should().Be(2);
        conflict.Message.Should().Contain("changed by someone else").And.Contain("version 1").And.Contain("now 2");
        second.Version.Should().Be(1, "a refused write leaves the caller's copy as it was");

        var stored = (await _store.GetAsync(created.Id))!;
        stored.Name.Should().Be("First writer");
        stored.Version.Should().Be(2);
    }

    [StoreFact]
    public async Task Updating_a_missing_card_says_so()
    {
        var act = () => _store.UpdateAsync(StoreCards.New());
        await act.Should().ThrowAsync<KeyNotFoundException>();
    }

    [StoreFact]
    public async Task Concurrent_writers_lose_no_update()
    {
        var created = await _store.InsertAsync(StoreCards.New());
        const int writers = 24;
        var conflicts = 0;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(async () =>
        {
            while (true)
            {
                var card = (await _store.GetAsync(created.Id))!;
                card.Notes.Add(new ClientNote { Text = "note " + i, Author = "agent" + i, At = DateTimeOffset.UtcNow });
                try
                {
                    await _store.UpdateAsync(card);
                    return;
                }
                catch (ConcurrencyConflictException)
                {
                    Interlocked.Increment(ref conflicts);
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(30));

        var stored = (await _store.GetAsync(created.Id))!;
        stored.Notes.Select(n => n.Text).Should().BeEquivalentTo(Enumerable.Range(0, writers).Select(i => "note " + i));
        stored.Version.Should().Be(1 + writers);
    }

    [StoreFact]
    public async Task Hostile_strings_round_trip_exactly()
    {
        string[] hostile =
        [
            "O'Brien \"the\" `quote` \\ backslash",
            "100% {curly} $dollar @param [*] ANY = 'x'",
            "line1\r\nline2\nline3\rend",
            "Привет, мир: Иванов Иван Иванович",
            "გამარჯობა, ნინო ბერიძე",
            "nul\0inside\0",
            "  padded  ",
            "\t",
            "emoji 📞 and surrogate pairs 𝄞",
            new string('x', 64 * 1024) + "end",
        ];
        var card = StoreCards.New(hostile[0]);
        card.Company = string.Empty;
        card.Language = "ka";
        card.ManagerId = hostile[1];
        card.Location = new ClientLocation { City = "თბილისი", Country = "GE", TimeZone = "Asia/Tbilisi" };
        card.Notes = hostile.Select(h => new ClientNote { Text = h, Author = h.Length > 100 ? "long" : h, At = DateTimeOffset.UnixEpoch }).ToList();
        card.OpenOrders = [new OpenOrder { Number = "№ 12/34", Stage = hostile[2], Responsible = hostile[4], Debt = 1.5m }];
        card.AccountNumbers.Add("acc'\"%");
        await _store.InsertAsync(card);

        var stored = (await _store.GetAsync(card.Id))!;
        stored.Name.Should().Be(hostile[0]);
        stored.Company.Should().Be(string.Empty, "an empty string stays empty, not null");
        stored.ManagerId.Should().Be(hostile[1]);
        stored.Location!.City.Should().Be("თბილისი");
        stored.Notes.Select(n => n.Text).Should().Equal(hostile);
        stored.Notes.Select(n => n.Author).Should().Equal(card.Notes.Select(n => n.Author));
        stored.OpenOrders.Single().Should().BeEquivalentTo(card.OpenOrders.Single());
        (await _store.FindByAccountAsync("acc'\"%"))!.Id.Should().Be(card.Id);
    }

    [StoreFact]
    public async Task Dates_keep_ticks_and_offset_and_decimals_keep_every_digit()
    {
        var at = new DateTimeOffset(2026, 11, 23, 12, 34, 56, TimeSpan.FromHours(4)).AddTicks(1_234_567);
        var lastContact = new DateTimeOffset(1999, 12, 31, 23, 59, 59, new TimeSpan(-5, -30, 0)).AddTicks(9);
        var card = StoreCards.New();
        card.CreatedAt = at;
        card.LastContactAt = lastContact;
        card.Balance = 12345678901234567890.123456789m;
        card.OverdueAmount = 1.10m;
        card.OpenOrders = [new OpenOrder { Number = "1", Debt = -0.0000000000000000000000000001m }, new OpenOrder { Number = "2", Debt = decimal.MaxValue }];
        card.Notes = [new ClientNote { Text = "min", At = DateTimeOffset.MinValue }, new ClientNote { Text = "max", At = DateTimeOffset.MaxValue }];
        await _store.InsertAsync(card);

        var stored = (await _store.GetAsync(card.Id))!;
        stored.CreatedAt.Should().Be(at);
        stored.CreatedAt.Offset.Should().Be(TimeSpan.FromHours(4));
        stored.CreatedAt.Ticks.Should().Be(at.Ticks);
        stored.LastContactAt.Should().Be(lastContact);
        stored.LastContactAt!.Value.Offset.Should().Be(new TimeSpan(-5, -30, 0));
        stored.Balance.Should().Be(12345678901234567890.123456789m);
        stored.OverdueAmount.ToString(System.Globalization.CultureInfo.InvariantCulture).Should().Be("1.10", "the scale is kept");
        stored.OpenOrders.Select(o => o.Debt).Should().Equal(-0.0000000000000000000000000001m, decimal.MaxValue);
        stored.Notes.Select(n => n.At).Should().Equal(DateTimeOffset.MinValue, DateTimeOffset.MaxValue);

        card.LastContactAt = null;
        await _store.UpdateAsync(card);
        (await _store.GetAsync(card.Id))!.LastContactAt.Should().BeNull();
    }

    [StoreFact]
    public async Task Interactions_come_newest_first_and_the_last_from_a_number_is_found()
    {
        var client = await _store.InsertAsync(StoreCards.New());
        var start = new DateTimeOffset(2026, 5, 1, 10, 0, 0, TimeSpan.FromHours(4));
        var collected = new Dictionary<string, string> { ["account"] = "**3456", ["a.b"] = "dotted", ["$odd key"] = "x\r\ny", ["menu"] = "" };

        // Stored out of order, in mixed offsets: newest first means by instant.
        int[] order = [3, 0, 4, 1, 2];
        foreach (var i in order)
        {
            await _store.AddInteractionAsync(new InteractionRecord
            {
                ClientId = client.Id,
                CallUuid = "call-" + i,
                At = (start + TimeSpan.FromMinutes(i)).ToOffset(TimeSpan.FromHours(i % 2 == 0 ? -7 : 9)),
                CallerNumber = client.Phones[0],
                DialedNumber = "5000",
                Steps = ["answer", "greet", "collect"],
                Collected = collected,
                Outcome = "transferred",
                IvrDuration = TimeSpan.FromTicks(123_456_789),
                TotalDuration = i == 0 ? null : TimeSpan.FromMinutes(i),
            });
        }

        await _store.AddInteractionAsync(new InteractionRecord { CallUuid = "anonymous", At = start.AddHours(1), CallerNumber = "+12125550100", Outcome = "hung-up" });

        var history = await _store.GetInteractionsAsync(client.Id);
        history.Select(h => h.CallUuid).Should().Equal("call-4", "call-3", "call-2", "call-1", "call-0");
        history[0].Collected.Should().Equal(collected);
        history[0].IvrDuration.Should().Be(TimeSpan.FromTicks(123_456_789));
        history[^1].TotalDuration.Should().BeNull();
        history[0].At.Should().Be(start + TimeSpan.FromMinutes(4));
        history[0].At.Offset.Should().Be(TimeSpan.FromHours(-7));
        (await _store.GetInteractionsAsync(client.Id, max: 2)).Select(h => h.CallUuid).Should().Equal("call-4", "call-3");
        (await _store.GetInteractionsAsync(Guid.NewGuid())).Should().BeEmpty();

        (await _store.LastInteractionFromAsync(client.Phones[0]))!.CallUuid.Should().Be("call-4");
        var anonymous = (await _store.LastInteractionFromAsync("+12125550100"))!;
        anonymous.CallUuid.Should().Be("anonymous");
        anonymous.ClientId.Should().BeNull();
        (await _store.LastInteractionFromAsync("+10000000000")).Should().BeNull();
    }

    [StoreFact]
    public async Task Tickets_are_kept_per_client()
    {
        var client = await _store.InsertAsync(StoreCards.New());
        var other = await _store.InsertAsync(StoreCards.New());
        await _store.AddTicketAsync(new Ticket { ClientId = client.Id, Subject = "Wrong bill", CallUuid = "c1", CreatedAt = DateTimeOffset.UnixEpoch.AddDays(2) });
        await _store.AddTicketAsync(new Ticket { ClientId = client.Id, Subject = "Card blocked", CreatedAt = DateTimeOffset.UnixEpoch.AddDays(1) });
        await _store.AddTicketAsync(new Ticket { ClientId = other.Id, Subject = "Other" });

        var tickets = await _store.GetTicketsAsync(client.Id);
        tickets.Select(t => t.Subject).Should().Equal("Card blocked", "Wrong bill");
        tickets.Should().OnlyContain(t => t.Id != Guid.Empty && t.Status == "open");
        (await _store.GetTicketsAsync(Guid.NewGuid())).Should().BeEmpty();
    }

    [StoreFact]
    public async Task Campaigns_are_keyed_by_dialed_number_and_replaced()
    {
        await _store.UpsertCampaignAsync(new Campaign { Dnis = "5000", Name = "Bank", Service = "bank", Language = "ka" });
        await _store.UpsertCampaignAsync(new Campaign { Dnis = "+995322000000", Name = "Taxi" });
        (await _store.FindCampaignAsync("5000"))!.Should().BeEquivalentTo(new Campaign { Dnis = "5000", Name = "Bank", Service = "bank", Language = "ka" });

        await _store.UpsertCampaignAsync(new Campaign { Dnis = "5000", Name = "Bank 2" });
        var replaced = (await _store.FindCampaignAsync("5000"))!;
        replaced.Name.Should().Be("Bank 2");
        replaced.Service.Should().BeNull();
        (await _store.FindCampaignAsync("+995322000000"))!.Name.Should().Be("Taxi");
        (await _store.FindCampaignAsync("5001")).Should().BeNull();
        (await _store.FindCampaignAsync(string.Empty)).Should().BeNull();
    }

    [StoreFact]
    public async Task A_photo_round_trips_and_bumps_the_version()
    {
        var client = await _store.InsertAsync(StoreCards.New());
        var bytes = new byte[300_000];
        new Random(7).NextBytes(bytes);

        var destination = new MemoryStream();
        (await _store.ReadPhotoAsync(client.Id, destination)).Should().BeFalse();

        var updated = await _store.SetPhotoAsync(client.Id, 1, new MemoryStream(bytes), "../face.jpg");
        updated.Version.Should().Be(2);
        updated.PhotoId.Should().NotBeNullOrEmpty();
        (await _store.ReadPhotoAsync(client.Id, destination)).Should().BeTrue();
        destination.ToArray().Should().Equal(bytes);

        var stale = () => _store.SetPhotoAsync(client.Id, 1, new MemoryStream([1, 2, 3]), "other.jpg");
        await stale.Should().ThrowAsync<ConcurrencyConflictException>();

        var smaller = new byte[] { 9, 8, 7 };
        await _store.SetPhotoAsync(client.Id, 2, new MemoryStream(smaller), "new.png");
        var again = new MemoryStream();
        (await _store.ReadPhotoAsync(client.Id, again)).Should().BeTrue();
        again.ToArray().Should().Equal(smaller);
        (await _store.ReadPhotoAsync(Guid.NewGuid(), again)).Should().BeFalse();

        var missing = () => _store.SetPhotoAsync(Guid.NewGuid(), 1, new MemoryStream(smaller), "x.png");
        await missing.Should().ThrowAsync<KeyNotFoundException>();
        var huge = () => _store.SetPhotoAsync(client.Id, 3, new MemoryStream(new byte[LiteDbClientStore.MaxPhotoBytes + 1]), "huge.png");
        await huge.Should().ThrowAsync<ArgumentException>().WithMessage("*larger than 10 MB*");
        (await _store.GetAsync(client.Id))!.Version.Should().Be(3);
    }

    [StoreFact]
    public async Task Insert_many_stores_all_in_one_go_and_refuses_a_duplicate_whole()
    {
        var cards = Enumerable.Range(0, 500).Select(_ => StoreCards.New()).ToList();
        (await _store.InsertManyAsync(cards)).Should().Be(500);
        (await _store.CountAsync()).Should().Be(500);
        cards.Should().OnlyContain(c => c.Version == 1 && c.Id != Guid.Empty);
        (await _store.FindByPhoneAsync(cards[321].Phones[0]))!.Id.Should().Be(cards[321].Id);

        // Duplicate inside the batch.
        var a = StoreCards.New();
        var b = StoreCards.New();
        b.Phones.Add(a.Phones[0]);
        var act = () => _store.InsertManyAsync([a, b]);
        (await act.Should().ThrowAsync<DuplicateClientException>()).WithMessage($"*{a.Phones[0]}*");

        // Duplicate against the store: a small batch (index seeks) and a large one (one read of every stored key).
        foreach (var size in new[] { 3, 400 })
        {
            var batch = Enumerable.Range(0, size).Select(_ => StoreCards.New()).ToList();
            batch[^1].AccountNumbers.Add(cards[17].AccountNumbers[0]);
            act = () => _store.InsertManyAsync(batch);
            (await act.Should().ThrowAsync<DuplicateClientException>()).WithMessage($"*{cards[17].AccountNumbers[0]}*{cards[17].Id}*");

            var cardBatch = Enumerable.Range(0, size).Select(_ => StoreCards.New()).ToList();
            var existing = StoreCards.New();
            existing.Cards.Add(Fingerprints.Create("5555555555554444"));
            if (size == 3) await _store.InsertAsync(existing);
            cardBatch[0].Cards.Add(Fingerprints.Create("5555 5555 5555 4444"));
            act = () => _store.InsertManyAsync(cardBatch);
            await act.Should().ThrowAsync<DuplicateClientException>();
        }

        (await _store.CountAsync()).Should().Be(501, "a refused batch stores nothing");
        (await _store.InsertManyAsync([])).Should().Be(0);
    }

    [StoreFact]
    public async Task All_lists_every_card_in_id_order_across_pages()
    {
        var cards = Enumerable.Range(0, 1234).Select(_ => StoreCards.New()).ToList();
        await _store.InsertManyAsync(cards);
        var all = new List<ClientCard>();
        await foreach (var card in _store.AllAsync()) all.Add(card);
        all.Should().HaveCount(1234);
        all.Select(c => c.Id).Should().BeEquivalentTo(cards.Select(c => c.Id));
        all.Select(c => c.Id).Should().BeInAscendingOrder();
    }

    [StoreFact]
    public async Task A_disposed_store_refuses_work()
    {
        _store.Dispose();
        var act = () => _store.GetAsync(Guid.NewGuid());
        await act.Should().ThrowAsync<ObjectDisposedException>();
        var write = () => _store.InsertAsync(StoreCards.New());
        await write.Should().ThrowAsync<ObjectDisposedException>();
    }
}

/// <summary>The contract on a LiteDB file, and what only a file has.</summary>
public sealed class LiteDbStoreTests : StoreTests<LiteDbStorage>
{
    private LiteDbClientStore Lite => (LiteDbClientStore)Store;

    [Fact]
    public void The_file_cannot_be_opened_twice_in_one_process()
    {
        var act = () => Storage.Open();
        act.Should().Throw<ClientStoreException>().Where(e => e.InUse).WithMessage("*already open*");
    }

    [Fact]
    public async Task The_folder_is_created()
    {
        var path = Path.Combine(Path.GetDirectoryName(Storage.Options.Path)!, "a", "b", "c.db");
        using var store = new LiteDbClientStore(path);
        await store.InsertAsync(StoreCards.New());
        File.Exists(path).Should().BeTrue();
        store.FilePath.Should().Be(path);
    }

    [Fact]
    public async Task A_campaign_read_once_is_read_again_without_waiting_for_the_store_and_a_write_is_seen_at_once()
    {
        // Every call's lookup asks for its dialed number's campaign; a burst asks for the same few numbers.
        var stored = new Campaign { Dnis = "5000" };
        foreach (var property in typeof(Campaign).GetProperties().Where(p => p.PropertyType == typeof(string) && p.Name != nameof(Campaign.Dnis)))
        {
            property.SetValue(stored, property.Name + " of 5000");
        }

        await Lite.UpsertCampaignAsync(stored);
        (await Lite.FindCampaignAsync("5000")).Should().BeEquivalentTo(stored);
        (await Lite.FindCampaignAsync("5001")).Should().BeNull();

        Task<Campaign?> again;
        Task<Campaign?> none;
        using (Lite.HoldEngine())
        {
            again = Lite.FindCampaignAsync("5000");
            none = Lite.FindCampaignAsync("5001");
            again.IsCompleted.Should().BeTrue("the campaign was read before");
            none.IsCompleted.Should().BeTrue("that the number has none was read before");
        }

        var copy = await again;
        copy.Should().BeEquivalentTo(stored);
        copy!.Name = "changed by a caller";
        (await Lite.FindCampaignAsync("5000"))!.Name.Should().Be("Name of 5000", "each caller gets its own copy");
        (await none).Should().BeNull();

        await Lite.UpsertCampaignAsync(new Campaign { Dnis = "5001", Name = "New line" });
        await Lite.UpsertCampaignAsync(new Campaign { Dnis = "5000", Name = "Bank 2" });
        (await Lite.FindCampaignAsync("5001"))!.Name.Should().Be("New line");
        (await Lite.FindCampaignAsync("5000"))!.Name.Should().Be("Bank 2");
    }
}

/// <summary>The contract on PostgreSQL.</summary>
public sealed class PostgresStoreTests : StoreTests<PostgresStorage>;
