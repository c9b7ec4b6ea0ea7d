using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace IvrEngine.Profiles.Postgres;

/// <summary>The agent desktop's part of the store (<see cref="IDeskStore"/>): users, API tokens, the card audit,
/// ticket updates, client search, wrap-ups and the campaign list, with the semantics of
/// <see cref="LiteDbClientStore"/>'s.</summary>
public sealed partial class PostgresClientStore : IDeskStore
{
    private const string UserColumns = "id, user_name, display_name, role, password_hash, agent, extension, disabled, created_at, security_stamp";
    private const string TokenColumns = "id, name, user_name, hash, scopes, created_at, revoked_at";
    private const string AuditColumns = "id, client_id, at, made_by, what, old_value, new_value, call_uuid, version";
    private const string TicketColumns = "id, client_id, call_uuid, subject, status, owner, created_at, updated_at, version";
    private const string CampaignColumns = "dnis, name, service, language, hints, direction";

    /// <inheritdoc />
    public async Task<UserAccount?> FindUserAsync(string userName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ThrowIfDisposed();
        if (userName.Length == 0 || userName.Contains('\0', StringComparison.Ordinal)) return null;
        await using var command = Command($"SELECT {UserColumns} FROM users WHERE name_key = $1", NameKey(userName));
        return await ReadUserAsync(command, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<UserAccount?> FindUserByAgentAsync(string agent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ThrowIfDisposed();
        if (agent.Length == 0 || agent.Contains('\0', StringComparison.Ordinal)) return null;
        await using var command = Command($"SELECT {UserColumns} FROM users WHERE agent = $1", agent);
        return await ReadUserAsync(command, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<UserAccount>> UsersAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Command($"SELECT {UserColumns} FROM users");
        var users = await ReadAllAsync(command, UserOf, cancellationToken);
        users.Sort((a, b) => string.Compare(a.UserName, b.UserName, StringComparison.OrdinalIgnoreCase));
        return users;
    }

    /// <inheritdoc />
    public async Task<UserAccount> AddUserAsync(UserAccount user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        LiteDbClientStore.ValidateUser(user);
        if (user.Id == Guid.Empty) user.Id = Guid.CreateVersion7();
        if (user.CreatedAt == default) user.CreatedAt = _time.GetUtcNow();
        await WriteUserAsync(user, """
            INSERT INTO users (id, user_name, name_key, display_name, role, password_hash, agent, extension, disabled, created_at, security_stamp)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """, cancellationToken);
        return user;
    }

    /// <inheritdoc />
    public Task UpdateUserAsync(UserAccount user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        LiteDbClientStore.ValidateUser(user);
        return WriteUserAsync(user, """
            UPDATE users SET user_name = $2, name_key = $3, display_name = $4, role = $5, password_hash = $6, agent = $7, extension = $8,
                disabled = $9, created_at = $10, security_stamp = $11
            WHERE id = $1
            """, cancellationToken);
    }

    /// <summary>Inserts or updates a user (the parameters in <see cref="UserColumns"/>' order, the name key third); a name
    /// or an agent another user holds is refused as <see cref="LiteDbClientStore"/> refuses it.</summary>
    private async Task WriteUserAsync(UserAccount user, string sql, CancellationToken cancellationToken)
    {
        try
        {
            await WriteAsync(async (connection, transaction) =>
            {
                var rows = await ExecuteAsync(connection, transaction, sql, cancellationToken,
                    user.Id, user.UserName, NameKey(user.UserName), user.DisplayName, user.Role, user.PasswordHash, Typed(user.Agent, NpgsqlDbType.Text),
                    Typed(user.Extension, NpgsqlDbType.Text), user.Disabled, Utc(user.CreatedAt), user.SecurityStamp);
                if (rows == 0) throw new KeyNotFoundException($"User {user.Id} does not exist.");
                await NotifyAsync(connection, transaction, StoreChangeKinds.User, user.UserName, cancellationToken);
                return true;
            }, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            if (ex.ConstraintName == "users_by_name" && await FindUserAsync(user.UserName, cancellationToken) is { } named)
            {
                throw new DuplicateClientException($"The user name {user.UserName} is taken (by {named.UserName}).", ex);
            }

            if (ex.ConstraintName == "users_by_agent" && user.Agent is { } agent && await FindUserByAgentAsync(agent, cancellationToken) is { } working)
            {
                throw new DuplicateClientException($"The agent {agent} already belongs to user {working.UserName}.", ex);
            }

            throw new DuplicateClientException($"User {user.Id} already exists.", ex);
        }
    }

    /// <inheritdoc />
    public async Task<int> CountUsersAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Command("SELECT count(*) FROM users");
        return checked((int)(long)(await command.ExecuteScalarAsync(cancellationToken))!);
    }

    /// <summary>Sign-in names compare case-insensitively: the unique index holds them lower-cased by the engine, in the
    /// invariant culture (as LiteDB's LOWER), whatever the database's locale would make of them.</summary>
    private static string NameKey(string userName) => userName.ToLowerInvariant();

    /// <inheritdoc />
    public async Task AddTokenAsync(ApiToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        LiteDbClientStore.CheckKey(token.Hash, "ApiToken.Hash", allowEmpty: false);
        ArgumentNullException.ThrowIfNull(token.Scopes, "ApiToken.Scopes");
        ThrowIfDisposed();
        if (token.Id == Guid.Empty) token.Id = Guid.CreateVersion7();
        if (token.CreatedAt == default) token.CreatedAt = _time.GetUtcNow();
        try
        {
            await WriteAsync(async (connection, transaction) =>
            {
                await ExecuteAsync(connection, transaction, $"INSERT INTO api_tokens ({TokenColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7)", cancellationToken,
                    token.Id, token.Name, token.UserName, token.Hash, token.Scopes.ToArray(), Utc(token.CreatedAt),
                    Typed(token.RevokedAt is { } revoked ? Utc(revoked) : null, NpgsqlDbType.TimestampTz));
                await NotifyAsync(connection, transaction, StoreChangeKinds.User, token.UserName, cancellationToken);
                return true;
            }, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new DuplicateClientException($"Token {token.Id} (or its hash) already exists.", ex);
        }
    }

    /// <inheritdoc />
    public async Task<ApiToken?> FindTokenAsync(string hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        ThrowIfDisposed();
        if (hash.Length == 0 || hash.Contains('\0', StringComparison.Ordinal)) return null;
        await using var command = Command($"SELECT {TokenColumns} FROM api_tokens WHERE hash = $1", hash);
        return await ReadFirstAsync(command, TokenOf, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ApiToken>> TokensAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Command($"SELECT {TokenColumns} FROM api_tokens ORDER BY created_at, id");
        return await ReadAllAsync(command, TokenOf, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> RevokeTokenAsync(Guid id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            // Revoked once: a second revoke keeps the first time.
            await using var command = new NpgsqlCommand("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING user_name", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            command.Parameters.Add(new NpgsqlParameter { Value = Utc(at) });
            if (await command.ExecuteScalarAsync(cancellationToken) is not string userName) return false;
            await NotifyAsync(connection, transaction, StoreChangeKinds.User, userName, cancellationToken);
            return true;
        }, cancellationToken);

    /// <inheritdoc />
    public async Task AddAuditAsync(CardAuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(entry.By, "CardAuditEntry.By");
        ArgumentNullException.ThrowIfNull(entry.What, "CardAuditEntry.What");
        ThrowIfDisposed();
        if (entry.Id == Guid.Empty) entry.Id = Guid.CreateVersion7();
        if (entry.At == default) entry.At = _time.GetUtcNow();
        await WriteAsync(async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction, $"INSERT INTO card_audit ({AuditColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", cancellationToken,
                entry.Id, entry.ClientId, Utc(entry.At), entry.By, entry.What, Typed(entry.Old, NpgsqlDbType.Text), Typed(entry.New, NpgsqlDbType.Text),
                Typed(entry.CallUuid, NpgsqlDbType.Text), entry.Version);
            await NotifyAsync(connection, transaction, StoreChangeKinds.Client, entry.ClientId.ToString(), cancellationToken);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CardAuditEntry>> AuditAsync(Guid clientId, int max = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        ThrowIfDisposed();
        if (max == 0) return [];
        await using var command = Command($"SELECT {AuditColumns} FROM card_audit WHERE client_id = $1 ORDER BY at DESC, id DESC LIMIT $2", clientId, max);
        return await ReadAllAsync(command, reader => new CardAuditEntry
        {
            Id = reader.GetGuid(0),
            ClientId = reader.GetGuid(1),
            At = At(reader, 2),
            By = reader.GetString(3),
            What = reader.GetString(4),
            Old = TextOrNull(reader, 5),
            New = TextOrNull(reader, 6),
            CallUuid = TextOrNull(reader, 7),
            Version = reader.GetInt32(8),
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Ticket?> GetTicketAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = Command($"SELECT {TicketColumns} FROM tickets WHERE id = $1", id);
        return await ReadFirstAsync(command, TicketOf, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Ticket> UpdateTicketAsync(Ticket ticket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(ticket.Subject, "Ticket.Subject");
        ArgumentNullException.ThrowIfNull(ticket.Status, "Ticket.Status");
        var current = await WriteAsync(async (connection, transaction) =>
        {
            // Only what a ticket's owner may change is taken from the caller: its client, call and creation stay.
            Ticket? updated = null;
            await using (var command = new NpgsqlCommand($"""
                UPDATE tickets SET subject = $3, status = $4, owner = $5, updated_at = $6, version = version + 1
                WHERE id = $1 AND version = $2 RETURNING {TicketColumns}
                """, connection, transaction))
            {
                foreach (var value in new object?[] { ticket.Id, ticket.Version, ticket.Subject, ticket.Status, Typed(ticket.Owner, NpgsqlDbType.Text), Utc(_time.GetUtcNow()) })
                {
                    command.Parameters.Add(Parameter(value));
                }

                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken)) updated = TicketOf(reader);
            }

            if (updated is null)
            {
                await using var version = new NpgsqlCommand("SELECT version FROM tickets WHERE id = $1", connection, transaction);
                version.Parameters.Add(new NpgsqlParameter { Value = ticket.Id });
                if (await version.ExecuteScalarAsync(cancellationToken) is not int actual) throw new KeyNotFoundException($"Ticket {ticket.Id} does not exist.");
                throw new ConcurrencyConflictException(ticket.Id, ticket.Version, actual);
            }

            await NotifyAsync(connection, transaction, StoreChangeKinds.Ticket, updated.ClientId.ToString(), cancellationToken);
            return updated;
        }, cancellationToken);
        ticket.Version = current.Version;
        ticket.UpdatedAt = current.UpdatedAt;
        return current;
    }

    /// <inheritdoc />
    /// <remarks>A phone (the text as E.164, or its digits with a '+') and an account are key seeks. Names and companies
    /// are not indexed: they are scanned in id order (a sequential scan of <c>clients</c>) until
    /// <paramref name="max"/> are found.</remarks>
    public async Task<IReadOnlyList<ClientCard>> SearchClientsAsync(string text, int max = 20, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        ThrowIfDisposed();
        var query = text.Trim();
        if (query.Length == 0 || max == 0) return [];

        var found = new List<ClientCard>(Math.Min(max, 64));
        var ids = new HashSet<Guid>();
        void Add(ClientCard? card)
        {
            if (card is not null && found.Count < max && ids.Add(card.Id)) found.Add(card);
        }

        if (query.Length <= LiteDbClientStore.MaxKeyLength)
        {
            foreach (var phone in LiteDbClientStore.PhoneCandidates(query)) Add(await FindByPhoneAsync(phone, cancellationToken));
            Add(await FindByAccountAsync(query, cancellationToken));
        }

        var needle = Searchable(query);
        if (found.Count >= max || needle.Length == 0) return found;
        await using var command = Command("""
            SELECT version, card FROM clients
            WHERE (strpos(search_name, $1) > 0 OR strpos(search_company, $1) > 0) AND NOT (id = ANY($2))
            ORDER BY id LIMIT $3
            """, needle, ids.ToArray(), max - found.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) Add(CardOf(reader));
        return found;
    }

    /// <inheritdoc />
    public async Task<InteractionRecord?> FindInteractionAsync(string callUuid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callUuid);
        ThrowIfDisposed();
        if (callUuid.Length is 0 or > LiteDbClientStore.MaxKeyLength || callUuid.Contains('\0', StringComparison.Ordinal)) return null;
        await using var command = Command("SELECT record FROM interactions WHERE call_uuid = $1 ORDER BY at DESC LIMIT 1", callUuid);
        var found = await ReadInteractionsAsync(command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public async Task<InteractionRecord> SetWrapUpAsync(string callUuid, WrapUp wrapUp, CancellationToken cancellationToken = default)
    {
        LiteDbClientStore.CheckKey(callUuid, "callUuid", allowEmpty: false);
        ArgumentNullException.ThrowIfNull(wrapUp);
        ArgumentException.ThrowIfNullOrWhiteSpace(wrapUp.Disposition, "wrapUp.Disposition");
        ArgumentNullException.ThrowIfNull(wrapUp.Agent, "wrapUp.Agent");
        return await WriteAsync(async (connection, transaction) =>
        {
            var found = await LockCallAsync(connection, transaction, callUuid, cancellationToken);
            var created = found is null;
            var record = InteractionRecord.WithWrapUp(found, callUuid, wrapUp);
            if (created) await InsertInteractionAsync(connection, transaction, record, cancellationToken);
            else await UpdateInteractionAsync(connection, transaction, record, cancellationToken);
            await NotifyAsync(connection, transaction, StoreChangeKinds.Interaction, callUuid, cancellationToken);
            return record;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> SetInteractionClientAsync(string callUuid, Guid clientId, CancellationToken cancellationToken = default)
    {
        LiteDbClientStore.CheckKey(callUuid, "callUuid", allowEmpty: false);
        return await WriteAsync(async (connection, transaction) =>
        {
            var record = await LockCallAsync(connection, transaction, callUuid, cancellationToken);
            if (record is null || (record.ClientId is { } current && current != clientId)) return false;
            if (record.ClientId is null)
            {
                record.ClientId = clientId;
                await UpdateInteractionAsync(connection, transaction, record, cancellationToken);
                await NotifyAsync(connection, transaction, StoreChangeKinds.Interaction, callUuid, cancellationToken);
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>A call's newest record, read under a transaction-scoped advisory lock on the call: two engines wrapping
    /// up one call take turns, so a call without a record gets one minimal record, not two.</summary>
    private static async Task<InteractionRecord?> LockCallAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string callUuid, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(hashtextextended($1, 14))", cancellationToken, callUuid);
        await using var command = new NpgsqlCommand("SELECT record FROM interactions WHERE call_uuid = $1 ORDER BY at DESC LIMIT 1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = callUuid });
        var found = await ReadInteractionsAsync(command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    private static Task<int> UpdateInteractionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, InteractionRecord record, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, "UPDATE interactions SET client_id = $2, record = $3 WHERE id = $1", cancellationToken,
            record.Id, Typed(record.ClientId, NpgsqlDbType.Uuid), Json(JsonSerializer.Serialize(record, PostgresJson.Store.InteractionRecord)));

    /// <inheritdoc />
    public async Task<IReadOnlyList<Campaign>> CampaignsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Command($"SELECT {CampaignColumns} FROM campaigns ORDER BY dnis");
        return await ReadAllAsync(command, CampaignOf, cancellationToken);
    }

    private static Task<UserAccount?> ReadUserAsync(NpgsqlCommand command, CancellationToken cancellationToken) =>
        ReadFirstAsync(command, UserOf, cancellationToken);

    private static UserAccount UserOf(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetGuid(0),
        UserName = reader.GetString(1),
        DisplayName = reader.GetString(2),
        Role = reader.GetString(3),
        PasswordHash = reader.GetString(4),
        Agent = TextOrNull(reader, 5),
        Extension = TextOrNull(reader, 6),
        Disabled = reader.GetBoolean(7),
        CreatedAt = At(reader, 8),
        SecurityStamp = reader.GetInt32(9),
    };

    private static ApiToken TokenOf(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetGuid(0),
        Name = reader.GetString(1),
        UserName = reader.GetString(2),
        Hash = reader.GetString(3),
        Scopes = [.. reader.GetFieldValue<string[]>(4)],
        CreatedAt = At(reader, 5),
        RevokedAt = reader.IsDBNull(6) ? null : At(reader, 6),
    };

    private static Ticket TicketOf(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetGuid(0),
        ClientId = reader.GetGuid(1),
        CallUuid = TextOrNull(reader, 2),
        Subject = reader.GetString(3),
        Status = reader.GetString(4),
        Owner = TextOrNull(reader, 5),
        CreatedAt = At(reader, 6),
        UpdatedAt = reader.IsDBNull(7) ? null : At(reader, 7),
        Version = reader.GetInt32(8),
    };

    private static Campaign CampaignOf(NpgsqlDataReader reader) => new()
    {
        Dnis = reader.GetString(0),
        Name = reader.GetString(1),
        Service = TextOrNull(reader, 2),
        Language = TextOrNull(reader, 3),
        Hints = TextOrNull(reader, 4),
        Direction = reader.GetString(5),
    };

    private static string? TextOrNull(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>A timestamptz as an instant (offset zero).</summary>
    private static DateTimeOffset At(NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);
}
