using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using LiteDB;

namespace IvrEngine.Profiles;

/// <summary>The client store in one LiteDB file, opened once per process in direct mode (the engine is the only
/// process using the file; shared mode would pass every operation through a system-wide mutex). Reads run at once
/// from any thread. Writes go one at a time through a gate, each in its own transaction: the uniqueness and version
/// checks and the write they guard are atomic, and a write is acknowledged only once its pages are in LiteDB's log
/// file (see <see cref="LiteDbLogFlush"/>), so it survives the process being killed at any moment after that.</summary>
public sealed partial class LiteDbClientStore : IClientStore
{
    internal const string Clients = "clients";
    internal const string Interactions = "interactions";
    internal const string Tickets = "tickets";
    internal const string Campaigns = "campaigns";
    internal const string PhotoFiles = "photos";
    internal const string PhotoChunks = "photos_chunks";

    private const int MaxKeyLength = 256;
    private const int ExportPage = 500;
    private const int BulkScanThreshold = 200;

    /// <summary>Largest photo accepted (it is read into memory before it is stored).</summary>
    public const int MaxPhotoBytes = 10 * 1024 * 1024;

    private static readonly ConcurrentDictionary<string, bool> OpenFiles = new(StringComparer.Ordinal);

    private readonly LiteDatabase _db;
    private readonly LiteDbLogFlush _logFlush;
    private readonly ILiteCollection<ClientCard> _clients;
    private readonly ILiteCollection<InteractionRecord> _interactions;
    private readonly ILiteCollection<Ticket> _tickets;
    private readonly ILiteCollection<Campaign> _campaigns;
    private readonly ILiteStorage<string> _photos;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly TimeProvider _time;
    private int _disposed;

    /// <summary>Opens (or creates) the store configured in <paramref name="options"/>.</summary>
    public LiteDbClientStore(StoreOptions options, TimeProvider? timeProvider = null)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Path, timeProvider)
    {
    }

    /// <summary>Opens (or creates) the store in <paramref name="path"/> (relative to the current directory unless
    /// rooted); its folder is created. One store per file per process: a second open of the same file throws.</summary>
    public LiteDbClientStore(string path, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        FilePath = System.IO.Path.GetFullPath(path);
        _time = timeProvider ?? TimeProvider.System;
        if (!OpenFiles.TryAdd(FilePath, true))
        {
            throw new InvalidOperationException($"The store {FilePath} is already open in this process; share the one instance.");
        }

        try
        {
            var folder = System.IO.Path.GetDirectoryName(FilePath);
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            var connection = new ConnectionString
            {
                Filename = FilePath,
                Connection = ConnectionType.Direct,

                // Keys compare as written (LiteDB's default ignores case): "abc" and "ABC" are two accounts. Fixed
                // when the file is created.
                Collation = new Collation(CultureInfo.InvariantCulture.LCID, CompareOptions.Ordinal),
            };
            _db = new LiteDatabase(connection, LiteDbMapping.CreateMapper());
            try
            {
                _logFlush = new LiteDbLogFlush(_db);
                _clients = _db.GetCollection<ClientCard>(Clients);
                _interactions = _db.GetCollection<InteractionRecord>(Interactions);
                _tickets = _db.GetCollection<Ticket>(Tickets);
                _campaigns = _db.GetCollection<Campaign>(Campaigns);
                _photos = _db.GetStorage<string>(PhotoFiles, PhotoChunks);

                _clients.EnsureIndex(LiteDbMapping.PhonesIndex, LiteDbMapping.PhonesExpression);
                _clients.EnsureIndex(LiteDbMapping.AccountsIndex, LiteDbMapping.AccountsExpression);
                _clients.EnsureIndex(LiteDbMapping.CardsIndex, LiteDbMapping.CardsExpression);
                _interactions.EnsureIndex(LiteDbMapping.ClientIndex, "$.ClientId");
                _interactions.EnsureIndex(LiteDbMapping.CallerIndex, "$.CallerNumber");
                _interactions.EnsureIndex(LiteDbMapping.AtIndex, LiteDbMapping.AtExpression);
                _tickets.EnsureIndex(LiteDbMapping.ClientIndex, "$.ClientId");
                _logFlush.Wait();
            }
            catch
            {
                _db.Dispose();
                throw;
            }
        }
        catch
        {
            OpenFiles.TryRemove(FilePath, out _);
            throw;
        }
    }

    /// <summary>The full path of the store's file.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public Task<ClientCard?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        return Task.FromResult<ClientCard?>(_clients.FindById(id));
    }

    /// <inheritdoc />
    public Task<ClientCard?> FindByPhoneAsync(string e164, CancellationToken cancellationToken = default) =>
        FindOneAsync(StoreLookup.Phone, e164, cancellationToken);

    /// <inheritdoc />
    public Task<ClientCard?> FindByAccountAsync(string accountNumber, CancellationToken cancellationToken = default) =>
        FindOneAsync(StoreLookup.Account, accountNumber, cancellationToken);

    /// <inheritdoc />
    public Task<ClientCard?> FindByCardFingerprintAsync(string fingerprint, CancellationToken cancellationToken = default) =>
        FindOneAsync(StoreLookup.CardFingerprint, fingerprint, cancellationToken);

    private Task<ClientCard?> FindOneAsync(StoreLookup lookup, string value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        return Task.FromResult<ClientCard?>(_clients.FindOne(LiteDbMapping.ClientQuery(lookup, value)));
    }

    /// <inheritdoc />
    public async Task<ClientCard> InsertAsync(ClientCard card, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(card);
        Validate(card);
        if (card.Id == Guid.Empty) card.Id = Guid.CreateVersion7();
        if (card.CreatedAt == default) card.CreatedAt = _time.GetUtcNow();

        return await WriteAsync(() =>
        {
            if (_clients.FindById(card.Id) is not null) throw new DuplicateClientException($"Client {card.Id} already exists.");
            EnsureUnique(card);
            var version = card.Version;
            card.Version = 1;
            try
            {
                _clients.Insert(card);
            }
            catch
            {
                card.Version = version;
                throw;
            }

            return card;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<int> InsertManyAsync(IReadOnlyCollection<ClientCard> cards, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cards);
        if (cards.Count == 0) return 0;
        var now = _time.GetUtcNow();
        var batch = new BatchKeys(cards.Count);
        foreach (var card in cards)
        {
            ArgumentNullException.ThrowIfNull(card, nameof(cards));
            Validate(card);
            if (card.Id == Guid.Empty) card.Id = Guid.CreateVersion7();
            if (card.CreatedAt == default) card.CreatedAt = now;
            batch.Add(card);
        }

        // Map before taking the gate, on every core, in id order: in id order the _id index grows at its end
        // instead of at random places (several times faster).
        var ordered = cards.OrderBy(c => c.Id).ToArray();
        var documents = new BsonDocument[ordered.Length];
        Parallel.For(0, ordered.Length, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var document = _db.Mapper.ToDocument(ordered[i]);
            document[nameof(ClientCard.Version)] = 1;
            documents[i] = document;
        });

        var stored = await WriteAsync(() =>
        {
            // An empty collection cannot hold a duplicate: the batch's own set is the whole check (the import case).
            // A small batch seeks the indexes per value; a large one reads every stored key once instead (a cold
            // index seek costs about a millisecond, reading one card's keys a few microseconds).
            if (_clients.Exists(Query.All()))
            {
                if (cards.Count >= BulkScanThreshold)
                {
                    batch.CheckAgainst(_db.GetCollection(Clients).Query().Select(LiteDbMapping.KeysProjection).ToEnumerable());
                }
                else
                {
                    foreach (var card in cards)
                    {
                        if (_clients.FindById(card.Id) is not null) throw new DuplicateClientException($"Client {card.Id} already exists.");
                        EnsureUnique(card);
                    }
                }
            }

            return _db.GetCollection(Clients).Insert(documents);
        }, cancellationToken);

        foreach (var card in cards) card.Version = 1;
        return stored;
    }

    /// <inheritdoc />
    public async Task<ClientCard> UpdateAsync(ClientCard card, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(card);
        Validate(card);
        return await WriteAsync(() =>
        {
            var current = _clients.FindById(card.Id) ?? throw new KeyNotFoundException($"Client {card.Id} does not exist.");
            if (current.Version != card.Version) throw new ConcurrencyConflictException(card.Id, card.Version, current.Version);
            EnsureUnique(card);
            card.Version = current.Version + 1;
            try
            {
                _clients.Update(card);
            }
            catch
            {
                card.Version = current.Version;
                throw;
            }

            return card;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ClientCard> AllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Pages of ids, each read at once: a LiteDB cursor belongs to its thread and must not live across awaits.
        BsonValue last = BsonValue.MinValue;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ThrowIfDisposed();
            var page = _clients.Query().Where(LiteDbMapping.IdsAfter(last)).OrderBy("$._id").Limit(ExportPage).ToList();
            foreach (var card in page)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return card;
            }

            if (page.Count < ExportPage) yield break;
            last = page[^1].Id;
            await Task.Yield();
        }
    }

    /// <inheritdoc />
    public Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        return Task.FromResult(_clients.Count());
    }

    /// <inheritdoc />
    public async Task AddInteractionAsync(InteractionRecord interaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        CheckKey(interaction.CallerNumber, "InteractionRecord.CallerNumber", allowEmpty: true);
        if (interaction.Id == Guid.Empty) interaction.Id = Guid.CreateVersion7();
        await WriteAsync(() => _interactions.Insert(interaction), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<InteractionRecord>> GetInteractionsAsync(Guid clientId, int max = 50, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        if (max == 0) return Task.FromResult<IReadOnlyList<InteractionRecord>>([]);
        return Task.FromResult<IReadOnlyList<InteractionRecord>>(LiteDbMapping.InteractionsOf(_interactions, clientId).Limit(max).ToList());
    }

    /// <inheritdoc />
    public Task<InteractionRecord?> LastInteractionFromAsync(string callerNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callerNumber);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        return Task.FromResult<InteractionRecord?>(LiteDbMapping.InteractionsFrom(_interactions, callerNumber).Limit(1).FirstOrDefault());
    }

    /// <inheritdoc />
    public async Task AddTicketAsync(Ticket ticket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        if (ticket.Id == Guid.Empty) ticket.Id = Guid.CreateVersion7();
        if (ticket.CreatedAt == default) ticket.CreatedAt = _time.GetUtcNow();
        await WriteAsync(() => _tickets.Insert(ticket), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Ticket>> GetTicketsAsync(Guid clientId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        var tickets = _tickets.Find(LiteDbMapping.TicketsQuery(clientId)).ToList();
        tickets.Sort((a, b) => a.CreatedAt.CompareTo(b.CreatedAt));
        return Task.FromResult<IReadOnlyList<Ticket>>(tickets);
    }

    /// <inheritdoc />
    public Task<Campaign?> FindCampaignAsync(string dnis, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dnis);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        return Task.FromResult<Campaign?>(dnis.Length == 0 ? null : _campaigns.FindById(dnis));
    }

    /// <inheritdoc />
    public async Task UpsertCampaignAsync(Campaign campaign, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        CheckKey(campaign.Dnis, "Campaign.Dnis", allowEmpty: false);
        await WriteAsync(() => _campaigns.Upsert(campaign), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ClientCard> SetPhotoAsync(Guid clientId, int expectedVersion, Stream photo, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);

        // Read the caller's stream before taking the gate: it may be slow (an upload), the gate must not wait on it.
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await photo.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxPhotoBytes) throw new ArgumentException($"The photo is larger than {MaxPhotoBytes / (1024 * 1024)} MB.", nameof(photo));
            buffer.Write(chunk, 0, read);
        }

        buffer.Position = 0;

        return await WriteAsync(() =>
        {
            var card = _clients.FindById(clientId) ?? throw new KeyNotFoundException($"Client {clientId} does not exist.");
            if (card.Version != expectedVersion) throw new ConcurrencyConflictException(clientId, expectedVersion, card.Version);
            var photoId = PhotoIdOf(clientId);
            _photos.Upload(photoId, System.IO.Path.GetFileName(fileName), buffer);
            card.PhotoId = photoId;
            card.Version++;
            _clients.Update(card);
            return card;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> ReadPhotoAsync(Guid clientId, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        var card = _clients.FindById(clientId);
        if (card?.PhotoId is not { } photoId) return false;
        var file = _photos.FindById(photoId);
        if (file is null) return false;
        using var buffer = new MemoryStream(checked((int)file.Length));
        file.CopyTo(buffer);
        buffer.Position = 0;
        await buffer.CopyToAsync(destination, cancellationToken);
        return true;
    }

    /// <summary>The query plan LiteDB makes for one of the store's lookups (what <c>EXPLAIN</c> prints), so tests
    /// can hold that every lookup seeks its index instead of scanning.</summary>
    internal BsonDocument ExplainLookup(StoreLookup lookup, string value)
    {
        ThrowIfDisposed();
        return lookup switch
        {
            StoreLookup.Phone or StoreLookup.Account or StoreLookup.CardFingerprint => _clients.Query().Where(LiteDbMapping.ClientQuery(lookup, value)).GetPlan(),
            StoreLookup.InteractionsOfClient => LiteDbMapping.InteractionsOf(_interactions, Guid.Parse(value)).Limit(50).GetPlan(),
            StoreLookup.LastInteractionFrom => LiteDbMapping.InteractionsFrom(_interactions, value).Limit(1).GetPlan(),
            StoreLookup.TicketsOfClient => _tickets.Query().Where(LiteDbMapping.TicketsQuery(Guid.Parse(value))).GetPlan(),
            _ => throw new ArgumentOutOfRangeException(nameof(lookup)),
        };
    }

    /// <summary>Runs a SQL command on the store's database (tests: <c>EXPLAIN SELECT ...</c>).</summary>
    internal List<BsonDocument> Execute(string sql, BsonDocument? parameters = null)
    {
        ThrowIfDisposed();
        using var reader = _db.Execute(sql, parameters ?? []);
        var rows = new List<BsonDocument>();
        while (reader.Read()) rows.Add(reader.Current.AsDocument);
        return rows;
    }

    /// <summary>Closes the file. Waits for a write in progress.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _writeGate.Wait();
        try
        {
            _db.Dispose();
        }
        finally
        {
            OpenFiles.TryRemove(FilePath, out _);
            _writeGate.Release();
            _writeGate.Dispose();
        }
    }

    internal static string PhotoIdOf(Guid clientId) => "client/" + clientId.ToString("N");

    /// <summary>One write: under the gate, in a transaction, acknowledged once its pages are in the log file.</summary>
    private async Task<T> WriteAsync<T>(Func<T> write, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();

            // From here to the commit nothing awaits: LiteDB's transaction belongs to this thread.
            if (!_db.BeginTrans()) throw new InvalidOperationException("A LiteDB transaction was left open on this thread.");
            T result;
            try
            {
                result = write();
                _db.Commit();
            }
            catch
            {
                _db.Rollback();
                throw;
            }

            _logFlush.Wait();
            return result;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Refuses a phone, account or card that belongs to another client (the caller holds the gate).</summary>
    private void EnsureUnique(ClientCard card)
    {
        foreach (var phone in card.Phones) ThrowIfTaken(StoreLookup.Phone, phone, card.Id, "Phone " + phone);
        foreach (var account in card.AccountNumbers) ThrowIfTaken(StoreLookup.Account, account, card.Id, "Account " + account);
        foreach (var reference in card.Cards) ThrowIfTaken(StoreLookup.CardFingerprint, reference.Fingerprint, card.Id, DescribeCard(reference));
    }

    private void ThrowIfTaken(StoreLookup lookup, string value, Guid owner, string what)
    {
        foreach (var other in _clients.Query().Where(LiteDbMapping.ClientQuery(lookup, value)).Select(x => x.Id).ToEnumerable())
        {
            if (other != owner) throw new DuplicateClientException($"{what} already belongs to client {other}; it cannot be given to client {owner}.");
        }
    }

    internal static string DescribeCard(CardReference reference) =>
        $"Card ending {reference.Last4} (fingerprint {reference.Fingerprint[..Math.Min(12, reference.Fingerprint.Length)]}...)";

    private static void Validate(ClientCard card)
    {
        ArgumentNullException.ThrowIfNull(card.Phones, "ClientCard.Phones");
        ArgumentNullException.ThrowIfNull(card.AccountNumbers, "ClientCard.AccountNumbers");
        ArgumentNullException.ThrowIfNull(card.Cards, "ClientCard.Cards");
        foreach (var phone in card.Phones)
        {
            if (phone is null || !E164().IsMatch(phone))
            {
                throw new ArgumentException($"Client {card.Id}: phone '{phone}' is not E.164 (+ and 7 to 15 digits); normalize it with PhoneNormalizer first.", nameof(card));
            }
        }

        foreach (var account in card.AccountNumbers) CheckKey(account, "an account number", allowEmpty: false);
        foreach (var reference in card.Cards)
        {
            if (reference is null) throw new ArgumentException($"Client {card.Id}: a card is null.", nameof(card));
            CheckKey(reference.Fingerprint, "a card fingerprint", allowEmpty: false);
        }
    }

    private static void CheckKey(string? value, string what, bool allowEmpty)
    {
        if (value is null) throw new ArgumentException($"{what} is null.");
        if (!allowEmpty && value.Length == 0) throw new ArgumentException($"{what} is empty.");
        if (value.Length > MaxKeyLength) throw new ArgumentException($"{what} is longer than {MaxKeyLength} characters (it is an index key).");
    }

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$", RegexOptions.CultureInvariant)]
    private static partial Regex E164();

    /// <summary>The keys of a batch being inserted, to refuse duplicates inside it before touching the file.</summary>
    private sealed class BatchKeys(int capacity)
    {
        private readonly HashSet<Guid> _ids = new(capacity);
        private readonly Dictionary<string, Guid> _phones = new(capacity, StringComparer.Ordinal);
        private readonly Dictionary<string, Guid> _accounts = new(capacity, StringComparer.Ordinal);
        private readonly Dictionary<string, Guid> _cards = new(capacity, StringComparer.Ordinal);

        public void Add(ClientCard card)
        {
            if (!_ids.Add(card.Id)) throw new DuplicateClientException($"Client {card.Id} appears twice in the batch.");
            foreach (var phone in card.Phones) Claim(_phones, phone, card.Id, "Phone " + phone);
            foreach (var account in card.AccountNumbers) Claim(_accounts, account, card.Id, "Account " + account);
            foreach (var reference in card.Cards) Claim(_cards, reference.Fingerprint, card.Id, DescribeCard(reference));
        }

        /// <summary>Refuses the batch when a stored card (its id and keys, as <see cref="LiteDbMapping.KeysProjection"/>
        /// reads them) has an id or a key of the batch.</summary>
        public void CheckAgainst(IEnumerable<BsonDocument> stored)
        {
            foreach (var doc in stored)
            {
                var id = doc["i"].AsGuid;
                if (_ids.Contains(id)) throw new DuplicateClientException($"Client {id} already exists.");
                Check(_phones, doc["p"], id, "Phone ");
                Check(_accounts, doc["a"], id, "Account ");
                Check(_cards, doc["c"], id, "Card with fingerprint ");
            }
        }

        private static void Check(Dictionary<string, Guid> owners, BsonValue values, Guid storedOwner, string what)
        {
            if (!values.IsArray) return;
            foreach (var value in values.AsArray)
            {
                if (value.IsString && owners.TryGetValue(value.AsString, out var owner))
                {
                    throw new DuplicateClientException($"{what}{value.AsString} already belongs to client {storedOwner}; it cannot be given to client {owner}.");
                }
            }
        }

        private static void Claim(Dictionary<string, Guid> owners, string value, Guid owner, string what)
        {
            if (owners.TryGetValue(value, out var other))
            {
                if (other != owner) throw new DuplicateClientException($"{what} appears on two clients of the batch: {other} and {owner}.");
                return;
            }

            owners.Add(value, owner);
        }
    }
}

/// <summary>The store's indexed lookups (for <see cref="LiteDbClientStore"/>'s plan checks).</summary>
internal enum StoreLookup
{
    Phone,
    Account,
    CardFingerprint,
    InteractionsOfClient,
    LastInteractionFrom,
    TicketsOfClient,
}
