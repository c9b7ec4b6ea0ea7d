using System.Collections;

namespace IvrEngine.Profiles;

/// <summary>Checked cards waiting to be stored together by <see cref="IClientStore.InsertManyAsync"/> (one transaction).
/// This base batch holds the cards themselves. A store may hand out its own (<see cref="IClientStore.CreateBatch"/>)
/// that keeps each card as the bytes it will write instead: an import's batch of 50,000 cards is then a few large
/// buffers rather than a million small objects that the garbage collector copies from generation to generation while
/// the batch waits its turn. Such a batch is still a collection of cards: enumerating it reads them back (for a
/// rare retry, or for another store).
/// <para>Fill it from one thread with <see cref="Add"/>; <see cref="Prepare"/> may run on many threads at once, before
/// it is known whether the card will be added.</para></summary>
public class PendingClientCollection : IReadOnlyCollection<ClientCard>, IDisposable
{
    private readonly List<ClientCard> _cards = [];

    /// <summary>How many cards were added.</summary>
    public virtual int Count => _cards.Count;

    /// <summary>Does a card's share of the store's work that needs nothing but the card (encoding it, say), on any
    /// thread. Throws <see cref="ArgumentException"/> for a card the store would refuse. What it returns goes to
    /// <see cref="Add"/> with the card.</summary>
    public virtual object? Prepare(ClientCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return null;
    }

    /// <summary>Adds a card and what <see cref="Prepare"/> returned for it (null: the batch prepares it now). The
    /// card may be dropped afterwards: the batch keeps what it needs.</summary>
    public virtual void Add(ClientCard card, object? prepared = null)
    {
        ArgumentNullException.ThrowIfNull(card);
        _cards.Add(card);
    }

    /// <summary>The cards, in the order they were added.</summary>
    public virtual IEnumerator<ClientCard> GetEnumerator() => _cards.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Gives back what the batch holds.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the batch's buffers.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
