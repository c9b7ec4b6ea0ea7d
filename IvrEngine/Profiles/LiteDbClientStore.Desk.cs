using LiteDB;

namespace IvrEngine.Profiles;

/// <summary>The agent desktop's part of the store (<see cref="IDeskStore"/>): users, API tokens, the card audit,
/// ticket updates, client search, wrap-ups and the campaign list, in the same file, through the same writer and
/// engine lock as the cards.</summary>
public sealed partial class LiteDbClientStore : IDeskStore
{
    internal const string Users = "users";
    internal const string ApiTokens = "api_tokens";
    internal const string CardAudit = "card_audit";

    internal const string UserNameIndex = "name";
    internal const string AgentIndex = "agent";
    internal const string HashIndex = "hash";
    internal const string CallIndex = "call";

    /// <summary>Sign-in names compare case-insensitively: the unique index holds them lower-cased (LiteDB's LOWER is
    /// the invariant culture's), so "Anna" and "anna" cannot both exist.</summary>
    internal const string UserNameExpression = "LOWER($.UserName)";

    /// <summary>How many cards one hold of the engine lock reads while a search scans names and companies: a call's
    /// lookup waits for one page at most, not for the whole scan.</summary>
    internal const int SearchPage = 1000;

    private ILiteCollection<UserAccount> UserCollection => _db.GetCollection<UserAccount>(Users);

    private ILiteCollection<ApiToken> TokenCollection => _db.GetCollection<ApiToken>(ApiTokens);

    private ILiteCollection<CardAuditEntry> AuditCollection => _db.GetCollection<CardAuditEntry>(CardAudit);

    /// <summary>The desk's indexes (called once when the file is opened, before the writer starts).</summary>
    private void EnsureDeskIndexes()
    {
        UserCollection.EnsureIndex(UserNameIndex, UserNameExpression, unique: true);
        UserCollection.EnsureIndex(AgentIndex, "$.Agent");
        TokenCollection.EnsureIndex(HashIndex, "$.Hash", unique: true);
        AuditCollection.EnsureIndex(LiteDbMapping.ClientIndex, "$.ClientId");
        AuditCollection.EnsureIndex(LiteDbMapping.AtIndex, LiteDbMapping.AtExpression);

        // Wrap-ups find the IVR's record of the call by its Unique-ID.
        _interactions.EnsureIndex(CallIndex, "$.CallUuid");
    }

    /// <inheritdoc />
    public async Task<UserAccount?> FindUserAsync(string userName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userName);
        cancellationToken.ThrowIfCancellationRequested();
        return userName.Length == 0 ? null : await ReadAsync(() => FindUser(userName));
    }

    /// <inheritdoc />
    public async Task<UserAccount?> FindUserByAgentAsync(string agent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        cancellationToken.ThrowIfCancellationRequested();
        return agent.Length == 0 ? null : await ReadAsync(() => FindUserByAgent(agent));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<UserAccount>> UsersAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var users = await ReadAsync(() => UserCollection.FindAll().ToList());
        users.Sort((a, b) => string.Compare(a.UserName, b.UserName, StringComparison.OrdinalIgnoreCase));
        return users;
    }

    /// <inheritdoc />
    public async Task<UserAccount> AddUserAsync(UserAccount user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ValidateUser(user);
        if (user.Id == Guid.Empty) user.Id = Guid.CreateVersion7();
        if (user.CreatedAt == default) user.CreatedAt = _time.GetUtcNow();
        return await WriteAsync(() =>
        {
            if (UserCollection.FindById(user.Id) is not null) throw new DuplicateClientException($"User {user.Id} already exists.");
            CheckUserClashes(user);
            UserCollection.Insert(user);
            return user;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task UpdateUserAsync(UserAccount user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ValidateUser(user);
        await WriteAsync(() =>
        {
            if (UserCollection.FindById(user.Id) is null) throw new KeyNotFoundException($"User {user.Id} does not exist.");
            CheckUserClashes(user);
            return UserCollection.Update(user);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<int> CountUsersAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await ReadAsync(() => UserCollection.Count());
    }

    /// <summary>Refuses a name or an agent another user holds (run by the writer, in the transaction that writes the user).</summary>
    private void CheckUserClashes(UserAccount user)
    {
        if (FindUser(user.UserName) is { } named && named.Id != user.Id)
        {
            throw new DuplicateClientException($"The user name {user.UserName} is taken (by {named.UserName}).");
        }

        if (user.Agent is { Length: > 0 } agent && FindUserByAgent(agent) is { } working && working.Id != user.Id)
        {
            throw new DuplicateClientException($"The agent {agent} already belongs to user {working.UserName}.");
        }
    }

    private UserAccount? FindUser(string userName) =>
        UserCollection.FindOne(BsonExpression.Create(UserNameExpression + " = @0", userName.ToLowerInvariant()));

    private UserAccount? FindUserByAgent(string agent) => UserCollection.FindOne(BsonExpression.Create("$.Agent = @0", agent));

    internal static void ValidateUser(UserAccount user)
    {
        CheckKey(user.UserName, "UserAccount.UserName", allowEmpty: false);
        if (user.Agent is not null) CheckKey(user.Agent, "UserAccount.Agent", allowEmpty: true);
        ArgumentNullException.ThrowIfNull(user.Role, "UserAccount.Role");
        ArgumentNullException.ThrowIfNull(user.PasswordHash, "UserAccount.PasswordHash");
        ArgumentNullException.ThrowIfNull(user.DisplayName, "UserAccount.DisplayName");
    }

    /// <inheritdoc />
    public async Task AddTokenAsync(ApiToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        CheckKey(token.Hash, "ApiToken.Hash", allowEmpty: false);
        ArgumentNullException.ThrowIfNull(token.Scopes, "ApiToken.Scopes");
        if (token.Id == Guid.Empty) token.Id = Guid.CreateVersion7();
        if (token.CreatedAt == default) token.CreatedAt = _time.GetUtcNow();
        await WriteAsync(() =>
        {
            try
            {
                return TokenCollection.Insert(token);
            }
            catch (LiteException ex) when (ex.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
            {
                throw new DuplicateClientException($"Token {token.Id} (or its hash) already exists.", ex);
            }
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ApiToken?> FindTokenAsync(string hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        cancellationToken.ThrowIfCancellationRequested();
        return hash.Length == 0 ? null : await ReadAsync(() => TokenCollection.FindOne(BsonExpression.Create("$.Hash = @0", hash)));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ApiToken>> TokensAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var tokens = await ReadAsync(() => TokenCollection.FindAll().ToList());
        tokens.Sort((a, b) => a.CreatedAt.CompareTo(b.CreatedAt));
        return tokens;
    }

    /// <inheritdoc />
    public async Task<bool> RevokeTokenAsync(Guid id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        await WriteAsync(() =>
        {
            var token = TokenCollection.FindById(id);
            if (token is null) return false;

            // Revoked once: a second revoke keeps the first time.
            if (token.RevokedAt is not null) return true;
            token.RevokedAt = at;
            return TokenCollection.Update(token);
        }, cancellationToken);

    /// <inheritdoc />
    public async Task AddAuditAsync(CardAuditEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Id == Guid.Empty) entry.Id = Guid.CreateVersion7();
        if (entry.At == default) entry.At = _time.GetUtcNow();
        await WriteAsync(() => AuditCollection.Insert(entry), cancellationToken, groupable: true);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CardAuditEntry>> AuditAsync(Guid clientId, int max = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        cancellationToken.ThrowIfCancellationRequested();
        if (max == 0) return [];
        return await ReadAsync(() => AuditCollection.Query()
            .Where(BsonExpression.Create("$.ClientId = @0", clientId))
            .OrderByDescending(LiteDbMapping.AtExpression)
            .Limit(max)
            .ToList());
    }

    /// <inheritdoc />
    public async Task<Ticket?> GetTicketAsync(Guid id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await ReadAsync(() => _tickets.FindById(id));
    }

    /// <inheritdoc />
    public async Task<Ticket> UpdateTicketAsync(Ticket ticket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        ArgumentNullException.ThrowIfNull(ticket.Subject, "Ticket.Subject");
        ArgumentNullException.ThrowIfNull(ticket.Status, "Ticket.Status");
        return await WriteAsync(() =>
        {
            var current = _tickets.FindById(ticket.Id) ?? throw new KeyNotFoundException($"Ticket {ticket.Id} does not exist.");
            if (current.Version != ticket.Version) throw new ConcurrencyConflictException(ticket.Id, ticket.Version, current.Version);

            // Only what a ticket's owner may change is taken from the caller: its client, call and creation stay.
            current.Subject = ticket.Subject;
            current.Status = ticket.Status;
            current.Owner = ticket.Owner;
            current.UpdatedAt = _time.GetUtcNow();
            current.Version++;
            _tickets.Update(current);
            ticket.Version = current.Version;
            ticket.UpdatedAt = current.UpdatedAt;
            return current;
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>A phone (the text as E.164, or its digits with a '+') and an account are two key seeks. Names and
    /// companies are not indexed: they are scanned, <see cref="SearchPage"/> cards per hold of the engine lock, until
    /// <paramref name="max"/> are found or every card was read (a search that finds few reads the whole store: about
    /// a second per 100,000 cards).</remarks>
    public async Task<IReadOnlyList<ClientCard>> SearchClientsAsync(string text, int max = 20, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        cancellationToken.ThrowIfCancellationRequested();
        var query = text.Trim();
        if (query.Length == 0 || max == 0) return [];

        var found = new List<ClientCard>(Math.Min(max, 64));
        var ids = new HashSet<Guid>();
        void Add(ClientCard? card)
        {
            if (card is not null && found.Count < max && ids.Add(card.Id)) found.Add(card);
        }

        if (query.Length <= MaxKeyLength)
        {
            foreach (var phone in PhoneCandidates(query)) Add(await FindByPhoneAsync(phone, cancellationToken));
            Add(await FindByAccountAsync(query, cancellationToken));
        }

        BsonValue last = BsonValue.MinValue;
        while (found.Count < max)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var after = last;
            var page = await ReadAsync(() => _db.GetCollection(Clients).Query().Where(LiteDbMapping.IdsAfter(after)).OrderBy("$._id").Limit(SearchPage).ToList());
            foreach (var document in page)
            {
                if (found.Count >= max) break;
                if (Contains(document, nameof(ClientCard.Name), query) || Contains(document, nameof(ClientCard.Company), query))
                {
                    if (!ids.Contains(document["_id"].AsGuid)) Add(ToCard(document));
                }
            }

            if (page.Count < SearchPage) break;
            last = page[^1]["_id"];
        }

        return found;
    }

    private static bool Contains(BsonDocument document, string field, string text) =>
        document.TryGetValue(field, out var value) && value.IsString && value.AsString.Contains(text, StringComparison.OrdinalIgnoreCase);

    /// <summary>The E.164 forms a search text may be: itself, and its digits behind a '+' when it is written as a
    /// phone number (digits, spaces, dashes, dots, brackets, a leading '+').</summary>
    internal static IEnumerable<string> PhoneCandidates(string text)
    {
        var digits = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c)) digits.Append(c);
            else if (!(c is ' ' or '-' or '.' or '(' or ')' || (c == '+' && i == 0))) return [];
        }

        var e164 = "+" + digits;
        if (!E164().IsMatch(e164)) return [];
        return string.Equals(text, e164, StringComparison.Ordinal) ? [e164] : [text, e164];
    }

    /// <inheritdoc />
    public async Task<InteractionRecord?> FindInteractionAsync(string callUuid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callUuid);
        cancellationToken.ThrowIfCancellationRequested();
        return callUuid.Length is 0 or > MaxKeyLength ? null : await ReadAsync(() => InteractionOfCall(callUuid));
    }

    /// <inheritdoc />
    public async Task<InteractionRecord> SetWrapUpAsync(string callUuid, WrapUp wrapUp, CancellationToken cancellationToken = default)
    {
        CheckKey(callUuid, "callUuid", allowEmpty: false);
        ArgumentNullException.ThrowIfNull(wrapUp);
        ArgumentException.ThrowIfNullOrWhiteSpace(wrapUp.Disposition, "wrapUp.Disposition");
        ArgumentNullException.ThrowIfNull(wrapUp.Agent, "wrapUp.Agent");
        return await WriteAsync(() =>
        {
            var found = InteractionOfCall(callUuid);
            var created = found is null;
            var record = InteractionRecord.WithWrapUp(found, callUuid, wrapUp);
            if (created) _interactions.Insert(record);
            else _interactions.Update(record);
            return record;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> SetInteractionClientAsync(string callUuid, Guid clientId, CancellationToken cancellationToken = default)
    {
        CheckKey(callUuid, "callUuid", allowEmpty: false);
        return await WriteAsync(() =>
        {
            var record = InteractionOfCall(callUuid);
            if (record is null || (record.ClientId is { } current && current != clientId)) return false;
            if (record.ClientId is null)
            {
                record.ClientId = clientId;
                _interactions.Update(record);
                RecordLastContact(record);
            }

            return true;
        }, cancellationToken);
    }

    /// <summary>A call's record (under the engine lock): the newest when a call has several.</summary>
    private InteractionRecord? InteractionOfCall(string callUuid) =>
        _interactions.Query().Where(BsonExpression.Create("$.CallUuid = @0", callUuid)).OrderByDescending(LiteDbMapping.AtExpression).FirstOrDefault();

    /// <inheritdoc />
    public async Task<IReadOnlyList<Campaign>> CampaignsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await ReadAsync(() => _campaigns.Query().OrderBy("$._id").ToList());
    }

    /// <summary>The query plan of a user lookup by name (tests: it seeks the lower-cased name index).</summary>
    internal BsonDocument ExplainUserLookup(string userName) =>
        Read(() => UserCollection.Query().Where(BsonExpression.Create(UserNameExpression + " = @0", userName.ToLowerInvariant())).GetPlan());

    /// <summary>The query plan of a call's record lookup (tests: it seeks the call index).</summary>
    internal BsonDocument ExplainInteractionOfCall(string callUuid) =>
        Read(() => _interactions.Query().Where(BsonExpression.Create("$.CallUuid = @0", callUuid)).OrderByDescending(LiteDbMapping.AtExpression).GetPlan());
}
