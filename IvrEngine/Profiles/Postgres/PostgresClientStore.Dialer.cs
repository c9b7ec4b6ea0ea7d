using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;

namespace IvrEngine.Profiles.Postgres;

/// <summary>The dialer's part of the store (<see cref="IDialerStore"/>, schema <c>Migrations/V005__dialer.sql</c>), with
/// the semantics of <see cref="LiteDbClientStore"/>'s.
/// <para>Several engines claim from one campaign at once: a claim is one statement that reads the due contacts with
/// <c>SELECT ... FOR UPDATE SKIP LOCKED</c> and marks them dialing. A row another engine's claim has locked is
/// passed over instead of waited for, and one that engine claimed and committed meanwhile is read again and no longer
/// matches, so each contact goes to one engine and no claim waits on another.</para></summary>
public sealed partial class PostgresClientStore : IDialerStore
{
    private const string ContactColumns =
        "id, campaign_id, client_id, phone, name, time_zone, status, attempts, next_attempt_at, last_outcome, last_hangup_cause, last_attempt_at, " +
        "call_uuid, claimed_by, result, answers, agent, version, seq";

    /// <summary>When a contact is due: its next attempt's time, or from the start (the claim index's expression).</summary>
    private const string DueAt = "coalesce(c.next_attempt_at, '-infinity'::timestamptz)";

    /// <summary>A claim's locking read: up to $4 contacts of campaign $1 that are pending, due at $3 and in a time zone of
    /// $5, oldest due first, locked, passing over those another claim has locked; each with whether its number is on
    /// the do-not-call list.</summary>
    private const string DueSql = $"""
        SELECT c.id, d.phone IS NOT NULL AS blocked
            FROM campaign_contacts c LEFT JOIN do_not_call d ON d.phone = c.phone
            WHERE c.campaign_id = $1 AND c.status = 'Pending' AND {DueAt} <= $3 AND c.time_zone = ANY($5)
            ORDER BY {DueAt}, c.seq
            LIMIT $4
            FOR UPDATE OF c SKIP LOCKED
        """;

    /// <summary>Claims due contacts: locks up to $4 of them that nobody else is claiming (SKIP LOCKED), oldest due first,
    /// and in the same statement marks each dialing for engine $2 (a new call uuid, one more attempt), or do-not-call
    /// when its number is on the list.</summary>
    private static readonly string ClaimSql = $"""
        WITH due AS ({DueSql})
        UPDATE campaign_contacts c SET
            status = CASE WHEN due.blocked THEN 'DoNotCall' ELSE 'Dialing' END,
            attempts = CASE WHEN due.blocked THEN c.attempts ELSE c.attempts + 1 END,
            last_attempt_at = CASE WHEN due.blocked THEN c.last_attempt_at ELSE $3 END,
            call_uuid = CASE WHEN due.blocked THEN c.call_uuid ELSE gen_random_uuid()::text END,
            claimed_by = CASE WHEN due.blocked THEN NULL ELSE $2 END,
            version = c.version + 1
        FROM due WHERE c.id = due.id
        RETURNING due.blocked, {ContactColumnsOf("c")}
        """;

    private static readonly string[] s_utcOnly = ["UTC"];

    /// <inheritdoc />
    public async Task<OutboundCampaign> SaveCampaignAsync(OutboundCampaign campaign, CancellationToken cancellationToken = default)
    {
        LiteDbClientStore.ValidateCampaign(campaign);
        var now = _time.GetUtcNow();
        var version = campaign.Version;
        var createdAt = campaign.CreatedAt;
        try
        {
            await WriteAsync(async (connection, transaction) =>
            {
                int? stored = null;
                DateTimeOffset? storedCreatedAt = null;
                await using (var current = new NpgsqlCommand("SELECT version, created_at FROM outbound_campaigns WHERE id = $1 FOR UPDATE", connection, transaction))
                {
                    current.Parameters.Add(new NpgsqlParameter { Value = campaign.Id });
                    await using var reader = await current.ExecuteReaderAsync(cancellationToken);
                    if (await reader.ReadAsync(cancellationToken))
                    {
                        stored = reader.GetInt32(0);
                        storedCreatedAt = At(reader, 1);
                    }
                }

                LiteDbClientStore.CheckCampaignVersion(campaign, stored);
                campaign.CreatedAt = storedCreatedAt ?? (campaign.CreatedAt == default ? now : campaign.CreatedAt);
                campaign.Version = (stored ?? 0) + 1;
                await ExecuteAsync(connection, transaction, """
                    INSERT INTO outbound_campaigns (id, state, version, created_at, campaign) VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (id) DO UPDATE SET state = excluded.state, version = excluded.version, campaign = excluded.campaign
                    """, cancellationToken,
                    campaign.Id, campaign.State.ToString(), campaign.Version, Utc(campaign.CreatedAt),
                    new NpgsqlParameter { Value = JsonSerializer.Serialize(campaign, PostgresDialerJson.Default.OutboundCampaign), NpgsqlDbType = NpgsqlDbType.Jsonb });
                await NotifyAsync(connection, transaction, StoreChangeKinds.OutboundCampaign, campaign.Id, cancellationToken);
                return true;
            }, cancellationToken);
        }
        catch (Exception ex)
        {
            campaign.Version = version;
            campaign.CreatedAt = createdAt;

            // Two engines adding the same new campaign at once: the second insert meets the first's row.
            if (ex is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                throw new InvalidOperationException($"Campaign {campaign.Id} was added by someone else at the same moment; read it and change that one.", ex);
            }

            throw;
        }

        return campaign;
    }

    /// <inheritdoc />
    public async Task<OutboundCampaign?> GetCampaignAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ThrowIfDisposed();
        if (id.Length is 0 or > LiteDbClientStore.MaxCampaignIdLength || id.Contains('\0', StringComparison.Ordinal)) return null;
        await using var command = Command("SELECT state, version, created_at, campaign FROM outbound_campaigns WHERE id = $1", id);
        return await ReadFirstAsync(command, OutboundCampaignOf, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<OutboundCampaign>> ListCampaignsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = Command("SELECT state, version, created_at, campaign FROM outbound_campaigns");
        return LiteDbClientStore.NewestFirst(await ReadAllAsync(command, OutboundCampaignOf, cancellationToken));
    }

    /// <inheritdoc />
    public async Task<int> AddContactsAsync(string campaignId, IReadOnlyCollection<CampaignContact> contacts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        ArgumentNullException.ThrowIfNull(contacts);
        foreach (var contact in contacts) LiteDbClientStore.ValidateContact(contact);
        ThrowIfDisposed();
        if (contacts.Count == 0) return 0;
        var campaign = await GetCampaignAsync(campaignId, cancellationToken) ?? throw new KeyNotFoundException($"Campaign {campaignId} does not exist.");
        var added = LiteDbClientStore.NewContacts(campaign, contacts);
        try
        {
            return await WriteAsync((connection, transaction) => ExecuteAsync(connection, transaction, """
                INSERT INTO campaign_contacts (id, campaign_id, client_id, phone, name, time_zone, status, next_attempt_at)
                SELECT t.id, $1, t.client_id, t.phone, t.name, t.time_zone, 'Pending', t.next_at
                FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::timestamptz[]) WITH ORDINALITY AS t(id, client_id, phone, name, time_zone, next_at, i)
                ORDER BY t.i
                ON CONFLICT (campaign_id, phone) DO NOTHING
                """, cancellationToken,
                campaign.Id,
                added.ConvertAll(c => c.Id).ToArray(),
                Typed(added.ConvertAll(c => (object?)c.ClientId ?? DBNull.Value).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Uuid),
                added.ConvertAll(c => c.Phone).ToArray(),
                Typed(added.ConvertAll(c => (object?)c.Name ?? DBNull.Value).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                added.ConvertAll(c => c.TimeZone).ToArray(),
                Typed(added.ConvertAll(c => c.NextAttemptAt is { } at ? Utc(at) : (object)DBNull.Value).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)),
                cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new KeyNotFoundException($"Campaign {campaignId} does not exist.", ex);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CampaignContact>> ContactsAsync(string campaignId, int skip, int take, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        ThrowIfDisposed();
        if (take == 0) return [];
        await using var command = Command($"SELECT {ContactColumns} FROM campaign_contacts WHERE campaign_id = $1 ORDER BY seq OFFSET $2 LIMIT $3",
            campaignId, (long)skip, (long)take);
        return await ReadAllAsync(command, r => ContactOf(r, 0), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<CampaignContact?> GetContactAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = Command($"SELECT {ContactColumns} FROM campaign_contacts WHERE id = $1", id);
        return await ReadFirstAsync(command, r => ContactOf(r, 0), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> PendingTimeZonesAsync(string campaignId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        await using var command = Command("SELECT DISTINCT time_zone FROM campaign_contacts WHERE campaign_id = $1 AND status = 'Pending'", campaignId);
        var zones = await ReadAllAsync(command, r => r.GetString(0), cancellationToken);
        zones.Sort(StringComparer.Ordinal);
        return zones;
    }

    /// <inheritdoc />
    /// <remarks>One transaction of claim statements (<see cref="ClaimSql"/>): a second one runs only when numbers on the
    /// do-not-call list took places of the first.</remarks>
    public async Task<IReadOnlyList<CampaignContact>> ClaimDueAsync(string campaignId, string engine, DateTimeOffset now, int max, IReadOnlyCollection<string> openTimeZones,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        ArgumentException.ThrowIfNullOrEmpty(engine);
        ArgumentNullException.ThrowIfNull(openTimeZones);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        ThrowIfDisposed();
        if (max == 0 || openTimeZones.Count == 0) return [];
        var zones = openTimeZones.Distinct(StringComparer.Ordinal).ToArray();
        var claimed = await WriteAsync(async (connection, transaction) =>
        {
            var rows = new List<(CampaignContact Contact, long Seq)>(max);
            while (rows.Count < max)
            {
                var wanted = max - rows.Count;
                var found = 0;
                await using var command = new NpgsqlCommand(ClaimSql, connection, transaction);
                foreach (var value in new object[] { campaignId, engine, Utc(now), wanted, zones }) command.Parameters.Add(Parameter(value));
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        found++;
                        if (!reader.GetBoolean(0)) rows.Add((ContactOf(reader, 1), reader.GetInt64(19)));
                    }
                }

                if (found < wanted) break;
            }

            return rows;
        }, cancellationToken);

        // UPDATE ... RETURNING keeps no order: the claim's order is the due time, then the order added.
        claimed.Sort((a, b) =>
        {
            var due = (a.Contact.NextAttemptAt ?? DateTimeOffset.MinValue).CompareTo(b.Contact.NextAttemptAt ?? DateTimeOffset.MinValue);
            return due != 0 ? due : a.Seq.CompareTo(b.Seq);
        });
        return claimed.ConvertAll(r => r.Contact);
    }

    /// <inheritdoc />
    public async Task<bool> RecordAttemptAsync(Guid contactId, string callUuid, string outcome, string? hangupCause, ContactStatus status, DateTimeOffset? nextAttemptAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callUuid);
        ArgumentException.ThrowIfNullOrEmpty(outcome);
        ThrowIfDisposed();

        // The attempt in progress only (the contact is dialing that call): a late or repeated outcome changes nothing.
        return await WriteAsync(async (connection, transaction) => await ExecuteAsync(connection, transaction, """
            UPDATE campaign_contacts SET last_outcome = $3, last_hangup_cause = $4, status = $5,
                next_attempt_at = CASE WHEN $5 = 'Pending' THEN $6 ELSE next_attempt_at END,
                claimed_by = CASE WHEN $5 = 'Dialing' THEN claimed_by END,
                version = version + 1
            WHERE id = $1 AND status = 'Dialing' AND call_uuid = $2
            """, cancellationToken,
            contactId, callUuid, outcome, Typed(hangupCause, NpgsqlDbType.Text), status.ToString(),
            Typed(nextAttemptAt is { } at ? Utc(at) : null, NpgsqlDbType.TimestampTz)) == 1, cancellationToken);
    }

    /// <inheritdoc />
    public async Task RecordResultAsync(Guid contactId, string callUuid, string result, IReadOnlyDictionary<string, string> answers, string? agent,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callUuid);
        ArgumentException.ThrowIfNullOrEmpty(result);
        ArgumentNullException.ThrowIfNull(answers);
        ThrowIfDisposed();
        var now = _time.GetUtcNow();
        var json = JsonSerializer.Serialize(new Dictionary<string, string>(answers), PostgresDialerJson.Default.DictionaryStringString);
        await WriteAsync(async (connection, transaction) =>
        {
            string? phone = null;
            string? campaignId = null;
            await using (var command = new NpgsqlCommand("""
                UPDATE campaign_contacts SET result = $3, answers = answers || $4, agent = coalesce($5, agent), version = version + 1
                WHERE id = $1 AND call_uuid = $2
                RETURNING phone, campaign_id
                """, connection, transaction))
            {
                foreach (var value in new object?[] { contactId, callUuid, result, new NpgsqlParameter { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb }, Typed(agent, NpgsqlDbType.Text) })
                {
                    command.Parameters.Add(Parameter(value));
                }

                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (await reader.ReadAsync(cancellationToken))
                {
                    phone = reader.GetString(0);
                    campaignId = reader.GetString(1);
                }
            }

            // A contact who opted out is on the list from the same commit.
            if (phone is not null && string.Equals(result, ContactResults.OptedOut, StringComparison.Ordinal))
            {
                var entry = LiteDbClientStore.OptedOutEntry(new CampaignContact { Phone = phone, CampaignId = campaignId! }, now);
                await ExecuteAsync(connection, transaction, "INSERT INTO do_not_call (phone, reason, at) VALUES ($1, $2, $3) ON CONFLICT (phone) DO NOTHING",
                    cancellationToken, entry.Phone, entry.Reason, Utc(entry.At));
            }

            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> RecordAgentAsync(Guid contactId, string callUuid, string agent, CancellationToken cancellationToken = default)
    {
        LiteDbClientStore.CheckKey(callUuid, "callUuid", allowEmpty: false);
        ArgumentException.ThrowIfNullOrEmpty(agent);
        ThrowIfDisposed();
        return await WriteAsync(async (connection, transaction) =>
        {
            if (await ExecuteAsync(connection, transaction, "UPDATE campaign_contacts SET agent = $3, version = version + 1 WHERE id = $1 AND call_uuid = $2",
                    cancellationToken, contactId, callUuid, agent) == 0)
            {
                return false;
            }

            // The call's record, as a wrap-up changes it (under the call's lock).
            if (await LockCallAsync(connection, transaction, callUuid, cancellationToken) is { } record)
            {
                record.Agent = agent;
                await UpdateInteractionAsync(connection, transaction, record, cancellationToken);
                await NotifyAsync(connection, transaction, StoreChangeKinds.Interaction, callUuid, cancellationToken);
            }

            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CampaignContact>> DialingAsync(string engine, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ThrowIfDisposed();
        if (engine.Length == 0) return [];
        await using var command = Command(
            $"SELECT {ContactColumns} FROM campaign_contacts WHERE claimed_by = $1 AND status = 'Dialing' ORDER BY last_attempt_at, seq", engine);
        return await ReadAllAsync(command, r => ContactOf(r, 0), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<CampaignTotals> TotalsAsync(string campaignId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        // As the LiteDB store counts (LiteDbClientStore.TotalsOf): busy, no answer and failed are contacts not answered
        // whose last attempt had that outcome.
        await using var command = Command("""
            SELECT count(*)::int,
                count(*) FILTER (WHERE status = 'Pending')::int,
                count(*) FILTER (WHERE status = 'Dialing')::int,
                coalesce(sum(attempts), 0)::int,
                count(*) FILTER (WHERE answered)::int,
                count(*) FILTER (WHERE result = 'completed')::int,
                count(*) FILTER (WHERE result = 'transferred')::int,
                count(*) FILTER (WHERE result = 'opted-out')::int,
                count(*) FILTER (WHERE status = 'Exhausted')::int,
                count(*) FILTER (WHERE status = 'DoNotCall')::int,
                count(*) FILTER (WHERE status = 'Unknown')::int,
                count(*) FILTER (WHERE attempts > 0)::int,
                count(*) FILTER (WHERE NOT answered AND last_outcome = 'busy')::int,
                count(*) FILTER (WHERE NOT answered AND last_outcome = 'no-answer')::int,
                count(*) FILTER (WHERE NOT answered AND last_outcome = 'failed')::int
            FROM (SELECT *, (status = 'Done' OR result IS NOT NULL OR coalesce(last_outcome = 'answered', false)) AS answered
                FROM campaign_contacts WHERE campaign_id = $1) c
            """, campaignId);
        return (await ReadFirstAsync(command, r => new CampaignTotals(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5),
            r.GetInt32(6), r.GetInt32(7), r.GetInt32(8), r.GetInt32(9), r.GetInt32(10), r.GetInt32(11), r.GetInt32(12), r.GetInt32(13), r.GetInt32(14)),
            cancellationToken))!;
    }

    /// <inheritdoc />
    public async Task AddDoNotCallAsync(DoNotCallEntry entry, CancellationToken cancellationToken = default)
    {
        LiteDbClientStore.ValidateDoNotCall(entry);
        await WriteAsync((connection, transaction) => ExecuteAsync(connection, transaction,
            "INSERT INTO do_not_call (phone, reason, at) VALUES ($1, $2, $3) ON CONFLICT (phone) DO NOTHING", cancellationToken,
            entry.Phone, entry.Reason, Utc(entry.At)), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> RemoveDoNotCallAsync(string phone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(phone);
        ThrowIfDisposed();
        if (phone.Length is 0 or > LiteDbClientStore.MaxKeyLength || phone.Contains('\0', StringComparison.Ordinal)) return false;
        return await WriteAsync((connection, transaction) => ExecuteAsync(connection, transaction, "DELETE FROM do_not_call WHERE phone = $1", cancellationToken, phone),
            cancellationToken) == 1;
    }

    /// <inheritdoc />
    public async Task<DoNotCallEntry?> FindDoNotCallAsync(string phone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(phone);
        ThrowIfDisposed();
        if (phone.Length is 0 or > LiteDbClientStore.MaxKeyLength || phone.Contains('\0', StringComparison.Ordinal)) return null;
        await using var command = Command("SELECT phone, reason, at FROM do_not_call WHERE phone = $1", phone);
        return await ReadFirstAsync(command, DoNotCallEntryOf, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DoNotCallEntry>> DoNotCallAsync(int skip, int take, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        ThrowIfDisposed();
        if (take == 0) return [];
        // COLLATE "C": the numbers in the order of their characters, as the LiteDB store gives them.
        await using var command = Command("SELECT phone, reason, at FROM do_not_call ORDER BY phone COLLATE \"C\" OFFSET $1 LIMIT $2", (long)skip, (long)take);
        return await ReadAllAsync(command, DoNotCallEntryOf, cancellationToken);
    }

    private static DoNotCallEntry DoNotCallEntryOf(NpgsqlDataReader r) => new(r.GetString(0), r.GetString(1), At(r, 2));

    /// <summary>The plan of a claim's locking read (tests: it reads the claim index, not the whole table).</summary>
    internal async Task<string> ExplainClaimAsync(string campaignId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // The claim's own read, with the engine's parameter ($2) unused.
        await using var command = Command("EXPLAIN " + DueSql, campaignId, "engine", Utc(now), 10, s_utcOnly);
        var lines = await ReadAllAsync(command, r => r.GetString(0), cancellationToken);
        return string.Join('\n', lines);
    }

    private static string ContactColumnsOf(string alias) => string.Join(", ", ContactColumns.Split(", ").Select(c => alias + "." + c));

    /// <summary>A campaign from a row of (state, version, created_at, campaign): the columns are what is stored.</summary>
    private static OutboundCampaign OutboundCampaignOf(NpgsqlDataReader reader)
    {
        var campaign = JsonSerializer.Deserialize(reader.GetString(3), PostgresDialerJson.Default.OutboundCampaign)!;
        campaign.State = Enum.Parse<OutboundCampaignState>(reader.GetString(0));
        campaign.Version = reader.GetInt32(1);
        campaign.CreatedAt = At(reader, 2);
        return campaign;
    }

    /// <summary>A contact from <see cref="ContactColumns"/> starting at column <paramref name="first"/>.</summary>
    private static CampaignContact ContactOf(NpgsqlDataReader reader, int first) => new()
    {
        Id = reader.GetGuid(first),
        CampaignId = reader.GetString(first + 1),
        ClientId = reader.IsDBNull(first + 2) ? null : reader.GetGuid(first + 2),
        Phone = reader.GetString(first + 3),
        Name = TextOrNull(reader, first + 4),
        TimeZone = reader.GetString(first + 5),
        Status = Enum.Parse<ContactStatus>(reader.GetString(first + 6)),
        Attempts = reader.GetInt32(first + 7),
        NextAttemptAt = reader.IsDBNull(first + 8) ? null : At(reader, first + 8),
        LastOutcome = TextOrNull(reader, first + 9),
        LastHangupCause = TextOrNull(reader, first + 10),
        LastAttemptAt = reader.IsDBNull(first + 11) ? null : At(reader, first + 11),
        CallUuid = TextOrNull(reader, first + 12),
        ClaimedBy = TextOrNull(reader, first + 13),
        Result = TextOrNull(reader, first + 14),
        Answers = JsonSerializer.Deserialize(reader.GetString(first + 15), PostgresDialerJson.Default.DictionaryStringString) ?? [],
        Agent = TextOrNull(reader, first + 16),
        Version = reader.GetInt32(first + 17),
    };
}

/// <summary>How a campaign and a contact's answers are written as JSON in the store: names as in C#, enums by name.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(OutboundCampaign))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class PostgresDialerJson : JsonSerializerContext;
