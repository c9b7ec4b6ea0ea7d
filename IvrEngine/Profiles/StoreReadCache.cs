using BitFaster.Caching.Lru;

namespace IvrEngine.Profiles;

/// <summary>What the store's lookups read most, kept in memory: which client holds a key (phone, account or card
/// fingerprint, by its key id <c>p:</c>/<c>a:</c>/<c>c:</c>; <see cref="Guid.Empty"/> when none does), the cards
/// of those clients, and the last-contact times of clients and of caller numbers (-1: never called). Each is a
/// bounded least-recently-used map (BitFaster.Caching's <see cref="ConcurrentLru{K, V}"/>) of at most
/// <see cref="Capacity"/> entries; with a capacity of 0 nothing is kept and every read goes to the file.
/// <para>The coherence rule: the maps hold what is committed in the file, never more. The engine holds its store
/// exclusively (one process per store file), so every change goes through this store's writer, and:</para>
/// <list type="bullet">
/// <item>a read fills a map under the store's engine lock, from what it read under that lock (a card, mapped
/// outside the lock, is kept only if no write forgot that card in between: <see cref="CardGeneration"/>);</item>
/// <item>a write forgets the keys and cards it touches, under the engine lock before its transaction commits (a
/// rollback leaves them forgotten, which is always safe);</item>
/// <item>a call record's last-contact times are held aside for its transaction (<see cref="PendingContact"/>) and
/// set when the transaction commits, under the engine lock, or dropped when it rolls back;</item>
/// <item>anything else that may change the file (a SQL command, a store reopened after a failure) forgets all.</item>
/// </list>
/// <para>Callers get copies of cards: what they change stays theirs.</para></summary>
internal sealed class StoreReadCache
{
    private readonly ConcurrentLru<string, Guid>? _owners;
    private readonly ConcurrentLru<Guid, ClientCard>? _cards;
    private readonly ConcurrentLru<Guid, long>? _clientContacts;
    private readonly ConcurrentLru<string, long>? _numberContacts;
    private readonly Lock _cardGate = new();

    // The transaction's last-contact times, written and read by the writer alone, under the engine lock.
    private readonly Dictionary<Guid, long> _pendingClients = [];
    private readonly Dictionary<string, long> _pendingNumbers = new(StringComparer.Ordinal);
    private long _cardGeneration;

    /// <summary>Creates the cache; <paramref name="capacity"/> 0 keeps nothing.</summary>
    public StoreReadCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        if (capacity == 0) return;

        // BitFaster's LRU needs room for its three queues.
        var size = Math.Max(3, capacity);
        _owners = new ConcurrentLru<string, Guid>(Environment.ProcessorCount, size, StringComparer.Ordinal);
        _cards = new ConcurrentLru<Guid, ClientCard>(size);
        _clientContacts = new ConcurrentLru<Guid, long>(size);
        _numberContacts = new ConcurrentLru<string, long>(Environment.ProcessorCount, size, StringComparer.Ordinal);
    }

    /// <summary>The largest card kept, estimated (<see cref="EstimatedBytes"/>): a card with many or long notes or
    /// orders (a client with 4,020 notes is megabytes) is read from the file each time, as it was before anything was
    /// kept, so the kept cards take at most <see cref="Capacity"/> times this (80 MB at the default 10,000), not
    /// <see cref="Capacity"/> times the largest card in the store.</summary>
    public const int MaxCardBytes = 8 * 1024;

    /// <summary>Most entries of each map (0: the cache is off).</summary>
    public int Capacity { get; }

    /// <summary>How many keys, cards, client and number last contacts are kept now (tests).</summary>
    internal (int Keys, int Cards, int ClientContacts, int NumberContacts) Counts =>
        (_owners?.Count ?? 0, _cards?.Count ?? 0, _clientContacts?.Count ?? 0, _numberContacts?.Count ?? 0);

    /// <summary>The client holding <paramref name="key"/> (a key id, <see cref="LiteDbMapping.KeyOf"/>); Guid.Empty
    /// when it is known that none does; false when not kept.</summary>
    public bool TryGetOwner(string key, out Guid owner)
    {
        owner = Guid.Empty;
        return _owners is not null && _owners.TryGet(key, out owner);
    }

    /// <summary>Keeps who holds <paramref name="key"/> (Guid.Empty: nobody), as just read under the engine lock.</summary>
    public void SetOwner(string key, Guid owner) => _owners?.AddOrUpdate(key, owner);

    /// <summary>Forgets keys (under the engine lock, by the write that changes them).</summary>
    public void ForgetKeys(IEnumerable<string> keys)
    {
        if (_owners is null) return;
        foreach (var key in keys) _owners.TryRemove(key);
    }

    /// <summary>Read under the engine lock with the document of a card, handed back to <see cref="AddCard"/>.</summary>
    public long CardGeneration => Volatile.Read(ref _cardGeneration);

    /// <summary>A copy of the kept card; false when not kept.</summary>
    public bool TryGetCard(Guid id, out ClientCard? card)
    {
        if (_cards is not null && _cards.TryGet(id, out var kept))
        {
            card = Copy(kept);
            return true;
        }

        card = null;
        return false;
    }

    /// <summary>Keeps a copy of <paramref name="card"/>, read when the generation was <paramref name="generation"/>,
    /// unless a write forgot a card since.</summary>
    public void AddCard(ClientCard card, long generation)
    {
        if (_cards is null || EstimatedBytes(card) > MaxCardBytes) return;
        var copy = Copy(card);
        lock (_cardGate)
        {
            if (generation == _cardGeneration) _cards.AddOrUpdate(copy.Id, copy);
        }
    }

    /// <summary>Forgets a card (under the engine lock, by the write that changes it).</summary>
    public void ForgetCard(Guid id)
    {
        if (_cards is null) return;
        lock (_cardGate)
        {
            _cardGeneration++;
            _cards.TryRemove(id);
        }
    }

    /// <summary>The last-contact time (UTC ticks, -1: none) of a client; false when not kept.</summary>
    public bool TryGetContact(Guid clientId, out long ticks)
    {
        ticks = -1;
        return _clientContacts is not null && _clientContacts.TryGet(clientId, out ticks);
    }

    /// <summary>The last-contact time (UTC ticks, -1: none) of a caller number; false when not kept.</summary>
    public bool TryGetContact(string callerNumber, out long ticks)
    {
        ticks = -1;
        return _numberContacts is not null && _numberContacts.TryGet(callerNumber, out ticks);
    }

    /// <summary>Keeps a client's last-contact time as just read under the engine lock.</summary>
    public void SetContact(Guid clientId, long ticks) => _clientContacts?.AddOrUpdate(clientId, ticks);

    /// <summary>Keeps a caller number's last-contact time as just read under the engine lock.</summary>
    public void SetContact(string callerNumber, long ticks) => _numberContacts?.AddOrUpdate(callerNumber, ticks);

    /// <summary>The last-contact time of a client as the writer's open transaction sees it: what the transaction
    /// wrote, else what is committed and kept; false when neither is known (read the file).</summary>
    public bool TryGetPendingContact(Guid clientId, out long ticks) =>
        _pendingClients.TryGetValue(clientId, out ticks) || TryGetContact(clientId, out ticks);

    /// <inheritdoc cref="TryGetPendingContact(Guid, out long)"/>
    public bool TryGetPendingContact(string callerNumber, out long ticks) =>
        _pendingNumbers.TryGetValue(callerNumber, out ticks) || TryGetContact(callerNumber, out ticks);

    /// <summary>A last-contact time the writer's open transaction wrote (or read from the file): kept once it
    /// commits.</summary>
    public void PendingContact(Guid clientId, long ticks)
    {
        if (_clientContacts is not null) _pendingClients[clientId] = ticks;
    }

    /// <inheritdoc cref="PendingContact(Guid, long)"/>
    public void PendingContact(string callerNumber, long ticks)
    {
        if (_numberContacts is not null) _pendingNumbers[callerNumber] = ticks;
    }

    /// <summary>The writer's transaction ended (under the engine lock): what it held aside is kept when it committed,
    /// dropped when it rolled back.</summary>
    public void TransactionEnded(bool committed)
    {
        if (committed)
        {
            foreach (var (clientId, ticks) in _pendingClients) _clientContacts!.AddOrUpdate(clientId, ticks);
            foreach (var (number, ticks) in _pendingNumbers) _numberContacts!.AddOrUpdate(number, ticks);
        }

        _pendingClients.Clear();
        _pendingNumbers.Clear();
    }

    /// <summary>Forgets everything (under the engine lock): the file may have changed in ways the writes did not say.</summary>
    public void Clear()
    {
        _owners?.Clear();
        lock (_cardGate)
        {
            _cardGeneration++;
            _cards?.Clear();
        }

        _clientContacts?.Clear();
        _numberContacts?.Clear();
    }

    /// <summary>A deep copy of a card: the kept one is never handed out.</summary>
    /// <summary>About what a card takes in memory: its text at two bytes a character and a small object per list item
    /// (a stored card cannot say more cheaply; the bound it serves is coarse).</summary>
    internal static long EstimatedBytes(ClientCard card)
    {
        const int PerObject = 48;
        long chars = card.Name.Length + (card.Company?.Length ?? 0) + card.Category.Length + (card.Language?.Length ?? 0)
                     + (card.ManagerId?.Length ?? 0) + (card.PhotoId?.Length ?? 0);
        long objects = 1;
        foreach (var phone in card.Phones) { chars += phone.Length; objects++; }
        foreach (var account in card.AccountNumbers) { chars += account.Length; objects++; }
        foreach (var reference in card.Cards) { chars += reference.Fingerprint.Length + reference.Last4.Length; objects++; }
        foreach (var note in card.Notes) { chars += (note?.Text.Length ?? 0) + (note?.Author.Length ?? 0); objects++; }
        foreach (var order in card.OpenOrders) { chars += order.Number.Length + order.Stage.Length + (order.Responsible?.Length ?? 0); objects++; }
        if (card.Location is { } place) { chars += (place.City?.Length ?? 0) + (place.Country?.Length ?? 0) + (place.TimeZone?.Length ?? 0); objects++; }
        return (chars * 2) + (objects * PerObject);
    }

    internal static ClientCard Copy(ClientCard card) => new()
    {
        Id = card.Id,
        Name = card.Name,
        Company = card.Company,
        Phones = card.Phones is null ? null! : [.. card.Phones],
        AccountNumbers = card.AccountNumbers is null ? null! : [.. card.AccountNumbers],
        Cards = card.Cards?.ConvertAll(reference => reference is null ? null! : new CardReference { Fingerprint = reference.Fingerprint, Last4 = reference.Last4 })!,
        Category = card.Category,
        Notes = card.Notes?.ConvertAll(note => note is null ? null! : new ClientNote { Text = note.Text, Author = note.Author, At = note.At })!,
        Language = card.Language,
        Location = card.Location is { } location ? new ClientLocation { City = location.City, Country = location.Country, TimeZone = location.TimeZone } : null,
        ManagerId = card.ManagerId,
        Balance = card.Balance,
        OverdueAmount = card.OverdueAmount,
        HasContract = card.HasContract,
        OpenOrders = card.OpenOrders?.ConvertAll(order => order is null ? null! : new OpenOrder { Number = order.Number, Stage = order.Stage, Responsible = order.Responsible, Debt = order.Debt })!,
        PhotoId = card.PhotoId,
        CreatedAt = card.CreatedAt,
        LastContactAt = card.LastContactAt,
        Version = card.Version,
    };
}
