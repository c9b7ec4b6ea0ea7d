namespace IvrEngine.Statistics;

/// <summary>One call's way through the IVR and the queues, put together from the engine's report of the IVR and
/// mod_callcenter's events, until the call ends and is counted (<see cref="Count"/>). Not thread-safe: the collector
/// holds its lock around every use.</summary>
internal sealed class CallJourney(string callUuid, DateTimeOffset firstSeen)
{
    private readonly List<QueueLeg> _legs = [];
    private List<Offer>? _offers;

    public string CallUuid { get; } = callUuid;

    /// <summary>When anything was last learned of the call (the collector forgets calls silent for too long).</summary>
    public DateTimeOffset LastSeen { get; private set; } = firstSeen;

    /// <summary>The engine serves the call: its IVR leg is awaited before the call is counted.</summary>
    public bool ExpectsIvr { get; set; }

    public IvrLeg? Ivr { get; private set; }

    /// <summary>When an agent saved the call's wrap-up, if one did before the call was counted.</summary>
    public DateTimeOffset? WrapUpAt { get; set; }

    /// <summary>That wrap-up's disposition.</summary>
    public string? Disposition { get; set; }

    /// <summary>Requests (tickets) created from the call before it was counted.</summary>
    public int Requests { get; set; }

    /// <summary>When the talk with the last agent ended (a wrap-up's time runs from there); set by <see cref="Count"/>.</summary>
    public DateTimeOffset? TalkEndedAt { get; private set; }

    /// <summary>When the caller's channel hung up, once known.</summary>
    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>Everything is known: the caller hung up, the IVR's report (when the engine served the call) is in,
    /// and no queue leg waits for its end.</summary>
    public bool IsComplete => EndedAt is not null && (!ExpectsIvr || Ivr is not null) && _legs.TrueForAll(l => l.LeftAt is not null);

    public void IvrEnded(IvrLeg leg, DateTimeOffset now)
    {
        Ivr = leg;
        LastSeen = now;

        // A caller who hung up in the IVR is gone: nothing more will come (the channel's hangup may come before or after).
        if (leg.Outcome == "hung-up" && _legs.Count == 0) EndedAt ??= leg.StartedAt + leg.IvrTime;
    }

    public void Hangup(DateTimeOffset at, DateTimeOffset now)
    {
        EndedAt ??= at;
        LastSeen = now;
    }

    public void Apply(QueueEvent e, DateTimeOffset now)
    {
        LastSeen = now;
        switch (e.Action)
        {
            case QueueActions.MemberQueueStart:
                _legs.Add(new QueueLeg(e.Queue, e.JoinedAt ?? e.At));
                break;
            case QueueActions.AgentOffering when e.Agent is { Length: > 0 } offered:
                (_offers ??= []).Add(new Offer(e.Queue, offered));
                break;
            case QueueActions.BridgeAgentFail when e.Agent is { Length: > 0 } missed:
            {
                // The offer it ends (the newest to that agent still open); one is made when the offering was not seen.
                var offer = _offers?.FindLast(o => !o.Ended && string.Equals(o.Agent, missed, StringComparison.OrdinalIgnoreCase));
                if (offer is null) (_offers ??= []).Add(offer = new Offer(e.Queue, missed));
                offer.Ended = true;
                offer.Missed = QueueActions.IsAgentMiss(e.Cause);
                break;
            }

            case QueueActions.BridgeAgentStart:
            {
                var leg = LegOf(e);
                leg.Joined(e.JoinedAt);
                leg.Agent = e.Agent ?? leg.Agent;
                leg.AnsweredAt ??= e.AnsweredAt ?? e.At;
                break;
            }

            case QueueActions.BridgeAgentEnd:
            {
                var leg = LegOf(e);
                leg.Joined(e.JoinedAt);
                leg.Agent = e.Agent ?? leg.Agent;
                leg.AnsweredAt ??= e.AnsweredAt;
                leg.TalkEndedAt = e.EndedAt ?? e.At;
                break;
            }

            case QueueActions.MemberQueueEnd:
            {
                var leg = LegOf(e);
                leg.Joined(e.JoinedAt);
                leg.LeftAt = e.EndedAt ?? e.At;
                leg.Cause = e.Cause;
                leg.CancelReason = e.CancelReason;
                if (e.Cause == QueueActions.Terminated)
                {
                    leg.Agent = e.Agent ?? leg.Agent;
                    leg.AnsweredAt ??= e.AnsweredAt ?? e.At;
                }
                else if (e.Cause == QueueActions.Cancel && leg.TalkEndedAt is null)
                {
                    // mod_callcenter cancels a member only when no bridge was made: a caller who hung up after
                    // bridge-agent-start but before the bridge ("Failed to bridge, member has gone") talked to nobody.
                    leg.AnsweredAt = null;
                    leg.Agent = null;
                }

                break;
            }
        }
    }

    /// <summary>The leg an event is about: the open leg of its queue, else the newest leg; a leg is made when the
    /// engine learned of the call only after it entered the queue.</summary>
    private QueueLeg LegOf(QueueEvent e)
    {
        for (var i = _legs.Count - 1; i >= 0; i--)
        {
            if (_legs[i].LeftAt is null && string.Equals(_legs[i].Queue, e.Queue, StringComparison.OrdinalIgnoreCase)) return _legs[i];
        }

        if (_legs.Count > 0 && _legs[^1].LeftAt is null) return _legs[^1];
        var joined = new QueueLeg(e.Queue, e.JoinedAt ?? e.At);
        _legs.Add(joined);
        return joined;
    }

    /// <summary>The call counted: what it was and its one call's totals (docs/statistics.md defines every figure), and
    /// the offers to agents other than the one who took it, each with the call's facts but its own queue and agent.</summary>
    public (CallFacts Facts, HourTotals Totals, IReadOnlyList<(CallFacts Facts, HourTotals Totals)> Offers) Count()
    {
        var (facts, totals) = CountCall();
        if (_offers is null) return (facts, totals, []);
        List<(CallFacts, HourTotals)>? others = null;
        foreach (var offer in _offers)
        {
            var missed = offer.Missed ? 1 : 0;
            if (string.Equals(offer.Agent, facts.Agent, StringComparison.OrdinalIgnoreCase) && string.Equals(offer.Queue, facts.Queue, StringComparison.OrdinalIgnoreCase))
            {
                totals.Offers++;
                totals.OffersMissed += missed;
            }
            else
            {
                (others ??= []).Add((facts with { Queue = CallFacts.Clean(offer.Queue), Agent = CallFacts.Clean(offer.Agent) }, new HourTotals { Offers = 1, OffersMissed = missed }));
            }
        }

        return (facts, totals, others ?? (IReadOnlyList<(CallFacts, HourTotals)>)[]);
    }

    private (CallFacts Facts, HourTotals Totals) CountCall()
    {
        var ivr = Ivr;
        var start = ivr?.StartedAt ?? (_legs.Count > 0 ? _legs[0].JoinedAt : LastSeen);
        var last = _legs.Count > 0 ? _legs[^1] : null;
        var answered = _legs.FindLast(l => l.AnsweredAt is not null);
        var key = new CallFacts(CallFacts.HourOf(start), ivr?.Campaign ?? string.Empty, ivr?.Flow ?? string.Empty, last?.Queue ?? string.Empty,
            answered?.Agent ?? string.Empty, ivr?.CustomerType ?? string.Empty, ivr?.Category ?? string.Empty);

        var totals = new HourTotals { Calls = 1, Requests = Requests };
        if (ivr is not null)
        {
            totals.IvrCalls = 1;
            totals.IvrSeconds = Math.Max(0, ivr.IvrTime.TotalSeconds);
            if (string.Equals(ivr.CustomerType, "R", StringComparison.Ordinal)) totals.Repeats = 1;
            if (_legs.Count == 0)
            {
                switch (ivr.Outcome)
                {
                    case "hangup":
                        totals.Contained = 1;
                        break;
                    case "hung-up":
                        totals.IvrAbandoned = 1;
                        break;
                    case "failed" or "transfer-failed" or "no-flow":
                        totals.IvrFailed = 1;
                        break;
                }
            }
        }

        if (last is null) return (key, totals);

        var end = EndedAt ?? LastSeen;
        totals.Queued = 1;
        totals.Transfers = _legs.Count - 1;
        // The caller's wait until the first agent answered (the service level's), and in all.
        var firstAnswered = _legs.FindIndex(l => l.AnsweredAt is not null);
        double wait = 0, talk = 0, waitUntilAnswer = 0;
        for (var i = 0; i < _legs.Count; i++)
        {
            var leg = _legs[i];
            var waited = Seconds(leg.JoinedAt, leg.AnsweredAt ?? leg.LeftAt ?? end);
            wait += waited;
            if (i <= firstAnswered) waitUntilAnswer += waited;
            if (leg.AnsweredAt is { } at) talk += Seconds(at, leg.TalkEndedAt ?? leg.LeftAt ?? end);
        }

        totals.WaitSeconds = wait;
        totals.Waits[HourTotals.BucketOf(wait)] = 1;
        if (answered is not null)
        {
            totals.Answered = 1;
            totals.TalkSeconds = talk;
            totals.AnsweredWaits[HourTotals.BucketOf(waitUntilAnswer)] = 1;
            TalkEndedAt = answered.TalkEndedAt ?? answered.LeftAt ?? end;
            if (WrapUpAt is { } wrapped)
            {
                totals.WrapUps = 1;
                totals.WrapUpSeconds = Seconds(TalkEndedAt.Value, wrapped);
                HourTotals.CountDisposition(totals, Disposition);
            }
        }
        else if (QueueActions.IsOverflow(last.CancelReason))
        {
            totals.Overflowed = 1;
        }
        else
        {
            totals.Abandoned = 1;
        }

        return (key, totals);
    }

    private static double Seconds(DateTimeOffset from, DateTimeOffset to) => Math.Max(0, (to - from).TotalSeconds);

    /// <summary>A queue rang an agent for the caller.</summary>
    private sealed class Offer(string queue, string agent)
    {
        public string Queue { get; } = queue;

        public string Agent { get; } = agent;

        /// <summary>bridge-agent-fail came.</summary>
        public bool Ended { get; set; }

        /// <summary>It was the agent's miss (<see cref="QueueActions.IsAgentMiss"/>).</summary>
        public bool Missed { get; set; }
    }

    private sealed class QueueLeg(string queue, DateTimeOffset joinedAt)
    {
        public string Queue { get; } = queue;

        /// <summary>When the caller joined the queue. member-queue-start carries no CC-Member-Joined-Time, so a leg
        /// starts at that event's own time (to the microsecond); the later events' CC-Member-Joined-Time (whole seconds,
        /// as the answer and leaving times it is measured to) replaces it, so that a wait is never a fraction of a
        /// second short.</summary>
        public DateTimeOffset JoinedAt { get; private set; } = joinedAt;

        /// <summary>mod_callcenter's own CC-Member-Joined-Time of the leg, when an event carries it.</summary>
        public void Joined(DateTimeOffset? at)
        {
            if (at is { } joined) JoinedAt = joined;
        }

        public string? Agent { get; set; }

        public DateTimeOffset? AnsweredAt { get; set; }

        public DateTimeOffset? TalkEndedAt { get; set; }

        public DateTimeOffset? LeftAt { get; set; }

        public string? Cause { get; set; }

        public string? CancelReason { get; set; }
    }
}
