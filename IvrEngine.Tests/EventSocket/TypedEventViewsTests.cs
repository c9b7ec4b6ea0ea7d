using System.IO.Pipelines;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.EventSocket;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.EventSocket;

/// <summary>The typed views over a connection's events, fed with a real FreeSWITCH stream.</summary>
public sealed class TypedEventViewsTests
{
    [Fact]
    public async Task Callcenter_capture_yields_typed_executes_dtmf_hangups_bridges_and_callcenter_info()
    {
        var stream = CaptureFiles.Load("callcenter-context.txt");
        var toEngine = new Pipe();
        var fromEngine = new Pipe();
        await using var connection = new EslConnection(new Duplex(toEngine.Reader, fromEngine.Writer));
        var all = connection.Events.ToList().ToTask();
        var executes = connection.Events.ExecuteCompletes().ToList().ToTask();
        var hangups = connection.Events.Hangups().ToList().ToTask();
        var bridges = connection.Events.Bridges().ToList().ToTask();
        var dtmf = connection.Events.Dtmf().ToList().ToTask();
        var info = connection.Events.CallcenterInfo().ToList().ToTask();
        connection.Start();

        // The events FreeSWITCH sent on both connections of the capture (the outbound socket and the control
        // connection that watched the agent side); replies are left out, no command waits for them here.
        foreach (var record in stream.Records.Where(r => r.Direction is CaptureFiles.FsToApp or CaptureFiles.FsToCtl
                                                         && r.Text.Contains("Content-Type: text/event-", StringComparison.Ordinal)))
        {
            await toEngine.Writer.WriteAsync(record.Data);
        }

        await toEngine.Writer.CompleteAsync();
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        var events = await all.WaitAsync(TimeSpan.FromSeconds(10));
        events.Should().NotBeEmpty();
        (await executes).Should().Contain(e => e.Application == "play_and_get_digits" || e.Application == "set")
            .And.OnlyContain(e => e.Event.EventName == "CHANNEL_EXECUTE_COMPLETE");
        (await hangups).Should().Contain(h => h.Complete).And.OnlyContain(h => h.Cause.Length > 0);
        var callcenter = await info;
        callcenter.Select(i => i.Action).Should().Contain(["member-queue-start", "bridge-agent-start", "member-queue-end"]);
        // The shipped dialplan's queue_general runs callcenter general@default; agent 1003 is its level-1 agent.
        callcenter.Should().Contain(i => i.Queue == "general@default" && i.MemberSessionUuid != null);
        callcenter.Where(i => i.Action == "bridge-agent-start").Should().NotBeEmpty().And.OnlyContain(i => i.Agent == "1003@default");
        (await bridges).Should().NotBeEmpty().And.OnlyContain(b => b.OtherLegUniqueId != null);
        (await dtmf).Select(d => d.Digit).Should().NotBeEmpty().And.OnlyContain(d => "0123456789*#".Contains(d, StringComparison.Ordinal));
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
