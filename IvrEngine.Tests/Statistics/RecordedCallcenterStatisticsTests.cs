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

/// <summary>The statistics of a call as real FreeSWITCH 1.10.12 told it (Transcripts/callcenter-context.txt): the
/// caller queued in general@default, agent 1003 answered at once, the agent's leg was killed two seconds later. Its
/// events go through the engine's own parser and the statistics' feed, as on the inbound connection.</summary>
public sealed class RecordedCallcenterStatisticsTests
{
    private const string Caller = "53ed02b6-c450-4aa6-8d46-a8eac52882ac";

    [Fact]
    public async Task The_recorded_call_is_one_answered_call_of_general_with_no_wait_and_two_seconds_of_talk()
    {
        var stream = CaptureFiles.Load("callcenter-context.txt");
        var toEngine = new Pipe();
        var fromEngine = new Pipe();
        await using var connection = new EslConnection(new Duplex(toEngine.Reader, fromEngine.Writer));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
        var collector = new StatisticsCollector(time, new StatisticsOptions(), switchEvents: true);
        var fed = connection.Events.Do(e => StatisticsServices.Feed(collector, e)).ToList().ToTask();
        connection.Start();

        // What the inbound connection sees: the control connection's callcenter::info (the outbound socket had
        // subscribed to it too: taken once), and the caller's CHANNEL_HANGUP_COMPLETE.
        foreach (var record in stream.Records.Where(r => (r.Direction == CaptureFiles.FsToCtl && r.IsEvent)
                                                         || (r.Direction == CaptureFiles.FsToApp && r.IsEvent && r.EventName == "CHANNEL_HANGUP_COMPLETE")))
        {
            await toEngine.Writer.WriteAsync(record.Data);
        }

        await toEngine.Writer.CompleteAsync();
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        (await fed.WaitAsync(TimeSpan.FromSeconds(10))).Should().Contain(e => e.EventSubclass == "callcenter::info");

        // The engine did not serve this call (the recorder did), so it counts as a call a queue saw.
        var (key, t) = Slices.TakeOne(collector);
        key.Queue.Should().Be("general@default");
        key.Agent.Should().Be("1003@default");
        key.Hour.Should().Be(CallFacts.HourOf(DateTimeOffset.FromUnixTimeSeconds(1796409749)));
        (t.Calls, t.IvrCalls, t.Queued, t.Answered, t.Abandoned, t.Transfers).Should().Be((1L, 0L, 1L, 1L, 0L, 0L));
        t.WaitSeconds.Should().Be(0, "CC-Member-Joined-Time and CC-Agent-Answered-Time are the same second");
        t.TalkSeconds.Should().Be(2, "CC-Agent-Answered-Time 1796409749 to CC-Bridge-Terminated-Time 1796409751");
        collector.Following.Should().Be(0, "the caller's hangup came before mod_callcenter's member-queue-end, which completed the call");
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
