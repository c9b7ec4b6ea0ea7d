using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using LiteDB;
using LiteDB.Engine;

namespace IvrEngine.Profiles;

/// <summary>The client store in one LiteDB file, opened once per process in direct mode (the engine is the only
/// process using the file; shared mode would pass every operation through a system-wide mutex).
/// <para>Every use of LiteDB holds one lock, reads included: LiteDB 5.0.20's page cache can hand a page that one
/// reader has just looked up to another thread for reuse before the first one pins it (LiteDB issue #2817), which
/// reads garbage and then closes the engine ("pages in memory store must be non-shared"); two threads looking
/// clients up in a store larger than the cache hit it within seconds. Lookups take tens of microseconds, so the
/// lock costs latency only under load.</para>
/// <para>Writes go through one writer (see <see cref="LiteDbWriter"/>), each in a transaction: the uniqueness and
/// version checks and the write they guard are atomic. Concurrent small inserts (call records, tickets) share a
/// transaction. A write is acknowledged only once its pages are in LiteDB's log file (see
/// <see cref="LiteDbLogFlush"/>), so it survives the process being killed at any moment after that, and once the
/// log is synced to disk (see <see cref="LiteDbLogFile"/>).</para></summary>
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

    /// <summary>Largest photo accepted (it is read into memory before it is stored).</summary>
    public const int MaxPhotoBytes = 10 * 1024 * 1024;

    private static readonly ConcurrentDictionary<string, bool> OpenFiles = new(StringComparer.Ordinal);

    private readonly LiteDatabase _db;
    private readonly LiteDbLogFile _log;
    private readonly LiteDbLogFlush _logFlush;
    private readonly LiteDbWriter _writer;
    private readonly FairLock _engine = new();
    private readonly ILiteCollection<ClientCard> _clients;
    private readonly ILiteCollection<InteractionRecord> _interactions;
    private readonly ILiteCollection<Ticket> _tickets;
    private readonly ILiteCollection<Campaign> _campaigns;
    private readonly ILiteStorage<string> _photos;
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
            _log = LiteDbLogFile.Open(FilePath);
            try
            {
                _db = new LiteDatabase(new LiteEngine(new EngineSettings
                {
                    Filename = FilePath,
                    LogStream = _log,

                    // Keys compare as written (LiteDB's default ignores case): "abc" and "ABC" are two accounts. Fixed
                    // when the file is created.
                    Collation = new Collation(CultureInfo.InvariantCulture.LCID, CompareOptions.Ordinal),
                }), LiteDbMapping.CreateMapper());
            }
            catch
            {
                _log.Dispose();
                throw;
            }

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
                MakeDurable();
                _writer = new LiteDbWriter(_db, _engine, MakeDurable);
            }
            catch
            {
                _db.Dispose();
                _log.Dispose();
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
        return Task.FromResult<ClientCard?>(Read(() => _clients.FindById(id)));
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
        var query = LiteDbMapping.ClientQuery(lookup, value);
        return Task.FromResult<ClientCard?>(Read(() => _clients.FindOne(query)));
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

        // Map before queueing the write, on every core, in id order: in id order the _id index grows at its end
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
            // An empty collection cannot hold a duplicate: the batch's own set is the whole check (an import's first
            // batch). Otherwise every key of the batch is sought in its index, all of a kind in one query; only the
            // cards that hold one of them are read. A duplicate id is refused by the insert itself (the _id index is
            // unique).
            if (_clients.Exists(Query.All())) batch.CheckAgainst(StoredKeys(batch));
            return InsertDocuments(documents);
        }, cancellationToken);

        foreach (var card in cards) card.Version = 1;
        return stored;
    }

    /// <summary>The stored cards holding one of the batch's keys, as <see cref="LiteDbMapping.KeysProjection"/> reads
    /// them (the caller holds the engine lock).</summary>
    private IEnumerable<BsonDocument> StoredKeys(BatchKeys batch)
    {
        var clients = _db.GetCollection(Clients);
        foreach (var (lookup, keys) in batch.KeysByLookup())
        {
            if (keys.Count == 0) continue;
            foreach (var doc in clients.Query().Where(LiteDbMapping.ClientsHoldingAny(lookup, keys)).Select(LiteDbMapping.KeysProjection).ToList())
            {
                yield return doc;
            }
        }
    }

    /// <summary>Inserts mapped cards (the caller holds the engine lock, in a transaction).</summary>
    private int InsertDocuments(BsonDocument[] documents)
    {
        BsonDocument? current = null;
        IEnumerable<BsonDocument> Tracked()
        {
            foreach (var document in documents)
            {
                current = document;
                yield return document;
            }
        }

        try
        {
            return _db.GetCollection(Clients).Insert(Tracked());
        }
        catch (LiteException ex) when (ex.ErrorCode == LiteException.INDEX_DUPLICATE_KEY && current is not null)
        {
            throw new DuplicateClientException($"Client {current["_id"].AsGuid} already exists.", ex);
        }
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
            var after = last;
            var page = Read(() => _clients.Query().Where(LiteDbMapping.IdsAfter(after)).OrderBy("$._id").Limit(ExportPage).ToList());
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
        return Task.FromResult(Read(() => _clients.Count()));
    }

    /// <inheritdoc />
    public async Task AddInteractionAsync(InteractionRecord interaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        CheckKey(interaction.CallerNumber, "InteractionRecord.CallerNumber", allowEmpty: true);
        if (interaction.Id == Guid.Empty) interaction.Id = Guid.CreateVersion7();
        await WriteAsync(() => _interactions.Insert(interaction), cancellationToken, groupable: true);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<InteractionRecord>> GetInteractionsAsync(Guid clientId, int max = 50, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        if (max == 0) return Task.FromResult<IReadOnlyList<InteractionRecord>>([]);
        return Task.FromResult<IReadOnlyList<InteractionRecord>>(Read(() => LiteDbMapping.InteractionsOf(_interactions, clientId).Limit(max).ToList()));
    }

    /// <inheritdoc />
    public Task<InteractionRecord?> LastInteractionFromAsync(string callerNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callerNumber);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<InteractionRecord?>(Read(() => LiteDbMapping.InteractionsFrom(_interactions, callerNumber).Limit(1).FirstOrDefault()));
    }

    /// <inheritdoc />
    public async Task AddTicketAsync(Ticket ticket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        if (ticket.Id == Guid.Empty) ticket.Id = Guid.CreateVersion7();
        if (ticket.CreatedAt == default) ticket.CreatedAt = _time.GetUtcNow();
        await WriteAsync(() => _tickets.Insert(ticket), cancellationToken, groupable: true);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Ticket>> GetTicketsAsync(Guid clientId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var tickets = Read(() => _tickets.Find(LiteDbMapping.TicketsQuery(clientId)).ToList());
        tickets.Sort((a, b) => a.CreatedAt.CompareTo(b.CreatedAt));
        return Task.FromResult<IReadOnlyList<Ticket>>(tickets);
    }

    /// <inheritdoc />
    public Task<Campaign?> FindCampaignAsync(string dnis, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dnis);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        return Task.FromResult<Campaign?>(dnis.Length == 0 ? null : Read(() => _campaigns.FindById(dnis)));
    }

    /// <inheritdoc />
    public async Task UpsertCampaignAsync(Campaign campaign, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        CheckKey(campaign.Dnis, "Campaign.Dnis", allowEmpty: false);
        await WriteAsync(() => _campaigns.Upsert(campaign), cancellationToken, groupable: true);
    }

    /// <inheritdoc />
    public async Task<ClientCard> SetPhotoAsync(Guid clientId, int expectedVersion, Stream photo, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);

        // Read the caller's stream before queueing the write: it may be slow (an upload), the writer must not wait on it.
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
        var bytes = Read(() =>
        {
            var card = _clients.FindById(clientId);
            if (card?.PhotoId is not { } photoId) return null;
            var file = _photos.FindById(photoId);
            if (file is null) return null;
            using var buffer = new MemoryStream(checked((int)file.Length));
            file.CopyTo(buffer);
            return buffer.ToArray();
        });
        if (bytes is null) return false;
        await destination.WriteAsync(bytes, cancellationToken);
        return true;
    }

    /// <summary>The query plan LiteDB makes for one of the store's lookups (what <c>EXPLAIN</c> prints), so tests
    /// can hold that every lookup seeks its index instead of scanning.</summary>
    internal BsonDocument ExplainLookup(StoreLookup lookup, string value) => Read(() => lookup switch
    {
        StoreLookup.Phone or StoreLookup.Account or StoreLookup.CardFingerprint => _clients.Query().Where(LiteDbMapping.ClientQuery(lookup, value)).GetPlan(),
        StoreLookup.InteractionsOfClient => LiteDbMapping.InteractionsOf(_interactions, Guid.Parse(value)).Limit(50).GetPlan(),
        StoreLookup.LastInteractionFrom => LiteDbMapping.InteractionsFrom(_interactions, value).Limit(1).GetPlan(),
        StoreLookup.TicketsOfClient => _tickets.Query().Where(LiteDbMapping.TicketsQuery(Guid.Parse(value))).GetPlan(),
        _ => throw new ArgumentOutOfRangeException(nameof(lookup)),
    });

    /// <summary>The plan LiteDB makes for the query that checks a batch's keys against the store.</summary>
    internal BsonDocument ExplainBatchCheck(StoreLookup lookup, IReadOnlyCollection<string> keys) =>
        Read(() => _db.GetCollection(Clients).Query().Where(LiteDbMapping.ClientsHoldingAny(lookup, keys)).Select(LiteDbMapping.KeysProjection).GetPlan());

    /// <summary>Runs a SQL command on the store's database (tests: <c>EXPLAIN SELECT ...</c>).</summary>
    internal List<BsonDocument> Execute(string sql, BsonDocument? parameters = null) => Read(() =>
    {
        using var reader = _db.Execute(sql, parameters ?? []);
        var rows = new List<BsonDocument>();
        while (reader.Read()) rows.Add(reader.Current.AsDocument);
        return rows;
    });

    /// <summary>How many transactions the writer has committed since the store was opened.</summary>
    internal long WriterCommits => _writer.Commits;

    /// <summary>Closes the file once every write already queued is done.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            _writer.Complete();
            using (_engine.Hold())
            {
                _db.Dispose();
            }
        }
        finally
        {
            _log.Dispose();
            OpenFiles.TryRemove(FilePath, out _);
        }

        // LiteDB deletes an empty log file of its own; it cannot delete one it was handed.
        try
        {
            if (new FileInfo(_log.Path) is { Exists: true, Length: 0 }) File.Delete(_log.Path);
        }
        catch (IOException)
        {
            // Opened by someone else (a backup reading it): an empty log file is harmless.
        }
    }

    internal static string PhotoIdOf(Guid clientId) => "client/" + clientId.ToString("N");

    /// <summary>One write, run by the writer in a transaction; returns once it is committed and durable.</summary>
    private Task<T> WriteAsync<T>(Func<T> write, CancellationToken cancellationToken, bool groupable = false)
    {
        ThrowIfDisposed();
        return _writer.WriteAsync(write, groupable, cancellationToken);
    }

    /// <summary>One read under the engine lock.</summary>
    private T Read<T>(Func<T> read)
    {
        ThrowIfDisposed();
        using (_engine.Hold())
        {
            ThrowIfDisposed();
            return read();
        }
    }

    /// <summary>Returns once every commit so far is in the log file and the log file is on disk (called by the
    /// writer, the only one committing).</summary>
    private void MakeDurable()
    {
        _logFlush.Wait();
        _log.FlushToDisk();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Refuses a phone, account or card that belongs to another client (run by the writer).</summary>
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

        /// <summary>The batch's phones, accounts and card fingerprints.</summary>
        public IEnumerable<(StoreLookup Lookup, IReadOnlyCollection<string> Keys)> KeysByLookup()
        {
            yield return (StoreLookup.Phone, _phones.Keys);
            yield return (StoreLookup.Account, _accounts.Keys);
            yield return (StoreLookup.CardFingerprint, _cards.Keys);
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
