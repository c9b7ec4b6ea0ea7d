using System.Threading.Channels;
using IvrEngine.EventSocket;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IvrEngine.Web.Desk;

/// <summary>The live state of the agents' desks: which call rings, is taken or is being wrapped up on whose desk, who
/// waits in a queue, each agent's status and state. Fed by mod_callcenter's <c>callcenter::info</c> events
/// (<see cref="Apply"/>), by the channel events of the direct route to an agent (<see cref="ApplyChannel"/>) and by demo
/// calls. Thread-safe; memory stays bounded (<see cref="DeskLimits"/>).</summary>
public sealed partial class DeskService : IDisposable
{
    private const string Queue = "queue";
    private const string Direct = "direct";
    private const string Demo = "demo";

    private readonly TimeProvider _time;
    private readonly Func<string, string> _agentOfUser;
    private readonly DeskLimits _limits;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Dictionary<string, List<DeskCall>> _calls = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, WaitingCall> _members = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, DeskAgent> _agents = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Queue<(string CallUuid, DateTimeOffset At)>> _history = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (string CallUuid, string Agent)> _directLegs = new(StringComparer.OrdinalIgnoreCase);
    private readonly Channel<DeskChange> _pending;
    private readonly Broadcaster<DeskChange> _changes;
    private readonly Task _pump;
    private DateTimeOffset _lastSweep;
    private long _sequence;

    /// <summary>Creates the desk.</summary>
    /// <param name="time">The clock of every timestamp and of the bounded memory.</param>
    /// <param name="agentOfUser">The agent name of a directory user the direct route dialled (default: "X" -> "X@default").</param>
    /// <param name="limits">How much is remembered; <see cref="DeskLimits"/>' defaults when null.</param>
    /// <param name="logger">Where a failing subscriber is reported.</param>
    public DeskService(TimeProvider time, Func<string, string>? agentOfUser = null, DeskLimits? limits = null, ILogger<DeskService>? logger = null)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _agentOfUser = agentOfUser ?? DefaultAgentOfUser;
        _limits = limits ?? new DeskLimits();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _lastSweep = _time.GetUtcNow();
        _changes = new Broadcaster<DeskChange>(ex => LogSubscriberFault(_logger, ex));

        // Subscribers run on this pump, never on the thread that applied the event (the inbound read loop). When they fall
        // far behind the oldest news goes: every change carries only who to tell, and they read the whole state anyway.
        _pending = Channel.CreateBounded<DeskChange>(new BoundedChannelOptions(10_000)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropOldest,
        });
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Who must be told of each change, in order, on a thread of the desk's own (never the caller's).</summary>
    public IObservable<DeskChange> Changes => _changes;

    /// <summary>Grows by one with every change.</summary>
    public long Sequence => Interlocked.Read(ref _sequence);

    /// <summary>The default name of the agent behind a directory user: "1001" -> "1001@default".</summary>
    public static string DefaultAgentOfUser(string user)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        return user.Contains('@', StringComparison.Ordinal) ? user : user + "@default";
    }

    // ------------------------------------------------------------------ inputs

    /// <summary>A mod_callcenter <c>callcenter::info</c> event.</summary>
    public void Apply(CallcenterInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var call = info.MemberSessionUuid;
        var agent = info.Agent;
        var changes = new List<DeskChange>(2);
        lock (_gate)
        {
            var now = Now();
            switch (info.Action)
            {
                case "member-queue-start" when call is not null:
                    _members[call] = new WaitingCall(call, info.Queue ?? string.Empty, now);
                    changes.Add(Change(call, null, null));
                    break;
                case "agent-offering" when call is not null && agent is not null:
                    if (!_members.TryGetValue(call, out var member))
                    {
                        // Connected after the caller entered the queue: the queue is on the offer.
                        member = new WaitingCall(call, info.Queue ?? string.Empty, now);
                        _members[call] = member;
                    }

                    OfferLocked(call, agent, Queue, info.Queue ?? member.Queue, member.Since, now, changes);
                    break;
                case "bridge-agent-start" when call is not null && agent is not null:
                    AnswerLocked(call, agent, Queue, info.Queue, now, changes);
                    break;
                case "bridge-agent-fail" when call is not null && agent is not null:
                    WithdrawLocked(call, agent, changes);
                    break;
                case "bridge-agent-end" when call is not null && agent is not null:
                    EndLocked(call, agent, now, changes);
                    break;
                case "member-queue-end" when call is not null:
                    _members.Remove(call);
                    GoneLocked(call, now, changes);
                    if (changes.Count == 0) changes.Add(Change(call, null, null));
                    break;
                case "agent-status-change" when agent is not null:
                    AgentLocked(agent, info.Event.GetHeader("CC-Agent-Status"), null, now, changes);
                    break;
                case "agent-state-change" when agent is not null:
                    AgentLocked(agent, null, info.Event.GetHeader("CC-Agent-State"), now, changes);
                    break;
            }

            SweepLocked(now, changes);
        }

        Publish(changes);
    }

    /// <summary>A channel event, for the direct route to an agent (the dialplan's agent_X bridges user/X):
    /// CHANNEL_ORIGINATE of a leg to a directory user (<c>variable_dialed_user</c>) made by another channel
    /// (<c>Other-Leg-Unique-ID</c>) and not by mod_callcenter (<c>variable_cc_side</c>) rings that user's agent;
    /// CHANNEL_BRIDGE of the two takes the call; CHANNEL_HANGUP_COMPLETE of the agent's leg before the bridge withdraws
    /// the offer, after it (or of the caller) ends the call (<see cref="Hangup"/>).</summary>
    public void ApplyChannel(EslEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e.EventName)
        {
            case "CHANNEL_ORIGINATE":
            {
                var leg = e.UniqueId;
                var user = e.GetVariable("dialed_user");
                var caller = e.GetHeader("Other-Leg-Unique-ID") ?? e.GetVariable("originating_leg_uuid");
                if (leg is null || string.IsNullOrEmpty(user) || caller is null || e.GetVariable("cc_side") is not null) return;
                var agent = _agentOfUser(user);
                var changes = new List<DeskChange>(2);
                lock (_gate)
                {
                    var now = Now();
                    _directLegs[leg] = (caller, agent);
                    OfferLocked(caller, agent, Direct, null, null, now, changes);
                    SweepLocked(now, changes);
                }

                Publish(changes);
                return;
            }

            case "CHANNEL_BRIDGE":
            {
                var a = e.UniqueId;
                var b = e.GetHeader("Other-Leg-Unique-ID") ?? e.GetHeader("Bridge-B-Unique-ID");
                var changes = new List<DeskChange>(1);
                lock (_gate)
                {
                    if (b is not null && _directLegs.TryGetValue(b, out var direct) || a is not null && _directLegs.TryGetValue(a, out direct))
                    {
                        AnswerLocked(direct.CallUuid, direct.Agent, Direct, null, Now(), changes);
                    }
                }

                Publish(changes);
                return;
            }

            case "CHANNEL_HANGUP_COMPLETE" when e.UniqueId is { } uuid:
            {
                var changes = new List<DeskChange>(1);
                bool wasLeg;
                lock (_gate)
                {
                    wasLeg = _directLegs.Remove(uuid, out var direct);
                    if (wasLeg)
                    {
                        var entry = FindLocked(direct.CallUuid, direct.Agent);
                        if (entry?.State == DeskCallState.Ringing) WithdrawLocked(direct.CallUuid, direct.Agent, changes);
                        else if (entry?.State == DeskCallState.OnCall) EndLocked(direct.CallUuid, direct.Agent, Now(), changes);
                    }
                }

                Publish(changes);
                if (!wasLeg) Hangup(uuid);
                return;
            }
        }
    }

    /// <summary>A demo call (no FreeSWITCH) rings <paramref name="agent"/>.</summary>
    public void OfferDemo(string callUuid, string agent)
    {
        ArgumentException.ThrowIfNullOrEmpty(callUuid);
        ArgumentException.ThrowIfNullOrEmpty(agent);
        var changes = new List<DeskChange>(2);
        lock (_gate)
        {
            var now = Now();
            OfferLocked(callUuid, agent, Demo, null, null, now, changes);
            SweepLocked(now, changes);
        }

        Publish(changes);
    }

    /// <summary>The agent whose phone rings with the call took it (demo and tests).</summary>
    public void Answer(string callUuid)
    {
        ArgumentException.ThrowIfNullOrEmpty(callUuid);
        var changes = new List<DeskChange>(1);
        lock (_gate)
        {
            if (ActiveLocked(callUuid) is { State: DeskCallState.Ringing } ringing)
            {
                AnswerLocked(callUuid, ringing.Agent, ringing.How, ringing.Queue, Now(), changes);
            }
        }

        Publish(changes);
    }

    /// <summary>The call taken by an agent ended: wrap-up (demo and tests). A call still ringing goes away.</summary>
    public void End(string callUuid) => Hangup(callUuid);

    /// <summary>The caller's channel is gone (CHANNEL_HANGUP_COMPLETE): a call on an agent's desk goes to wrap-up, an offer
    /// still ringing and a waiting caller go away.</summary>
    public void Hangup(string callUuid)
    {
        ArgumentException.ThrowIfNullOrEmpty(callUuid);
        var changes = new List<DeskChange>(1);
        lock (_gate)
        {
            var waited = _members.Remove(callUuid);
            if (!_calls.ContainsKey(callUuid) && !waited) return;
            GoneLocked(callUuid, Now(), changes);
            if (changes.Count == 0) changes.Add(Change(callUuid, null, null));
        }

        Publish(changes);
    }

    /// <summary>The agent finished the call's wrap-up: it leaves their desk.</summary>
    public void WrapUpDone(string callUuid, string agent)
    {
        ArgumentException.ThrowIfNullOrEmpty(callUuid);
        ArgumentException.ThrowIfNullOrEmpty(agent);
        var changes = new List<DeskChange>(1);
        lock (_gate)
        {
            if (FindLocked(callUuid, agent) is { State: DeskCallState.WrapUp } entry)
            {
                RemoveLocked(entry);
                changes.Add(Change(callUuid, agent, null));
            }
        }

        Publish(changes);
    }

    /// <summary>Something the desk shows of a call changed elsewhere (its context: the caller's name, category, code;
    /// written by another engine or an agent's edit): every agent whose desk holds the call is told, as for a desk
    /// change. Returns how many were.</summary>
    public int Touch(string callUuid)
    {
        ArgumentException.ThrowIfNullOrEmpty(callUuid);
        var changes = new List<DeskChange>(1);
        lock (_gate)
        {
            if (!_calls.TryGetValue(callUuid, out var list)) return 0;
            foreach (var entry in list) changes.Add(Change(callUuid, entry.Agent, null));
        }

        Publish(changes);
        return changes.Count;
    }

    /// <summary>An offer the desk did not see made (another engine wrote it before this one started): put on the desk
    /// as it stood, unless the desk already has the call on that agent's desk. Returns whether it was put.</summary>
    public bool Restore(DeskCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var changes = new List<DeskChange>(1);
        lock (_gate)
        {
            if (FindLocked(call.CallUuid, call.Agent) is not null) return false;
            EntriesLocked(call.CallUuid).Add(call);
            RememberOfferLocked(call.Agent, call.CallUuid, call.OfferedAt);
            changes.Add(Change(call.CallUuid, call.Agent, null));
        }

        Publish(changes);
        return true;
    }

    /// <summary>The call on one agent's desk, or null.</summary>
    public DeskCall? Find(string callUuid, string agent)
    {
        ArgumentNullException.ThrowIfNull(callUuid);
        ArgumentNullException.ThrowIfNull(agent);
        lock (_gate) return FindLocked(callUuid, agent);
    }

    /// <summary>The agents as FreeSWITCH lists them (after every (re)connect): replaces what was known of each.</summary>
    public void SetAgents(IEnumerable<DeskAgent> agents)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var changes = new List<DeskChange>();
        lock (_gate)
        {
            foreach (var agent in agents)
            {
                if (string.IsNullOrEmpty(agent.Agent)) continue;
                if (_agents.TryGetValue(agent.Agent, out var known) && known.Status == agent.Status && known.State == agent.State) continue;
                if (!_agents.ContainsKey(agent.Agent) && _agents.Count >= _limits.MaxAgents) break;
                _agents[agent.Agent] = agent with { Since = agent.Since ?? known?.Since ?? Now() };
                changes.Add(Change(null, agent.Agent, null));
            }
        }

        Publish(changes);
    }

    // ------------------------------------------------------------------ outputs

    /// <summary>The calls on one agent's desk, oldest offer first.</summary>
    public IReadOnlyList<DeskCall> CallsOf(string agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        lock (_gate)
        {
            return [.. _calls.Values.SelectMany(l => l).Where(c => string.Equals(c.Agent, agent, StringComparison.OrdinalIgnoreCase))
                .OrderBy(c => c.OfferedAt)];
        }
    }

    /// <summary>The call on a desk: the entry still ringing or taken, else the latest wrap-up; null when on no desk.</summary>
    public DeskCall? Find(string callUuid)
    {
        ArgumentNullException.ThrowIfNull(callUuid);
        lock (_gate) return ActiveLocked(callUuid);
    }

    /// <summary>Whether the call was ever offered to the agent (the last <see cref="DeskLimits.HistoryPerAgent"/> offers
    /// within <see cref="DeskLimits.HistoryAge"/>).</summary>
    public bool WasOffered(string agent, string callUuid)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(callUuid);
        lock (_gate)
        {
            if (!_history.TryGetValue(agent, out var offers)) return false;
            var since = Now() - _limits.HistoryAge;
            return offers.Any(o => o.At >= since && string.Equals(o.CallUuid, callUuid, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>Every call on every desk.</summary>
    public IReadOnlyList<DeskCall> AllCalls()
    {
        lock (_gate) return [.. _calls.Values.SelectMany(l => l).OrderBy(c => c.OfferedAt)];
    }

    /// <summary>The callers in a queue whom no agent's phone rings for, longest waiting first.</summary>
    public IReadOnlyList<WaitingCall> Waiting()
    {
        lock (_gate)
        {
            return [.. _members.Values.Where(IsWaitingLocked).OrderBy(m => m.Since)];
        }
    }

    /// <summary>In a queue with no phone ringing for them and not taken since they entered it.</summary>
    private bool IsWaitingLocked(WaitingCall member) =>
        !_calls.TryGetValue(member.CallUuid, out var list)
        || !list.Any(c => c.State != DeskCallState.WrapUp || c.EndedAt >= member.Since);

    /// <summary>Every agent known, by name.</summary>
    public IReadOnlyList<DeskAgent> Agents()
    {
        lock (_gate) return [.. _agents.Values.OrderBy(a => a.Agent, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>One agent, or null when unknown.</summary>
    public DeskAgent? AgentOf(string agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        lock (_gate) return _agents.GetValueOrDefault(agent);
    }

    /// <summary>Entries held (calls on desks, waiting callers, direct legs), for the bounded-memory tests.</summary>
    internal int EntryCount
    {
        get
        {
            lock (_gate) return _calls.Values.Sum(l => l.Count) + _members.Count + _directLegs.Count;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_pending.Writer.TryComplete()) _pump.Wait(TimeSpan.FromSeconds(5));
    }

    // ------------------------------------------------------------------ state changes (under _gate)

    private DateTimeOffset Now() => _time.GetUtcNow();

    private DeskChange Change(string? call, string? agent, string? previous)
    {
        Interlocked.Increment(ref _sequence);
        return new DeskChange(call, agent, previous);
    }

    private void OfferLocked(string call, string agent, string how, string? queue, DateTimeOffset? queuedAt, DateTimeOffset now, List<DeskChange> changes)
    {
        var list = EntriesLocked(call);
        string? previous = null;

        // One phone rings for a call at a time: an offer to another agent withdraws the earlier one.
        foreach (var other in list.Where(c => c.State == DeskCallState.Ringing && !SameAgent(c.Agent, agent)).ToList())
        {
            list.Remove(other);
            previous = other.Agent;
        }

        list.RemoveAll(c => SameAgent(c.Agent, agent));
        list.Add(new DeskCall(call, agent, DeskCallState.Ringing, queue, now, null, null, queuedAt, how));
        RememberOfferLocked(agent, call, now);
        changes.Add(Change(call, agent, previous));
    }

    private void AnswerLocked(string call, string agent, string how, string? queue, DateTimeOffset now, List<DeskChange> changes)
    {
        var list = EntriesLocked(call);
        var entry = list.FirstOrDefault(c => SameAgent(c.Agent, agent));
        if (entry is { State: DeskCallState.OnCall }) return;
        string? previous = null;
        foreach (var other in list.Where(c => c.State == DeskCallState.Ringing && !SameAgent(c.Agent, agent)).ToList())
        {
            list.Remove(other);
            previous = other.Agent;
        }

        if (entry is null)
        {
            // The offer came before this connection did: the call is on the desk now.
            var queuedAt = _members.TryGetValue(call, out var member) ? member.Since : (DateTimeOffset?)null;
            entry = new DeskCall(call, agent, DeskCallState.Ringing, queue ?? member?.Queue, now, null, null, queuedAt, how);
            RememberOfferLocked(agent, call, now);
        }
        else
        {
            list.Remove(entry);
        }

        list.Add(entry with { State = DeskCallState.OnCall, AnsweredAt = now, EndedAt = null });
        changes.Add(Change(call, agent, previous));
    }

    private void WithdrawLocked(string call, string agent, List<DeskChange> changes)
    {
        if (FindLocked(call, agent) is { State: DeskCallState.Ringing } entry)
        {
            RemoveLocked(entry);
            changes.Add(Change(call, agent, null));
        }
    }

    private void EndLocked(string call, string agent, DateTimeOffset now, List<DeskChange> changes)
    {
        var entry = FindLocked(call, agent);
        if (entry is null || entry.State == DeskCallState.WrapUp) return;
        RemoveLocked(entry);
        if (entry.State == DeskCallState.OnCall)
        {
            EntriesLocked(call).Add(entry with { State = DeskCallState.WrapUp, EndedAt = now });
        }

        changes.Add(Change(call, agent, null));
    }

    /// <summary>The caller left: taken calls go to wrap-up, offers still ringing go away.</summary>
    private void GoneLocked(string call, DateTimeOffset now, List<DeskChange> changes)
    {
        if (!_calls.TryGetValue(call, out var list)) return;
        foreach (var entry in list.Where(c => c.State != DeskCallState.WrapUp).ToList()) EndLocked(call, entry.Agent, now, changes);
        foreach (var leg in _directLegs.Where(l => string.Equals(l.Value.CallUuid, call, StringComparison.OrdinalIgnoreCase)).Select(l => l.Key).ToList())
        {
            _directLegs.Remove(leg);
        }
    }

    private void AgentLocked(string agent, string? status, string? state, DateTimeOffset now, List<DeskChange> changes)
    {
        if (!_agents.TryGetValue(agent, out var known))
        {
            if (_agents.Count >= _limits.MaxAgents) return;
            known = new DeskAgent(agent, null, null, null);
        }

        _agents[agent] = known with { Status = status ?? known.Status, State = state ?? known.State, Since = now };
        changes.Add(Change(null, agent, null));
    }

    private void RememberOfferLocked(string agent, string call, DateTimeOffset now)
    {
        if (!_history.TryGetValue(agent, out var offers))
        {
            if (_history.Count >= _limits.MaxAgents) return;
            offers = new Queue<(string, DateTimeOffset)>();
            _history[agent] = offers;
        }

        offers.Enqueue((call, now));
        while (offers.Count > _limits.HistoryPerAgent) offers.Dequeue();
    }

    private List<DeskCall> EntriesLocked(string call)
    {
        if (!_calls.TryGetValue(call, out var list))
        {
            list = new List<DeskCall>(1);
            _calls[call] = list;
        }

        return list;
    }

    private DeskCall? FindLocked(string call, string agent) =>
        _calls.TryGetValue(call, out var list) ? list.FirstOrDefault(c => SameAgent(c.Agent, agent)) : null;

    private DeskCall? ActiveLocked(string call)
    {
        if (!_calls.TryGetValue(call, out var list) || list.Count == 0) return null;
        return list.LastOrDefault(c => c.State != DeskCallState.WrapUp) ?? list.MaxBy(c => c.EndedAt);
    }

    private void RemoveLocked(DeskCall entry)
    {
        if (!_calls.TryGetValue(entry.CallUuid, out var list)) return;
        list.Remove(entry);
        if (list.Count == 0) _calls.Remove(entry.CallUuid);
    }

    private static bool SameAgent(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>Forgets what outlived its time (at most once a minute) and the oldest beyond the caps (at once).</summary>
    private void SweepLocked(DateTimeOffset now, List<DeskChange> changes)
    {
        var total = _calls.Count + _members.Count + _directLegs.Count;
        if (now - _lastSweep < TimeSpan.FromMinutes(1) && total <= _limits.MaxCalls) return;
        _lastSweep = now;

        foreach (var entry in _calls.Values.SelectMany(l => l).Where(c => c.State == DeskCallState.WrapUp
                     ? now - (c.EndedAt ?? c.OfferedAt) >= _limits.WrapUpKeep
                     : now - (c.AnsweredAt ?? c.OfferedAt) >= _limits.StaleCall).ToList())
        {
            RemoveLocked(entry);
            changes.Add(Change(entry.CallUuid, entry.Agent, null));
        }

        foreach (var member in _members.Values.Where(m => now - m.Since >= _limits.StaleCall).ToList()) _members.Remove(member.CallUuid);
        foreach (var leg in _directLegs.Where(l => !_calls.ContainsKey(l.Value.CallUuid)).Select(l => l.Key).ToList()) _directLegs.Remove(leg);
        foreach (var offers in _history.Values)
        {
            while (offers.Count > 0 && now - offers.Peek().At >= _limits.HistoryAge) offers.Dequeue();
        }

        foreach (var agent in _history.Where(h => h.Value.Count == 0).Select(h => h.Key).ToList()) _history.Remove(agent);

        // Beyond the cap (events lost, a flood): the oldest calls and waiting callers go first.
        var over = _calls.Count + _members.Count - _limits.MaxCalls;
        if (over > 0)
        {
            var oldest = _calls.Values.Select(l => (At: l.Count == 0 ? DateTimeOffset.MinValue : l.Min(c => c.OfferedAt), Call: l.FirstOrDefault()?.CallUuid, Member: (string?)null))
                .Concat(_members.Values.Select(m => (At: m.Since, Call: (string?)null, Member: (string?)m.CallUuid)))
                .OrderBy(o => o.At).Take(over).ToList();
            foreach (var (_, call, member) in oldest)
            {
                if (member is not null) _members.Remove(member);
                if (call is null || !_calls.TryGetValue(call, out var list)) continue;
                foreach (var entry in list.ToList())
                {
                    RemoveLocked(entry);
                    changes.Add(Change(entry.CallUuid, entry.Agent, null));
                }
            }
        }

        while (_directLegs.Count > _limits.MaxCalls) _directLegs.Remove(_directLegs.Keys.First());
    }

    // ------------------------------------------------------------------ telling subscribers

    private void Publish(List<DeskChange> changes)
    {
        foreach (var change in changes)
        {
            // Sequence already counted; the pump delivers.
            _pending.Writer.TryWrite(change);
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            await foreach (var change in _pending.Reader.ReadAllAsync().ConfigureAwait(false)) _changes.OnNext(change);
        }
        finally
        {
            _changes.OnCompleted();
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "A desk subscriber failed and was dropped")]
    private static partial void LogSubscriberFault(ILogger logger, Exception exception);
}
