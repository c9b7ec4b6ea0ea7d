namespace IvrEngine.Profiles;

/// <summary>The campaigns of dialed numbers as the store last read them (null: the number has none), so that a lookup
/// does not seek the campaigns collection on every call: every call's lookup asks for its number's campaign, and a
/// burst of calls asks for the same few numbers. Filled by reads, emptied by every campaign write; at most
/// <see cref="Capacity"/> numbers (past that a number is read from the store each time). Callers get copies.</summary>
internal sealed class CampaignCache
{
    /// <summary>Most dialed numbers kept.</summary>
    public const int Capacity = 1024;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Campaign?> _byDnis = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>Taken before a read from the store and given back to <see cref="Add"/>: a write in between
    /// (<see cref="Invalidate"/>) keeps the read, which may predate the write, out of the cache.</summary>
    public long Generation
    {
        get
        {
            lock (_lock) return _generation;
        }
    }

    /// <summary>A copy of the cached campaign of <paramref name="dnis"/> (null when it has none); false when not cached.</summary>
    public bool TryGet(string dnis, out Campaign? campaign)
    {
        lock (_lock)
        {
            if (_byDnis.TryGetValue(dnis, out var cached))
            {
                campaign = Copy(cached);
                return true;
            }
        }

        campaign = null;
        return false;
    }

    /// <summary>Keeps what a read found, unless a write came since <paramref name="generation"/> or the cache is full.</summary>
    public void Add(string dnis, Campaign? campaign, long generation)
    {
        lock (_lock)
        {
            if (generation == _generation && (_byDnis.Count < Capacity || _byDnis.ContainsKey(dnis))) _byDnis[dnis] = Copy(campaign);
        }
    }

    /// <summary>Forgets every campaign; called under the store's engine lock by every write that may change one.</summary>
    public void Invalidate()
    {
        lock (_lock)
        {
            _generation++;
            _byDnis.Clear();
        }
    }

    private static Campaign? Copy(Campaign? campaign) => campaign is null ? null : new Campaign
    {
        Dnis = campaign.Dnis,
        Name = campaign.Name,
        Service = campaign.Service,
        Language = campaign.Language,
        Hints = campaign.Hints,
        Direction = campaign.Direction,
    };
}
