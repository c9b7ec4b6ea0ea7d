using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using IvrEngine.Calls;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IvrEngine.Web;

/// <summary>One call's context: who it is, who the IVR found, what the engine attached to the channel. It holds ids
/// and the attached values only, never a client's card: the card is read from the store when an agent opens it.</summary>
public sealed class CallContextEntry
{
    // What the entry costs beyond its strings: the object, its dictionary and the two index slots (an estimate; see
    // Measure).
    private const int EntryOverhead = 512;

    // One attached variable beyond its two strings' characters: the dictionary node and the strings' headers.
    private const int VariableOverhead = 96;

    private readonly Lock _gate = new();
    private Func<CallClientContext?>? _provider;
    private CallClientContext? _settled;
    private CallClientContext? _identified;
    private CallIvrTrail? _trail;
    private readonly ConcurrentDictionary<string, string> _variables = new(StringComparer.Ordinal);
    private long _counted;
    private bool _removed;
    private volatile bool _ivrEnded;
    private ConcurrentDictionary<string, byte>? _unwritten;

    /// <summary>An entry of a call another engine served, as the shared state has it (<see cref="ServedBy"/> names
    /// that engine).</summary>
    internal CallContextEntry(CallContextSnapshot snapshot)
    {
        Uuid = snapshot.Uuid;
        ContextId = snapshot.ContextId;
        Ani = snapshot.Ani;
        Dnis = snapshot.Dnis;
        StartedAt = snapshot.StartedAt;
        HangupObserved = true;
        ServedBy = snapshot.Engine;
        CoreUuid = snapshot.Box;
        _settled = snapshot.Client;
        _ivrEnded = snapshot.IvrEnded;
        _trail = snapshot.Trail;
        foreach (var (name, value) in snapshot.Variables) _variables[name] = value;
    }

    internal CallContextEntry(string uuid, Guid contextId, string ani, string dnis, DateTimeOffset startedAt, Func<CallClientContext?> client,
        bool hangupObserved, bool inIvr, string? coreUuid = null)
    {
        Uuid = uuid;
        CoreUuid = coreUuid;
        ContextId = contextId;
        Ani = ani;
        Dnis = dnis;
        StartedAt = startedAt;
        HangupObserved = hangupObserved;
        if (inIvr)
        {
            _provider = client;
        }
        else
        {
            _settled = Ask(client);
            _ivrEnded = true;
        }
    }

    /// <summary>The call's Unique-ID.</summary>
    public string Uuid { get; }

    /// <summary>The context id (<c>ivr_context_id</c>).</summary>
    public Guid ContextId { get; }

    /// <summary>The Core-UUID of the FreeSWITCH box that holds the call (from its connect data): an edit reaches the
    /// live channel through that box's inbound connection. Null when unknown (a demo call).</summary>
    public string? CoreUuid { get; }

    /// <summary>Caller number as FreeSWITCH gave it.</summary>
    public string Ani { get; }

    /// <summary>Dialed number.</summary>
    public string Dnis { get; }

    /// <summary>When the call reached the engine.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>The engine (Engine:Name) whose IVR served the call when it was not this one (the entry mirrors the
    /// shared state, docs/architecture.md "Several engines"); null when this engine served it.</summary>
    public string? ServedBy { get; }

    /// <summary>Last time the call was seen (tracked, attached to, read or edited); the time-to-live counts from it.</summary>
    public DateTimeOffset LastSeen { get; internal set; }

    /// <summary>The order in which the entries were opened (ties of <see cref="LastSeen"/>).</summary>
    internal long Sequence { get; init; }

    /// <summary>True when the engine heard FreeSWITCH's hangups (the inbound connection was up) as the call came in:
    /// the context then goes at the call's hangup, and the time-to-live is a safety net; else the shorter
    /// time-to-live of a call whose end the engine cannot see applies.</summary>
    public bool HangupObserved { get; }

    /// <summary>The IVR is done with the call (or none ran): who was found is settled.</summary>
    public bool IvrEnded => _ivrEnded;

    /// <summary>The variables the engine attached (and agents' edits since), by name.</summary>
    public IReadOnlyDictionary<string, string> Variables => new SortedDictionary<string, string>(_variables, StringComparer.Ordinal);

    /// <summary>Who the IVR found; null before any lookup.</summary>
    public CallClientContext? Client
    {
        get
        {
            var found = Volatile.Read(ref _identified)
                ?? (Volatile.Read(ref _provider) is { } provider ? Ask(provider) : Volatile.Read(ref _settled));

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

    /// <summary>What the IVR did, as it stood when it handed the caller on; null before (or when it never did).</summary>
    public CallIvrTrail? Trail => Volatile.Read(ref _trail);

    internal void ShowTrail(CallIvrTrail trail) => Volatile.Write(ref _trail, trail);

    /// <summary>An agent identified the caller (created a client from the call, or attached its number to one): this
    /// client is the call's from now on, whatever the IVR found.</summary>
    internal void Identify(CallClientContext client) => Volatile.Write(ref _identified, client);

    internal void Attach(IEnumerable<KeyValuePair<string, string>> variables)
    {
        foreach (var (name, value) in variables)
        {
            _variables[name] = value;
            _unwritten?.TryAdd(name, 0);
        }
    }

    /// <summary>From now on the entry remembers which variables were attached here and not yet written to the shared
    /// state (<see cref="TakeForWrite"/>): a write carries those alone, so it never puts back an older value of a
    /// variable another engine changed since.</summary>
    internal void ShareChanges() => Interlocked.CompareExchange(ref _unwritten, new ConcurrentDictionary<string, byte>(StringComparer.Ordinal), null);

    /// <summary>The entry as the shared state keeps it, with the variables attached here since the last write (taken:
    /// give them back with <see cref="Unwritten"/> when the write fails).</summary>
    public CallContextSnapshot TakeForWrite(string engine)
    {
        var changed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (_unwritten is { } unwritten)
        {
            foreach (var name in unwritten.Keys)
            {
                if (unwritten.TryRemove(name, out _) && _variables.TryGetValue(name, out var value)) changed[name] = value;
            }
        }

        return new(Uuid, ContextId, Ani, Dnis, StartedAt, ServedBy ?? engine, CoreUuid, IvrEnded, Client, Trail, changed);
    }

    /// <summary>Variables whose write failed: written with the next one.</summary>
    public void Unwritten(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (_unwritten is not { } unwritten) return;
        foreach (var name in names) unwritten.TryAdd(name, 0);
    }

    /// <summary>Takes what another engine wrote of the call: its variables (added to these), who it is when the other
    /// engine settled it or an agent identified the caller there, the IVR's trail when this entry has none.</summary>
    internal void Take(CallContextSnapshot snapshot)
    {
        foreach (var (name, value) in snapshot.Variables) _variables[name] = value;
        if (snapshot.Client is { } client)
        {
            if (ServedBy is not null && !string.Equals(client.MatchedBy, "agent", StringComparison.Ordinal)) Volatile.Write(ref _settled, client);
            else if (string.Equals(client.MatchedBy, "agent", StringComparison.Ordinal)) Volatile.Write(ref _identified, client);
        }

        if (snapshot.Trail is { } trail && Volatile.Read(ref _trail) is null) Volatile.Write(ref _trail, trail);
        if (snapshot.IvrEnded && ServedBy is not null) _ivrEnded = true;
    }

    /// <summary>The entry as the shared state keeps it; <paramref name="engine"/> is this engine's name (for the calls it
    /// served).</summary>
    public CallContextSnapshot Snapshot(string engine) =>
        new(Uuid, ContextId, Ani, Dnis, StartedAt, ServedBy ?? engine, CoreUuid, IvrEnded, Client, Trail, Variables);

    /// <summary>Keeps who the provider says now and drops the provider (it may hold the IVR's lookup and its card).</summary>
    internal void Settle()
    {
        if (Interlocked.Exchange(ref _provider, null) is { } provider) Volatile.Write(ref _settled, Ask(provider));
        _ivrEnded = true;
    }

    /// <summary>The entry's size now (an estimate in bytes: its strings' UTF-16 characters, two bytes each, plus a fixed
    /// cost per object), the change since it was last counted; 0 once removed.</summary>
    internal long Recount()
    {
        lock (_gate)
        {
            if (_removed) return 0;
            var now = Measure();
            var delta = now - _counted;
            _counted = now;
            return delta;
        }
    }

    /// <summary>Marks the entry removed; returns the bytes it was counted for.</summary>
    internal long Uncount()
    {
        lock (_gate)
        {
            _removed = true;
            return _counted;
        }
    }

    /// <summary>The estimated bytes the entry holds (see <see cref="Recount"/>).</summary>
    internal long Bytes
    {
        get
        {
            lock (_gate) return _counted;
        }
    }

    private long Measure()
    {
        long bytes = EntryOverhead + 2L * (Uuid.Length + Ani.Length + Dnis.Length + (CoreUuid?.Length ?? 0));
        foreach (var (name, value) in _variables) bytes += VariableOverhead + 2L * (name.Length + value.Length);
        bytes += Size(Volatile.Read(ref _settled)) + Size(Volatile.Read(ref _identified));
        if (Volatile.Read(ref _trail) is { } trail)
        {
            foreach (var step in trail.Steps) bytes += VariableOverhead + 2L * step.Length;
            foreach (var (name, value) in trail.Keyed) bytes += VariableOverhead + 2L * (name.Length + value.Length);
        }

        return bytes;
    }

    private static long Size(CallClientContext? client) =>
        client is null ? 0 : 96 + 2L * (client.Code.Length + client.Reason.Length + client.MatchedBy.Length);

    private static CallClientContext? Ask(Func<CallClientContext?> provider)
    {
        try
        {
            return provider();
        }
#pragma warning disable CA1031 // A failing provider must not fail a screen pop; the variables still tell.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }
}

/// <summary>How long and how many call contexts the engine keeps (settings <c>Web:ContextTtlMinutes</c>,
/// <c>Web:UnobservedContextTtlMinutes</c>, <c>Web:MaxContexts</c>, <c>Web:MaxContextMegabytes</c>).</summary>
public sealed record CallContextLimits
{
    /// <summary>How long a context is kept after it was last seen when the engine hears hangups (a safety net for a
    /// missed one).</summary>
    public TimeSpan TimeToLive { get; init; } = TimeSpan.FromMinutes(240);

    /// <summary>The same when the engine could not hear the call's hangup (no inbound connection as it came in).</summary>
    public TimeSpan UnobservedTimeToLive { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The most contexts kept; beyond it the oldest go.</summary>
    public int MaxContexts { get; init; } = 10_000;

    /// <summary>The most bytes all contexts may hold together (an estimate, see <see cref="CallContextRegistry.Bytes"/>);
    /// beyond it the oldest go.</summary>
    public long MaxBytes { get; init; } = 64L * 1024 * 1024;
}

/// <summary>A call's context as the engines share it (a row of <c>call_contexts</c>).</summary>
/// <param name="Uuid">The call's Unique-ID.</param>
/// <param name="ContextId">Its context id.</param>
/// <param name="Ani">Caller number.</param>
/// <param name="Dnis">Dialed number.</param>
/// <param name="StartedAt">When the call reached the engine that served it.</param>
/// <param name="Engine">That engine's name (Engine:Name).</param>
/// <param name="Box">The FreeSWITCH that owns the call (Core-UUID), when known.</param>
/// <param name="IvrEnded">That engine's IVR is done with the call.</param>
/// <param name="Client">Who was found (or identified by an agent).</param>
/// <param name="Trail">What the IVR did.</param>
/// <param name="Variables">What is on the channel.</param>
public sealed record CallContextSnapshot(string Uuid, Guid ContextId, string Ani, string Dnis, DateTimeOffset StartedAt, string Engine, string? Box,
    bool IvrEnded, CallClientContext? Client, CallIvrTrail? Trail, IReadOnlyDictionary<string, string> Variables);

/// <summary>Where the registry tells what changed in the contexts, for the engines that share them (PostgreSQL,
/// docs/architecture.md "Several engines"). Called on the path of a call or an agent's edit: an implementation only
/// notes the change and writes it later, never waits. Without several engines there is none (the registry behaves as
/// it always did).</summary>
public interface ISharedContexts
{
    /// <summary>A context was opened or changed here (tracked, attached to, identified, its IVR done).</summary>
    void Changed(CallContextEntry entry);

    /// <summary>A call ended (its hangup was heard here).</summary>
    void Ended(string uuid);
}

/// <summary>The contexts of the calls this engine served, by Unique-ID and by context id, kept while the call lives:
/// until FreeSWITCH reports its hangup (over the inbound connection) or, without that, for a time-to-live after it
/// was last seen (shorter for calls that came in while the engine could not hear hangups). Bounded in count and bytes:
/// past either bound the oldest context whose IVR ended goes first (then the oldest of all), with a log line, and
/// <see cref="Evicted"/> counts it.</summary>
public sealed partial class CallContextRegistry : ICallContextSink
{
    private readonly ConcurrentDictionary<string, CallContextEntry> _byUuid = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, CallContextEntry> _byId = new();
    private readonly Lock _evictGate = new();
    private readonly TimeProvider _time;
    private readonly CallContextLimits _limits;
    private readonly Func<string?, bool> _hangupsObserved;
    private readonly ILogger _logger;
    private readonly Counter<long>? _evictedCounter;
    private readonly ISharedContexts? _shared;
    private long _bytes;
    private long _evicted;
    private long _opened;
    private long _nextSweepTicks;

    /// <summary>How often, at most, a new call sweeps expired contexts out.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    /// <summary>Creates the registry with the default bounds and <paramref name="timeToLive"/>, hangups unobserved.</summary>
    public CallContextRegistry(TimeProvider time, TimeSpan timeToLive)
        : this(time, new CallContextLimits { TimeToLive = timeToLive, UnobservedTimeToLive = timeToLive })
    {
    }

    /// <summary>Creates the registry.</summary>
    /// <param name="time">The clock.</param>
    /// <param name="limits">The bounds.</param>
    /// <param name="hangupsObserved">True while the engine hears the hangups of the FreeSWITCH box with this Core-UUID
    /// (asked as each call comes in, with the call's Core-UUID or null); null: never.</param>
    /// <param name="logger">Where evictions are logged.</param>
    /// <param name="meters">Makes the <c>IvrEngine.Contexts</c> meter (evictions, contexts, bytes); null: none.</param>
    /// <param name="shared">Told of every change made here, when the engines share their contexts; null: none.</param>
    public CallContextRegistry(TimeProvider time, CallContextLimits limits, Func<string?, bool>? hangupsObserved = null, ILogger? logger = null,
        IMeterFactory? meters = null, ISharedContexts? shared = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(limits);
        _time = time;
        _limits = limits;
        _hangupsObserved = hangupsObserved ?? (static _ => false);
        _logger = logger ?? NullLogger.Instance;
        _shared = shared;
        if (meters?.Create("IvrEngine.Contexts") is { } meter)
        {
            _evictedCounter = meter.CreateCounter<long>("ivrengine.contexts.evicted", "{context}", "Call contexts dropped over the bounds");
            meter.CreateObservableGauge("ivrengine.contexts.count", () => Count, "{context}", "Call contexts kept");
            meter.CreateObservableGauge("ivrengine.contexts.bytes", () => Bytes, "By", "Estimated bytes the call contexts hold");
        }
    }

    /// <summary>How many contexts are kept.</summary>
    public int Count => _byUuid.Count;

    /// <summary>The estimated bytes the kept contexts hold: their strings (two bytes a character) and a fixed cost per
    /// entry and per variable.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>How many contexts were dropped over the bounds (not counting those that expired or hung up).</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>The bounds in force.</summary>
    public CallContextLimits Limits => _limits;

    /// <inheritdoc />
    public ITrackedCall Track(ICall liveCall, Func<CallClientContext?> client)
    {
        ArgumentNullException.ThrowIfNull(liveCall);
        ArgumentNullException.ThrowIfNull(client);
        return new TrackedCall(liveCall, Open(liveCall.Uuid, liveCall.Ani, liveCall.Dnis, client, inIvr: true, liveCall.CoreUuid), this);
    }

    /// <summary>Starts tracking a call that has no live IVR session here (a demo call); same rules as
    /// <see cref="Track"/>, its client asked once, now.</summary>
    public CallContextEntry Open(string uuid, string ani, string dnis, Func<CallClientContext?> client) => Open(uuid, ani, dnis, client, inIvr: false, coreUuid: null);

    private CallContextEntry Open(string uuid, string ani, string dnis, Func<CallClientContext?> client, bool inIvr, string? coreUuid)
    {
        ArgumentNullException.ThrowIfNull(client);
        Sweep();
        var now = _time.GetUtcNow();
        var entry = new CallContextEntry(uuid, Guid.NewGuid(), ani, dnis, now, client, _hangupsObserved(coreUuid), inIvr, coreUuid)
        {
            LastSeen = now,
            Sequence = Interlocked.Increment(ref _opened),
        };
        if (_shared is not null) entry.ShareChanges();
        if (_byUuid.TryGetValue(uuid, out var old)) Remove(old);
        _byUuid[uuid] = entry;
        _byId[entry.ContextId] = entry;
        Recount(entry);
        _shared?.Changed(entry);
        return entry;
    }

    /// <summary>Opens or updates the entry of a call from what another engine wrote of it (the shared state); tells no
    /// one (it came from there). Returns the entry.</summary>
    public CallContextEntry Mirror(CallContextSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var now = _time.GetUtcNow();
        if (_byUuid.TryGetValue(snapshot.Uuid, out var known) && known.ContextId == snapshot.ContextId)
        {
            known.Take(snapshot);
            known.LastSeen = now;
            Recount(known);
            return known;
        }

        Sweep();
        var entry = new CallContextEntry(snapshot) { LastSeen = now, Sequence = Interlocked.Increment(ref _opened) };
        if (_shared is not null) entry.ShareChanges();
        if (known is not null) Remove(known);
        _byUuid[entry.Uuid] = entry;
        _byId[entry.ContextId] = entry;
        Recount(entry);
        return entry;
    }

    /// <summary>Forgets a call another engine said ended; tells no one.</summary>
    public void Forget(string uuid)
    {
        if (_byUuid.TryGetValue(uuid, out var entry)) Remove(entry);
    }

    /// <summary>The entries kept now (any order).</summary>
    public IReadOnlyList<CallContextEntry> Entries() => [.. _byUuid.Values];

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
        Recount(entry);
        _shared?.Changed(entry);
    }

    /// <summary>An agent identified the caller of a tracked call (see <see cref="CallContextEntry.Client"/>).</summary>
    public void Identify(CallContextEntry entry, CallClientContext client)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry.Identify(client);
        Recount(entry);
        _shared?.Changed(entry);
    }

    /// <summary>Forgets a call (it hung up).</summary>
    public void Remove(string uuid)
    {
        if (!_byUuid.TryGetValue(uuid, out var entry)) return;
        Remove(entry);
        _shared?.Ended(uuid);
    }

    private bool Remove(CallContextEntry entry)
    {
        if (!_byUuid.TryRemove(new KeyValuePair<string, CallContextEntry>(entry.Uuid, entry))) return false;
        _byId.TryRemove(entry.ContextId, out _);
        Interlocked.Add(ref _bytes, -entry.Uncount());
        return true;
    }

    private void Recount(CallContextEntry entry)
    {
        Interlocked.Add(ref _bytes, entry.Recount());
        if (_byUuid.Count > _limits.MaxContexts || Bytes > _limits.MaxBytes) Evict(entry);
    }

    /// <summary>Drops the oldest contexts until both bounds hold: those whose IVR ended first, the one just touched
    /// last.</summary>
    private void Evict(CallContextEntry touched)
    {
        lock (_evictGate)
        {
            while (_byUuid.Count > _limits.MaxContexts || Bytes > _limits.MaxBytes)
            {
                var victim = Oldest(touched) ?? (_byUuid.ContainsKey(touched.Uuid) ? touched : null);
                if (victim is null) return;
                var bytes = victim.Bytes;
                if (!Remove(victim)) continue;
                Interlocked.Increment(ref _evicted);
                _evictedCounter?.Add(1);
                LogEvicted(_logger, victim.Uuid, victim.IvrEnded ? "its IVR had ended" : "its IVR was still running", bytes,
                    _time.GetUtcNow() - victim.LastSeen, Count, Bytes, _limits.MaxContexts, _limits.MaxBytes);
            }
        }
    }

    private CallContextEntry? Oldest(CallContextEntry spare)
    {
        CallContextEntry? oldest = null;
        foreach (var entry in _byUuid.Values)
        {
            if (ReferenceEquals(entry, spare)) continue;
            if (oldest is null || GoesBefore(entry, oldest)) oldest = entry;
        }

        return oldest;
    }

    private static bool GoesBefore(CallContextEntry a, CallContextEntry b) =>
        a.IvrEnded != b.IvrEnded ? a.IvrEnded : a.LastSeen != b.LastSeen ? a.LastSeen < b.LastSeen : a.Sequence < b.Sequence;

    private TimeSpan TimeToLive(CallContextEntry entry) => entry.HangupObserved ? _limits.TimeToLive : _limits.UnobservedTimeToLive;

    private CallContextEntry? Fresh(CallContextEntry? entry)
    {
        if (entry is null) return null;
        if (_time.GetUtcNow() - entry.LastSeen <= TimeToLive(entry)) return entry;
        Remove(entry);
        return null;
    }

    /// <summary>Drops expired contexts, at most once a second: each lookup checks expiry itself
    /// (<see cref="Fresh"/>), so the sweep only bounds how long an expired context holds memory, and a scan of every
    /// context on every new call cost a burst more than the rest of the registry.</summary>
    private void Sweep()
    {
        var now = _time.GetUtcNow();
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweepTicks, (now + SweepInterval).UtcTicks, due) != due) return;
        foreach (var (_, entry) in _byUuid)
        {
            if (now - entry.LastSeen > TimeToLive(entry)) Remove(entry);
        }
    }

    [LoggerMessage(EventId = 680, Level = LogLevel.Warning, Message = "Call {CallUuid}: context dropped over the bounds ({Why}; {EntryBytes} bytes, last seen {Idle} ago); {Count} contexts and {Bytes} bytes kept (limits {MaxContexts} contexts, {MaxBytes} bytes: Web:MaxContexts, Web:MaxContextMegabytes)")]
    private static partial void LogEvicted(ILogger logger, string callUuid, string why, long entryBytes, TimeSpan idle, int count, long bytes,
        int maxContexts, long maxBytes);

    /// <summary>The call the IVR runs on: records what is attached, and attaches the context id with it.</summary>
    private sealed class TrackedCall(ICall inner, CallContextEntry entry, CallContextRegistry owner) : ITrackedCall
    {
        public Guid ContextId => entry.ContextId;

        public void LeftIvr()
        {
            entry.Settle();
            owner.Recount(entry);
            owner._shared?.Changed(entry);
        }

        public void ShowTrail(CallIvrTrail trail)
        {
            entry.ShowTrail(trail);
            owner.Recount(entry);
            owner._shared?.Changed(entry);
        }

        public string Uuid => inner.Uuid;

        public string Ani => inner.Ani;

        public string Dnis => inner.Dnis;

        public string? CallerName => inner.CallerName;

        public string? CoreUuid => inner.CoreUuid;

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
