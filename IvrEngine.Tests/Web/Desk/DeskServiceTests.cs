using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.Tests.Web.Desk;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.Time.Testing;
using static IvrEngine.Tests.Web.Desk.DeskEvents;

namespace IvrEngine.Tests.Web.Desk;

/// <summary>The desk's state from mod_callcenter's events (hand-made and recorded) and the direct route's channel
/// events, in virtual time.</summary>
public sealed class DeskServiceTests : IDisposable
{
    private const string A = "1001@default";
    private const string B = "1002@default";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
    private readonly DeskService _desk;

    public DeskServiceTests() => _desk = new DeskService(_time);

    public void Dispose() => _desk.Dispose();

    [Fact]
    public void An_offer_rings_on_the_agents_desk_and_takes_the_caller_off_the_waiting_list()
    {
        _desk.Apply(Cc("member-queue-start", "c1"));
        _desk.Waiting().Should().Equal(new WaitingCall("c1", "vip@default", _time.GetUtcNow()));
        var queued = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromSeconds(4));

        _desk.Apply(Cc("agent-offering", "c1", A));

        _desk.CallsOf(A).Should().Equal(new DeskCall("c1", A, DeskCallState.Ringing, "vip@default", _time.GetUtcNow(), null, null, queued, "queue"));
        _desk.Waiting().Should().BeEmpty();
        _desk.WasOffered(A, "c1").Should().BeTrue();
        _desk.WasOffered(B, "c1").Should().BeFalse();
    }

    [Fact]
    public void A_failed_offer_leaves_the_desk_and_the_caller_waits_again_then_another_agent_gets_it()
    {
        _desk.Apply(Cc("member-queue-start", "c1"));
        _desk.Apply(Cc("agent-offering", "c1", A));

        _desk.Apply(Cc("bridge-agent-fail", "c1", A, more: ("CC-Hangup-Cause", "NO_ANSWER")));

        _desk.Find("c1").Should().BeNull();
        _desk.CallsOf(A).Should().BeEmpty();
        _desk.Waiting().Select(w => w.CallUuid).Should().Equal("c1");
        _desk.WasOffered(A, "c1").Should().BeTrue("it rang there once");

        _desk.Apply(Cc("agent-offering", "c1", B));
        _desk.Find("c1")!.Agent.Should().Be(B);
    }

    [Fact]
    public async Task An_offer_to_another_agent_withdraws_the_first_and_tells_both()
    {
        var told = _desk.Changes.Where(c => c.CallUuid == "c1" && c.Agent == B).FirstAsync().ToTask();
        _desk.Apply(Cc("agent-offering", "c1", A));

        _desk.Apply(Cc("agent-offering", "c1", B));

        _desk.CallsOf(A).Should().BeEmpty();
        _desk.CallsOf(B).Should().ContainSingle().Which.State.Should().Be(DeskCallState.Ringing);
        (await told.WaitAsync(Patience)).PreviousAgent.Should().Be(A);
    }

    [Fact]
    public void Answered_then_ended_the_call_is_in_wrap_up_until_the_agent_is_done()
    {
        _desk.Apply(Cc("member-queue-start", "c1"));
        _desk.Apply(Cc("agent-offering", "c1", A));
        _time.Advance(TimeSpan.FromSeconds(3));
        _desk.Apply(Cc("bridge-agent-start", "c1", A, more: ("CC-Agent-UUID", "leg")));
        var answered = _time.GetUtcNow();

        _desk.Find("c1").Should().BeEquivalentTo(new { State = DeskCallState.OnCall, AnsweredAt = (DateTimeOffset?)answered, EndedAt = (DateTimeOffset?)null });
        _desk.Waiting().Should().BeEmpty();

        _time.Advance(TimeSpan.FromMinutes(2));
        _desk.Apply(Cc("bridge-agent-end", "c1", A));
        _desk.Apply(Cc("member-queue-end", "c1", A, more: ("CC-Cause", "Terminated")));

        _desk.Find("c1").Should().BeEquivalentTo(new { State = DeskCallState.WrapUp, AnsweredAt = (DateTimeOffset?)answered, EndedAt = (DateTimeOffset?)_time.GetUtcNow() });
        _desk.Waiting().Should().BeEmpty();
        _desk.WrapUpDone("c1", B);
        _desk.CallsOf(A).Should().ContainSingle("only the agent's own wrap-up is theirs to finish");

        _desk.WrapUpDone("c1", A);

        _desk.CallsOf(A).Should().BeEmpty();
        _desk.AllCalls().Should().BeEmpty();
    }

    [Fact]
    public void A_caller_who_hangs_up_while_the_phone_rings_is_gone_not_waiting()
    {
        _desk.Apply(Cc("member-queue-start", "c1"));
        _desk.Apply(Cc("agent-offering", "c1", A));

        _desk.Apply(Cc("member-queue-end", "c1", more: [("CC-Cause", "Cancel"), ("CC-Cancel-Reason", "BREAK_OUT")]));

        _desk.AllCalls().Should().BeEmpty();
        _desk.Waiting().Should().BeEmpty();
        _desk.EntryCount.Should().Be(0);
    }

    [Fact]
    public void The_callers_hangup_puts_a_taken_call_in_wrap_up_and_takes_a_ringing_one_away()
    {
        _desk.Apply(Cc("agent-offering", "taken", A));
        _desk.Apply(Cc("bridge-agent-start", "taken", A));
        _desk.Apply(Cc("agent-offering", "ringing", B));

        _desk.Hangup("taken");
        _desk.Hangup("ringing");
        _desk.Hangup("unknown");

        _desk.Find("taken")!.State.Should().Be(DeskCallState.WrapUp);
        _desk.Find("ringing").Should().BeNull();
    }

    [Fact]
    public void Agents_come_from_the_list_and_their_status_and_state_changes()
    {
        _desk.SetAgents([new DeskAgent(A, "Available", "Waiting", null), new DeskAgent(B, "Logged Out", "Waiting", null)]);
        _time.Advance(TimeSpan.FromSeconds(1));

        _desk.Apply(Cc("agent-status-change", agent: A, more: ("CC-Agent-Status", "On Break")));
        _desk.Apply(Cc("agent-state-change", agent: B, more: ("CC-Agent-State", "Receiving")));

        _desk.AgentOf(A).Should().Be(new DeskAgent(A, "On Break", "Waiting", _time.GetUtcNow()));
        _desk.AgentOf(B).Should().Be(new DeskAgent(B, "Logged Out", "Receiving", _time.GetUtcNow()));
        _desk.Agents().Select(a => a.Agent).Should().Equal(A, B);
        _desk.AgentOf("9@default").Should().BeNull();
    }

    [Fact]
    public void Demo_calls_ring_answer_and_end()
    {
        _desk.OfferDemo("d1", A);
        _desk.Find("d1").Should().BeEquivalentTo(new { State = DeskCallState.Ringing, How = "demo", Queue = (string?)null });
        _desk.Answer("d1");
        _desk.Find("d1")!.State.Should().Be(DeskCallState.OnCall);
        _desk.End("d1");
        _desk.Find("d1")!.State.Should().Be(DeskCallState.WrapUp);
    }

    [Fact]
    public async Task Changes_name_the_agent_concerned_the_sequence_grows_and_a_failing_subscriber_does_not_stop_the_others()
    {
        using var faulty = _desk.Changes.Subscribe(_ => throw new InvalidOperationException("subscriber bug"), _ => { });
        var changes = _desk.Changes.Take(3).ToList().ToTask();
        var before = _desk.Sequence;

        _desk.Apply(Cc("member-queue-start", "c1"));
        _desk.Apply(Cc("agent-offering", "c1", A));
        _desk.Apply(Cc("agent-state-change", agent: A, more: ("CC-Agent-State", "Receiving")));

        (await changes.WaitAsync(Patience)).Should().Equal(new DeskChange("c1", null, null), new DeskChange("c1", A, null), new DeskChange(null, A, null));
        _desk.Sequence.Should().Be(before + 3);
    }

    [Fact]
    public async Task A_slow_subscriber_never_blocks_the_one_who_applies_events()
    {
        using var gate = new ManualResetEventSlim(false);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var slow = _desk.Changes.Subscribe(_ =>
        {
            reached.TrySetResult();
            gate.Wait(Patience);
        }, _ => { });

        _desk.Apply(Cc("agent-offering", "c1", A));
        await reached.Task.WaitAsync(Patience);
        _desk.Apply(Cc("bridge-agent-start", "c1", A));

        _desk.Find("c1")!.State.Should().Be(DeskCallState.OnCall, "the second event was applied while the subscriber still held the first");
        gate.Set();
    }

    [Fact]
    public void Wrap_ups_are_forgotten_after_their_time_and_offers_after_theirs()
    {
        _desk.Apply(Cc("agent-offering", "c1", A));
        _desk.Apply(Cc("bridge-agent-start", "c1", A));
        _desk.Apply(Cc("bridge-agent-end", "c1", A));

        _time.Advance(TimeSpan.FromMinutes(29));
        _desk.Apply(Cc("agent-state-change", agent: A, more: ("CC-Agent-State", "Waiting")));
        _desk.Find("c1").Should().NotBeNull();

        _time.Advance(TimeSpan.FromMinutes(2));
        _desk.Apply(Cc("agent-state-change", agent: A, more: ("CC-Agent-State", "Waiting")));
        _desk.Find("c1").Should().BeNull("a wrap-up is kept 30 minutes");
        _desk.WasOffered(A, "c1").Should().BeTrue();

        _time.Advance(TimeSpan.FromHours(24));
        _desk.WasOffered(A, "c1").Should().BeFalse("offers are remembered 24 hours");
    }

    [Fact]
    public void Memory_stays_bounded_when_ends_are_lost()
    {
        using var desk = new DeskService(_time, limits: new DeskLimits { MaxCalls = 100, HistoryPerAgent = 50 });
        for (var i = 0; i < 1_000; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            desk.Apply(Cc("member-queue-start", $"c{i}"));
            desk.Apply(Cc("agent-offering", $"c{i}", A));
        }

        desk.EntryCount.Should().BeLessThanOrEqualTo(200);
        desk.Find("c999").Should().NotBeNull("the newest stay");
        desk.WasOffered(A, "c999").Should().BeTrue();
        desk.WasOffered(A, "c0").Should().BeFalse("only the last 50 offers are remembered");

        _time.Advance(TimeSpan.FromHours(13));
        desk.Apply(Cc("agent-state-change", agent: A, more: ("CC-Agent-State", "Waiting")));
        desk.EntryCount.Should().Be(0, "calls without news for 12 hours go");
    }

    [Fact]
    public void The_direct_route_rings_on_originate_is_on_call_on_bridge_and_ends_on_hangup()
    {
        // Headers as real FreeSWITCH sent them for agent_1001 (bridge user/1001 from the caller's channel).
        _desk.ApplyChannel(Event(("Event-Name", "CHANNEL_ORIGINATE"), ("Unique-ID", "leg"), ("Other-Leg-Unique-ID", "caller"),
            ("variable_dialed_user", "1001"), ("variable_originating_leg_uuid", "caller")));
        _desk.Find("caller").Should().BeEquivalentTo(new { Agent = A, State = DeskCallState.Ringing, How = "direct" });

        _desk.ApplyChannel(Event(("Event-Name", "CHANNEL_BRIDGE"), ("Unique-ID", "caller"), ("Other-Leg-Unique-ID", "leg")));
        _desk.Find("caller")!.State.Should().Be(DeskCallState.OnCall);

        _desk.ApplyChannel(Event(("Event-Name", "CHANNEL_HANGUP_COMPLETE"), ("Unique-ID", "leg"), ("Hangup-Cause", "NORMAL_CLEARING")));
        _desk.Find("caller")!.State.Should().Be(DeskCallState.WrapUp);
        _desk.ApplyChannel(Event(("Event-Name", "CHANNEL_HANGUP_COMPLETE"), ("Unique-ID", "caller")));
        _desk.Find("caller")!.State.Should().Be(DeskCallState.WrapUp);
    }

    [Fact]
    public void A_direct_call_the_phone_does_not_take_leaves_the_desk_and_mod_callcenters_own_legs_are_not_direct_calls()
    {
        using var desk = new DeskService(_time, agentOfUser: u => "agent-" + u);
        desk.ApplyChannel(Event(("Event-Name", "CHANNEL_ORIGINATE"), ("Unique-ID", "leg"), ("Other-Leg-Unique-ID", "caller"),
            ("variable_dialed_user", "1001")));
        desk.Find("caller")!.Agent.Should().Be("agent-1001");

        desk.ApplyChannel(Event(("Event-Name", "CHANNEL_HANGUP_COMPLETE"), ("Unique-ID", "leg"), ("Hangup-Cause", "CALL_REJECTED")));

        desk.Find("caller").Should().BeNull();
        desk.WasOffered("agent-1001", "caller").Should().BeTrue();
        desk.ApplyChannel(Event(("Event-Name", "CHANNEL_ORIGINATE"), ("Unique-ID", "cc-leg"), ("variable_dialed_user", "1001"),
            ("variable_cc_side", "agent")));
        desk.ApplyChannel(Event(("Event-Name", "CHANNEL_ORIGINATE"), ("Unique-ID", "loopback-a")));
        desk.AllCalls().Should().BeEmpty();
    }

    [Fact]
    public void The_recorded_queue_call_plays_on_the_desk_as_ringing_on_call_then_wrap_up()
    {
        var recorded = DeskTestKit.Parse(File.ReadAllText(DeskTestKit.ReferencePath("CallcenterQueueCall")));
        var states = new List<(string Action, DeskCallState? State)>();
        foreach (var headers in recorded)
        {
            // The reference writes ids as <id>: one caller, one agent leg.
            var e = Event(headers.Select(h => KeyValuePair.Create(h.Key, h.Value == "<id>" ? (h.Key == "CC-Member-Session-UUID" ? "caller" : "id") : h.Value)));
            _desk.Apply(Info(e));
            states.Add((e["CC-Action"]!, _desk.Find("caller")?.State));
        }

        states.Should().ContainInOrder(("agent-offering", DeskCallState.Ringing), ("bridge-agent-start", DeskCallState.OnCall),
            ("bridge-agent-end", DeskCallState.WrapUp), ("member-queue-end", DeskCallState.WrapUp));
        _desk.AgentOf(A)!.Status.Should().Be("On Break");
        _desk.Waiting().Should().BeEmpty();
    }
}
