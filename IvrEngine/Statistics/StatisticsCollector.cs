namespace IvrEngine.Statistics;

/// <summary>Follows every call from the engine's IVR and mod_callcenter's events until it ends, counts it into its
/// hour's slice, and hands the slices' totals to the store in batches (<see cref="FlushAsync"/>). Thread-safe; memory
/// bounded by <see cref="StatisticsOptions.MaxCalls"/> and <see cref="StatisticsOptions.MaxCallHours"/>.</summary>
public sealed class StatisticsCollector : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, CallJourney> _calls = new(StringComparer.OrdinalIgnoreCase);
    private Dictionary<SliceKey, HourTotals> _pending = [];
    private Dictionary<SliceKey, HourTotals> _pendingPairs = [];
    private Dictionary<StepKey, StepTotals> _pendingSteps = [];

    // Calls counted lately, for what comes after (a wrap-up, a request): the oldest forgotten past MaxCalls.
    private readonly Dictionary<string, CountedCall> _recent = new(StringComparer.OrdinalIgnoreCase);
    private readonly Queue<string> _recentOrder = new();
    private readonly TimeProvider _time;
    private readonly StatisticsOptions _options;
    private readonly bool _switchEvents;
    private readonly System.Reactive.Subjects.Subject<long> _countedCalls = new();
    private readonly object _tellGate = new();
    private bool _disposed;
    private long _counted;
    private long _leftToOthers;

    /// <summary>Creates the collector.</summary>
    /// <param name="time">The clock of the grace after a hangup and of forgetting silent calls.</param>
    /// <param name="options">The bounds.</param>
    /// <param name="switchEvents">True when FreeSWITCH's events reach the engine (the inbound connection): a call is
    /// then counted when its channel hangs up. False: when it leaves the IVR, and queues are not seen.</param>
    public StatisticsCollector(TimeProvider time, StatisticsOptions options, bool switchEvents)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _switchEvents = switchEvents;
    }

    /// <summary>Calls followed now.</summary>
    public int Following
    {
        get
        {
            lock (_gate) return _calls.Count;
        }
    }

    /// <summary>With several engines (docs/architecture.md, "Several engines"): true for a call another engine's IVR
    /// served. Such a call is that engine's to count: a call this collector followed from the queue's events only is
    /// dropped, not counted, when this says so as it would be counted. Null (one engine): every call is counted.</summary>
    public Func<string, bool>? ServedElsewhere { get; init; }

    /// <summary>Calls dropped because another engine counts them (<see cref="ServedElsewhere"/>).</summary>
    public long LeftToOthers => Interlocked.Read(ref _leftToOthers);

    /// <summary>True while the call is followed (its IVR ran here, or its queue's events are counted here).</summary>
    public bool Follows(string callUuid)
    {
        lock (_gate) return _calls.ContainsKey(callUuid);
    }

    /// <summary>Calls counted since the start.</summary>
    public long Counted => Interlocked.Read(ref _counted);

    /// <summary><see cref="Counted"/> each time calls were counted (after the collector's lock is let go: an observer
    /// may read the collector).</summary>
    public IObservable<long> CountedCalls => _countedCalls;

    /// <summary>The engine began to serve the call: it reports the IVR leg when the call leaves the IVR.</summary>
    public void IvrStarted(string callUuid)
    {
        ArgumentException.ThrowIfNullOrEmpty(callUuid);
        if (!_switchEvents) return;
        lock (_gate) Journey(callUuid, create: true)!.ExpectsIvr = true;
    }

    /// <summary>The call left the IVR.</summary>
    public void IvrEnded(IvrLeg leg)
    {
        ArgumentNullException.ThrowIfNull(leg);
        if (string.IsNullOrEmpty(leg.CallUuid)) return;
        var before = Counted;
        lock (_gate)
        {
            var journey = Journey(leg.CallUuid, create: true)!;
            journey.IvrEnded(leg, _time.GetUtcNow());
            if (!_switchEvents || journey.IsComplete) CountLocked(journey);
        }

        Tell(before);
    }

    /// <summary>A mod_callcenter event about a caller.</summary>
    public void Queue(QueueEvent queueEvent)
    {
        ArgumentNullException.ThrowIfNull(queueEvent);
        if (string.IsNullOrEmpty(queueEvent.CallUuid)) return;
        var before = Counted;
        lock (_gate)
        {
            // A queue that sees a call the engine never served (the dialplan's fallback) counts it too.
            var create = queueEvent.Action is QueueActions.MemberQueueStart or QueueActions.MemberQueueEnd or QueueActions.BridgeAgentStart;
            if (Journey(queueEvent.CallUuid, create) is not { } journey) return;
            journey.Apply(queueEvent, _time.GetUtcNow());
            if (journey.IsComplete) CountLocked(journey);
        }

        Tell(before);
    }

    /// <summary>A channel hung up (any channel: only the calls followed matter).</summary>
    public void Hangup(string callUuid, DateTimeOffset at)
    {
        if (string.IsNullOrEmpty(callUuid)) return;
        var before = Counted;
        lock (_gate)
        {
            if (Journey(callUuid, create: false) is not { } journey) return;
            journey.Hangup(at, _time.GetUtcNow());
            if (journey.IsComplete) CountLocked(journey);
        }

        Tell(before);
    }

    /// <summary>An agent saved the call's wrap-up: its time from the end of the talk adds to the handle time, and its
    /// disposition is counted, once a call (the first save).</summary>
    public void WrapUp(string callUuid, DateTimeOffset at, string? disposition = null)
    {
        if (string.IsNullOrEmpty(callUuid)) return;
        lock (_gate)
        {
            if (Journey(callUuid, create: false) is { } journey)
            {
                if (journey.WrapUpAt is not null) return;
                journey.WrapUpAt = at;
                journey.Disposition = disposition;
            }
            else if (_recent.TryGetValue(callUuid, out var counted) && counted.TalkEndedAt is { } ended && !counted.WrappedUp)
            {
                _recent[callUuid] = counted with { WrappedUp = true };
                var late = new HourTotals { WrapUps = 1, WrapUpSeconds = Math.Max(0, (at - ended).TotalSeconds) };
                HourTotals.CountDisposition(late, disposition);
                AddLate(counted.Facts, late);
            }
        }
    }

    /// <summary>A request (ticket) was created from the call.</summary>
    public void RequestCreated(string callUuid)
    {
        if (string.IsNullOrEmpty(callUuid)) return;
        lock (_gate)
        {
            if (Journey(callUuid, create: false) is { } journey) journey.Requests++;
            else if (_recent.TryGetValue(callUuid, out var counted)) AddLate(counted.Facts, new HourTotals { Requests = 1 });
        }
    }

    /// <summary>Counts the calls whose hangup is past the grace, and those silent for too long or over the bound, as
    /// they stand. Called before every flush.</summary>
    public void Sweep()
    {
        var now = _time.GetUtcNow();
        var grace = TimeSpan.FromSeconds(_options.HangupGraceSeconds);
        var silent = TimeSpan.FromHours(_options.MaxCallHours);
        var before = Counted;
        try
        {
            SweepLocked(now, grace, silent);
        }
        finally
        {
            Tell(before);
        }
    }

    private void SweepLocked(DateTimeOffset now, TimeSpan grace, TimeSpan silent)
    {
        lock (_gate)
        {
            List<CallJourney>? done = null;
            foreach (var journey in _calls.Values)
            {
                if ((journey.EndedAt is not null && now - journey.LastSeen >= grace) || now - journey.LastSeen >= silent) (done ??= []).Add(journey);
            }

            var over = _calls.Count - (done?.Count ?? 0) - _options.MaxCalls;
            if (over > 0)
            {
                var chosen = new HashSet<CallJourney>(done ?? []);
                (done ??= []).AddRange(_calls.Values.Where(j => !chosen.Contains(j)).OrderBy(j => j.LastSeen).Take(over));
            }

            if (done is null) return;
            foreach (var journey in done) CountLocked(journey);
        }
    }

    /// <summary>Takes the totals counted since the last call, the pairs of dimensions' too.</summary>
    public IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>> TakeCounted() => TakeCounted(pairs: true);

    private Dictionary<SliceKey, HourTotals> TakeCounted(bool pairs)
    {
        var counted = Take(ref _pending);
        if (!pairs) return counted;
        var taken = Take(ref _pendingPairs);
        if (counted.Count == 0) return taken;

        // Taken apart, so no key is in both.
        foreach (var (key, totals) in taken) counted.Add(key, totals);
        return counted;
    }

    /// <summary>Takes the funnel's totals counted since the last call.</summary>
    public IReadOnlyCollection<KeyValuePair<StepKey, StepTotals>> TakeSteps() => Take(ref _pendingSteps);

    private Dictionary<TKey, TValue> Take<TKey, TValue>(ref Dictionary<TKey, TValue> pending)
        where TKey : notnull
    {
        lock (_gate)
        {
            if (pending.Count == 0) return [];
            var taken = pending;
            pending = [];
            return taken;
        }
    }

    /// <summary>Gives back totals the store did not take (they go with the next flush).</summary>
    public void GiveBack(IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>> totals, IReadOnlyCollection<KeyValuePair<StepKey, StepTotals>>? steps = null)
    {
        ArgumentNullException.ThrowIfNull(totals);
        lock (_gate)
        {
            foreach (var (key, value) in totals) AddLocked(key, value);
            foreach (var (key, value) in steps ?? []) AddStepLocked(key, value);
        }
    }

    /// <summary>Sweeps, then adds what was counted to the store (the slices, the pairs of dimensions' when
    /// <paramref name="pairs"/>, and the funnel's steps, in one transaction); on failure keeps it for the next flush and
    /// throws. Returns how many slices were written. The engine adds the pairs less often
    /// (<see cref="StatisticsOptions.PairFlushSeconds"/>).</summary>
    public async Task<int> FlushAsync(IStatisticsStore store, bool pairs = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        Sweep();
        var counted = TakeCounted(pairs);
        var steps = TakeSteps();
        if (counted.Count == 0 && steps.Count == 0) return 0;
        try
        {
            await store.AddHoursAsync(counted, steps, cancellationToken).ConfigureAwait(false);
            return counted.Count;
        }
        catch
        {
            GiveBack(counted, steps);
            throw;
        }
    }

    private void Tell(long before)
    {
        var now = Counted;
        if (now == before) return;
        lock (_tellGate)
        {
            if (!_disposed) _countedCalls.OnNext(now);
        }
    }

    /// <summary>Ends <see cref="CountedCalls"/>.</summary>
    public void Dispose()
    {
        lock (_tellGate)
        {
            if (_disposed) return;
            _disposed = true;
            _countedCalls.OnCompleted();
            _countedCalls.Dispose();
        }
    }

    private CallJourney? Journey(string callUuid, bool create)
    {
        if (_calls.TryGetValue(callUuid, out var journey) || !create) return journey;
        journey = new CallJourney(callUuid, _time.GetUtcNow());
        _calls[callUuid] = journey;
        return journey;
    }

    private void CountLocked(CallJourney journey)
    {
        _calls.Remove(journey.CallUuid);
        if (!journey.ExpectsIvr && journey.Ivr is null && ServedElsewhere?.Invoke(journey.CallUuid) == true)
        {
            Interlocked.Increment(ref _leftToOthers);
            return;
        }

        var (facts, totals, offers) = journey.Count();
        AddLocked(facts, totals);
        foreach (var (offerFacts, offerTotals) in offers) AddLocked(offerFacts, offerTotals);

        Remember(new CountedCall(journey.CallUuid, facts, journey.TalkEndedAt, totals.WrapUps > 0));
        if (journey.Ivr is { } ivr)
        {
            foreach (var (step, stepTotals) in StepTotals.Of(ivr)) AddStepLocked(step, stepTotals);
        }
        Interlocked.Increment(ref _counted);
    }

    /// <summary>What came after a call was counted goes to the same slices (of the hour the call reached the engine).</summary>
    private void AddLate(CallFacts facts, HourTotals late) => AddLocked(facts, late);

    /// <summary>Adds totals to every slice of the facts.</summary>
    private void AddLocked(CallFacts facts, HourTotals totals)
    {
        // The slices after the total and the dimensions' are the pairs' (CallFacts.Slices' order).
        for (var i = 0; i < CallFacts.SliceCount; i++) AddTo(i <= SliceDimensions.Cut.Count ? _pending : _pendingPairs, facts.SliceAt(i), totals);
    }

    private void Remember(CountedCall call)
    {
        if (_recent.TryAdd(call.CallUuid, call)) _recentOrder.Enqueue(call.CallUuid);
        else _recent[call.CallUuid] = call;
        while (_recent.Count > _options.MaxCalls && _recentOrder.TryDequeue(out var oldest)) _recent.Remove(oldest);
    }

    private sealed record CountedCall(string CallUuid, CallFacts Facts, DateTimeOffset? TalkEndedAt, bool WrappedUp);

    private void AddStepLocked(StepKey key, StepTotals totals)
    {
        if (!_pendingSteps.TryGetValue(key, out var sum)) _pendingSteps[key] = sum = new StepTotals();
        sum.Add(totals);
    }

    private void AddLocked(SliceKey key, HourTotals totals) => AddTo(SliceDimensions.IsPair(key.Dimension) ? _pendingPairs : _pending, key, totals);

    private static void AddTo(Dictionary<SliceKey, HourTotals> pending, SliceKey key, HourTotals totals)
    {
        if (!pending.TryGetValue(key, out var sum)) pending[key] = sum = new HourTotals();
        sum.Add(totals);
    }
}
