using IvrEngine.Profiles;
using IvrEngine.Tests.Support;
using Npgsql;

namespace IvrEngine.Tests.Postgres;

/// <summary>The PostgreSQL store's batches (<see cref="IClientStore.CreateBatch"/>): cards held as the binary COPY
/// tuples the store writes, which must store exactly what a single insert stores.</summary>
public sealed class CopyBatchTests : TwoEngineStores
{
    [PostgresFact]
    public async Task A_card_stored_through_a_batch_is_stored_byte_for_byte_as_a_single_insert_stores_it()
    {
        var created = new DateTimeOffset(2026, 3, 1, 9, 30, 15, TimeSpan.FromHours(4)).AddTicks(1234567);
        ClientCard Card(Guid id) => new()
        {
            Id = id,
            Name = "Ნინო \"Nino\" Beridze\0 \\ \u2028 😀",
            Company = "ООО Ромашка",
            Phones = ["+995322000001", "+15550001111", "+995322000001"],
            AccountNumbers = ["0042"],
            Cards = [new CardReference { Fingerprint = "f-" + id.ToString("N"), Last4 = "4444" }],
            Category = ClientCategories.Vip,
            Notes = [new ClientNote { Text = "line\nbreak\ttab", Author = "import", At = created }],
            Language = "ka",
            Location = new ClientLocation { City = "Tbilisi", Country = "GE", TimeZone = "Asia/Tbilisi" },
            Balance = 1234.5600m,
            OverdueAmount = 0.01m,
            HasContract = true,
            OpenOrders = [new OpenOrder { Number = "A-1", Stage = "new", Debt = 10m }],
            CreatedAt = created,
        };

        var single = Card(Guid.CreateVersion7());
        single.Phones = ["+995322000002", "+15550002222"];
        single.AccountNumbers = ["0043"];
        await A.InsertAsync(single);
        var batched = Card(Guid.CreateVersion7());
        var plain = Card(Guid.CreateVersion7());
        plain.Company = null;
        plain.Phones = ["+995322000003"];
        plain.AccountNumbers = [];
        plain.Cards = [];
        using (var batch = A.CreateBatch())
        {
            batch.Add(batched, batch.Prepare(batched));
            batch.Add(plain);
            batch.Count.Should().Be(2);
            batch.Select(c => c.Name).Should().Equal(batched.Name, plain.Name);
            (await A.InsertManyAsync(batch)).Should().Be(2);
        }

        var rows = await RowsAsync();
        var (singleRow, batchedRow) = (rows[single.Id], rows[batched.Id]);
        batchedRow.SearchName.Should().Be(singleRow.SearchName);
        batchedRow.SearchCompany.Should().Be(singleRow.SearchCompany);
        batchedRow.CreatedAt.Should().Be(singleRow.CreatedAt);
        batchedRow.Version.Should().Be(1);
        batchedRow.Card.Should().Be(singleRow.Card
            .Replace(single.Id.ToString(), batched.Id.ToString(), StringComparison.Ordinal)
            .Replace("\"+995322000002\",\"+15550002222\"", "\"+995322000001\",\"+15550001111\",\"+995322000001\"", StringComparison.Ordinal)
            .Replace("0043", "0042", StringComparison.Ordinal)
            .Replace("f-" + single.Id.ToString("N"), "f-" + batched.Id.ToString("N"), StringComparison.Ordinal));
        rows[plain.Id].SearchCompany.Should().BeNull();

        // Its keys, each once, find it from the other engine.
        (await B.FindByPhoneAsync("+995322000001"))!.Id.Should().Be(batched.Id);
        (await B.FindByAccountAsync("0042"))!.Id.Should().Be(batched.Id);
        (await B.FindByCardFingerprintAsync("f-" + batched.Id.ToString("N")))!.Id.Should().Be(batched.Id);
        (await B.FindByPhoneAsync("+995322000003"))!.Id.Should().Be(plain.Id);
        (await ScalarAsync($"SELECT count(*) FROM client_keys WHERE client_id = '{batched.Id}'")).Should().Be(4L);
        var read = await B.GetAsync(batched.Id);
        read.Should().BeEquivalentTo(batched, o => o.Excluding(c => c.Version));
        read!.Version.Should().Be(1);
    }

    [PostgresFact]
    public async Task A_batch_given_back_unstored_comes_back_empty()
    {
        var dropped = new ClientCard { Name = "Dropped", Phones = ["+15556660001"] };
        using (var batch = A.CreateBatch()) batch.Add(dropped);

        var kept = new ClientCard { Name = "Kept", Phones = ["+15556660002"] };
        using (var batch = A.CreateBatch())
        {
            batch.Count.Should().Be(0);
            batch.Add(kept);
            (await A.InsertManyAsync(batch)).Should().Be(1);
        }

        (await A.CountAsync()).Should().Be(1);
        (await A.FindByPhoneAsync("+15556660001")).Should().BeNull();
    }

    [PostgresFact]
    public async Task Two_cards_of_a_batch_with_one_key_are_refused_before_anything_is_written()
    {
        var first = new ClientCard { Name = "First", Phones = ["+15556670001"] };
        var second = new ClientCard { Name = "Second", AccountNumbers = ["77"], Phones = ["+15556670001"] };
        using var batch = A.CreateBatch();
        batch.Add(first);
        batch.Add(second);

        var act = () => A.InsertManyAsync(batch);

        (await act.Should().ThrowAsync<DuplicateClientException>()).WithMessage($"Phone +15556670001 appears on two clients of the batch: {first.Id} and {second.Id}.");
        (await A.CountAsync()).Should().Be(0);
    }

    [PostgresFact]
    public async Task A_stale_edit_frees_no_key()
    {
        // Keys are freed by the stored card's list (client_keys has no index by client): a refused edit frees none.
        var card = await A.InsertAsync(new ClientCard { Name = "Owner", Phones = ["+15556680001"], AccountNumbers = ["880"] });
        var current = (await B.GetAsync(card.Id))!;
        current.Phones = ["+15556680002"];
        await B.UpdateAsync(current);

        card.Phones = [];
        card.AccountNumbers = [];
        var stale = () => A.UpdateAsync(card);
        await stale.Should().ThrowAsync<ConcurrencyConflictException>();

        (await A.FindByAccountAsync("880"))!.Id.Should().Be(card.Id);
        (await A.FindByPhoneAsync("+15556680002"))!.Id.Should().Be(card.Id);
        (await A.FindByPhoneAsync("+15556680001")).Should().BeNull("B's edit freed it");
        var taker = () => A.InsertAsync(new ClientCard { Name = "Taker", AccountNumbers = ["880"] });
        await taker.Should().ThrowAsync<DuplicateClientException>();
    }

    private sealed record Row(int Version, string SearchName, string? SearchCompany, DateTime CreatedAt, string Card);

    private async Task<Dictionary<Guid, Row>> RowsAsync()
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, version, search_name, search_company, created_at, card::text FROM clients", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<Guid, Row>();
        while (await reader.ReadAsync())
        {
            rows[reader.GetGuid(0)] = new Row(reader.GetInt32(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetDateTime(4), reader.GetString(5));
        }

        return rows;
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
