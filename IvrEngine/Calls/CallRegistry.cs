using System.Collections.Concurrent;

namespace IvrEngine.Calls;

/// <summary>The live calls of this engine, by Unique-ID.</summary>
public sealed class CallRegistry
{
    private readonly ConcurrentDictionary<string, FreeSwitchCall> _calls = new(StringComparer.Ordinal);

    /// <summary>How many calls are live.</summary>
    public int Count => _calls.Count;

    /// <summary>A snapshot of the live calls.</summary>
    public IReadOnlyCollection<FreeSwitchCall> Calls => [.. _calls.Values];

    /// <summary>A live call by Unique-ID.</summary>
    public FreeSwitchCall? Find(string uuid) => _calls.GetValueOrDefault(uuid);

    /// <summary>Adds a call; returns an IDisposable that removes it.</summary>
    public IDisposable Track(FreeSwitchCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!_calls.TryAdd(call.Uuid, call))
        {
            throw new InvalidOperationException($"Call {call.Uuid} is already live in this engine.");
        }

        return new Registration(this, call);
    }

    private sealed class Registration(CallRegistry owner, FreeSwitchCall call) : IDisposable
    {
        public void Dispose() => owner._calls.TryRemove(new KeyValuePair<string, FreeSwitchCall>(call.Uuid, call));
    }
}
