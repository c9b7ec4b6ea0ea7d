namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>What a peer reported, kept in order, with waiters: a wait looks at what already came and then at what
/// comes, so nothing is missed between an action and its wait. Serves FreeSWITCH's events, the phones' events and the
/// tap's messages alike.</summary>
internal sealed class WaitableLog<T>(string reporter) where T : class
{
    private readonly object _gate = new();
    private readonly List<T> _items = [];
    private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Done)> _waiters = [];

    /// <summary>Adds the item <paramref name="make"/> builds from its index, and completes the waits it matches.</summary>
    public T Add(Func<int, T> make)
    {
        List<TaskCompletionSource<T>>? done = null;
        T item;
        lock (_gate)
        {
            item = make(_items.Count);
            _items.Add(item);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Match(item)) continue;
                (done ??= []).Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }

        done?.ForEach(d => d.TrySetResult(item));
        return item;
    }

    public void Add(T item) => Add(_ => item);

    /// <summary>The items so far.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate) return _items.ToArray();
    }

    /// <summary>The first item, past or coming, that <paramref name="match"/> accepts; a timeout says what was
    /// awaited (e.g. "FreeSWITCH reported no registration of phone 1001 within 30 s.").</summary>
    public async Task<T> WaitAsync(Func<T, bool> match, TimeSpan timeout, string what)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var seen = _items.FirstOrDefault(match);
            if (seen is not null) return seen;
            _waiters.Add((match, done));
        }

        try
        {
            return await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            lock (_gate) _waiters.RemoveAll(w => w.Done == done);
            throw new TimeoutException($"{reporter} no {what} within {timeout.TotalSeconds:0} s.");
        }
    }
}
