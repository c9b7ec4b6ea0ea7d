using System.Text.Json;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Tests.Profiles;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.Postgres;

/// <summary>The import's COPY straight into <c>clients</c> and <c>client_keys</c> when another engine writes a key of
/// the batch after the importer checked it: the unique key refuses the batch, nothing of it stays, and the importer
/// stores its rows one by one, so only the clashing row is rejected.</summary>
public sealed class ImportCopyTests : TwoEngineStores
{
    [PostgresFact]
    public async Task A_key_another_engine_stores_between_the_check_and_the_copy_rejects_only_its_row()
    {
        // Engine B stores a client with row 3's phone and row 5's account just before engine A's batch is copied.
        var rival = new ClientCard { Name = "Rival", Phones = ["+15553330003"], AccountNumbers = ["7005"] };
        var batches = 0;
        var store = StoreStandIn.Over(A, (method, args, forward) =>
        {
            if (method.Name != nameof(IClientStore.InsertManyAsync) || Interlocked.Increment(ref batches) != 1) return forward();
            return RivalThenAsync(forward);
        });

        async Task<int> RivalThenAsync(Func<object?> forward)
        {
            await B.InsertAsync(rival);
            return await (Task<int>)forward()!;
        }

        var csv = ImportText.Csv(Enumerable.Range(1, 6).Select(i => $"Client {i},,+1555333000{i},700{i},,,,,,,,,,,").ToArray());
        var report = await new ClientImporter(store, new StoreOptions()) { BatchSize = 100 }.ImportAsync(ImportText.Utf8(csv), ClientFileFormat.Csv);

        batches.Should().Be(1, "the six rows are one batch");
        report.Read.Should().Be(6);
        report.Imported.Should().Be(4);
        report.Rejected.Select(r => (r.Line, r.Name)).Should().Equal((4, "Client 3"), (6, "Client 5"));
        report.Rejected[0].Reason.Should().Contain("Phone +15553330003").And.Contain(rival.Id.ToString());
        report.Rejected[1].Reason.Should().Contain("Account 7005").And.Contain(rival.Id.ToString());
        (await B.CountAsync()).Should().Be(5, "four imported clients and the rival, none twice");
        (await B.FindByPhoneAsync("+15553330003"))!.Name.Should().Be("Rival");
        (await B.FindByAccountAsync("7005"))!.Name.Should().Be("Rival");
        foreach (var i in new[] { 1, 2, 4, 6 })
        {
            var card = await B.FindByPhoneAsync($"+1555333000{i}");
            card!.Name.Should().Be($"Client {i}");
            (await B.FindByAccountAsync($"700{i}"))!.Id.Should().Be(card.Id);
        }
    }

    [PostgresFact]
    public async Task A_batch_meeting_another_engines_uncommitted_keys_waits_then_stores_all_but_the_clashing_rows()
    {
        // Engine B holds a transaction that stores a client with row 3's phone and row 5's account: the importer's check
        // cannot see it, its COPY waits on B's keys, and B commits while it waits.
        var rival = new ClientCard { Id = Guid.CreateVersion7(), Name = "Rival", Phones = ["+15553330003"], AccountNumbers = ["7005"], Version = 1, CreatedAt = DateTimeOffset.UtcNow };
        await using var other = new Npgsql.NpgsqlConnection(Database);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();
        foreach (var sql in new[]
        {
            "INSERT INTO clients (id, version, search_name, created_at, card) VALUES ($1, 1, 'rival', now(), $2::json)",
            "INSERT INTO client_keys (kind, key, client_id) VALUES ('p', '+15553330003', $1), ('a', '7005', $1)",
        })
        {
            await using var insert = new Npgsql.NpgsqlCommand(sql, other, transaction);
            insert.Parameters.AddWithValue(rival.Id);
            if (sql.Contains("$2", StringComparison.Ordinal)) insert.Parameters.AddWithValue(JsonSerializer.Serialize(rival));
            await insert.ExecuteNonQueryAsync();
        }

        var csv = ImportText.Csv(Enumerable.Range(1, 6).Select(i => $"Client {i},,+1555333000{i},700{i},,,,,,,,,,,").ToArray());
        var import = new ClientImporter(A, new StoreOptions()) { BatchSize = 100 }.ImportAsync(ImportText.Utf8(csv), ClientFileFormat.Csv);

        // The COPY waiting on B's keys is a backend of engine A's pool waiting for a lock.
        using (var limit = new CancellationTokenSource(Patience))
        {
            await using var watch = new Npgsql.NpgsqlConnection(Database);
            await watch.OpenAsync(limit.Token);
            await using var waiting = new Npgsql.NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'engine-a' AND wait_event_type = 'Lock'", watch);
            while ((long)(await waiting.ExecuteScalarAsync(limit.Token))! == 0)
            {
                import.IsCompleted.Should().BeFalse("the import cannot end while B holds its keys");
                await Task.Yield();
            }
        }

        await transaction.CommitAsync();
        var report = await import.WaitAsync(Patience);

        report.Imported.Should().Be(4);
        report.Rejected.Select(r => (r.Line, r.Name, r.Reason)).Should().Equal(
            (4, "Client 3", "phone +15553330003 already belongs to client Rival"),
            (6, "Client 5", "account 7005 already belongs to client Rival"));
        (await B.CountAsync()).Should().Be(5, "four imported clients and the rival, none twice");
        (await B.FindByPhoneAsync("+15553330003"))!.Id.Should().Be(rival.Id);
        foreach (var i in new[] { 1, 2, 4, 6 }) (await B.FindByAccountAsync($"700{i}"))!.Name.Should().Be($"Client {i}");
    }

    [PostgresFact]
    public async Task A_batch_copied_in_key_order_is_found_by_every_key_and_read_back_whole()
    {
        // Keys given in descending order, several per card, with a repeat on one card (stored once).
        var cards = Enumerable.Range(0, 300).Select(i => new ClientCard
        {
            Name = $"Ünïcode {i} \u0000 ქართ",
            Company = i % 2 == 0 ? "ACME" : null,
            Phones = [$"+1555444{999 - i:D4}", $"+1555445{999 - i:D4}"],
            AccountNumbers = [$"{90000 - i}", $"{90000 - i}"],
            Cards = [new CardReference { Fingerprint = $"fp-{999 - i:D4}", Last4 = "1234" }],
        }).ToList();

        (await A.InsertManyAsync(cards)).Should().Be(300);

        foreach (var card in cards)
        {
            var byPhone = await B.FindByPhoneAsync(card.Phones[1]);
            byPhone!.Id.Should().Be(card.Id);
            byPhone.Name.Should().Be(card.Name, "the card's JSON keeps every character");
            byPhone.Version.Should().Be(1);
            (await B.FindByAccountAsync(card.AccountNumbers[0]))!.Id.Should().Be(card.Id);
            (await B.FindByCardFingerprintAsync(card.Cards[0].Fingerprint))!.Id.Should().Be(card.Id);
        }

        (await B.SearchClientsAsync("ünïcode 12", 1000)).Select(c => c.Name).Should().Contain(cards[12].Name, "the search columns are filled");
    }
}
