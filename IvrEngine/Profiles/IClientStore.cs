namespace IvrEngine.Profiles;

/// <summary>Where client cards, history and tickets live. LiteDB in one file by default; a server database can
/// implement it later for several engine nodes. Every method is safe to call from many calls at once.</summary>
public interface IClientStore : IDisposable
{
    /// <summary>A card by id.</summary>
    Task<ClientCard?> GetAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>The card holding this phone number (E.164).</summary>
    Task<ClientCard?> FindByPhoneAsync(string e164, CancellationToken cancellationToken = default);

    /// <summary>The card holding this account number.</summary>
    Task<ClientCard?> FindByAccountAsync(string accountNumber, CancellationToken cancellationToken = default);

    /// <summary>The card holding a payment card with this fingerprint (see <see cref="CardFingerprints"/>).</summary>
    Task<ClientCard?> FindByCardFingerprintAsync(string fingerprint, CancellationToken cancellationToken = default);

    /// <summary>Adds a card (Version becomes 1). Throws <see cref="DuplicateClientException"/> when a phone,
    /// account or card already belongs to another client.</summary>
    Task<ClientCard> InsertAsync(ClientCard card, CancellationToken cancellationToken = default);

    /// <summary>Adds many cards in one transaction; returns how many were stored. A batch from
    /// <see cref="CreateBatch"/> is stored as it holds them.</summary>
    Task<int> InsertManyAsync(IReadOnlyCollection<ClientCard> cards, CancellationToken cancellationToken = default);

    /// <summary>An empty batch to fill for <see cref="InsertManyAsync"/>, holding its cards as this store writes them.</summary>
    PendingClientCollection CreateBatch() => new();

    /// <summary>Stores an edited card. <paramref name="card"/>.Version must be the version that was read; on success it
    /// is bumped. Throws <see cref="ConcurrencyConflictException"/> when someone else wrote in between.</summary>
    Task<ClientCard> UpdateAsync(ClientCard card, CancellationToken cancellationToken = default);

    /// <summary>Every card, in id order (exports).</summary>
    IAsyncEnumerable<ClientCard> AllAsync(CancellationToken cancellationToken = default);

    /// <summary>How many cards there are.</summary>
    Task<int> CountAsync(CancellationToken cancellationToken = default);

    /// <summary>Records a call.</summary>
    Task AddInteractionAsync(InteractionRecord interaction, CancellationToken cancellationToken = default);

    /// <summary>A client's calls, newest first.</summary>
    Task<IReadOnlyList<InteractionRecord>> GetInteractionsAsync(Guid clientId, int max = 50, CancellationToken cancellationToken = default);

    /// <summary>The newest call from this number (identified or not), for the repeat-contact code.</summary>
    Task<InteractionRecord?> LastInteractionFromAsync(string callerNumber, CancellationToken cancellationToken = default);

    /// <summary>When this client, or anyone from <paramref name="callerNumber"/> (E.164; null or empty: the client
    /// alone), last called: the newer of the times of <see cref="LastInteractionFromAsync"/> and the client's newest
    /// call, null when neither called before. What the repeat-contact code needs, without the records.</summary>
    async Task<DateTimeOffset?> LastContactAtAsync(Guid clientId, string? callerNumber, CancellationToken cancellationToken = default)
    {
        var fromNumber = string.IsNullOrEmpty(callerNumber) ? null : await LastInteractionFromAsync(callerNumber, cancellationToken);
        var ofClient = await GetInteractionsAsync(clientId, 1, cancellationToken);
        var newest = ofClient.Count > 0 ? ofClient[0].At : (DateTimeOffset?)null;
        return fromNumber is null || (newest is { } at && at > fromNumber.At) ? newest : fromNumber.At;
    }

    /// <summary>Adds a ticket (its Version becomes 1).</summary>
    Task AddTicketAsync(Ticket ticket, CancellationToken cancellationToken = default);

    /// <summary>A client's tickets.</summary>
    Task<IReadOnlyList<Ticket>> GetTicketsAsync(Guid clientId, CancellationToken cancellationToken = default);

    /// <summary>The campaign of a dialed number.</summary>
    Task<Campaign?> FindCampaignAsync(string dnis, CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces a campaign.</summary>
    Task UpsertCampaignAsync(Campaign campaign, CancellationToken cancellationToken = default);

    /// <summary>Stores a photo for a card and sets its PhotoId (a new version of the card).</summary>
    Task<ClientCard> SetPhotoAsync(Guid clientId, int expectedVersion, Stream photo, string fileName, CancellationToken cancellationToken = default);

    /// <summary>Reads a card's photo into <paramref name="destination"/>; false when it has none.</summary>
    Task<bool> ReadPhotoAsync(Guid clientId, Stream destination, CancellationToken cancellationToken = default);
}

/// <summary>Someone else changed the card since it was read.</summary>
public sealed class ConcurrencyConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ConcurrencyConflictException(Guid clientId, int expectedVersion, int actualVersion)
        : base($"Client {clientId} was changed by someone else (you edited version {expectedVersion}, it is now {actualVersion}); reload it and apply your change again.")
    {
        ClientId = clientId;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>Creates the exception.</summary>
    public ConcurrencyConflictException() { }

    /// <summary>Creates the exception.</summary>
    public ConcurrencyConflictException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public ConcurrencyConflictException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The card.</summary>
    public Guid ClientId { get; }

    /// <summary>The version the writer had read.</summary>
    public int ExpectedVersion { get; }

    /// <summary>The version in the store.</summary>
    public int ActualVersion { get; }
}

/// <summary>A phone, account or card already belongs to another client.</summary>
public sealed class DuplicateClientException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DuplicateClientException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public DuplicateClientException() { }

    /// <summary>Creates the exception.</summary>
    public DuplicateClientException(string message, Exception innerException) : base(message, innerException) { }
}
