using System.Collections.Concurrent;
using IvrEngine.Calls;

namespace IvrEngine.Web;

/// <summary>One call's context: who it is, who the IVR found, what the engine attached to the channel.</summary>
public sealed class CallContextEntry
{
    private readonly Func<CallClientContext?> _client;
    private CallClientContext? _identified;
    private readonly ConcurrentDictionary<string, string> _variables = new(StringComparer.Ordinal);

    internal CallContextEntry(string uuid, Guid contextId, string ani, string dnis, DateTimeOffset startedAt, Func<CallClientContext?> client)
    {
        Uuid = uuid;
        ContextId = contextId;
        Ani = ani;
        Dnis = dnis;
        StartedAt = startedAt;
        _client = client;
    }

    /// <summary>The call's Unique-ID.</summary>
    public string Uuid { get; }

    /// <summary>The context id (<c>ivr_context_id</c>).</summary>
    public Guid ContextId { get; }

    /// <summary>Caller number as FreeSWITCH gave it.</summary>
    public string Ani { get; }

    /// <summary>Dialed number.</summary>
    public string Dnis { get; }

    /// <summary>When the call reached the engine.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Last time the call was seen (tracked, attached to, read or edited); the time-to-live counts from it.</summary>
    public DateTimeOffset LastSeen { get; internal set; }

    /// <summary>The variables the engine attached (and agents' edits since), by name.</summary>
    public IReadOnlyDictionary<string, string> Variables => new SortedDictionary<string, string>(_variables, StringComparer.Ordinal);

    /// <summary>Who the IVR found; null before any lookup.</summary>
    public CallClientContext? Client
    {
        get
        {
            CallClientContext? found;
            try
            {
                found = Volatile.Read(ref _identified) ?? _client();
            }
#pragma warning disable CA1031 // A failing provider must not fail a screen pop; the variables still tell.
            catch (Exception)
#pragma warning restore CA1031
            {
                found = null;
            }

            if (found is null && _variables.TryGetValue(ContextVariables.CtiCode, out var code))
            {
                found = new CallClientContext(null, code, _variables.GetValueOrDefault(ContextVariables.CtiReason) ?? string.Empty,
                    _variables.GetValueOrDefault(ContextVariables.MatchedBy) ?? "none");
            }

            var id = found?.ClientId
                ?? (_variables.TryGetValue(ContextVariables.ClientId, out var text) && Guid.TryParse(text, out var parsed) ? parsed : null);
            return found is null && id is null ? null : (found ?? new CallClientContext(null, "?", string.Empty, "none")) with { ClientId = id };
        }
    }

    /// <summary>An agent identified the caller (created a client from the call, or attached its number to one): this
    /// client is the call's from now on, whatever the IVR found.</summary>
    internal void Identify(CallClientContext client) => Volatile.Write(ref _identified, client);

    internal void Attach(IEnumerable<KeyValuePair<string, string>> variables)
    {
        foreach (var (name, value) in variables) _variables[name] = value;
    }
}

/// <summary>The contexts of the calls this engine served, by Unique-ID and by context id, kept while the call lives:
/// until FreeSWITCH reports its hangup (over the inbound connection) or, without that, for a time-to-live after it
/// was last seen.</summary>
public sealed class CallContextRegistry : ICallContextSink
{
    private readonly ConcurrentDictionary<string, CallContextEntry> _byUuid = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, CallContextEntry> _byId = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;

    /// <summary>Creates the registry.</summary>
    public CallContextRegistry(TimeProvider time, TimeSpan timeToLive)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _ttl = timeToLive;
    }

    /// <summary>How many contexts are kept.</summary>
    public int Count => _byUuid.Count;

    /// <inheritdoc />
    public ITrackedCall Track(ICall liveCall, Func<CallClientContext?> client)
    {
        ArgumentNullException.ThrowIfNull(liveCall);
        ArgumentNullException.ThrowIfNull(client);
        return new TrackedCall(liveCall, Open(liveCall.Uuid, liveCall.Ani, liveCall.Dnis, client), this);
    }

    /// <summary>Starts tracking a call that has no live IVR session here (a demo call); same rules as
    /// <see cref="Track"/>.</summary>
    public CallContextEntry Open(string uuid, string ani, string dnis, Func<CallClientContext?> client)
    {
        ArgumentNullException.ThrowIfNull(client);
        Sweep();
        var now = _time.GetUtcNow();
        var entry = new CallContextEntry(uuid, Guid.NewGuid(), ani, dnis, now, client) { LastSeen = now };
        if (_byUuid.TryGetValue(uuid, out var old)) _byId.TryRemove(old.ContextId, out _);
        _byUuid[uuid] = entry;
        _byId[entry.ContextId] = entry;
        return entry;
    }

    /// <summary>A call's context by Unique-ID; null when unknown or expired.</summary>
    public CallContextEntry? Find(string uuid) => Fresh(_byUuid.GetValueOrDefault(uuid));

    /// <summary>A call's context by context id; null when unknown or expired.</summary>
    public CallContextEntry? Find(Guid contextId) => Fresh(_byId.GetValueOrDefault(contextId));

    /// <summary>Records variables now on the channel (attached by the engine or an agent's edit).</summary>
    public void Attach(CallContextEntry entry, IEnumerable<KeyValuePair<string, string>> variables)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry.Attach(variables);
        entry.LastSeen = _time.GetUtcNow();
    }

    /// <summary>Forgets a call (it hung up).</summary>
    public void Remove(string uuid)
    {
        if (_byUuid.TryRemove(uuid, out var entry)) _byId.TryRemove(entry.ContextId, out _);
    }

    private CallContextEntry? Fresh(CallContextEntry? entry)
    {
        if (entry is null) return null;
        if (_time.GetUtcNow() - entry.LastSeen <= _ttl) return entry;
        Remove(entry.Uuid);
        return null;
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var entry in _byUuid.Values)
        {
            if (now - entry.LastSeen > _ttl) Remove(entry.Uuid);
        }
    }

    /// <summary>The call the IVR runs on: records what is attached, and attaches the context id with it.</summary>
    private sealed class TrackedCall(ICall inner, CallContextEntry entry, CallContextRegistry owner) : ITrackedCall
    {
        public Guid ContextId => entry.ContextId;

        public string Uuid => inner.Uuid;

        public string Ani => inner.Ani;

        public string Dnis => inner.Dnis;

        public string? CallerName => inner.CallerName;

        public CallState State => inner.State;

        public CancellationToken HungUp => inner.HungUp;

        public string? GetVariable(string name) => inner.GetVariable(name);

        public Task<CallResult> AnswerAsync(CancellationToken cancellationToken = default) => inner.AnswerAsync(cancellationToken);

        public Task<CallResult> PlayAsync(string prompt, CancellationToken cancellationToken = default) => inner.PlayAsync(prompt, cancellationToken);

        public Task<CollectResult> PlayAndCollectAsync(CollectRequest request, CancellationToken cancellationToken = default) =>
            inner.PlayAndCollectAsync(request, cancellationToken);

        public Task<CallResult> SayAsync(SayRequest request, CancellationToken cancellationToken = default) => inner.SayAsync(request, cancellationToken);

        public async Task<CallResult> SetVariablesAsync(IEnumerable<KeyValuePair<string, string>> variables, bool exported = false,
            CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(variables);
            List<KeyValuePair<string, string>> all = [.. variables];
            if (exported && !all.Exists(v => v.Key == ContextVariable))
            {
                all.Add(new(ContextVariable, entry.ContextId.ToString("D")));
            }

            var result = await inner.SetVariablesAsync(all, exported, cancellationToken);
            if (result.IsSuccess) owner.Attach(entry, all);
            return result;
        }

        public Task<CallResult> UnsetVariablesAsync(IEnumerable<string> names, CancellationToken cancellationToken = default) =>
            inner.UnsetVariablesAsync(names, cancellationToken);

        public Task<CallResult> TransferAsync(string destination, string dialplan = "XML", string context = "default", CancellationToken cancellationToken = default) =>
            inner.TransferAsync(destination, dialplan, context, cancellationToken);

        public Task<CallResult> BridgeAsync(string dialString, CancellationToken cancellationToken = default) => inner.BridgeAsync(dialString, cancellationToken);

        public Task<CallResult> HangupAsync(string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default) =>
            inner.HangupAsync(cause, cancellationToken);

        public Task<CallResult> SleepAsync(TimeSpan duration, CancellationToken cancellationToken = default) => inner.SleepAsync(duration, cancellationToken);

        public Task<CallResult> BreakAsync(CancellationToken cancellationToken = default) => inner.BreakAsync(cancellationToken);
    }

    /// <summary>The channel variable naming the call's context (<c>GET /contexts/{id}</c>).</summary>
    public const string ContextVariable = ContextVariables.ContextId;
}
