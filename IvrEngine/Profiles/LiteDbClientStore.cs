using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using LiteDB;
using LiteDB.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IvrEngine.Profiles;

/// <summary>The client store in one LiteDB file, opened by one process at a time, in direct mode: the process holds
/// the store's lock file (<see cref="LockPathFor"/>) exclusively while the store is open, so a second process (an
/// import while the engine runs, two imports) is refused with a plain message instead of both writing the file and
/// losing each other's writes (shared mode would pass every operation through a system-wide mutex instead).
/// <para>Every use of LiteDB holds one lock, reads included: LiteDB 5.0.20's page cache can hand a page that one
/// reader has just looked up to another thread for reuse before the first one pins it (LiteDB issue #2817), which
/// reads garbage and then closes the engine ("pages in memory store must be non-shared"); two threads looking
/// clients up in a store larger than the cache hit it within seconds. Lookups take tens of microseconds, so the
/// lock costs latency only under load.</para>
/// <para>Writes go through one writer (see <see cref="LiteDbWriter"/>), each in a transaction: the uniqueness and
/// version checks and the write they guard are atomic. Concurrent small inserts (call records, tickets) share a
/// transaction. A write is acknowledged only once its pages are in LiteDB's log file (see
/// <see cref="WaitLogged"/>), so it survives the process being killed at any moment after that, and once the
/// log is synced to disk (see <see cref="LiteDbLogFile"/>).</para></summary>
public sealed partial class LiteDbClientStore : IClientStore, IStoreFile
{
    internal const string Clients = "clients";
    internal const string ClientKeys = "client_keys";
    internal const string Interactions = "interactions";
    internal const string LastContacts = "last_contacts";
    internal const string Tickets = "tickets";
    internal const string Campaigns = "campaigns";
    internal const string PhotoFiles = "photos";
    internal const string PhotoChunks = "photos_chunks";

    internal const int MaxKeyLength = 256;
    private const int ExportPage = 500;

    /// <summary>Largest photo accepted (it is read into memory before it is stored).</summary>
    public const int MaxPhotoBytes = 10 * 1024 * 1024;

    private static readonly ConcurrentDictionary<string, bool> OpenFiles = new(StringComparer.Ordinal);

    private readonly LiteDbLogFile _log;
    private readonly FileStream _holder;
    private readonly LiteDbWriter _writer;
    private readonly FairLock _engine = new();
    private readonly CampaignCache _campaignCache = new();
    private readonly StoreReadCache _cache;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    // The LiteDB database and its collections: replaced (under the engine lock) when LiteDB closed itself after a
    // damaged page (see Recover).
    private LiteDatabase _db = null!;
    private ILiteCollection<ClientCard> _clients = null!;
    private ILiteCollection<BsonDocument> _keys = null!;
    private ILiteCollection<InteractionRecord> _interactions = null!;
    private ILiteCollection<BsonDocument> _lastContacts = null!;
    private ILiteCollection<Ticket> _tickets = null!;
    private ILiteCollection<Campaign> _campaigns = null!;
    private ILiteStorage<string> _photos = null!;
    private Exception? _closed;
    private int _disposed;

    /// <summary>Opens (or creates) the store configured in <paramref name="options"/>.</summary>
    public LiteDbClientStore(StoreOptions options, TimeProvider? timeProvider = null, ILogger? logger = null)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Path, timeProvider, logger, options.CacheClients,
            TimeSpan.FromMilliseconds(options.GroupCommitMilliseconds))
    {
    }

    /// <summary>Opens (or creates) the store in <paramref name="path"/> (relative to the current directory unless
    /// rooted); its folder is created. One process opens a store at a time (it holds <see cref="LockPathFor"/>
    /// exclusively until disposed), and one store per file per process: a second open throws a
    /// <see cref="ClientStoreException"/> naming the store. A file that is not a store (a folder, fewer bytes than
    /// a store's first page, a damaged first page) is refused the same way, and never replaced or filled.
    /// <paramref name="cacheClients"/> bounds what lookups keep in memory (<see cref="StoreOptions.CacheClients"/>;
    /// 0 keeps nothing). <paramref name="groupCommit"/> is how long the writer waits for more records to commit with
    /// one (<see cref="StoreOptions.GroupCommitMilliseconds"/>; null: none), on <paramref name="groupCommitClock"/>:
    /// the system's clock unless a test gives one. Not <paramref name="timeProvider"/>: a host whose clock is a test's
    /// fake (the times it stamps on what it stores) must not leave every record waiting for that clock to move.</summary>
    public LiteDbClientStore(string path, TimeProvider? timeProvider = null, ILogger? logger = null, int cacheClients = StoreOptions.DefaultCacheClients,
        TimeSpan? groupCommit = null, TimeProvider? groupCommitClock = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfNegative(cacheClients);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cacheClients, StoreOptions.MaxCacheClients);
        _cache = new StoreReadCache(cacheClients);
        FilePath = System.IO.Path.GetFullPath(path);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        if (!OpenFiles.TryAdd(FilePath, true))
        {
            throw new ClientStoreException($"The client store {FilePath} is already open in this process; share the one instance.") { InUse = true };
        }

        try
        {
            if (Directory.Exists(FilePath))
            {
                throw new ClientStoreException($"The client store {FilePath} is a folder (Store:Path must name a file, e.g. {System.IO.Path.Combine(FilePath, "ivrengine.db")}).");
            }

            var folder = System.IO.Path.GetDirectoryName(FilePath);
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            _holder = Hold(FilePath);
            try
            {
                var file = new FileInfo(FilePath);
                Created = !file.Exists;
                if (file.Exists && file.Length < StorePageSize)
                {
                    throw new ClientStoreException($"The client store {FilePath} is {file.Length} bytes, less than a store's first page ({StorePageSize} bytes): "
                        + "it is truncated or not a store, and it was left as it is. Restore it from a backup, or move it away to start an empty store.");
                }

                _log = LiteDbLogFile.Open(FilePath);
                try
                {
                    try
                    {
                        OpenDatabase();
                    }
                    catch (Exception ex) when (ex is not ClientStoreException)
                    {
                        throw new ClientStoreException($"The client store {FilePath} cannot be opened ({ex.Message}): it is not a store this engine "
                            + "wrote, or it is damaged. Restore it from a backup, or move it away to start an empty store.", ex);
                    }

                    _writer = new LiteDbWriter(() => _db, _engine, LoggedLength, WaitLogged, Failed, _cache.TransactionEnded, groupCommit ?? TimeSpan.Zero,
                        groupCommitClock ?? TimeProvider.System);
                }
                catch
                {
                    _log.Dispose();
                    throw;
                }
            }
            catch
            {
                _holder.Dispose();
                throw;
            }
        }
        catch
        {
            OpenFiles.TryRemove(FilePath, out _);
            throw;
        }
    }

    /// <summary>Size of LiteDB's pages: a store file holds at least its header page.</summary>
    internal const int StorePageSize = 8192;

    /// <summary>The file a process holds exclusively while it has the store <paramref name="dataPath"/> open (an
    /// operating-system lock, released when the process ends, however it ends).</summary>
    public static string LockPathFor(string dataPath) => System.IO.Path.GetFullPath(dataPath) + ".lock";

    /// <summary>True when the file did not exist before this open (the store was created now: the only store demo
    /// data may go into).</summary>
    public bool Created { get; }

    /// <summary>The store's failures since it was opened (see <see cref="StoreHealth"/>).</summary>
    public StoreHealth Health { get; } = new();

    /// <summary>Takes the store's lock file exclusively (FileShare.None: an advisory flock on Linux, a sharing lock on
    /// Windows), or throws naming the store when another process has it.</summary>
    private static FileStream Hold(string dataPath)
    {
        var lockPath = LockPathFor(dataPath);
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException ex)
        {
            throw new ClientStoreException($"The client store {dataPath} is in use by another process (a running engine, or an import, export, "
                + "users or tokens command): one process opens a store at a time. Stop the other one first, or give another Store:Path.", ex) { InUse = true };
        }
    }

    /// <summary>Opens LiteDB on the file and the log, readies the collections and indexes (and upgrades an older
    /// store), and makes it all durable.</summary>
    private void OpenDatabase()
    {
        var db = new LiteDatabase(new LiteEngine(new EngineSettings
        {
            Filename = FilePath,
            LogStream = _log,

            // Keys compare as written (LiteDB's default ignores case): "abc" and "ABC" are two accounts. Fixed
            // when the file is created.
            Collation = new Collation(CultureInfo.InvariantCulture.LCID, CompareOptions.Ordinal),
        }), LiteDbMapping.CreateMapper());
        try
        {
            Bind(db);
            MoveLegacyIndexesToKeys();
            _interactions.EnsureIndex(LiteDbMapping.ClientIndex, "$.ClientId");
            // The newest call from a number comes from its last-contact summary: nothing queries records by
            // number any more, and an index nothing reads only slows every record's insert.
            _interactions.DropIndex(LiteDbMapping.CallerIndex);
            // Nor by time: every query of records seeks the client's or the call's index and sorts what it finds;
            // the index on time was one more skip list walked and written by every call's record.
            _interactions.DropIndex(LiteDbMapping.AtIndex);
            _tickets.EnsureIndex(LiteDbMapping.ClientIndex, "$.ClientId");
            EnsureDeskIndexes();
            EnsureDialerIndexes();
            BuildMissingLastContacts();
            WaitLogged(LoggedLength(db));
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private void Bind(LiteDatabase db)
    {
        _db = db;
        _clients = _db.GetCollection<ClientCard>(Clients);
        _keys = _db.GetCollection(ClientKeys);
        _interactions = _db.GetCollection<InteractionRecord>(Interactions);
        _lastContacts = _db.GetCollection(LastContacts);
        _tickets = _db.GetCollection<Ticket>(Tickets);
        _campaigns = _db.GetCollection<Campaign>(Campaigns);
        _photos = _db.GetStorage<string>(PhotoFiles, PhotoChunks);
        _closed = null;
    }

    /// <summary>An operation failed (under the engine lock). A failure of the store itself (LiteDB's error, an I/O
    /// error) is counted, logged (as an error the first time, with what to do), and LiteDB is opened again: LiteDB 5
    /// closes its whole engine when it meets a damaged page ("Page type must be data page") or an I/O error, and a
    /// closed engine then fails every later operation (and leaks a transaction each time, until "Maximum number of
    /// transactions reached"). Reopened, every other client and write works again; the damaged part fails only the
    /// operations that read it. Returns the error to give the operation's caller.</summary>
    private Exception Failed(Exception error)
    {
        if (!IsStoreFailure(error) || Volatile.Read(ref _disposed) != 0) return error;
        // Reopened, the file is what its commits made it; forget what was read before, to be safe.
        _cache.Clear();
        if (Health.Record(error.Message, _time.GetUtcNow())) LogDamaged(_logger, FilePath, error.Message, StoreHealth.Remedy, error);
        else LogFailure(_logger, FilePath, error.Message);
        try
        {
            _db.Dispose();
        }
        catch (Exception ex) when (ex is LiteException or IOException or ObjectDisposedException)
        {
            // Closed already: what matters is the new one.
        }

        try
        {
            OpenDatabase();
        }
        catch (Exception ex) when (ex is LiteException or IOException or InvalidOperationException)
        {
            // Tried again by the next operation (see Open).
            _closed = ex;
        }

        return new ClientStoreException($"The client store {FilePath} failed: {error.Message}. Only this operation failed; {StoreHealth.Remedy}.", error);
    }

    /// <summary>True for an error of the store itself: LiteDB's (but a duplicate key, which is the write's), an I/O
    /// error, or any exception thrown inside LiteDB (a damaged page can make it read garbage as lengths and offsets).
    /// Not the store's own refusals (duplicates, versions, a missing client), which the writes throw themselves.</summary>
    private static bool IsStoreFailure(Exception error) => error switch
    {
        ClientStoreException or OperationCanceledException or ObjectDisposedException => false,
        LiteException lite => lite.ErrorCode != LiteException.INDEX_DUPLICATE_KEY,
        IOException => true,
        _ => error.TargetSite?.DeclaringType?.Assembly == typeof(LiteDatabase).Assembly,
    };

    /// <summary>The database, opened again if a failure left it closed (under the engine lock).</summary>
    private LiteDatabase Open()
    {
        if (_closed is { } closed)
        {
            try
            {
                OpenDatabase();
            }
            catch (Exception ex) when (ex is LiteException or IOException or InvalidOperationException)
            {
                _closed = ex;
                throw new ClientStoreException($"The client store {FilePath} cannot be opened again after a failure ({ex.Message}); {StoreHealth.Remedy}.", closed);
            }
        }

        return _db;
    }

    /// <summary>The full path of the store's file.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public async Task<ClientCard?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        if (_cache.TryGetCard(id, out var kept)) return kept;
        var (document, generation) = await ReadAsync(() => (_db.GetCollection(Clients).FindById(id), _cache.CardGeneration));
        return Keep(ToCard(document), generation);
    }

    /// <summary>Keeps a card just read (see <see cref="StoreReadCache.AddCard"/>) and returns it.</summary>
    private ClientCard? Keep(ClientCard? card, long generation)
    {
        if (card is not null) _cache.AddCard(card, generation);
        return card;
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

    private async Task<ClientCard?> FindOneAsync(StoreLookup lookup, string value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        var key = LiteDbMapping.KeyOf(lookup, value);

        // A key read before, and its client's card: no seek, no wait for the engine lock.
        if (_cache.TryGetOwner(key, out var owner))
        {
            if (owner == Guid.Empty) return null;
            if (_cache.TryGetCard(owner, out var kept)) return kept;
        }

        // Two short holds of the engine lock (the key's client, then the client) rather than one long one: a
        // concurrent lookup takes its turn in between, which halves what it waits for.
        var clientId = await ReadAsync(() =>
        {
            var id = _keys.FindById(key)?[LiteDbMapping.KeyClient];
            _cache.SetOwner(key, id is null ? Guid.Empty : id.AsGuid);
            return id;
        });
        if (clientId is null) return null;
        var (document, generation) = await ReadAsync(() => (_db.GetCollection(Clients).FindById(clientId), _cache.CardGeneration));
        var card = ToCard(document);
        if (card is not null && Holds(card, lookup, value)) return Keep(card, generation);

        // An update moved the key between the two reads: read both under one hold.
        return ToCard(await ReadAsync(() => _keys.FindById(key) is { } moved ? _db.GetCollection(Clients).FindById(moved[LiteDbMapping.KeyClient]) : null));
    }

    private static bool Holds(ClientCard card, StoreLookup lookup, string value) => lookup switch
    {
        StoreLookup.Phone => card.Phones.Contains(value, StringComparer.Ordinal),
        StoreLookup.Account => card.AccountNumbers.Contains(value, StringComparer.Ordinal),
        _ => card.Cards.Exists(reference => string.Equals(reference.Fingerprint, value, StringComparison.Ordinal)),
    };

    /// <summary>A card from its document, mapped outside the engine lock: the reflection mapper takes about as long as
    /// the reads, and another lookup may use the engine meanwhile.</summary>
    private ClientCard? ToCard(BsonDocument? document) => document is null ? null : _db.Mapper.ToObject<ClientCard>(document);

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
            var keys = KeysOf(card).ToList();
            Forget(keys, card.Id);
            AddKeys(keys);
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

        // In id order, the _id index grows at its end instead of at random places (several times faster). Each card is
        // mapped to its document as the writer inserts it: a document lives for microseconds instead of for the
        // whole batch, and the garbage collector no longer copies a batch of them from generation to generation.
        var ordered = cards.ToArray();
        Array.Sort(ordered, (a, b) => a.Id.CompareTo(b.Id));

        // The keys in order: consecutive inserts then land next to each other in the keys index (its pages stay in
        // LiteDB's cache), which for keys in random order makes the insert about a third faster.
        var keys = new List<ClientKey>(cards.Count * 2);
        foreach (var card in cards) keys.AddRange(KeysOf(card));
        keys.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));

        var stored = await WriteAsync(() =>
        {
            // What lookups kept of these keys (nobody's, most likely) and ids is forgotten before the commit.
            Forget(keys, null);
            foreach (var card in ordered) _cache.ForgetCard(card.Id);

            // Every key is a document id in the keys collection: a key another client holds is refused by its unique
            // index as it is inserted, so checking costs nothing more than the insert. A duplicate id is refused
            // the same way by the clients collection's.
            AddKeys(keys);
            return InsertDocuments(ordered);
        }, cancellationToken);

        foreach (var card in cards) card.Version = 1;
        return stored;
    }

    /// <summary>Inserts new cards as version 1 (run by the writer, in a transaction).</summary>
    private int InsertDocuments(ClientCard[] cards)
    {
        ClientCard? current = null;
        IEnumerable<BsonDocument> Documents()
        {
            foreach (var card in cards)
            {
                current = card;
                var document = LiteDbMapping.ToDocument(card);
                document[nameof(ClientCard.Version)] = 1;
                yield return document;
            }
        }

        try
        {
            return _db.GetCollection(Clients).Insert(Documents());
        }
        catch (LiteException ex) when (ex.ErrorCode == LiteException.INDEX_DUPLICATE_KEY && current is not null)
        {
            throw new DuplicateClientException($"Client {current.Id} already exists.", ex);
        }
    }

    /// <summary>Adds key documents (run by the writer, in a transaction); a key another client holds refuses the write
    /// with a <see cref="DuplicateClientException"/> naming both.</summary>
    private void AddKeys(IEnumerable<ClientKey> keys)
    {
        ClientKey? current = null;
        IEnumerable<BsonDocument> Documents()
        {
            foreach (var key in keys)
            {
                current = key;
                yield return LiteDbMapping.KeyDocument(key.Key, key.Owner);
            }
        }

        try
        {
            _keys.Insert(Documents());
        }
        catch (LiteException ex) when (ex.ErrorCode == LiteException.INDEX_DUPLICATE_KEY && current is { } clash)
        {
            var other = _keys.FindById(clash.Key)?[LiteDbMapping.KeyClient].AsGuid;
            throw new DuplicateClientException($"{clash.What} already belongs to client {other}; it cannot be given to client {clash.Owner}.", ex);
        }
    }

    /// <summary>A card's keys (<see cref="LiteDbMapping.KeyOf"/>), each once, with how to name them in an error.</summary>
    private static IEnumerable<ClientKey> KeysOf(ClientCard card)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var phone in card.Phones)
        {
            var key = LiteDbMapping.KeyOf(StoreLookup.Phone, phone);
            if (seen.Add(key)) yield return new ClientKey(key, card.Id, "Phone " + phone);
        }

        foreach (var account in card.AccountNumbers)
        {
            var key = LiteDbMapping.KeyOf(StoreLookup.Account, account);
            if (seen.Add(key)) yield return new ClientKey(key, card.Id, "Account " + account);
        }

        foreach (var reference in card.Cards)
        {
            var key = LiteDbMapping.KeyOf(StoreLookup.CardFingerprint, reference.Fingerprint);
            if (seen.Add(key)) yield return new ClientKey(key, card.Id, DescribeCard(reference));
        }
    }

    /// <summary>Stores written before the keys collection kept phones, accounts and card fingerprints in multikey
    /// indexes on the clients collection (which LiteDB cannot make unique, so every write sought each key first):
    /// their keys are copied into the keys collection and those indexes dropped, in one transaction.</summary>
    private void MoveLegacyIndexesToKeys()
    {
        var legacy = _db.GetCollection("$indexes").Query().Where(BsonExpression.Create("$.collection = @0", Clients)).ToList()
            .Select(index => index["name"].AsString)
            .Where(name => LiteDbMapping.LegacyClientIndexes.Contains(name, StringComparer.Ordinal))
            .ToList();
        if (legacy.Count == 0) return;
        if (!_db.BeginTrans()) throw new InvalidOperationException("A LiteDB transaction was left open on this thread.");
        try
        {
            var keys = _clients.FindAll().SelectMany(KeysOf).ToList();
            keys.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            AddKeys(keys);
            foreach (var name in legacy) _clients.DropIndex(name);
            _db.Commit();
        }
        catch (DuplicateClientException ex)
        {
            _db.Rollback();
            throw new InvalidOperationException($"The store {FilePath} cannot be upgraded: two clients share a key. {ex.Message}", ex);
        }
        catch
        {
            _db.Rollback();
            throw;
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

            // Keys the card no longer has are freed before the new ones are claimed.
            var before = KeysOf(current).Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
            var after = KeysOf(card).ToList();
            var kept = after.Select(k => k.Key).ToHashSet(StringComparer.Ordinal);
            // The keys that change, and the card: an unchanged key still names this client.
            _cache.ForgetKeys(before.Where(key => !kept.Contains(key)));
            Forget(after.Where(key => !before.Contains(key.Key)).ToList(), card.Id);
            foreach (var key in before)
            {
                if (!kept.Contains(key)) _keys.Delete(key);
            }

            AddKeys(after.Where(k => !before.Contains(k.Key)));
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
            var page = await ReadAsync(() => _clients.Query().Where(LiteDbMapping.IdsAfter(after)).OrderBy("$._id").Limit(ExportPage).ToList());
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
    public async Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await ReadAsync(() => _clients.Count());
    }

    /// <inheritdoc />
    public async Task AddInteractionAsync(InteractionRecord interaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        CheckKey(interaction.CallerNumber, "InteractionRecord.CallerNumber", allowEmpty: true);
        if (interaction.Id == Guid.Empty) interaction.Id = Guid.CreateVersion7();
        await WriteAsync(() =>
        {
            // The summaries, then the record: a record that fails (a duplicate id) rolls back the summaries with it.
            // Mapped by hand (LiteDbMapping.ToDocument): the reflection mapper cost more than the insert.
            RecordLastContact(interaction);
            _db.GetCollection(Interactions).Insert(LiteDbMapping.ToDocument(interaction));
            return true;
        }, cancellationToken, groupable: true);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<InteractionRecord>> GetInteractionsAsync(Guid clientId, int max = 50, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        if (max == 0) return [];

        // The newest alone (every lookup of a known caller asks for it) comes from the client's summary: two seeks
        // however many times the client called. More than one sorts the client's records.
        if (max == 1)
        {
            var newest = await ReadAsync(() => NewestOf(LiteDbMapping.LastContactOfClient(clientId)));
            return newest is null ? [] : [newest];
        }

        return await ReadAsync(() => LiteDbMapping.InteractionsOf(_interactions, clientId).Limit(max).ToList());
    }

    /// <inheritdoc />
    public async Task<InteractionRecord?> LastInteractionFromAsync(string callerNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callerNumber);
        cancellationToken.ThrowIfCancellationRequested();
        return callerNumber.Length == 0 ? null : await ReadAsync(() => NewestOf(LiteDbMapping.LastContactFrom(callerNumber)));
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset?> LastContactAtAsync(Guid clientId, string? callerNumber, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        var number = string.IsNullOrEmpty(callerNumber) ? null : callerNumber;

        // Kept in memory once read (every call record sets them as it commits): no seek, no wait for the lock.
        if (_cache.TryGetContact(clientId, out var ofClient))
        {
            var fromNumber = -1L;
            if (number is null || _cache.TryGetContact(number, out fromNumber)) return AtTicks(Math.Max(ofClient, fromNumber));
        }

        // The summaries carry the time: two small seeks under one hold, no record read or mapped (a known caller's
        // lookup used to read both newest records in full, four seeks, for their times alone).
        var ticks = await ReadAsync(() => Math.Max(ContactTicks(clientId), number is null ? -1 : ContactTicks(number)));
        return AtTicks(ticks);
    }

    private static DateTimeOffset? AtTicks(long ticks) => ticks < 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    /// <summary>A client's last-contact ticks, -1 for none, kept once read (under the engine lock).</summary>
    private long ContactTicks(Guid clientId)
    {
        if (_cache.TryGetContact(clientId, out var ticks)) return ticks;
        ticks = TicksOf(LiteDbMapping.LastContactOfClient(clientId));
        _cache.SetContact(clientId, ticks);
        return ticks;
    }

    /// <summary>A caller number's last-contact ticks, -1 for none, kept once read (under the engine lock).</summary>
    private long ContactTicks(string callerNumber)
    {
        if (_cache.TryGetContact(callerNumber, out var ticks)) return ticks;
        ticks = TicksOf(LiteDbMapping.LastContactFrom(callerNumber));
        _cache.SetContact(callerNumber, ticks);
        return ticks;
    }

    /// <summary>Records <paramref name="interaction"/> as the newest call of its client and of its caller number,
    /// unless a newer call is there already (records may arrive out of order: a long call is recorded after a short
    /// one that started later). Run by the writer, in the record's transaction: the times it sees are the
    /// transaction's own, else the kept ones, else the file's; what it writes is kept once the transaction
    /// commits. A summary is written with Upsert, which finds it through the _id index directly, not through a
    /// query.</summary>
    private void RecordLastContact(InteractionRecord interaction)
    {
        var ticks = interaction.At.UtcTicks;
        if (interaction.ClientId is { } clientId)
        {
            var current = _cache.TryGetPendingContact(clientId, out var known) ? known : TicksOf(LiteDbMapping.LastContactOfClient(clientId));
            if (current <= ticks)
            {
                _lastContacts.Upsert(LiteDbMapping.LastContactDocument(LiteDbMapping.LastContactOfClient(clientId), interaction.Id, ticks));
                current = ticks;
            }

            _cache.PendingContact(clientId, current);
        }

        if (interaction.CallerNumber.Length > 0)
        {
            var number = interaction.CallerNumber;
            var current = _cache.TryGetPendingContact(number, out var known) ? known : TicksOf(LiteDbMapping.LastContactFrom(number));
            if (current <= ticks)
            {
                _lastContacts.Upsert(LiteDbMapping.LastContactDocument(LiteDbMapping.LastContactFrom(number), interaction.Id, ticks));
                current = ticks;
            }

            _cache.PendingContact(number, current);
        }
    }

    /// <summary>Forgets what a client write changes (under the engine lock, before it commits): its keys and card.</summary>
    private void Forget(List<ClientKey> keys, Guid? clientId)
    {
        _cache.ForgetKeys(keys.Select(key => key.Key));
        if (clientId is { } id) _cache.ForgetCard(id);
    }

    /// <summary>The UTC ticks a last-contact summary holds, or -1 when there is none (under the engine lock).</summary>
    private long TicksOf(string summaryKey) =>
        _lastContacts.FindById(summaryKey) is { } summary ? summary[LiteDbMapping.LastContactTicks].AsInt64 : -1;

    /// <summary>The interaction a last-contact summary names (under the engine lock).</summary>
    private InteractionRecord? NewestOf(string summaryKey) =>
        _lastContacts.FindById(summaryKey) is { } summary ? _interactions.FindById(summary[LiteDbMapping.LastContactInteraction]) : null;

    /// <summary>A store written before last-contact summaries existed gets them from its interactions, once, in one
    /// pass (about a second per 100,000 records), when it is opened.</summary>
    private void BuildMissingLastContacts()
    {
        if (_lastContacts.Count() > 0 || _interactions.Count() == 0) return;
        var newest = new Dictionary<string, (Guid Id, long Ticks)>(StringComparer.Ordinal);
        foreach (var interaction in _interactions.FindAll())
        {
            foreach (var key in LiteDbMapping.LastContactKeys(interaction))
            {
                if (!newest.TryGetValue(key, out var current) || current.Ticks <= interaction.At.UtcTicks)
                {
                    newest[key] = (interaction.Id, interaction.At.UtcTicks);
                }
            }
        }

        _lastContacts.InsertBulk(newest.Select(pair => new BsonDocument
        {
            ["_id"] = pair.Key,
            [LiteDbMapping.LastContactInteraction] = pair.Value.Id,
            [LiteDbMapping.LastContactTicks] = pair.Value.Ticks,
        }));
    }

    /// <inheritdoc />
    public async Task AddTicketAsync(Ticket ticket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        if (ticket.Id == Guid.Empty) ticket.Id = Guid.CreateVersion7();
        if (ticket.CreatedAt == default) ticket.CreatedAt = _time.GetUtcNow();

        // A new ticket is version 1, as a new card is: UpdateTicketAsync compares against it.
        ticket.Version = 1;
        await WriteAsync(() => _tickets.Insert(ticket), cancellationToken, groupable: true);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Ticket>> GetTicketsAsync(Guid clientId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var tickets = await ReadAsync(() => _tickets.Find(LiteDbMapping.TicketsQuery(clientId)).ToList());
        tickets.Sort((a, b) => a.CreatedAt.CompareTo(b.CreatedAt));
        return tickets;
    }

    /// <inheritdoc />
    public async Task<Campaign?> FindCampaignAsync(string dnis, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dnis);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        if (dnis.Length == 0) return null;
        if (_campaignCache.TryGet(dnis, out var cached)) return cached;
        var generation = _campaignCache.Generation;
        var campaign = await ReadAsync(() => _campaigns.FindById(dnis));
        _campaignCache.Add(dnis, campaign, generation);
        return campaign;
    }

    /// <inheritdoc />
    public async Task UpsertCampaignAsync(Campaign campaign, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        CheckKey(campaign.Dnis, "Campaign.Dnis", allowEmpty: false);
        await WriteAsync(() =>
        {
            _campaignCache.Invalidate(); // under the engine lock: no read runs between this and the commit
            return _campaigns.Upsert(campaign);
        }, cancellationToken, groupable: true);
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
            _cache.ForgetCard(clientId);
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
        var bytes = await ReadAsync(() =>
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
        StoreLookup.Phone or StoreLookup.Account or StoreLookup.CardFingerprint => _keys.Query().Where(LiteDbMapping.KeyQuery(lookup, value)).GetPlan(),
        StoreLookup.InteractionsOfClient => LiteDbMapping.InteractionsOf(_interactions, Guid.Parse(value)).Limit(50).GetPlan(),
        StoreLookup.LastInteractionFrom => _lastContacts.Query().Where(BsonExpression.Create("$._id = @0", LiteDbMapping.LastContactFrom(value))).GetPlan(),
        StoreLookup.LastInteractionOfClient => _lastContacts.Query().Where(BsonExpression.Create("$._id = @0", LiteDbMapping.LastContactOfClient(Guid.Parse(value)))).GetPlan(),
        StoreLookup.TicketsOfClient => _tickets.Query().Where(LiteDbMapping.TicketsQuery(Guid.Parse(value))).GetPlan(),
        _ => throw new ArgumentOutOfRangeException(nameof(lookup)),
    });

    /// <summary>LiteDB's system collection describing the open database.</summary>
    internal const string DatabaseInfo = "$database";

    /// <summary>Longest wait for LiteDB's writer to put a commit's pages into the log file.</summary>
    private static readonly TimeSpan LogWriteTimeout = TimeSpan.FromSeconds(60);

    [LoggerMessage(EventId = 800, Level = LogLevel.Error, Message = "The client store {Path} is damaged: {Error}. Only the operations that read the damaged part fail (a call whose lookup fails goes on as an unknown caller); the store was reopened and serves every other client. To repair it, {Remedy}")]
    private static partial void LogDamaged(ILogger logger, string path, string error, string remedy, Exception exception);

    [LoggerMessage(EventId = 801, Level = LogLevel.Warning, Message = "The client store {Path} failed again: {Error} (reported once above, with what to do; /health says degraded)")]
    private static partial void LogFailure(ILogger logger, string path, string error);

    /// <summary>Runs a SQL command on the store's database (tests: <c>EXPLAIN SELECT ...</c>).</summary>
    internal List<BsonDocument> Execute(string sql, BsonDocument? parameters = null) => Read(() =>
    {
        _campaignCache.Invalidate(); // the SQL may write campaigns
        _cache.Clear(); // and anything else
        using var reader = _db.Execute(sql, parameters ?? []);
        var rows = new List<BsonDocument>();
        while (reader.Read()) rows.Add(reader.Current.AsDocument);
        return rows;
    });

    /// <summary>Holds the engine lock until disposed (tests: the writer waits while writes queue up). The holder must
    /// not call the store meanwhile.</summary>
    internal FairLock.Holder HoldEngine() => _engine.Hold();

    /// <summary>How many transactions the writer has committed since the store was opened.</summary>
    internal long WriterCommits => _writer.Commits;

    /// <summary>Bytes the writer allocated running and committing transactions since the store was opened.</summary>
    internal long WriterAllocatedBytes => _writer.AllocatedBytes;

    /// <summary>How many wait for the engine lock now (tests).</summary>
    internal int EngineWaiting => _engine.Waiting;

    /// <summary>What lookups keep in memory (tests).</summary>
    internal StoreReadCache ReadCache => _cache;

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
            _holder.Dispose();
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

    /// <summary>One read under the engine lock, waited for without blocking the thread. A failure of the store
    /// fails this read alone (see <see cref="Failed"/>).</summary>
    private async ValueTask<T> ReadAsync<T>(Func<T> read)
    {
        ThrowIfDisposed();
        using (await _engine.HoldAsync())
        {
            ThrowIfDisposed();
            Open();
            try
            {
                return read();
            }
            catch (Exception ex)
            {
                var reported = Failed(ex);
                if (reported == ex) throw;
                throw reported;
            }
        }
    }

    /// <summary>One read under the engine lock (tests' plans and SQL).</summary>
    private T Read<T>(Func<T> read)
    {
        ThrowIfDisposed();
        using (_engine.Hold())
        {
            ThrowIfDisposed();
            Open();
            try
            {
                return read();
            }
            catch (Exception ex)
            {
                var reported = Failed(ex);
                if (reported == ex) throw;
                throw reported;
            }
        }
    }

    /// <summary>The log's length once LiteDB's writer has written every page it was handed.</summary>
    private static long LoggedLength(LiteDatabase db) => db.GetCollection(DatabaseInfo).FindAll().First()["logFileSize"].AsInt64;

    /// <summary>How the store makes each commit durable before it acknowledges it (the writer calls <see cref="LoggedLength"/>
    /// under the engine lock right after the commit, then this).
    /// <para>LiteDB 5 hands a commit's pages to a background writer and returns before they reach the log file. Its
    /// public <c>$database</c> system collection reports <c>logFileSize</c>, the log's length once every page handed
    /// to that writer is written; the log file is this store's own stream (<see cref="LiteDbLogFile"/>), which sees
    /// each page written. So the writer waits until the stream has been written that far, then syncs it to disk:
    /// public API only, no reflection. (A checkpoint, LiteDB's other public way to wait, also copies every page into
    /// the data file and empties the page cache at each commit.) Tests guard the reading of <c>logFileSize</c> and
    /// the pinned version.</para></summary>
    private void WaitLogged(long logged)
    {
        _log.WaitWritten(logged, LogWriteTimeout);
        _log.FlushToDisk();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    internal static string DescribeCard(CardReference reference) =>
        $"Card ending {reference.Last4} (fingerprint {reference.Fingerprint[..Math.Min(12, reference.Fingerprint.Length)]}...)";

    internal static void Validate(ClientCard card)
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

    internal static void CheckKey(string? value, string what, bool allowEmpty)
    {
        if (value is null) throw new ArgumentException($"{what} is null.");
        if (!allowEmpty && value.Length == 0) throw new ArgumentException($"{what} is empty.");
        if (value.Length > MaxKeyLength) throw new ArgumentException($"{what} is longer than {MaxKeyLength} characters (it is an index key).");
    }

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}\z", RegexOptions.CultureInvariant)]
    private static partial Regex E164();

    /// <summary>The keys of a batch being inserted, to refuse duplicates inside it before touching the file.</summary>
    internal sealed class BatchKeys(int capacity)
    {
        private readonly HashSet<Guid> _ids = new(capacity);
        private readonly Dictionary<string, Guid> _phones = new(capacity, StringComparer.Ordinal);
        private readonly Dictionary<string, Guid> _accounts = new(capacity, StringComparer.Ordinal);
        private readonly Dictionary<string, Guid> _cards = new(capacity, StringComparer.Ordinal);

        public void Add(ClientCard card)
        {
            if (!_ids.Add(card.Id)) throw new DuplicateClientException($"Client {card.Id} appears twice in the batch.");
            // The key's name is built only for the error: a batch claims hundreds of thousands of keys.
            foreach (var phone in card.Phones) Claim(_phones, phone, card.Id, "Phone", null);
            foreach (var account in card.AccountNumbers) Claim(_accounts, account, card.Id, "Account", null);
            foreach (var reference in card.Cards) Claim(_cards, reference.Fingerprint, card.Id, null, reference);
        }

        private static void Claim(Dictionary<string, Guid> owners, string value, Guid owner, string? kind, CardReference? reference)
        {
            if (owners.TryAdd(value, owner) || owners[value] == owner) return;
            var what = reference is not null ? DescribeCard(reference) : $"{kind} {value}";
            throw new DuplicateClientException($"{what} appears on two clients of the batch: {owners[value]} and {owner}.");
        }
    }
}

/// <summary>A key document to add: its id, its client, and how to name the key in an error.</summary>
internal readonly record struct ClientKey(string Key, Guid Owner, string What);

/// <summary>The store's indexed lookups (for <see cref="LiteDbClientStore"/>'s plan checks).</summary>
internal enum StoreLookup
{
    Phone,
    Account,
    CardFingerprint,
    InteractionsOfClient,
    LastInteractionFrom,
    LastInteractionOfClient,
    TicketsOfClient,
}
