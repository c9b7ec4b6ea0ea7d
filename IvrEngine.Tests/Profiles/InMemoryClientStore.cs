using System.Runtime.CompilerServices;
using IvrEngine.Profiles;

namespace IvrEngine.Tests.Profiles;

/// <summary>A small <see cref="IClientStore"/> in memory for tests of code built on the store (not of the store).
/// Counts the lookups so tests can see what was asked.</summary>
internal sealed class InMemoryClientStore : IClientStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, ClientCard> _cards = [];
    private readonly List<InteractionRecord> _interactions = [];
    private readonly List<Ticket> _tickets = [];
    private readonly Dictionary<string, Campaign> _campaigns = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, byte[]> _photos = [];

    public int PhoneLookups { get; private set; }

    public int AccountLookups { get; private set; }

    public int CardLookups { get; private set; }

    public int InteractionLookups { get; private set; }

    /// <summary>Adds a card as it is (no version bump), for arranging tests.</summary>
    public ClientCard Add(ClientCard card)
    {
        lock (_gate)
        {
            if (card.Id == Guid.Empty) card.Id = Guid.NewGuid();
            _cards[card.Id] = card;
            return card;
        }
    }

    public Task<ClientCard?> GetAsync(Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_cards.GetValueOrDefault(id));
    }

    public Task<ClientCard?> FindByPhoneAsync(string e164, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            PhoneLookups++;
            return Task.FromResult(_cards.Values.FirstOrDefault(c => c.Phones.Contains(e164)));
        }
    }

    public Task<ClientCard?> FindByAccountAsync(string accountNumber, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            AccountLookups++;
            return Task.FromResult(_cards.Values.FirstOrDefault(c => c.AccountNumbers.Contains(accountNumber)));
        }
    }

    public Task<ClientCard?> FindByCardFingerprintAsync(string fingerprint, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            CardLookups++;
            return Task.FromResult(_cards.Values.FirstOrDefault(c => c.Cards.Any(r => r.Fingerprint == fingerprint)));
        }
    }

    public Task<ClientCard> InsertAsync(ClientCard card, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var clash = _cards.Values.FirstOrDefault(c => c.Id != card.Id && (c.Phones.Intersect(card.Phones).Any()
                || c.AccountNumbers.Intersect(card.AccountNumbers).Any()
                || c.Cards.Select(r => r.Fingerprint).Intersect(card.Cards.Select(r => r.Fingerprint)).Any()));
            if (clash is not null) throw new DuplicateClientException($"Already belongs to client {clash.Id}.");
            if (card.Id == Guid.Empty) card.Id = Guid.NewGuid();
            card.Version = 1;
            _cards[card.Id] = card;
            return Task.FromResult(card);
        }
    }

    public async Task<int> InsertManyAsync(IReadOnlyCollection<ClientCard> cards, CancellationToken cancellationToken = default)
    {
        foreach (var card in cards) await InsertAsync(card, cancellationToken);
        return cards.Count;
    }

    public Task<ClientCard> UpdateAsync(ClientCard card, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_cards.TryGetValue(card.Id, out var stored)) throw new KeyNotFoundException($"No client {card.Id}.");
            if (!ReferenceEquals(stored, card) && stored.Version != card.Version)
                throw new ConcurrencyConflictException(card.Id, card.Version, stored.Version);
            card.Version++;
            _cards[card.Id] = card;
            return Task.FromResult(card);
        }
    }

    public async IAsyncEnumerable<ClientCard> AllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<ClientCard> cards;
        lock (_gate) cards = [.. _cards.Values.OrderBy(c => c.Id)];
        foreach (var card in cards)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return card;
        }
    }

    public Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_cards.Count);
    }

    public Task AddInteractionAsync(InteractionRecord interaction, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (interaction.Id == Guid.Empty) interaction.Id = Guid.NewGuid();
            _interactions.Add(interaction);
            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<InteractionRecord>> GetInteractionsAsync(Guid clientId, int max = 50, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            InteractionLookups++;
            IReadOnlyList<InteractionRecord> found = [.. _interactions.Where(i => i.ClientId == clientId).OrderByDescending(i => i.At).Take(max)];
            return Task.FromResult(found);
        }
    }

    public Task<InteractionRecord?> LastInteractionFromAsync(string callerNumber, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            InteractionLookups++;
            return Task.FromResult(_interactions.Where(i => i.CallerNumber == callerNumber).MaxBy(i => i.At));
        }
    }

    public Task AddTicketAsync(Ticket ticket, CancellationToken cancellationToken = default)
    {
        ticket.Version = 1;
        lock (_gate) _tickets.Add(ticket);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Ticket>> GetTicketsAsync(Guid clientId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<Ticket> found = [.. _tickets.Where(t => t.ClientId == clientId)];
            return Task.FromResult(found);
        }
    }

    public Task<Campaign?> FindCampaignAsync(string dnis, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate) return Task.FromResult(_campaigns.GetValueOrDefault(dnis));
    }

    public Task UpsertCampaignAsync(Campaign campaign, CancellationToken cancellationToken = default)
    {
        lock (_gate) _campaigns[campaign.Dnis] = campaign;
        return Task.CompletedTask;
    }

    public async Task<ClientCard> SetPhotoAsync(Guid clientId, int expectedVersion, Stream photo, string fileName, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await photo.CopyToAsync(buffer, cancellationToken);
        lock (_gate)
        {
            var card = _cards[clientId];
            if (card.Version != expectedVersion) throw new ConcurrencyConflictException(clientId, expectedVersion, card.Version);
            _photos[clientId] = buffer.ToArray();
            card.PhotoId = fileName;
            card.Version++;
            return card;
        }
    }

    public async Task<bool> ReadPhotoAsync(Guid clientId, Stream destination, CancellationToken cancellationToken = default)
    {
        byte[]? bytes;
        lock (_gate) bytes = _photos.GetValueOrDefault(clientId);
        if (bytes is null) return false;
        await destination.WriteAsync(bytes, cancellationToken);
        return true;
    }

    public void Dispose()
    {
    }
}
