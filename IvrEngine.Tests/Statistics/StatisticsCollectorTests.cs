using FluentAssertions;
using IvrEngine.Statistics;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Statistics;

/// <summary>The definitions of docs/statistics.md on hand-made sequences: what the IVR reports and what mod_callcenter
/// sends, in the orders FreeSWITCH sends them, and what each call adds to its slice.</summary>
public sealed class StatisticsCollectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 9, 10, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(T0);

    private StatisticsCollector Collector(bool switchEvents = true, int maxCalls = 50_000) =>
        new(_time, new StatisticsOptions { HangupGraceSeconds = 5, MaxCallHours = 4, MaxCalls = maxCalls }, switchEvents);

    private static IvrLeg Ivr(string call, string outcome, string? kind = "queue", string cti = "E", double seconds = 20, DateTimeOffset? at = null) =>
        new(call, at ?? T0, TimeSpan.FromSeconds(seconds), "5000", "bank", outcome, kind, cti, "regular", ["bank/welcome", "bank/route"]);

    private static QueueEvent Q(string action, string call, string queue, double atSeconds, string? agent = null, string? cause = null, string? reason = null,
        double? joined = null, double? answered = null, double? ended = null) =>
        new(action, call, queue, agent, T0.AddSeconds(atSeconds), cause, reason, joined is { } j ? T0.AddSeconds(j) : null,
            answered is { } a ? T0.AddSeconds(a) : null, ended is { } e ? T0.AddSeconds(e) : null);

    private static (CallFacts Facts, HourTotals Totals) Single(StatisticsCollector collector) => Slices.TakeOne(collector);

    [Fact]
    public void An_answered_call_counts_its_wait_until_the_agent_answered_and_its_talk_until_the_bridge_ended()
    {
        var c = Collector();
        c.IvrStarted("a");
        c.IvrEnded(Ivr("a", "transferred"));
        c.Queue(Q(QueueActions.MemberQueueStart, "a", "vip@default", 20, joined: 20));
        c.Queue(Q(QueueActions.AgentOffering, "a", "vip@default", 21, agent: "1001@default"));
        c.Queue(Q(QueueActions.BridgeAgentStart, "a", "vip@default", 32, agent: "1001@default", joined: 20, answered: 32));
        c.Queue(Q(QueueActions.BridgeAgentEnd, "a", "vip@default", 120, agent: "1001@default", joined: 20, answered: 32, ended: 120));
        c.Queue(Q(QueueActions.MemberQueueEnd, "a", "vip@default", 120, agent: "1001@default", cause: "Terminated", joined: 20, answered: 32, ended: 120));
        c.TakeCounted().Should().BeEmpty("the caller's channel has not hung up yet");

        c.Hangup("a", T0.AddSeconds(121));

        var (key, t) = Single(c);
        key.Should().Be(new CallFacts(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero), "5000", "bank", "vip@default", "1001@default", "E", "regular"));
        (t.Calls, t.IvrCalls, t.Queued, t.Answered, t.Abandoned, t.Overflowed, t.Contained, t.Transfers).Should().Be((1L, 1L, 1L, 1L, 0L, 0L, 0L, 0L));
        t.WaitSeconds.Should().Be(12);
        t.TalkSeconds.Should().Be(88);
        t.IvrSeconds.Should().Be(20);
        t.AnsweredWaits[HourTotals.BucketOf(12)].Should().Be(1);
        HourTotals.WaitEdges[HourTotals.BucketOf(12)].Should().Be(15);
        c.Following.Should().Be(0);
        c.Counted.Should().Be(1);
    }

    [Fact]
    public void A_wait_is_measured_from_mod_callcenters_joined_second_not_from_the_member_queue_start_event()
    {
        // As real FreeSWITCH sends it: member-queue-start has no CC-Member-Joined-Time (only its own event time, here
        // 20.7 s); the later events carry CC-Member-Joined-Time in whole seconds (20), as the answer and leaving times.
        var c = Collector();
        c.Queue(Q(QueueActions.MemberQueueStart, "j", "vip@default", 20.7));
        c.Queue(Q(QueueActions.BridgeAgentFail, "j", "vip@default", 24.9, agent: "1001@default"));
        c.Queue(Q(QueueActions.BridgeAgentStart, "j", "vip@default", 30.1, agent: "1002@default", joined: 20, answered: 30));
        c.Queue(Q(QueueActions.BridgeAgentEnd, "j", "vip@default", 31.2, agent: "1002@default", joined: 20, answered: 30, ended: 31));
        c.Queue(Q(QueueActions.MemberQueueEnd, "j", "vip@default", 31.2, agent: "1002@default", cause: "Terminated", joined: 20, answered: 30, ended: 31));
        c.Hangup("j", T0.AddSeconds(31.2));

        // (1001's miss adds an offer to 1001's slices.)
        var counted = c.TakeCounted();
        counted.Single(s => s.Key.Dimension == SliceDimensions.Agent && s.Value.Calls == 1).Key.Value.Should().Be("1002@default");
        var t = counted.Single(s => s.Key.Dimension == SliceDimensions.Total).Value;
        t.WaitSeconds.Should().Be(10, "CC-Member-Joined-Time 20 to CC-Agent-Answered-Time 30, not 9.3 from the start event's time");
        t.TalkSeconds.Should().Be(1);

        // A caller the queue let go: member-queue-end carries both whole-second times.
        c.Queue(Q(QueueActions.MemberQueueStart, "k", "vip@default", 100.4));
        c.Queue(Q(QueueActions.MemberQueueEnd, "k", "vip@default", 165.4, cause: "Cancel", reason: "NO_AGENT_TIMEOUT", joined: 100, ended: 165));
        c.Hangup("k", T0.AddSeconds(165.4));
        var (_, overflowed) = Single(c);
        (overflowed.Overflowed, overflowed.Abandoned, overflowed.WaitSeconds).Should().Be((1L, 0L, 65.0));
    }

    [Fact]
    public void A_wrap_up_adds_its_time_from_the_end_of_the_talk_and_requests_count_before_and_after_the_call_is_counted()
    {
        var c = Collector();
        c.IvrStarted("w");
        c.IvrEnded(Ivr("w", "transferred"));
        c.Queue(Q(QueueActions.MemberQueueStart, "w", "vip@default", 20, joined: 20));
        c.Queue(Q(QueueActions.BridgeAgentStart, "w", "vip@default", 30, agent: "1001@default", joined: 20, answered: 30));
        c.Queue(Q(QueueActions.BridgeAgentEnd, "w", "vip@default", 90, agent: "1001@default", joined: 20, answered: 30, ended: 90));
        c.RequestCreated("w");
        c.Queue(Q(QueueActions.MemberQueueEnd, "w", "vip@default", 90, agent: "1001@default", cause: "Terminated", joined: 20, answered: 30, ended: 90));
        c.Hangup("w", T0.AddSeconds(90));
        var (facts, t) = Single(c);
        (t.Requests, t.WrapUps, t.TalkSeconds).Should().Be((1L, 0L, 60.0));

        // After the call was counted: the wrap-up 45 s after the talk ended, once (its disposition the first save's);
        // another request.
        c.WrapUp("w", T0.AddSeconds(135), "callback");
        c.WrapUp("w", T0.AddSeconds(200), "resolved");
        c.RequestCreated("w");
        var late = c.TakeCounted();
        late.Should().HaveCount(Slices.PerCall).And.OnlyContain(s => s.Key.Hour == (SliceDimensions.IsPair(s.Key.Dimension) ? facts.Hour.AddHours(-9) : facts.Hour));
        var total = Slices.Total(late);
        (total.Calls, total.WrapUps, total.WrapUpSeconds, total.Requests).Should().Be((0L, 1L, 45.0, 1L));
        total.Dispositions.Should().Equal(0L, 1L, 0L, 0L, 0L);
        late.Single(s => s.Key.Dimension == SliceDimensions.Agent).Key.Value.Should().Be("1001@default");
        late.Single(s => s.Key.Dimension == "queue+agent").Key.Should().Be(new SliceKey(facts.Hour.AddHours(-9), "queue+agent", "vip@default", "1001@default"));

        var f = StatisticsReport.Figures(Slices.Total([.. Slices.Of(facts, t), .. late]));
        (f.Requests, f.AverageWrapUpSeconds, f.AverageHandleSeconds).Should().Be((2L, 45.0, 105.0));
        (f.WrapUps, f.Dispositions["callback"], f.Dispositions["resolved"], f.ResolvedPercent).Should().Be((1L, 1L, 0L, 0.0));

        // A wrap-up saved before the call is counted goes with it; an unknown call's changes nothing.
        c.IvrStarted("x");
        c.IvrEnded(Ivr("x", "transferred"));
        c.Queue(Q(QueueActions.MemberQueueStart, "x", "vip@default", 20, joined: 20));
        c.Queue(Q(QueueActions.BridgeAgentStart, "x", "vip@default", 30, agent: "1001@default", joined: 20, answered: 30));
        c.Queue(Q(QueueActions.MemberQueueEnd, "x", "vip@default", 50, agent: "1001@default", cause: "Terminated", joined: 20, answered: 30, ended: 50));
        c.WrapUp("x", T0.AddSeconds(60), "resolved");
        c.WrapUp("x", T0.AddSeconds(70), "escalated");
        c.Hangup("x", T0.AddSeconds(50));
        var x = Single(c).Totals;
        (x.WrapUps, x.WrapUpSeconds).Should().Be((1L, 10.0));
        x.Dispositions.Should().Equal(1L, 0L, 0L, 0L, 0L);
        StatisticsReport.Figures(x).ResolvedPercent.Should().Be(100);
        c.WrapUp("nobody", T0);
        c.RequestCreated("nobody");
        c.TakeCounted().Should().BeEmpty();
    }

    [Fact]
    public void A_caller_who_hangs_up_in_the_queue_is_abandoned_with_the_time_waited()
    {
        var c = Collector();
        c.IvrStarted("b");
        c.IvrEnded(Ivr("b", "transferred"));
        c.Queue(Q(QueueActions.MemberQueueStart, "b", "general@default", 20, joined: 20));
        c.Queue(Q(QueueActions.MemberQueueEnd, "b", "general@default", 65, cause: "Cancel", reason: "BREAK_OUT", joined: 20, ended: 65));
        c.Hangup("b", T0.AddSeconds(65));

        var (key, t) = Single(c);
        key.Queue.Should().Be("general@default");
        key.Agent.Should().BeEmpty();
        (t.Queued, t.Answered, t.Abandoned, t.Overflowed).Should().Be((1L, 0L, 1L, 0L));
        t.WaitSeconds.Should().Be(45);
        t.Waits[HourTotals.BucketOf(45)].Should().Be(1);
        t.AnsweredWaits.Sum().Should().Be(0);
    }

    [Fact]
    public void A_caller_gone_between_the_agents_answer_and_the_bridge_is_abandoned_not_answered()
    {
        // What real FreeSWITCH 1.10.12 sends when the caller hangs up after bridge-agent-start and before the bridge:
        // the member's own thread ends the queue with Cancel and NONE ("Failed to bridge, member has gone").
        var c = Collector();
        c.IvrStarted("r");
        c.IvrEnded(Ivr("r", "transferred"));
        c.Queue(Q(QueueActions.MemberQueueStart, "r", "general@default", 20));
        c.Queue(Q(QueueActions.BridgeAgentStart, "r", "general@default", 30, agent: "1002@default", joined: 20, answered: 30));
        c.Queue(Q(QueueActions.MemberQueueEnd, "r", "general@default", 31, cause: "Cancel", reason: "NONE", joined: 20, ended: 31));
        c.Hangup("r", T0.AddSeconds(31));

        var (key, t) = Single(c);
        key.Agent.Should().BeEmpty("nobody talked to the caller");
        (t.Queued, t.Answered, t.Abandoned, t.TalkSeconds).Should().Be((1L, 0L, 1L, 0.0));
        t.WaitSeconds.Should().Be(11, "from joining to leaving");
        t.AnsweredWaits.Sum().Should().Be(0);
    }

    [Fact]
    public void Offers_count_for_the_agent_rung_and_a_miss_is_the_agents_unless_the_caller_or_another_agent_ended_the_ringing()
    {
        var c = Collector();
        c.IvrStarted("o");
        c.IvrEnded(Ivr("o", "transferred"));
        c.Queue(Q(QueueActions.MemberQueueStart, "o", "vip@default", 20));
        c.Queue(Q(QueueActions.AgentOffering, "o", "vip@default", 20, agent: "1001@default"));
        c.Queue(Q(QueueActions.BridgeAgentFail, "o", "vip@default", 35, agent: "1001@default", cause: "NO_ANSWER"));
        c.Queue(Q(QueueActions.AgentOffering, "o", "vip@default", 35, agent: "1002@default"));
        c.Queue(Q(QueueActions.BridgeAgentFail, "o", "vip@default", 36, agent: "1002@default", cause: "LOSE_RACE"));
        c.Queue(Q(QueueActions.AgentOffering, "o", "vip@default", 36, agent: "1003@default"));
        c.Queue(Q(QueueActions.BridgeAgentStart, "o", "vip@default", 40, agent: "1003@default", joined: 20, answered: 40));
        c.Queue(Q(QueueActions.MemberQueueEnd, "o", "vip@default", 60, agent: "1003@default", cause: "Terminated", joined: 20, answered: 40, ended: 60));
        c.Hangup("o", T0.AddSeconds(60));

        var counted = c.TakeCounted();
        var agents = counted.Where(s => s.Key.Dimension == SliceDimensions.Agent)
            .ToDictionary(s => s.Key.Value, s => (s.Value.Calls, s.Value.Answered, s.Value.Offers, s.Value.OffersMissed));
        agents.Should().Equal(new Dictionary<string, (long, long, long, long)>
        {
            ["1001@default"] = (0, 0, 1, 1),
            ["1002@default"] = (0, 0, 1, 0),
            ["1003@default"] = (1, 1, 1, 0),
        });
        var total = counted.Single(s => s.Key.Dimension == SliceDimensions.Total).Value;
        (total.Calls, total.Offers, total.OffersMissed).Should().Be((1L, 3L, 1L));
        counted.Single(s => s.Key.Dimension == "agent+queue" && s.Key.Value == "1001@default").Value.OffersMissed.Should().Be(1);
        StatisticsReport.Figures(total).OffersMissedPercent.Should().Be(33.3);

        // A miss whose offering was not seen (the connection came up meanwhile) is an offer and a miss; a caller who
        // hung up while the phone rang is not the agent's.
        c.Queue(Q(QueueActions.MemberQueueStart, "p", "vip@default", 0));
        c.Queue(Q(QueueActions.BridgeAgentFail, "p", "vip@default", 5, agent: "1001@default", cause: "ALLOTTED_TIMEOUT"));
        c.Queue(Q(QueueActions.AgentOffering, "p", "vip@default", 5, agent: "1002@default"));
        c.Queue(Q(QueueActions.BridgeAgentFail, "p", "vip@default", 8, agent: "1002@default", cause: "ORIGINATOR_CANCEL"));
        c.Queue(Q(QueueActions.MemberQueueEnd, "p", "vip@default", 8, cause: "Cancel", reason: "BREAK_OUT", joined: 0, ended: 8));
        c.Hangup("p", T0.AddSeconds(8));
        var second = c.TakeCounted().Where(s => s.Key.Dimension == SliceDimensions.Agent)
            .ToDictionary(s => s.Key.Value, s => (s.Value.Calls, s.Value.Offers, s.Value.OffersMissed));
        second.Should().Equal(new Dictionary<string, (long, long, long)>
        {
            [""] = (1, 0, 0),
            ["1001@default"] = (0, 1, 1),
            ["1002@default"] = (0, 1, 0),
        });
    }

    [Theory]
    [InlineData("TIMEOUT")]
    [InlineData("NO_AGENT_TIMEOUT")]
    [InlineData("EXIT_WITH_KEY")]
    public void A_caller_the_queue_lets_go_unanswered_overflowed(string reason)
    {
        var c = Collector();
        c.Queue(Q(QueueActions.MemberQueueStart, "c", "general@default", 0, joined: 0));
        c.Queue(Q(QueueActions.MemberQueueEnd, "c", "general@default", 300, cause: "Cancel", reason: reason, joined: 0, ended: 300));
        c.Hangup("c", T0.AddSeconds(400));

        var (_, t) = Single(c);
        (t.Calls, t.IvrCalls, t.Queued, t.Answered, t.Abandoned, t.Overflowed).Should().Be((1L, 0L, 1L, 0L, 0L, 1L));
    }

    [Fact]
    public void A_call_moved_to_a_second_queue_counts_one_transfer_the_last_queue_and_the_wait_across_both()
    {
        var c = Collector();
        c.IvrStarted("d");
        c.IvrEnded(Ivr("d", "transferred"));
        c.Queue(Q(QueueActions.MemberQueueStart, "d", "general@default", 20, joined: 20));
        c.Queue(Q(QueueActions.MemberQueueEnd, "d", "general@default", 50, cause: "Cancel", reason: "BREAK_OUT", joined: 20, ended: 50));
        c.Queue(Q(QueueActions.MemberQueueStart, "d", "collections@default", 51, joined: 51));
        c.Queue(Q(QueueActions.BridgeAgentStart, "d", "collections@default", 56, agent: "1002@default", joined: 51, answered: 56));
        c.Queue(Q(QueueActions.MemberQueueEnd, "d", "collections@default", 90, agent: "1002@default", cause: "Terminated", joined: 51, answered: 56, ended: 90));
        c.Hangup("d", T0.AddSeconds(90));

        var (key, t) = Single(c);
        key.Queue.Should().Be("collections@default");
        key.Agent.Should().Be("1002@default");
        (t.Queued, t.Answered, t.Abandoned, t.Transfers).Should().Be((1L, 1L, 0L, 1L));
        t.WaitSeconds.Should().Be(35, "30 s in the first queue, 5 s in the second");
        t.AnsweredWaits[HourTotals.BucketOf(35)].Should().Be(1);
        t.TalkSeconds.Should().Be(34, "no bridge-agent-end: the talk ends when the caller left the queue");
    }

    [Fact]
    public void A_caller_who_hangs_up_in_the_ivr_is_counted_at_once_and_the_later_hangup_event_changes_nothing()
    {
        var c = Collector();
        c.IvrStarted("e");
        c.IvrEnded(Ivr("e", "hung-up", kind: null, seconds: 7));

        var (key, t) = Single(c);
        key.Queue.Should().BeEmpty();
        (t.Calls, t.IvrCalls, t.IvrAbandoned, t.Contained, t.Queued).Should().Be((1L, 1L, 1L, 0L, 0L));

        c.Hangup("e", T0.AddSeconds(7));
        c.Sweep();
        c.TakeCounted().Should().BeEmpty();
        c.Following.Should().Be(0);
    }

    [Fact]
    public void A_flow_that_ends_the_call_itself_is_contained_and_a_failed_one_is_not()
    {
        var c = Collector();
        c.IvrStarted("f");
        c.IvrEnded(Ivr("f", "hangup", kind: null));
        c.Hangup("f", T0.AddSeconds(20));
        c.IvrStarted("g");
        c.IvrEnded(Ivr("g", "failed", kind: null));
        c.Hangup("g", T0.AddSeconds(20));

        var totals = Slices.Total(c.TakeCounted());
        (totals.Calls, totals.Contained, totals.IvrFailed, totals.IvrAbandoned).Should().Be((2L, 1L, 1L, 0L));
    }

    [Fact]
    public void A_hangup_before_the_queue_reports_the_end_waits_for_it_and_the_grace_counts_it_when_it_never_comes()
    {
        var c = Collector();
        c.IvrStarted("h");
        c.IvrEnded(Ivr("h", "transferred"));
        c.Queue(Q(QueueActions.MemberQueueStart, "h", "vip@default", 20, joined: 20));
        c.Queue(Q(QueueActions.BridgeAgentStart, "h", "vip@default", 25, agent: "1001@default", joined: 20, answered: 25));

        // The caller's hangup can come before mod_callcenter's agent thread reports the end of the bridge.
        c.Hangup("h", T0.AddSeconds(60));
        c.Sweep();
        c.TakeCounted().Should().BeEmpty("the queue's end is awaited for the grace");

        c.Queue(Q(QueueActions.MemberQueueEnd, "h", "vip@default", 60, agent: "1001@default", cause: "Terminated", joined: 20, answered: 25, ended: 60));
        Single(c).Totals.TalkSeconds.Should().Be(35);

        // And when it never comes, the grace counts the call as it stands.
        c.IvrStarted("i");
        c.IvrEnded(Ivr("i", "transferred"));
        c.Queue(Q(QueueActions.MemberQueueStart, "i", "vip@default", 20, joined: 20));
        c.Hangup("i", T0.AddSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(4));
        c.Sweep();
        c.TakeCounted().Should().BeEmpty();
        _time.Advance(TimeSpan.FromSeconds(1));
        c.Sweep();
        var (_, t) = Single(c);
        (t.Queued, t.Abandoned).Should().Be((1L, 1L));
        t.WaitSeconds.Should().Be(10, "waited until the caller's channel hung up");
    }

    [Fact]
    public void Without_switch_events_a_call_is_counted_when_it_leaves_the_ivr()
    {
        var c = Collector(switchEvents: false);
        c.IvrStarted("j");
        c.Following.Should().Be(0);
        c.IvrEnded(Ivr("j", "transferred", cti: "R"));

        var (key, t) = Single(c);
        key.CustomerType.Should().Be("R");
        (t.Calls, t.Repeats, t.Queued).Should().Be((1L, 1L, 0L));
    }

    [Fact]
    public void The_ivr_report_is_awaited_when_the_channel_hangs_up_first()
    {
        var c = Collector();
        c.IvrStarted("k");
        c.Hangup("k", T0.AddSeconds(3));
        c.TakeCounted().Should().BeEmpty("the engine still has to report the call's IVR");
        c.IvrEnded(Ivr("k", "hangup", kind: null, seconds: 3));
        Single(c).Totals.Contained.Should().Be(1);
    }

    [Fact]
    public void Silent_calls_and_calls_over_the_bound_are_counted_as_they_stand()
    {
        var c = Collector(maxCalls: 100);
        for (var i = 0; i < 150; i++)
        {
            c.IvrStarted("m" + i);
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        c.Sweep();
        c.Following.Should().Be(100);
        c.Counted.Should().Be(50);
        Slices.Total(c.TakeCounted()).Calls.Should().Be(50);

        _time.Advance(TimeSpan.FromHours(4));
        c.Sweep();
        c.Following.Should().Be(0);
        c.Counted.Should().Be(150);
    }

    [Fact]
    public void Hangups_of_channels_not_followed_are_ignored_and_calls_land_in_the_hour_they_reached_the_engine()
    {
        var c = Collector();
        c.Hangup("agent-leg", T0);
        c.Following.Should().Be(0);

        c.IvrStarted("n");
        c.IvrEnded(Ivr("n", "hung-up", kind: null, at: new DateTimeOffset(2026, 12, 4, 12, 59, 59, TimeSpan.FromHours(4))));
        Single(c).Facts.Hour.Should().Be(new DateTimeOffset(2026, 12, 4, 8, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task A_store_that_fails_keeps_the_totals_for_the_next_flush()
    {
        var c = Collector();
        c.IvrStarted("o");
        c.IvrEnded(Ivr("o", "hung-up", kind: null));
        var store = new FlakyStore { Fail = true };

        var failing = () => c.FlushAsync(store);
        await failing.Should().ThrowAsync<IOException>();
        store.Fail = false;
        (await c.FlushAsync(store)).Should().Be(Slices.PerCall);
        store.Added.Should().HaveCount(Slices.PerCall);
        Slices.Total(store.Added).Calls.Should().Be(1);
        store.Steps.Select(s => (s.Key.Step, s.Value.Entered, s.Value.HungUp)).Should().Equal(("welcome", 1L, 0L), ("route", 1L, 1L));
    }

    private sealed class FlakyStore : IStatisticsStore
    {
        public bool Fail { get; set; }

        public List<KeyValuePair<SliceKey, HourTotals>> Added { get; } = [];

        public List<KeyValuePair<StepKey, StepTotals>> Steps { get; } = [];

        public Task AddHoursAsync(IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>> totals, IReadOnlyCollection<KeyValuePair<StepKey, StepTotals>> steps,
            CancellationToken cancellationToken = default)
        {
            if (Fail) throw new IOException("disk full");
            Added.AddRange(totals);
            Steps.AddRange(steps);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadHoursAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
            string? value = null, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>>(Added);

        public Task<IReadOnlyList<KeyValuePair<StepKey, StepTotals>>> ReadStepsAsync(string flow, DateTimeOffset since, DateTimeOffset until,
            CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<KeyValuePair<StepKey, StepTotals>>>(Steps);

        public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPairDaysAsync(string pair, string value, DateTimeOffset since, DateTimeOffset until,
            CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>>(Added);

        public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPeriodAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
            string? value = null, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>>(Added);
    }
}
