using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;

namespace IvrEngine.Profiles.Postgres;

/// <summary>The client store in a PostgreSQL database shared by several engines (schema: <c>Migrations/V001__store.sql</c>),
/// with exactly the contract of <see cref="LiteDbClientStore"/>.
/// <para>Every write is one transaction, acknowledged once it is committed; call records alone are group-committed
/// (<see cref="PostgresRecordWriter"/>), each acknowledged once its group is. A phone, account or card fingerprint is a row of <c>client_keys</c> whose
/// primary key refuses a key another client holds, whichever engine writes it; a card's version is checked by the
/// update itself (<c>WHERE version = expected</c>), so two engines editing one card cannot both win. Every write
/// others must hear sends a <see cref="StoreChange"/> with <c>pg_notify</c> in its own transaction: PostgreSQL
/// delivers it on commit, and never for a write that rolled back.</para>
/// <para>No card is kept in memory between calls: another engine may have written since (campaigns are, while the
/// engines' notices are heard: <see cref="FollowChanges"/>). Each lookup is one indexed
/// query on a pooled connection, prepared once per connection (Npgsql's automatic preparation, see
/// <see cref="CreateDataSource"/>).</para></summary>
public sealed partial class PostgresClientStore : IClientStore, IClientKeyOwners
{
    private const int ExportPage = 1000;
    private const char PhoneKind = 'p';
    private const char AccountKind = 'a';
    private const char CardKind = 'c';

    private readonly NpgsqlDataSource _data;
    private readonly bool _ownsData;
    private readonly string _engine;
    private readonly TimeProvider _time;
    private readonly CampaignCache _campaigns = new();
    private readonly PostgresRecordWriter _records;
    private volatile Func<bool>? _hearing;
    private int _disposed;

    /// <summary>A store over <paramref name="dataSource"/> (whose schema is migrated: <see cref="PostgresMigrations"/>),
    /// writing as engine <paramref name="engineName"/> (the <see cref="StoreChange.Engine"/> of its notices).</summary>
    /// <param name="dataSource">The database (see <see cref="CreateDataSource"/>).</param>
    /// <param name="engineName">Engine:Name.</param>
    /// <param name="timeProvider">Stamps what the store dates itself (a card's creation when none is given, ...).</param>
    /// <param name="ownsDataSource">Dispose <paramref name="dataSource"/> with the store.</param>
    /// <param name="groupCommit">How long the call records' writer, finding one record and nothing else queued, waits
    /// for more to commit with it (<see cref="StoreOptions.GroupCommitMilliseconds"/>); zero: it commits at once
    /// (what queued meanwhile still shares the commit).</param>
    /// <param name="groupCommitClock">The clock of that wait (the system's by default; never the stamping clock, which a
    /// test may hold still).</param>
    public PostgresClientStore(NpgsqlDataSource dataSource, string engineName, TimeProvider? timeProvider = null, bool ownsDataSource = false,
        TimeSpan groupCommit = default, TimeProvider? groupCommitClock = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentException.ThrowIfNullOrWhiteSpace(engineName);
        ArgumentOutOfRangeException.ThrowIfLessThan(groupCommit, TimeSpan.Zero);
        _data = dataSource;
        _ownsData = ownsDataSource;
        _engine = engineName;
        _time = timeProvider ?? TimeProvider.System;
        _records = new PostgresRecordWriter(dataSource, engineName, groupCommit, groupCommitClock ?? TimeProvider.System);
    }

    /// <summary>Commits of call records since the start (a group of records is one commit).</summary>
    public long RecordCommits => _records.Commits;

    /// <summary>The data source the engine uses for <paramref name="connectionString"/>: its Application Name is the
    /// engine's (what <c>pg_stat_activity</c> shows) unless the string gives one, and statements are prepared on
    /// each pooled connection once they are used twice (Max Auto Prepare), unless the string says otherwise. The pool
    /// is sized for the engine unless the string sizes it (<see cref="DefaultMaxPoolSize"/>): a pool that grows in the
    /// middle of a burst makes every call wait while new server processes start, and more connections than a few per
    /// core only queue on the server's cores.</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString, string applicationName)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = applicationName;
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 64;
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        var maxGiven = Gives(given, "maximumpoolsize", "maxpoolsize");
        var minGiven = Gives(given, "minimumpoolsize", "minpoolsize");
        if (!maxGiven) builder.MaxPoolSize = Math.Max(DefaultMaxPoolSize, minGiven ? builder.MinPoolSize : 0);
        if (!minGiven) builder.MinPoolSize = builder.MaxPoolSize;
        return NpgsqlDataSource.Create(builder);
    }

    /// <summary>The engine's Maximum Pool Size when the connection string gives none: four connections per core of this
    /// machine, at least 10 and at most 50. The Minimum Pool Size, when not given, is the maximum: the engine opens them
    /// all at start (<see cref="WarmAsync"/>) and keeps them.</summary>
    public static int DefaultMaxPoolSize => Math.Clamp(4 * Environment.ProcessorCount, 10, 50);

    private static bool Gives(System.Data.Common.DbConnectionStringBuilder given, params string[] names)
    {
        foreach (string key in given.Keys)
        {
            var compact = key.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
            if (names.Contains(compact)) return true;
        }

        return false;
    }

    /// <summary>Opens the pool's Minimum Pool Size connections at once and gives them back to the pool: done at start,
    /// so the first calls (a burst) find them open instead of each waiting for a new server process. Returns how many
    /// were opened.</summary>
    public async Task<int> WarmAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var count = new NpgsqlConnectionStringBuilder(_data.ConnectionString).MinPoolSize;
        if (count == 0) return 0;
        var connections = new List<NpgsqlConnection>(count);
        try
        {
            var opening = Enumerable.Range(0, count).Select(_ => _data.OpenConnectionAsync(cancellationToken).AsTask()).ToList();
            try
            {
                await Task.WhenAll(opening);
            }
            finally
            {
                connections.AddRange(opening.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }

            // Each answers a first query: the server has finished starting the process, and the engine's code that runs
            // one is compiled before the first call needs it.
            await Task.WhenAll(connections.Select(async c =>
            {
                await using var ping = new NpgsqlCommand("SELECT 1", c);
                await ping.ExecuteScalarAsync(cancellationToken);
            }));
            return connections.Count;
        }
        finally
        {
            foreach (var connection in connections) await connection.DisposeAsync();
        }
    }

    /// <summary>Where the database is, for logs and messages: <c>database on host:port</c> (never the password).</summary>
    public static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"database {builder.Database ?? builder.Username ?? "(default)"} on {builder.Host}:{builder.Port}";
    }

    /// <summary>The database.</summary>
    public NpgsqlDataSource DataSource => _data;

    /// <summary>The engine this store writes as (<see cref="StoreChange.Engine"/> of its notices).</summary>
    public string EngineName => _engine;

    /// <summary>Answers <c>SELECT 1</c> within <paramref name="timeout"/> (the health check); throws when it cannot.</summary>
    public async Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        await using var command = _data.CreateCommand("SELECT 1");
        command.CommandTimeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        await command.ExecuteScalarAsync(limit.Token);
    }

    /// <inheritdoc />
    public async Task<ClientCard?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = Command("SELECT version, card FROM clients WHERE id = $1", id);
        return await ReadCardAsync(command, cancellationToken);
    }

    /// <inheritdoc />
    public Task<ClientCard?> FindByPhoneAsync(string e164, CancellationToken cancellationToken = default) => FindByKeyAsync(PhoneKind, e164, cancellationToken);

    /// <inheritdoc />
    public Task<ClientCard?> FindByAccountAsync(string accountNumber, CancellationToken cancellationToken = default) =>
        FindByKeyAsync(AccountKind, accountNumber, cancellationToken);

    /// <inheritdoc />
    public Task<ClientCard?> FindByCardFingerprintAsync(string fingerprint, CancellationToken cancellationToken = default) =>
        FindByKeyAsync(CardKind, fingerprint, cancellationToken);

    private async Task<ClientCard?> FindByKeyAsync(char kind, string value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length is 0 or > LiteDbClientStore.MaxKeyLength || value.Contains('\0', StringComparison.Ordinal))
        {
            ThrowIfDisposed();
            return null;
        }

        // One query, two index seeks: the key's row, then its client's.
        await using var command = Command(
            "SELECT c.version, c.card FROM client_keys k JOIN clients c ON c.id = k.client_id WHERE k.kind = $1::text::\"char\" AND k.key = $2",
            kind.ToString(), value);
        return await ReadCardAsync(command, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ClientCard> InsertAsync(ClientCard card, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(card);
        LiteDbClientStore.Validate(card);
        if (card.Id == Guid.Empty) card.Id = Guid.CreateVersion7();
        if (card.CreatedAt == default) card.CreatedAt = _time.GetUtcNow();
        var keys = KeysOf(card);
        var json = CardJson(card, 1);
        try
        {
            await WriteAsync(async (connection, transaction) =>
            {
                await ExecuteAsync(connection, transaction,
                    "INSERT INTO clients (id, version, search_name, search_company, created_at, card) VALUES ($1, 1, $2, $3, $4, $5)", cancellationToken,
                    card.Id, Searchable(card.Name), (object?)SearchableOrNull(card.Company), Utc(card.CreatedAt), Json(json));
                // The notice before the keys: a refused key rolls it back with the card (PostgreSQL sends it on commit only).
                await NotifyAsync(connection, transaction, StoreChangeKinds.Client, card.Id.ToString(), cancellationToken);
                await InsertKeysAsync(connection, transaction, keys, cancellationToken);
                return true;
            }, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw await DuplicateAsync(ex, keys, [card.Id], cancellationToken);
        }

        card.Version = 1;
        return card;
    }

    /// <inheritdoc />
    /// <remarks>The cards and then their keys (sorted, so the key index is written page after page) are copied in
    /// PostgreSQL's binary COPY format straight into <c>clients</c> and <c>client_keys</c>, in one transaction: the
    /// unique keys check the whole batch against the store (and against other engines writing meanwhile), and a
    /// refused batch leaves nothing behind and throws <see cref="DuplicateClientException"/> naming the key. A batch
    /// from <see cref="CreateBatch"/> is copied as it holds its cards, already encoded.</remarks>
    public async Task<int> InsertManyAsync(IReadOnlyCollection<ClientCard> cards, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cards);
        ThrowIfDisposed();
        if (cards is Batch ready) return await InsertBatchAsync(ready, cancellationToken);
        if (cards.Count == 0) return 0;
        using var batch = (Batch)CreateBatch();
        foreach (var card in cards)
        {
            ArgumentNullException.ThrowIfNull(card, nameof(cards));
            batch.Add(card, batch.Prepare(card));
        }

        var stored = await InsertBatchAsync(batch, cancellationToken);
        foreach (var card in cards) card.Version = 1;
        return stored;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<ClientKeyLookup, string>> OwnersAsync(IReadOnlyCollection<ClientKeyLookup> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var owners = new Dictionary<ClientKeyLookup, string>();
        var asked = keys.Where(k => k.Value.Length is > 0 and <= LiteDbClientStore.MaxKeyLength && !k.Value.Contains('\0', StringComparison.Ordinal)).Distinct().ToArray();
        if (asked.Length == 0) return owners;

        // One query for the whole chunk: the keys' rows by their primary key, then their cards.
        await using var command = Command("""
            SELECT t.i, c.version, c.card FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(kind, key, i)
            JOIN client_keys k ON k.kind = t.kind::"char" AND k.key = t.key
            JOIN clients c ON c.id = k.client_id
            """, asked.Select(k => KindText(k.Kind)).ToArray(), asked.Select(k => k.Value).ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var card = JsonSerializer.Deserialize(reader.GetString(2), PostgresJson.Store.ClientCard)!;
            owners[asked[checked((int)reader.GetInt64(0) - 1)]] = card.Name;
        }

        return owners;
    }

    private static string KindText(StoreLookupKind kind) => kind switch
    {
        StoreLookupKind.Phone => "p",
        StoreLookupKind.Account => "a",
        _ => "c",
    };

    /// <inheritdoc />
    public async Task<ClientCard> UpdateAsync(ClientCard card, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(card);
        LiteDbClientStore.Validate(card);
        var expected = card.Version;
        var keys = KeysOf(card);
        var json = CardJson(card, expected + 1);
        try
        {
            await WriteAsync(async (connection, transaction) =>
            {
                // The keys the stored card names are freed first, each by its primary key (there is no index by
                // client); a stale or missing card frees nothing, and the update below then rolls everything back.
                await ExecuteAsync(connection, transaction, """
                    DELETE FROM client_keys k USING clients c, LATERAL (
                        SELECT 'p'::"char" AS kind, json_array_elements_text(c.card -> 'Phones') AS key
                        UNION ALL SELECT 'a'::"char", json_array_elements_text(c.card -> 'AccountNumbers')
                        UNION ALL SELECT 'c'::"char", e ->> 'Fingerprint' FROM json_array_elements(c.card -> 'Cards') e) old
                    WHERE c.id = $1 AND c.version = $2 AND k.kind = old.kind AND k.key = old.key AND k.client_id = $1
                    """, cancellationToken, card.Id, expected);
                var updated = await ExecuteAsync(connection, transaction,
                    "UPDATE clients SET version = $2 + 1, search_name = $3, search_company = $4, created_at = $5, card = $6 WHERE id = $1 AND version = $2",
                    cancellationToken, card.Id, expected, Searchable(card.Name), (object?)SearchableOrNull(card.Company), Utc(card.CreatedAt), Json(json));
                if (updated == 0) await ThrowMissingOrStaleAsync(connection, transaction, card.Id, expected, cancellationToken);

                // The card's keys are claimed in the same transaction (after the notice, which a refused key rolls back).
                await NotifyAsync(connection, transaction, StoreChangeKinds.Client, card.Id.ToString(), cancellationToken);
                await InsertKeysAsync(connection, transaction, keys, cancellationToken);
                return true;
            }, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw await DuplicateAsync(ex, keys, [card.Id], cancellationToken);
        }

        card.Version = expected + 1;
        return card;
    }

    /// <summary>The update of a client found no row of that version: the client is missing, or someone else wrote it.</summary>
    private static async Task ThrowMissingOrStaleAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, int expected, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version FROM clients WHERE id = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        var actual = await command.ExecuteScalarAsync(cancellationToken);
        if (actual is not int version) throw new KeyNotFoundException($"Client {id} does not exist.");
        throw new ConcurrencyConflictException(id, expected, version);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ClientCard> AllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Pages of ids: no connection is held while the caller works on a page.
        var last = Guid.Empty;
        while (true)
        {
            var page = new List<ClientCard>(ExportPage);
            await using (var command = Command("SELECT version, card FROM clients WHERE id > $1 ORDER BY id LIMIT $2", last, ExportPage))
            {
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) page.Add(CardOf(reader));
            }

            foreach (var card in page)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return card;
            }

            if (page.Count < ExportPage) yield break;
            last = page[^1].Id;
        }
    }

    /// <inheritdoc />
    public async Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Command("SELECT count(*) FROM clients");
        return checked((int)(long)(await command.ExecuteScalarAsync(cancellationToken))!);
    }

    /// <inheritdoc />
    public async Task AddInteractionAsync(InteractionRecord interaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        LiteDbClientStore.CheckKey(interaction.CallerNumber, "InteractionRecord.CallerNumber", allowEmpty: true);
        ArgumentNullException.ThrowIfNull(interaction.CallUuid, "InteractionRecord.CallUuid");
        if (interaction.Id == Guid.Empty) interaction.Id = Guid.CreateVersion7();
        ThrowIfDisposed();

        // Group-committed with the records of other calls ending at the same moment (one multi-row INSERT and its
        // notices in one transaction); returns once that transaction is committed.
        await _records.WriteAsync(interaction, cancellationToken);
    }

    private static Task<int> InsertInteractionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, InteractionRecord interaction, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction,
            "INSERT INTO interactions (id, client_id, call_uuid, caller_number, at, record) VALUES ($1, $2, $3, $4, $5, $6)", cancellationToken,
            interaction.Id, Typed(interaction.ClientId, NpgsqlDbType.Uuid), interaction.CallUuid, interaction.CallerNumber, Utc(interaction.At),
            Json(JsonSerializer.Serialize(interaction, PostgresJson.Store.InteractionRecord)));

    /// <inheritdoc />
    public async Task<IReadOnlyList<InteractionRecord>> GetInteractionsAsync(Guid clientId, int max = 50, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        ThrowIfDisposed();
        if (max == 0) return [];
        await using var command = Command("SELECT record FROM interactions WHERE client_id = $1 ORDER BY at DESC LIMIT $2", clientId, max);
        return await ReadInteractionsAsync(command, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<InteractionRecord?> LastInteractionFromAsync(string callerNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callerNumber);
        ThrowIfDisposed();
        if (callerNumber.Length == 0) return null;
        await using var command = Command("SELECT record FROM interactions WHERE caller_number = $1 ORDER BY at DESC LIMIT 1", callerNumber);
        var found = await ReadInteractionsAsync(command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset?> LastContactAtAsync(Guid clientId, string? callerNumber, CancellationToken cancellationToken = default)
    {
        // Both newest times in one query, each the first entry of an index.
        await using var command = Command("""
            SELECT greatest(
                (SELECT at FROM interactions WHERE client_id = $1 ORDER BY at DESC LIMIT 1),
                (SELECT at FROM interactions WHERE caller_number = $2 ORDER BY at DESC LIMIT 1))
            """, clientId, Typed(string.IsNullOrEmpty(callerNumber) ? null : callerNumber, NpgsqlDbType.Text));
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <inheritdoc />
    public async Task AddTicketAsync(Ticket ticket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(ticket.Subject, "Ticket.Subject");
        ArgumentNullException.ThrowIfNull(ticket.Status, "Ticket.Status");
        ThrowIfDisposed();
        if (ticket.Id == Guid.Empty) ticket.Id = Guid.CreateVersion7();
        if (ticket.CreatedAt == default) ticket.CreatedAt = _time.GetUtcNow();
        ticket.Version = 1;
        await WriteAsync(async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction, """
                INSERT INTO tickets (id, client_id, call_uuid, subject, status, owner, created_at, updated_at, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)
                """, cancellationToken,
                ticket.Id, ticket.ClientId, Typed(ticket.CallUuid, NpgsqlDbType.Text), ticket.Subject, ticket.Status, Typed(ticket.Owner, NpgsqlDbType.Text),
                Utc(ticket.CreatedAt), Typed(ticket.UpdatedAt is { } updated ? Utc(updated) : null, NpgsqlDbType.TimestampTz));
            await NotifyAsync(connection, transaction, StoreChangeKinds.Ticket, ticket.ClientId.ToString(), cancellationToken);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Ticket>> GetTicketsAsync(Guid clientId, CancellationToken cancellationToken = default)
    {
        await using var command = Command($"SELECT {TicketColumns} FROM tickets WHERE client_id = $1 ORDER BY created_at, id", clientId);
        return await ReadAllAsync(command, TicketOf, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>While the store follows the engines' notices (<see cref="FollowChanges"/>) and hears them, campaigns are
    /// answered from memory (<see cref="CampaignCache"/>): every call asks for its dialed number's campaign, a burst for
    /// the same few numbers. A campaign notice from any engine, a resync, or a moment of not hearing empties it.</remarks>
    public async Task<Campaign?> FindCampaignAsync(string dnis, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dnis);
        ThrowIfDisposed();
        if (dnis.Length == 0 || dnis.Contains('\0', StringComparison.Ordinal)) return null;
        var caching = false;
        if (_hearing is { } hearing)
        {
            caching = hearing();
            if (!caching) _campaigns.Invalidate();
            else if (_campaigns.TryGet(dnis, out var cached)) return cached;
        }

        var generation = _campaigns.Generation;
        Campaign? campaign;
        await using (var command = Command($"SELECT {CampaignColumns} FROM campaigns WHERE dnis = $1", dnis))
        {
            campaign = await ReadFirstAsync(command, CampaignOf, cancellationToken);
        }

        if (caching) _campaigns.Add(dnis, campaign, generation);
        return campaign;
    }

    /// <summary>Keeps campaigns in memory from now on, emptied by every <see cref="StoreChangeKinds.Campaign"/> and
    /// <see cref="StoreChangeKinds.Resync"/> notice of <paramref name="changes"/>, and used only while
    /// <paramref name="hearing"/> says the notices are heard (a listener that dropped its connection misses them).
    /// Without it every campaign is read from the database.</summary>
    /// <returns>What stops following (the cache is no longer used then).</returns>
    public IDisposable FollowChanges(IObservable<StoreChange> changes, Func<bool> hearing)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(hearing);
        _campaigns.Invalidate();
        var subscription = changes.Subscribe(new ChangeObserver(this));
        _hearing = hearing;
        return new Unfollow(this, subscription);
    }

    private sealed class ChangeObserver(PostgresClientStore store) : IObserver<StoreChange>
    {
        public void OnNext(StoreChange value)
        {
            if (value.Kind is StoreChangeKinds.Campaign or StoreChangeKinds.Resync) store._campaigns.Invalidate();
        }

        // The feed ended: nothing more is heard, so nothing more is cached.
        public void OnCompleted() => store._hearing = static () => false;

        public void OnError(Exception error) => OnCompleted();
    }

    private sealed class Unfollow(PostgresClientStore store, IDisposable subscription) : IDisposable
    {
        public void Dispose()
        {
            store._hearing = null;
            store._campaigns.Invalidate();
            subscription.Dispose();
        }
    }

    /// <inheritdoc />
    public async Task UpsertCampaignAsync(Campaign campaign, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        LiteDbClientStore.CheckKey(campaign.Dnis, "Campaign.Dnis", allowEmpty: false);
        ArgumentNullException.ThrowIfNull(campaign.Name, "Campaign.Name");
        ArgumentNullException.ThrowIfNull(campaign.Direction, "Campaign.Direction");
        await WriteAsync(async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction, """
                INSERT INTO campaigns (dnis, name, service, language, hints, direction) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (dnis) DO UPDATE SET name = excluded.name, service = excluded.service, language = excluded.language,
                    hints = excluded.hints, direction = excluded.direction
                """, cancellationToken,
                campaign.Dnis, campaign.Name, Typed(campaign.Service, NpgsqlDbType.Text), Typed(campaign.Language, NpgsqlDbType.Text),
                Typed(campaign.Hints, NpgsqlDbType.Text), campaign.Direction);
            await NotifyAsync(connection, transaction, StoreChangeKinds.Campaign, campaign.Dnis, cancellationToken);
            return true;
        }, cancellationToken);

        // This engine reads its own write at once, before its notice comes back.
        _campaigns.Invalidate();
    }

    /// <inheritdoc />
    public async Task<ClientCard> SetPhotoAsync(Guid clientId, int expectedVersion, Stream photo, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ThrowIfDisposed();

        // Read the caller's stream before the transaction opens: an upload may be slow, a transaction must not wait on it.
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await photo.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > LiteDbClientStore.MaxPhotoBytes)
            {
                throw new ArgumentException($"The photo is larger than {LiteDbClientStore.MaxPhotoBytes / (1024 * 1024)} MB.", nameof(photo));
            }

            buffer.Write(chunk, 0, read);
        }

        return await WriteAsync(async (connection, transaction) =>
        {
            ClientCard? card;
            await using (var current = new NpgsqlCommand("SELECT version, card FROM clients WHERE id = $1 FOR UPDATE", connection, transaction))
            {
                current.Parameters.Add(new NpgsqlParameter { Value = clientId });
                card = await ReadCardAsync(current, cancellationToken);
            }

            if (card is null) throw new KeyNotFoundException($"Client {clientId} does not exist.");
            if (card.Version != expectedVersion) throw new ConcurrencyConflictException(clientId, expectedVersion, card.Version);
            card.PhotoId = LiteDbClientStore.PhotoIdOf(clientId);
            await ExecuteAsync(connection, transaction, """
                INSERT INTO client_photos (client_id, file_name, photo) VALUES ($1, $2, $3)
                ON CONFLICT (client_id) DO UPDATE SET file_name = excluded.file_name, photo = excluded.photo
                """, cancellationToken, clientId, Path.GetFileName(fileName), buffer.ToArray());
            await ExecuteAsync(connection, transaction, "UPDATE clients SET version = $2, card = $3 WHERE id = $1", cancellationToken,
                clientId, expectedVersion + 1, Json(CardJson(card, expectedVersion + 1)));
            await NotifyAsync(connection, transaction, StoreChangeKinds.Client, clientId.ToString(), cancellationToken);
            card.Version = expectedVersion + 1;
            return card;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> ReadPhotoAsync(Guid clientId, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        await using var command = Command("SELECT photo FROM client_photos WHERE client_id = $1", clientId);
        if (await command.ExecuteScalarAsync(cancellationToken) is not byte[] bytes) return false;
        await destination.WriteAsync(bytes, cancellationToken);
        return true;
    }

    /// <summary>Closes the data source when the store owns it; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;

        // The records queued are committed first: each was promised to its caller.
        _records.Complete();
        while (_spareBatches.TryDequeue(out var batch)) batch.Release();
        if (_ownsData) _data.Dispose();
    }

    /// <summary>One write in one transaction, committed before it returns; rolled back (nothing written, nothing
    /// notified) when <paramref name="write"/> throws.</summary>
    private async Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        await using var connection = await _data.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await write(connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>Tells every engine (LISTEN <see cref="StoreChange.Channel"/>) what this transaction changed; delivered on commit.</summary>
    private Task<int> NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string kind, string id, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, "SELECT pg_notify($1, $2)", cancellationToken, StoreChange.Channel, new StoreChange(kind, _engine, id).Format());

    private static async Task InsertKeysAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<ClientKeyRow> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0) return;
        await ExecuteAsync(connection, transaction,
            "INSERT INTO client_keys (kind, key, client_id) SELECT k::\"char\", v, o FROM unnest($1::text[], $2::text[], $3::uuid[]) AS t(k, v, o)", cancellationToken,
            keys.ConvertAll(k => k.KindText).ToArray(), keys.ConvertAll(k => k.Key).ToArray(), keys.ConvertAll(k => k.Owner).ToArray());
    }

    /// <summary>The error for a write a unique index refused (after its transaction rolled back): the key another client
    /// holds and that client, as <see cref="LiteDbClientStore"/> words it, or the id that exists.</summary>
    private async Task<DuplicateClientException> DuplicateAsync(PostgresException error, List<ClientKeyRow> keys, List<Guid> ids, CancellationToken cancellationToken)
    {
        if (error.ConstraintName == "clients_pkey")
        {
            await using var existing = Command("SELECT id FROM clients WHERE id = ANY($1) LIMIT 1", ids.ToArray());
            var id = await existing.ExecuteScalarAsync(cancellationToken) as Guid? ?? ids[0];
            return new DuplicateClientException($"Client {id} already exists.", error);
        }

        if (keys.Count > 0)
        {
            await using var command = Command("""
                SELECT t.i, k.client_id FROM unnest($1::text[], $2::text[], $3::uuid[]) WITH ORDINALITY AS t(kind, key, owner, i)
                JOIN client_keys k ON k.kind = t.kind::"char" AND k.key = t.key
                WHERE k.client_id <> t.owner ORDER BY t.i LIMIT 1
                """, keys.ConvertAll(k => k.KindText).ToArray(), keys.ConvertAll(k => k.Key).ToArray(), keys.ConvertAll(k => k.Owner).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                var clash = keys[checked((int)reader.GetInt64(0) - 1)];
                return new DuplicateClientException($"{clash.What} already belongs to client {reader.GetGuid(1)}; it cannot be given to client {clash.Owner}.", error);
            }
        }

        // The other writer's transaction rolled back in between: nothing holds the key now, but this write was refused.
        return new DuplicateClientException(
            $"A phone, account or card of client {ids[0]} was being given to another client at the same moment ({error.ConstraintName}); try again.", error);
    }

    /// <summary>A card's keys, each once, with how to name them in an error.</summary>
    private static List<ClientKeyRow> KeysOf(ClientCard card)
    {
        var keys = new List<ClientKeyRow>(card.Phones.Count + card.AccountNumbers.Count + card.Cards.Count);
        AddKeys(card, keys);
        return keys;
    }

    /// <summary>Adds a card's keys, each once, to <paramref name="keys"/>. A card has a handful of keys: a look back
    /// over the ones added for it finds a repeat without a set per card (the import adds millions).</summary>
    private static void AddKeys(ClientCard card, List<ClientKeyRow> keys)
    {
        var first = keys.Count;
        foreach (var phone in card.Phones) AddKey(keys, first, new ClientKeyRow(PhoneKind, phone, card.Id, null));
        foreach (var account in card.AccountNumbers)
        {
            NoNul(account, "an account number");
            AddKey(keys, first, new ClientKeyRow(AccountKind, account, card.Id, null));
        }

        foreach (var reference in card.Cards)
        {
            NoNul(reference.Fingerprint, "a card fingerprint");
            AddKey(keys, first, new ClientKeyRow(CardKind, reference.Fingerprint, card.Id, reference));
        }
    }

    private static void AddKey(List<ClientKeyRow> keys, int first, ClientKeyRow key)
    {
        for (var i = first; i < keys.Count; i++)
        {
            if (keys[i].Kind == key.Kind && string.Equals(keys[i].Key, key.Key, StringComparison.Ordinal)) return;
        }

        keys.Add(key);
    }

    /// <summary>PostgreSQL's text holds no NUL character: a key with one is refused plainly.</summary>
    private static void NoNul(string value, string what)
    {
        if (value.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException($"{what} contains a NUL character.");
    }

    /// <summary>What the search compares: lower-cased (invariant culture) and without NUL characters.</summary>
    private static string Searchable(string text) => text.Replace("\0", string.Empty, StringComparison.Ordinal).ToLowerInvariant();

    private static string? SearchableOrNull(string? text) => text is null ? null : Searchable(text);

    private static string CardJson(ClientCard card, int version)
    {
        var kept = card.Version;
        card.Version = version;
        try
        {
            return JsonSerializer.Serialize(card, PostgresJson.Store.ClientCard);
        }
        finally
        {
            card.Version = kept;
        }
    }

    /// <summary>A command on the data source: it takes a pooled connection when run and gives it back when it (or its reader) is disposed.</summary>
    private NpgsqlCommand Command(string sql, params object?[] values)
    {
        ThrowIfDisposed();
        var command = _data.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(Parameter(value));
        return command;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values) command.Parameters.Add(Parameter(value));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlParameter Parameter(object? value) => value switch
    {
        NpgsqlParameter given => given,
        null => new NpgsqlParameter { Value = DBNull.Value },
        _ => new NpgsqlParameter { Value = value },
    };

    /// <summary>A parameter of a given type (a null needs one).</summary>
    private static NpgsqlParameter Typed(object? value, NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    private static NpgsqlParameter Json(string json) => new() { Value = json, NpgsqlDbType = NpgsqlDbType.Json };

    /// <summary>PostgreSQL's timestamptz is an instant: Npgsql writes a DateTimeOffset only in UTC.</summary>
    private static DateTimeOffset Utc(DateTimeOffset at) => at.ToUniversalTime();

    private static Task<ClientCard?> ReadCardAsync(NpgsqlCommand command, CancellationToken cancellationToken) =>
        ReadFirstAsync(command, CardOf, cancellationToken);

    /// <summary>The first row of <paramref name="command"/>'s answer, mapped; null when it has none.</summary>
    private static async Task<T?> ReadFirstAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
        where T : class
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? map(reader) : null;
    }

    /// <summary>Every row of <paramref name="command"/>'s answer, mapped, in its order.</summary>
    private static async Task<List<T>> ReadAllAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken)) rows.Add(map(reader));
        return rows;
    }

    /// <summary>A card from a row of (version, card).</summary>
    private static ClientCard CardOf(NpgsqlDataReader reader)
    {
        var card = JsonSerializer.Deserialize(reader.GetString(1), PostgresJson.Store.ClientCard)!;
        card.Version = reader.GetInt32(0);
        return card;
    }

    private static Task<List<InteractionRecord>> ReadInteractionsAsync(NpgsqlCommand command, CancellationToken cancellationToken) =>
        ReadAllAsync(command, reader => JsonSerializer.Deserialize(reader.GetString(0), PostgresJson.Store.InteractionRecord)!, cancellationToken);

    /// <summary>The schema was brought up to the engine's (or found so) through this store: the start-up does it once.</summary>
    internal bool SchemaReady { get; set; }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>A key row: its kind (<c>p</c>, <c>a</c>, <c>c</c>), value, client, and the card reference it comes
    /// from (for a card fingerprint), which names it in an error.</summary>
    private readonly record struct ClientKeyRow(char Kind, string Key, Guid Owner, CardReference? Card)
    {
        /// <summary>How an error names the key (built only for an error: an import has millions of keys).</summary>
        public string What => Kind switch
        {
            PhoneKind => "Phone " + Key,
            AccountKind => "Account " + Key,
            _ => Card is { } card ? LiteDbClientStore.DescribeCard(card) : "Card fingerprint " + Key,
        };

        public string KindText => Kind switch { PhoneKind => "p", AccountKind => "a", _ => "c" };
    }
}

/// <summary>How cards and call records are written as JSON in the store: every property, names as in C#, non-ASCII
/// text as itself (control characters, NUL included, escaped).</summary>
[JsonSerializable(typeof(ClientCard))]
[JsonSerializable(typeof(InteractionRecord))]
internal sealed partial class PostgresJson : JsonSerializerContext
{
    /// <summary>The context the store uses.</summary>
    public static PostgresJson Store { get; } = new(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
