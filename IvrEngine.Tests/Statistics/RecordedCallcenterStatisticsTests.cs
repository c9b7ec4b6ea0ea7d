using System.IO.Pipelines;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using FluentAssertions;
using IvrEngine.EventSocket;
using IvrEngine.Hosting;
using IvrEngine.Statistics;
using IvrEngine.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Statistics;

/// <summary>The statistics of calls as real FreeSWITCH 1.10.12 told them (Transcripts/callcenter-*.txt, see their
/// headers): their events go through the engine's own parser and the statistics' feed, as on the inbound
/// connection. None of these calls was served by an engine (the recorder placed them), so each counts as a call a
/// queue saw.</summary>
public sealed class RecordedCallcenterStatisticsTests
{
    [Fact]
    public async Task The_recorded_call_is_one_answered_call_of_general_with_no_wait_and_two_seconds_of_talk()
    {
        // The caller queued in general@default, agent 1003 answered at once, the agent's leg was killed two seconds later.
        // Besides the control connection's callcenter::info (the outbound socket had subscribed to it too: taken once),
        // the inbound connection sees the caller's CHANNEL_HANGUP_COMPLETE, which this transcript has on the outbound socket.
        var collector = await ReplayAsync("callcenter-context.txt",
            r => r.Direction == CaptureFiles.FsToApp && r.IsEvent && r.EventName == "CHANNEL_HANGUP_COMPLETE");

        var (key, t) = Slices.TakeOne(collector);
        key.Queue.Should().Be("general@default");
        key.Agent.Should().Be("1003@default");
        key.Hour.Should().Be(CallFacts.HourOf(DateTimeOffset.FromUnixTimeSeconds(1796409749)));
        (t.Calls, t.IvrCalls, t.Queued, t.Answered, t.Abandoned, t.Transfers).Should().Be((1L, 0L, 1L, 1L, 0L, 0L));
        t.WaitSeconds.Should().Be(0, "CC-Member-Joined-Time and CC-Agent-Answered-Time are the same second");
        t.TalkSeconds.Should().Be(2, "CC-Agent-Answered-Time 1796409749 to CC-Bridge-Terminated-Time 1796409751");
        collector.Following.Should().Be(0, "the caller's hangup came before mod_callcenter's member-queue-end, which completed the call");
    }

    [Fact]
    public async Task A_caller_the_queue_let_go_with_NO_AGENT_TIMEOUT_is_overflowed_in_vip_not_abandoned()
    {
        // vip@default with none of its agents signed in: member-queue-end Cancel / NO_AGENT_TIMEOUT 65 s after joining
        // (max-wait-time-with-no-agent 60 + the 5 s of max-wait-time-with-no-agent-time-reached), then the call ended.
        var collector = await ReplayAsync("callcenter-overflow.txt");

        var (key, t) = Slices.TakeOne(collector);
        key.Queue.Should().Be("vip@default");
        key.Agent.Should().BeEmpty();
        (t.Calls, t.Queued, t.Answered, t.Abandoned, t.Overflowed, t.Transfers).Should().Be((1L, 1L, 0L, 0L, 1L, 0L));
        t.WaitSeconds.Should().Be(65, "CC-Member-Joined-Time 1796463623 to CC-Member-Leaving-Time 1796463688");
        t.Waits[HourTotals.BucketOf(65)].Should().Be(1);
        t.AnsweredWaits.Should().OnlyContain(n => n == 0);
        t.TalkSeconds.Should().Be(0);
        collector.Following.Should().Be(0);
    }

    [Fact]
    public async Task A_caller_vip_let_go_whom_the_dialplan_moved_to_general_where_1004_answered_is_one_answered_transferred_call()
    {
        // vip let the caller go (NO_AGENT_TIMEOUT, 65 s), the shipped ivr_queue_exit and ivr_queue_overflow moved the call
        // to general, agent 1004 answered in the same second and talked one second.
        var collector = await ReplayAsync("callcenter-overflow-to-general.txt");

        var (key, t) = Slices.TakeOne(collector);
        key.Queue.Should().Be("general@default", "the last queue the call waited in");
        key.Agent.Should().Be("1004@default");
        (t.Calls, t.Queued, t.Answered, t.Abandoned, t.Overflowed, t.Transfers).Should().Be((1L, 1L, 1L, 0L, 0L, 1L));
        t.WaitSeconds.Should().Be(65 + 0, "vip 1796463689 to 1796463754, then general joined and answered at 1796463754");
        t.AnsweredWaits[HourTotals.BucketOf(65)].Should().Be(1, "the wait until the first agent answered includes vip's");
        t.TalkSeconds.Should().Be(1, "CC-Agent-Answered-Time 1796463754 to CC-Bridge-Terminated-Time 1796463755");
        collector.Following.Should().Be(0);
    }

    [Fact]
    public async Task An_agent_who_did_not_answer_then_one_who_did_is_one_call_answered_by_the_second_agent()
    {
        // vip offered the caller to 1001, whose leg was never answered (bridge-agent-fail, ALLOTTED_TIMEOUT after
        // leg_timeout), then to 1002, who answered 10 s after the caller joined and talked one second.
        var collector = await ReplayAsync("callcenter-agent-no-answer.txt");

        // The call's slices, and 1001's miss in the slices of agent 1001: its agent slice and the ten pairs with the agent.
        var counted = collector.TakeCounted();
        counted.Should().HaveCount(Slices.PerCall + 11);
        var agents = counted.Where(s => s.Key.Dimension == SliceDimensions.Agent).ToDictionary(s => s.Key.Value, s => s.Value);
        (agents["1002@default"].Calls, agents["1002@default"].Answered, agents["1002@default"].Offers, agents["1002@default"].OffersMissed)
            .Should().Be((1L, 1L, 1L, 0L), "the agent who took the call, not the one rung first");
        (agents["1001@default"].Calls, agents["1001@default"].Offers, agents["1001@default"].OffersMissed).Should().Be((0L, 1L, 1L), "1001 missed the offer (ALLOTTED_TIMEOUT)");
        counted.Single(s => s.Key.Dimension == SliceDimensions.Queue).Key.Value.Should().Be("vip@default");
        var t = counted.Single(s => s.Key.Dimension == SliceDimensions.Total).Value;
        (t.Calls, t.Queued, t.Answered, t.Abandoned, t.Overflowed, t.Transfers, t.Offers, t.OffersMissed).Should().Be((1L, 1L, 1L, 0L, 0L, 0L, 2L, 1L));
        t.WaitSeconds.Should().Be(10, "CC-Member-Joined-Time 1796463861 to 1002's CC-Agent-Answered-Time 1796463871");
        t.TalkSeconds.Should().Be(1, "1002's CC-Agent-Answered-Time 1796463871 to CC-Bridge-Terminated-Time 1796463872: nothing with 1001");
        collector.Following.Should().Be(0, "the caller's hangup came before mod_callcenter's member-queue-end, which completed the call");
    }

    /// <summary>Feeds a transcript's events to a collector the way the inbound connection would: every event of the
    /// control connection, and those of the outbound socket <paramref name="alsoFromApp"/> picks.</summary>
    private static async Task<StatisticsCollector> ReplayAsync(string file, Func<CaptureRecord, bool>? alsoFromApp = null)
    {
        var stream = CaptureFiles.Load(file);
        var toEngine = new Pipe();
        var fromEngine = new Pipe();
        await using var connection = new EslConnection(new Duplex(toEngine.Reader, fromEngine.Writer));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
        var collector = new StatisticsCollector(time, new StatisticsOptions(), switchEvents: true);
        var fed = connection.Events.Do(e => StatisticsServices.Feed(collector, e)).ToList().ToTask();
        connection.Start();

        foreach (var record in stream.Records.Where(r => (r.Direction == CaptureFiles.FsToCtl && r.IsEvent) || (alsoFromApp?.Invoke(r) ?? false)))
        {
            await toEngine.Writer.WriteAsync(record.Data);
        }

        await toEngine.Writer.CompleteAsync();
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        (await fed.WaitAsync(TimeSpan.FromSeconds(10))).Should().Contain(e => e.EventSubclass == "callcenter::info");
        return collector;
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
