using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using IvrEngine.EventSocket;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.EventSocket;

/// <summary>The outbound listener and session against a raw peer that plays FreeSWITCH with the bytes of a real call
/// (outbound-plain-session.txt).</summary>
public partial class OutboundSessionTests
{
    private static readonly Transcript Call = CaptureFiles.Load("outbound-plain-session.txt");

    /// <summary>The recorded channel, read from the uuid_setvar the application sent (not from FreeSWITCH's bytes).</summary>
    private static readonly string ChannelUuid = Call.Command("api uuid_setvar ").Text.Split(' ')[2];

    private static readonly CaptureRecord Connect = Call.Command("connect\n\n");
    private static readonly CaptureRecord Pagd = Call.Command("sendmsg\ncall-command: execute\nexecute-app-name: play_and_get_digits\n");
    private static readonly CaptureRecord Playback = Call.Command("sendmsg\ncall-command: execute\nexecute-app-name: playback\n");
    private static readonly CaptureRecord SetDuringPlayback = Call.Command("sendmsg\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: after_playback=yes\n");

    [Fact]
    public async Task A_whole_call_runs_on_real_FreeSWITCH_bytes()
    {
        await using var h = await Harness.StartAsync();
        var session = h.Session;
        var fs = h.Fs;

        // connect: the channel data.
        var connect = session.ConnectAsync();
        (await fs.ReadCommandBytesAsync()).Should().Equal(Connect.Data);
        await fs.SendAsync(Call.ReplyTo(Connect).Data);
        var channel = await connect.WaitAsync(Wire.Timeout);
        channel.UniqueId.Should().Be(ChannelUuid);
        channel.Ani.Should().Be("15551234567");
        channel.Dnis.Should().Be("5000");
        channel.CallerName.Should().Be("Alice Example");
        channel.Variables["origination_caller_id_name"].Should().Be("Alice Example");
        session.UniqueId.Should().Be(ChannelUuid);
        session.Channel.Should().BeSameAs(channel);

        await Exchange(session.MyEventsAsync(), "myevents\n\n", "+OK Events Enabled");
        await Exchange(session.LingerAsync(), "linger\n\n", "+OK will linger");
        // An event between two replies: the channel's first (CHANNEL_PARK when FreeSWITCH delivered it; it races with
        // myevents, which may come too late for it).
        await fs.SendAsync(Call.From(CaptureFiles.FsToApp).First(r => r.IsEvent).Data);
        await Exchange(session.SubscribeAsync(EslEventFormat.Plain,
            ["CHANNEL_EXECUTE_COMPLETE", "DTMF", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "BACKGROUND_JOB"]), "event plain ", "+OK event listener enabled plain");

        var name = session.GetVariableAsync("caller_id_name");
        var getName = Call.Command("getvar caller_id_name\n\n");
        (await fs.ReadCommandBytesAsync()).Should().Equal(getName.Data);
        await fs.SendAsync(Call.ReplyTo(getName).Data);
        (await name.WaitAsync(Wire.Timeout)).Should().Be("Alice Example");
        var unset = session.GetVariableAsync("no_such_var");
        var getUnset = Call.Command("getvar no_such_var\n\n");
        (await fs.ReadCommandBytesAsync()).Should().Equal(getUnset.Data);
        await fs.SendAsync(Call.ReplyTo(getUnset).Data);
        (await unset.WaitAsync(Wire.Timeout)).Should().BeNull();

        // play_and_get_digits with event-lock: completes on its own CHANNEL_EXECUTE_COMPLETE.
        var digits = new ConcurrentQueue<char>();
        using var dtmf = session.Dtmf.Subscribe(new Observer<DtmfDigit>(d => digits.Enqueue(d.Digit)));
        const string pagdArg = @"4 10 3 5000 # tone_stream://%(200,0,500) tone_stream://%(200,0,300) collected_acct \d+";
        var pagd = session.ExecuteAsync("play_and_get_digits", pagdArg);
        var sent = await fs.ReadCommandAsync();
        var eventUuid = EventUuid(sent);
        sent.Should().Be(Pagd.Text[..^1] + $"Event-UUID: {eventUuid}\n\n", "the recorded command plus the Event-UUID");
        await fs.SendAsync(Call.ReplyTo(Pagd).Data);
        await fs.SendAsync(WithAppUuid(Call.Event("CHANNEL_EXECUTE", "play_and_get_digits"), eventUuid));
        var keys = Call.Events("DTMF");
        keys.Should().HaveCount(5);
        foreach (var key in keys) await fs.SendAsync(key.Data);
        var pagdDone = Call.Event("CHANNEL_EXECUTE_COMPLETE", "play_and_get_digits");
        // The same completion for another channel (filters are connection-wide) must not complete it.
        await fs.SendAsync(Wire.ReplaceSameLength(WithAppUuid(pagdDone, eventUuid), ChannelUuid, Guid.NewGuid().ToString()));

        // A round trip proves everything above was read and dispatched.
        var setvar = session.ApiAsync($"uuid_setvar {ChannelUuid} crm_ticket 42");
        var setvarCommand = Call.Command("api uuid_setvar ");
        (await fs.ReadCommandBytesAsync()).Should().Equal(setvarCommand.Data);
        await fs.SendAsync(Call.ReplyTo(setvarCommand).Data);
        (await setvar.WaitAsync(Wire.Timeout)).IsOk.Should().BeTrue();
        pagd.IsCompleted.Should().BeFalse("only CHANNEL_EXECUTE and another channel's completion arrived");
        new string([.. digits]).Should().Be("1234#");

        await fs.SendAsync(WithAppUuid(pagdDone, eventUuid));
        var result = await pagd.WaitAsync(Wire.Timeout);
        result.Outcome.Should().Be(ExecuteOutcome.Completed);
        result.IsCompleted.Should().BeTrue();
        result.Application.Should().Be("play_and_get_digits");
        result.GetVariable("read_result").Should().Be("success");
        result.GetVariable("collected_acct").Should().Be("1234");
        result.Response.Should().Be("_none_");
        result.CompleteEvent!.GetHeader("Application-UUID").Should().Be(eventUuid);

        // A hangup while playback runs ends the execute with the cause.
        var playback = session.ExecuteAsync("playback", "tone_stream://%(1500,0,440)");
        var playUuid = EventUuid(await fs.ReadCommandAsync());
        await fs.SendAsync(Call.ReplyTo(Playback).Data);
        await fs.SendAsync(WithAppUuid(Call.Event("CHANNEL_EXECUTE", "playback"), playUuid));
        session.IsHungUp.Should().BeFalse();
        var hangup = Call.Event("CHANNEL_HANGUP");
        hangup.Header("Hangup-Cause").Should().Be("NORMAL_CLEARING");
        await fs.SendAsync(hangup.Data);
        var hungUp = await playback.WaitAsync(Wire.Timeout);
        hungUp.Outcome.Should().Be(ExecuteOutcome.HungUp);
        hungUp.HangupCause.Should().Be("NORMAL_CLEARING");
        hungUp.CompleteEvent.Should().BeNull();
        (await session.HangupTask.WaitAsync(Wire.Timeout)).Should().Be(new HangupInfo("NORMAL_CLEARING", Disconnected: false));
        session.IsHungUp.Should().BeTrue();

        // After the hangup, an execute returns at once without writing anything.
        var late = session.ExecuteAsync("answer");
        late.IsCompleted.Should().BeTrue();
        (await late).Outcome.Should().Be(ExecuteOutcome.HungUp);

        // The last events up to the linger notice, then exit.
        var rest = Call.After(hangup, CaptureFiles.FsToApp).ToList();
        foreach (var record in rest.Take(rest.FindIndex(r => r.IsDisconnectNotice) + 1)) await fs.SendAsync(record.Data);
        var notice = await session.DisconnectNotice.WaitAsync(Wire.Timeout);
        notice.IsLinger.Should().BeTrue();
        notice.LingerSeconds.Should().Be(-1);
        notice.ControlledSessionUuid.Should().Be(ChannelUuid);

        var dtmfDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var dtmfEnd = session.Dtmf.Subscribe(new Observer<DtmfDigit>(_ => { }, dtmfDone.SetResult));
        var exit = session.ExitAsync();
        var exitCommand = Call.Command("exit\n\n");
        (await fs.ReadCommandBytesAsync()).Should().Equal(exitCommand.Data, "nothing was written for the late execute");
        var bye = Call.ReplyTo(exitCommand);
        await fs.SendAsync(bye.Data);
        await fs.SendAsync(Call.Next(bye).Data);
        fs.Close();
        (await exit.WaitAsync(Wire.Timeout)).ReplyText.Should().Be("+OK bye");
        (await session.Connection.Completion.WaitAsync(Wire.Timeout)).Should().Be(EslCloseReason.PeerClosed);
        await dtmfDone.Task.WaitAsync(Wire.Timeout);

        async Task Exchange(Task<EslReply> command, string recorded, string replyText)
        {
            var record = Call.Command(recorded);
            (await fs.ReadCommandBytesAsync()).Should().Equal(record.Data);
            await fs.SendAsync(Call.ReplyTo(record).Data);
            (await command.WaitAsync(Wire.Timeout)).ReplyText.Should().Be(replyText);
        }
    }

    [Fact]
    public async Task A_socket_drop_ends_pending_execute_bgapi_and_api_at_once()
    {
        await using var h = await Harness.StartAsync();
        var (session, fs) = (h.Session, h.Fs);
        await ConnectAsync(session, fs);

        var execute = session.ExecuteAsync("playback", "tone_stream://%(1500,0,440)");
        await fs.ReadCommandAsync();
        await fs.SendAsync(Call.ReplyTo(Playback).Data); // +OK: the application runs
        var job = session.BackgroundApiAsync("status");
        var jobUuid = JobUuid(await fs.ReadCommandAsync());
        var bgapiReply = Call.ReplyTo(Call.Command("bgapi status\n\n"));
        await fs.SendAsync(Wire.ReplaceSameLength(bgapiReply.Data, bgapiReply.Header("Job-UUID")!, jobUuid));
        var api = session.ApiAsync("status");
        await fs.ReadCommandAsync();

        fs.Close();

        (await execute.WaitAsync(Wire.Timeout)).Outcome.Should().Be(ExecuteOutcome.Disconnected);
        await FluentActions.Awaiting(() => job.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslConnectionClosedException>();
        await FluentActions.Awaiting(() => api.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslConnectionClosedException>();
        (await session.HangupTask.WaitAsync(Wire.Timeout)).Should().Be(HangupInfo.SocketClosed);
        (await session.ExecuteAsync("answer").WaitAsync(Wire.Timeout)).Outcome.Should().Be(ExecuteOutcome.Disconnected);
        (await session.Connection.Completion.WaitAsync(Wire.Timeout)).Should().Be(EslCloseReason.PeerClosed);
    }

    [Fact]
    public async Task An_execute_waiting_for_its_reply_ends_as_Disconnected_when_the_socket_drops()
    {
        await using var h = await Harness.StartAsync();
        var (session, fs) = (h.Session, h.Fs);
        await ConnectAsync(session, fs);

        var execute = session.ExecuteAsync("answer");
        await fs.ReadCommandAsync();
        fs.Close();
        (await execute.WaitAsync(Wire.Timeout)).Outcome.Should().Be(ExecuteOutcome.Disconnected);
    }

    [Fact]
    public async Task Executes_complete_independently_by_Event_UUID()
    {
        await using var h = await Harness.StartAsync();
        var (session, fs) = (h.Session, h.Fs);
        await ConnectAsync(session, fs);

        // Two sendmsg without event-lock: set completes during the playback (as recorded: fact 6).
        var playback = session.ExecuteAsync("playback", "tone_stream://%(1500,0,440)", eventLock: false);
        var playUuid = EventUuid(await fs.ReadCommandAsync());
        var set = session.ExecuteAsync("set", "after_playback=yes", eventLock: false);
        var setCommand = await fs.ReadCommandAsync();
        setCommand.Should().NotContain("event-lock");
        var setUuid = EventUuid(setCommand);
        await fs.SendAsync(Call.ReplyTo(Playback).Data);
        await fs.SendAsync(Call.ReplyTo(SetDuringPlayback).Data);
        var playStarted = Call.Event("CHANNEL_EXECUTE", "playback");
        var setStarted = Call.First(CaptureFiles.FsToApp, r => r.EventName == "CHANNEL_EXECUTE" && r.Header("Application-Data") == "after_playback=yes", "the set's CHANNEL_EXECUTE");
        var setDone = Call.First(CaptureFiles.FsToApp, r => r.EventName == "CHANNEL_EXECUTE_COMPLETE" && r.Header("Application-Data") == "after_playback=yes", "the set's CHANNEL_EXECUTE_COMPLETE");
        var playDone = Call.Event("CHANNEL_EXECUTE_COMPLETE", "playback");
        new[] { playStarted, setStarted, setDone, playDone }.Select(r => r.Sequence).Should().BeInAscendingOrder("FreeSWITCH ran the set during the playback");
        await fs.SendAsync(WithAppUuid(playStarted, playUuid));
        await fs.SendAsync(WithAppUuid(setStarted, setUuid));
        await fs.SendAsync(WithAppUuid(setDone, setUuid));

        var setResult = await set.WaitAsync(Wire.Timeout);
        setResult.IsCompleted.Should().BeTrue();
        setResult.GetVariable("after_playback").Should().Be("yes");
        playback.IsCompleted.Should().BeFalse();

        await fs.SendAsync(WithAppUuid(playDone, playUuid));
        var playResult = await playback.WaitAsync(Wire.Timeout);
        playResult.Outcome.Should().Be(ExecuteOutcome.Completed);
        playResult.Response.Should().Be("FILE PLAYED");
    }

    [Fact]
    public async Task Refuse_sends_connect_and_resume_unsets_socket_resume_then_closes()
    {
        var refused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = await Harness.StartAsync(async session =>
        {
            await session.RefuseAsync(TimeSpan.FromSeconds(5));
            refused.SetResult();
        });

        (await h.Fs.ReadCommandBytesAsync()).Should().Equal(Connect.Data);
        await h.Fs.SendAsync(Call.ReplyTo(Connect).Data);
        // resume: a close that beats the socket application's park of the channel would leave it parked for good;
        // then the socket_resume variable it sets goes, or the failover engine's socket would reset the channel too.
        (await h.Fs.ReadCommandAsync()).Should().Be("resume\n\n");
        await h.Fs.SendAsync("Content-Type: command/reply\nReply-Text: +OK\n\n");
        (await h.Fs.ReadCommandAsync()).Should().Be($"api uuid_setvar {ChannelUuid} socket_resume\n\n");
        await h.Fs.SendAsync("Content-Type: api/response\nContent-Length: 4\n\n+OK\n");
        (await h.Fs.ReadToEndAsync()).Should().BeEmpty("nothing else is written before the socket closes");
        await refused.Task.WaitAsync(Wire.Timeout);
    }

    [Fact]
    public async Task Refuse_closes_even_when_connect_is_never_answered()
    {
        await using var h = await Harness.StartAsync(session => session.RefuseAsync(TimeSpan.FromMilliseconds(100)));
        (await h.Fs.ReadCommandAsync()).Should().Be("connect\n\n");
        (await h.Fs.ReadToEndAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_failing_handler_ends_its_own_connection_only()
    {
        var calls = 0;
        var second = new TaskCompletionSource<EslOutboundSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = new EslOutboundListener(new IPEndPoint(IPAddress.Loopback, 0), async (session, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("handler bug");
            second.SetResult(session);
            await release.Task;
        });
        listener.Start();
        listener.LocalEndPoint.Port.Should().NotBe(0);

        await using var first = await RawPeer.ConnectAsync(listener.LocalEndPoint);
        (await first.ReadToEndAsync()).Should().BeEmpty("the failed handler's connection is closed");

        await using var fs = await RawPeer.ConnectAsync(listener.LocalEndPoint);
        var session = await second.Task.WaitAsync(Wire.Timeout);
        await ConnectAsync(session, fs);
        session.Channel.Dnis.Should().Be("5000");
        release.SetResult();
        (await fs.ReadToEndAsync()).Should().BeEmpty("the session is disposed when its handler returns");
    }

    private static async Task ConnectAsync(EslOutboundSession session, RawPeer fs)
    {
        var connect = session.ConnectAsync();
        (await fs.ReadCommandAsync()).Should().Be("connect\n\n");
        await fs.SendAsync(Call.ReplyTo(Connect).Data);
        (await connect.WaitAsync(Wire.Timeout)).UniqueId.Should().Be(ChannelUuid);
    }

    /// <summary>The recorded event with the Application-UUID the engine sent instead of the one it carried.</summary>
    private static byte[] WithAppUuid(CaptureRecord record, string sent) =>
        Wire.ReplaceSameLength(record.Data, "Application-UUID: " + record.Header("Application-UUID"), "Application-UUID: " + sent);

    private static string EventUuid(string command)
    {
        var match = EventUuidHeader().Match(command);
        match.Success.Should().BeTrue($"an execute carries an Event-UUID: \"{command}\"");
        return match.Groups[1].Value;
    }

    private static string JobUuid(string command) => JobUuidHeader().Match(command).Groups[1].Value;

    [GeneratedRegex("\nEvent-UUID: ([0-9a-f-]{36})\n")]
    private static partial Regex EventUuidHeader();

    [GeneratedRegex("\nJob-UUID: ([0-9a-f-]{36})\n")]
    private static partial Regex JobUuidHeader();

    /// <summary>A listener on a free loopback port, a raw peer connected to it as FreeSWITCH, and the session the
    /// listener handed to its handler.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private readonly EslOutboundListener _listener;
        private readonly TaskCompletionSource _release;

        private Harness(EslOutboundListener listener, TaskCompletionSource release, EslOutboundSession session, RawPeer fs)
        {
            _listener = listener;
            _release = release;
            Session = session;
            Fs = fs;
        }

        public EslOutboundSession Session { get; }

        public RawPeer Fs { get; }

        public static async Task<Harness> StartAsync(Func<EslOutboundSession, Task>? handler = null)
        {
            var sessions = new TaskCompletionSource<EslOutboundSession>(TaskCreationOptions.RunContinuationsAsynchronously);
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var listener = new EslOutboundListener(new IPEndPoint(IPAddress.Loopback, 0), async (session, _) =>
            {
                sessions.TrySetResult(session);
                if (handler is not null) await handler(session);
                else await release.Task;
            });
            listener.Start();
            var fs = await RawPeer.ConnectAsync(listener.LocalEndPoint);
            var accepted = await sessions.Task.WaitAsync(Wire.Timeout);
            return new Harness(listener, release, accepted, fs);
        }

        public async ValueTask DisposeAsync()
        {
            _release.TrySetResult();
            await _listener.DisposeAsync();
            await Fs.DisposeAsync();
        }
    }
}
