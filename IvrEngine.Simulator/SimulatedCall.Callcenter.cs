using System.Globalization;

namespace IvrEngine.Simulator;

/// <summary>mod_callcenter's side of a call that reached the <c>callcenter</c> application: the callcenter::info events
/// FreeSWITCH 1.10.12 sends while the queue offers the caller to an agent, bridges them and ends the bridge, with the
/// headers real FreeSWITCH sends (IvrEngine.Tests/RealFreeSwitch/Agreement/CallcenterOfferToAgent.txt).</summary>
public sealed partial class SimulatedCall
{
    private readonly TaskCompletionSource _inQueue = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the channel hangs up (or the call ends without ever being connected). Not the end of
    /// the socket: after the engine lets the socket go, the dialplan goes on and may still queue the caller.</summary>
    private readonly TaskCompletionSource _channelEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CallcenterMember? _member;

    /// <summary>Completes once the caller is in a queue (member-queue-start sent).</summary>
    public Task InQueue => _inQueue.Task;

    /// <summary>The queue offers the waiting caller to <paramref name="agent"/> (e.g. "1001@default"): agent-state-change
    /// (Receiving) and agent-offering; then, when <paramref name="answer"/>, the agent's phone answers (bridge-agent-start,
    /// agent-state-change "In a queue call"), else it fails with <paramref name="cause"/> (bridge-agent-fail, and the
    /// agent back to Waiting). Returns the agent's leg uuid when answered, else null.</summary>
    public async Task<string?> OfferToAgentAsync(string agent, bool answer, string cause = "NO_ANSWER")
    {
        ArgumentException.ThrowIfNullOrEmpty(agent);

        // The engine may be told the callcenter application started (CHANNEL_EXECUTE) just before it queues the caller,
        // and the socket may be gone by then (the dialplan runs the transferred extension after it): wait for the queue
        // or the channel's end, not the socket's.
        await Task.WhenAny(_inQueue.Task, _channelEnded.Task).ConfigureAwait(false);
        CallcenterMember member;
        lock (_sync)
        {
            member = _member ?? throw new InvalidOperationException("the call is in no queue: it has not reached the callcenter application");
            if (member.Left) throw new InvalidOperationException("the caller has left the queue");
        }

        var now = Seconds(_sim.Options.Time.GetUtcNow());
        EmitAgentState(agent, "Receiving");
        var offering = NewCallcenterEvent("outbound_agent_thread_run", 1717);
        offering.Add("CC-Queue", member.Queue);
        offering.Add("CC-Action", "agent-offering");
        offering.Add("CC-Agent", agent);
        offering.Add("CC-Agent-Type", "callback");
        offering.Add("CC-Agent-System", "single_box");
        offering.Add("CC-Member-UUID", member.MemberUuid);
        offering.Add("CC-Member-Session-UUID", Uuid);
        AddMemberCallerId(offering);
        offering.Add("CC-Member-DNIS", _dnis);
        Emit(offering);

        if (!answer)
        {
            var fail = NewCallcenterEvent("outbound_agent_thread_run", 2200);
            fail.Add("CC-Queue", member.Queue);
            fail.Add("CC-Action", "bridge-agent-fail");
            fail.Add("CC-Hangup-Cause", cause);
            fail.Add("CC-Agent", agent);
            fail.Add("CC-Agent-System", "single_box");
            fail.Add("CC-Agent-Called-Time", now);
            fail.Add("CC-Agent-Aborted-Time", Seconds(_sim.Options.Time.GetUtcNow()));
            fail.Add("CC-Member-UUID", member.MemberUuid);
            fail.Add("CC-Member-Session-UUID", Uuid);
            AddMemberCallerId(fail);
            fail.Add("CC-Member-Joined-Time", Seconds(member.JoinedAt));
            Emit(fail);
            EmitAgentState(agent, "Waiting");
            return null;
        }

        var leg = Guid.NewGuid().ToString();
        var bridged = member with { Agent = agent, AgentLeg = leg, CalledAt = now, AnsweredAt = Seconds(_sim.Options.Time.GetUtcNow()) };
        lock (_sync) _member = bridged;
        var start = NewAgentLegEvent(bridged, 1934);
        start.Add("CC-Queue", member.Queue);
        start.Add("CC-Action", "bridge-agent-start");
        start.Add("CC-Agent", agent);
        start.Add("CC-Agent-System", "single_box");
        start.Add("CC-Agent-UUID", leg);
        start.Add("CC-Agent-Called-Time", bridged.CalledAt!);
        start.Add("CC-Agent-Answered-Time", bridged.AnsweredAt!);
        start.Add("CC-Member-Joined-Time", Seconds(member.JoinedAt));
        start.Add("CC-Member-UUID", member.MemberUuid);
        start.Add("CC-Member-Session-UUID", Uuid);
        AddMemberCallerId(start);
        start.Add("CC-Member-DNIS", _dnis);
        Emit(start);
        EmitAgentState(agent, "In a queue call");
        return leg;
    }

    /// <summary>The agent who took the call hangs up: bridge-agent-end, member-queue-end (Terminated) and the agent back
    /// to Waiting; then the caller's channel hangs up too.</summary>
    public Task AgentEndsAsync()
    {
        lock (_sync)
        {
            if (_member?.AgentLeg is null) throw new InvalidOperationException("no agent took the call");
        }

        EmitBridgeEnded();
        InitiateHangup("NORMAL_CLEARING", "agent");
        return Task.CompletedTask;
    }

    /// <summary>The queue lets the waiting caller go, as mod_callcenter's member thread does when the caller waited
    /// max-wait-time (<c>TIMEOUT</c>) or no agent of the queue was signed in for max-wait-time-with-no-agent
    /// (<c>NO_AGENT_TIMEOUT</c>): member-queue-end with <c>CC-Cause: Cancel</c> and that <c>CC-Cancel-Reason</c>,
    /// <c>cc_cause=cancel</c> and <c>cc_cancel_reason</c> on the channel, and the callcenter application returns, so the
    /// dialplan goes on (the shipped queue extension's <c>transfer ivr_queue_exit</c>, then another queue). As real
    /// FreeSWITCH 1.10.12 did (IvrEngine.Tests/Transcripts/callcenter-overflow*.txt).</summary>
    public Task QueueLetsGoAsync(string reason = "NO_AGENT_TIMEOUT")
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        lock (_sync)
        {
            if (_member is not { Left: false, AgentLeg: null } member) throw new InvalidOperationException("no caller waits in a queue without an agent");
            _member = member with { CancelReason = reason };
            _appCts?.Cancel();
        }

        _signal.Release();
        return Task.CompletedTask;
    }

    /// <summary>The queue let the caller go (<see cref="QueueLetsGoAsync"/>) and the callcenter application is to return.</summary>
    private bool QueueLetGo()
    {
        lock (_sync) return _member is { Left: false, CancelReason: not null };
    }

    /// <summary>The caller left the callcenter application (hung up, or the queue let go): what mod_callcenter reports.</summary>
    private void EmitMemberLeftQueue()
    {
        CallcenterMember? member;
        lock (_sync)
        {
            member = _member;
            if (member is null || member.Left) return;
        }

        if (member.AgentLeg is not null)
        {
            // Bridged: the bridge ends with the call (the agent's thread reports it).
            EmitBridgeEnded();
            return;
        }

        var reason = member.CancelReason ?? "BREAK_OUT"; // also for a caller who hung up (recorded)
        lock (_sync)
        {
            _member = member with { Left = true };
            _vars.Set("cc_cause", "cancel");
            _vars.Set("cc_cancel_reason", reason);
        }

        var end = NewChannelEvent("CUSTOM", "mod_callcenter.c", "callcenter_function", 3274, true, subclass: "callcenter::info");
        end.Add("CC-Queue", member.Queue);
        end.Add("CC-Action", "member-queue-end");
        end.Add("CC-Member-Leaving-Time", Seconds(_sim.Options.Time.GetUtcNow()));
        end.Add("CC-Member-Joined-Time", Seconds(member.JoinedAt));
        end.Add("CC-Cause", "Cancel");
        end.Add("CC-Cancel-Reason", reason);
        end.Add("CC-Member-UUID", member.MemberUuid);
        end.Add("CC-Member-Session-UUID", Uuid);
        AddMemberCallerId(end);
        Emit(end);
    }

    private void EmitBridgeEnded()
    {
        CallcenterMember member;
        lock (_sync)
        {
            if (_member is not { AgentLeg: not null, Left: false } m) return;
            member = m;
            _member = m with { Left = true };
        }

        var ended = Seconds(_sim.Options.Time.GetUtcNow());
        var end = NewAgentLegEvent(member, 2062);
        end.Add("CC-Queue", member.Queue);
        end.Add("CC-Action", "bridge-agent-end");
        end.Add("CC-Hangup-Cause", "SUCCESS");
        end.Add("CC-Agent", member.Agent!);
        end.Add("CC-Agent-System", "single_box");
        end.Add("CC-Agent-UUID", member.AgentLeg!);
        end.Add("CC-Agent-Bridged", "true");
        end.Add("CC-Agent-Called-Time", member.CalledAt!);
        end.Add("CC-Agent-Answered-Time", member.AnsweredAt!);
        end.Add("CC-Member-Joined-Time", Seconds(member.JoinedAt));
        end.Add("CC-Bridge-Terminated-Time", ended);
        end.Add("CC-Member-UUID", member.MemberUuid);
        end.Add("CC-Member-Session-UUID", Uuid);
        AddMemberCallerId(end);
        Emit(end);

        var left = NewChannelEvent("CUSTOM", "mod_callcenter.c", "outbound_agent_thread_run", 2098, true, subclass: "callcenter::info");
        left.Add("CC-Queue", member.Queue);
        left.Add("CC-Action", "member-queue-end");
        left.Add("CC-Hangup-Cause", "SUCCESS");
        left.Add("CC-Cause", "Terminated");
        left.Add("CC-Agent", member.Agent!);
        left.Add("CC-Agent-System", "single_box");
        left.Add("CC-Agent-UUID", member.AgentLeg!);
        left.Add("CC-Agent-Called-Time", member.CalledAt!);
        left.Add("CC-Agent-Answered-Time", member.AnsweredAt!);
        left.Add("CC-Member-Leaving-Time", ended);
        left.Add("CC-Member-Joined-Time", Seconds(member.JoinedAt));
        left.Add("CC-Member-UUID", member.MemberUuid);
        left.Add("CC-Member-Session-UUID", Uuid);
        AddMemberCallerId(left);
        Emit(left);
        EmitAgentState(member.Agent!, "Waiting");
    }

    private void EmitAgentState(string agent, string state)
    {
        var ev = NewCallcenterEvent("cc_agent_update", 1067);
        ev.Add("CC-Agent", agent);
        ev.Add("CC-Action", "agent-state-change");
        ev.Add("CC-Agent-State", state);
        Emit(ev);
    }

    /// <summary>A callcenter::info event without channel data (mod_callcenter's agent thread and agent updates).</summary>
    private EslEvent NewCallcenterEvent(string function, int line)
    {
        var ev = new EslEvent("CUSTOM", 24) { Subclass = "callcenter::info" };
        ev.Add("Event-Subclass", "callcenter::info");
        ev.Add("Event-Name", "CUSTOM");
        _sim.AddCoreHeaders(ev, "mod_callcenter.c", function, line);
        return ev;
    }

    /// <summary>A callcenter::info event with the agent's leg's channel data (bridge-agent-start and -end).</summary>
    private EslEvent NewAgentLegEvent(CallcenterMember member, int line)
    {
        var user = member.Agent!.Split('@')[0];
        var ev = new EslEvent("CUSTOM", 60) { ChannelUuid = member.AgentLeg, Subclass = "callcenter::info" };
        ev.Add("Event-Subclass", "callcenter::info");
        ev.Add("Event-Name", "CUSTOM");
        _sim.AddCoreHeaders(ev, "mod_callcenter.c", "outbound_agent_thread_run", line);
        ev.Add("Channel-State", "CS_EXCHANGE_MEDIA");
        ev.Add("Channel-Call-State", "ACTIVE");
        ev.Add("Channel-Name", $"sofia/internal/{user}@{_sim.Options.IPv4}");
        ev.Add("Unique-ID", member.AgentLeg!);
        ev.Add("Call-Direction", "outbound");
        ev.Add("Answer-State", "answered");
        ev.Add("variable_dialed_user", user);
        ev.Add("variable_callcenter_agent", member.Agent!);
        ev.Add("variable_cc_agent", member.Agent!);
        ev.Add("variable_cc_side", "agent");
        return ev;
    }

    /// <summary>mod_callcenter names the caller by number, and by name when the channel has one.</summary>
    private void AddMemberCallerId(EslEvent ev)
    {
        if (!string.IsNullOrEmpty(_callerName)) ev.Add("CC-Member-CID-Name", _callerName);
        ev.Add("CC-Member-CID-Number", _callerNumber);
    }

    private static string Seconds(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private sealed record CallcenterMember(string Queue, string MemberUuid, DateTimeOffset JoinedAt)
    {
        public string? Agent { get; init; }

        public string? AgentLeg { get; init; }

        public string? CalledAt { get; init; }

        public string? AnsweredAt { get; init; }

        public bool Left { get; init; }

        /// <summary>Why the queue let the caller go, when it did (TIMEOUT, NO_AGENT_TIMEOUT).</summary>
        public string? CancelReason { get; init; }
    }
}
