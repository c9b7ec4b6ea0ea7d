using System.Text;
using System.Text.RegularExpressions;
using IvrEngine.Simulator;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Simulator;

public sealed class EslCaptureTests
{
    [Fact]
    public void Every_capture_parses_and_streams_have_the_declared_byte_counts()
    {
        var files = Directory.GetFiles(Captures.Folder, "*.txt");
        files.Should().NotBeEmpty();
        foreach (var file in files)
        {
            var capture = EslCapture.Load(file);
            capture.HeaderComments.Should().NotBeEmpty(file);
            capture.Records.Should().NotBeEmpty(file);

            // Independently sum the marker byte counts per direction.
            var text = Encoding.Latin1.GetString(File.ReadAllBytes(file));
            var declared = new Dictionary<string, long>();
            foreach (Match m in Regex.Matches(text, @"^### \d+ t=\+[\d.]+ (\S+) (\d+) bytes$", RegexOptions.Multiline))
            {
                declared[m.Groups[1].Value] = declared.GetValueOrDefault(m.Groups[1].Value) + long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            }

            foreach (var (dir, bytes) in declared)
            {
                // A payload could itself contain a line looking like a marker; the parser is authoritative, so compare >=.
                capture.StreamOf(dir).LongLength.Should().BeLessThanOrEqualTo(bytes, file);
                capture.Records.Where(r => r.Direction == dir).Sum(r => (long)r.Data.Length).Should().Be(capture.StreamOf(dir).LongLength);
            }

            capture.Records.Where(r => r.Direction == "NOTE").Should().OnlyContain(r => r.Note != null && r.Data.IsEmpty);
        }
    }

    [Fact]
    public void Plain_session_capture_has_the_expected_shape()
    {
        var capture = EslCapture.Load(Captures.PathOf("outbound-plain-session.txt"));
        var first = capture.Records.First(r => r.Direction == "APP->FS");
        Encoding.ASCII.GetString(first.Data.Span).Should().Be("connect\n\n");
        capture.Records.Count(r => r.Direction == "APP->FS").Should().Be(17);
    }

    [Fact]
    public void Malformed_file_names_the_line()
    {
        var bad = Encoding.ASCII.GetBytes("# header\n### 1 t=+0.1 FS->APP 100 bytes\nshort\n");
        var act = () => EslCapture.Parse(bad, "bad.txt");
        act.Should().Throw<FormatException>().WithMessage("*line 2*");
        var bad2 = Encoding.ASCII.GetBytes("# header\ngarbage\n");
        ((Action)(() => EslCapture.Parse(bad2, "bad2.txt"))).Should().Throw<FormatException>().WithMessage("*line 2*");
    }
}

public sealed class FreeSwitchSimulatorTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static string Describe(RawFrame f, string? sentEventUuid = null)
    {
        if (f.ContentType is "text/event-plain" or "text/event-json")
        {
            var sb = new StringBuilder("EVENT " + f.EventName);
            foreach (var key in new[] { "Application", "Application-Response", "DTMF-Digit", "variable_read_result", "variable_collected_acct", "Hangup-Cause", "Job-Command" })
            {
                var v = f.EventHeader(key);
                if (v is not null)
                {
                    sb.Append(' ').Append(key).Append('=').Append(v);
                }
            }

            var appUuid = f.EventHeader("Application-UUID");
            if (appUuid is not null && appUuid == sentEventUuid)
            {
                sb.Append(" Application-UUID=<sent>");
            }

            return sb.ToString();
        }

        var reply = f.ReplyText is null ? string.Empty : Regex.Replace(f.ReplyText, "[0-9a-f]{8}-[0-9a-f-]{27}", "<uuid>");
        return $"{f.ContentType} {reply}".TrimEnd();
    }

    [Fact]
    public async Task Replaying_the_plain_session_reproduces_the_captured_reply_and_event_sequence()
    {
        var capture = EslCapture.Load(Captures.PathOf("outbound-plain-session.txt"));
        var capturedFrames = Split(capture.StreamOf("FS->APP"));
        // The recorded channel, as the application named it in its uuid_setvar: the simulated call takes the same uuid so
        // that the recorded commands naming it apply.
        var captureUuid = capture.Records.Select(r => Encoding.UTF8.GetString(r.Data.Span))
            .First(t => t.StartsWith("api uuid_setvar ", StringComparison.Ordinal)).Split(' ')[2];
        const string SentEventUuid = "a1b2c3d4-0000-4000-8000-00000000cafe";

        await using var sim = new FreeSwitchSimulator();
        using var engine = new FakeEngine();
        // Playback lasts a little (the capture's tone was 1.5 s) so that the set sent without event-lock runs during it (fact 6).
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript
        {
            Uuid = captureUuid,
            Inputs = [CallerInput.Keys("1234#")],
            PlaybackDuration = TimeSpan.FromMilliseconds(300),
        });
        await using var conn = await engine.AcceptAsync();

        // Replay the APP->FS records; after each, read as many frames as the capture shows before the next command.
        // CHANNEL_PARK is not counted: FreeSWITCH fires it when the socket application parks the channel, right after
        // connect, so whether myevents comes in time for it is a race (a recording may not have it); the simulator
        // always sends it once.
        var received = new List<RawFrame>();
        var records = capture.Records.Where(r => r.Direction is "APP->FS" or "FS->APP").ToList();
        static bool IsPark(ReadOnlyMemory<byte> data) => Encoding.UTF8.GetString(data.Span).Contains("\nEvent-Name: CHANNEL_PARK\n", StringComparison.Ordinal);
        for (int i = 0; i < records.Count; i++)
        {
            if (records[i].Direction != "APP->FS")
            {
                continue;
            }

            await conn.SendAsync(records[i].Data);
            int expected = 0;
            for (int j = i + 1; j < records.Count && records[j].Direction == "FS->APP"; j++)
            {
                if (!IsPark(records[j].Data)) expected++;
            }

            for (int k = 0; k < expected;)
            {
                var frame = await conn.ExpectAsync();
                received.Add(frame);
                if (frame.EventName != "CHANNEL_PARK") k++;
            }
        }

        (await conn.ReadFrameAsync()).Should().BeNull("FreeSWITCH closes the socket after exit");

        var want = capturedFrames.Select(f => Describe(f, SentEventUuid)).ToList();
        var got = received.Select(f => Describe(f, SentEventUuid)).ToList();
        got.Count(x => x == "EVENT CHANNEL_PARK").Should().Be(1);
        // Replies and events each come in the captured order (their interleaving is timing-dependent in FreeSWITCH too).
        got.Where(x => !x.StartsWith("EVENT", StringComparison.Ordinal)).Should().Equal(want.Where(x => !x.StartsWith("EVENT", StringComparison.Ordinal)));
        got.Where(x => x.StartsWith("EVENT", StringComparison.Ordinal) && x != "EVENT CHANNEL_PARK")
            .Should().Equal(want.Where(x => x.StartsWith("EVENT", StringComparison.Ordinal) && x != "EVENT CHANNEL_PARK"));
        got.IndexOf("EVENT CHANNEL_EXECUTE Application=answer").Should().BeGreaterThan(got.IndexOf("command/reply +OK"), "in async mode +OK comes before CHANNEL_EXECUTE");

        // Byte-exact frames (host-independent ones), matched by kind in order.
        var capturedReplies = capturedFrames.Where(f => !f.ContentType.StartsWith("text/event", StringComparison.Ordinal)).ToList();
        var gotReplies = received.Where(f => !f.ContentType.StartsWith("text/event", StringComparison.Ordinal)).ToList();
        gotReplies.Should().HaveSameCount(capturedReplies);
        for (int i = 1; i < capturedReplies.Count; i++)
        {
            if (!capturedReplies[i].HeaderText.Contains("Job-UUID", StringComparison.Ordinal))
            {
                Encoding.UTF8.GetString(gotReplies[i].Raw).Should().Be(Encoding.UTF8.GetString(capturedReplies[i].Raw));
            }
        }

        var capturedEvents = capturedFrames.Where(f => f.ContentType == "text/event-plain" && f.EventName != "CHANNEL_PARK").ToList();
        var gotEvents = received.Where(f => f.ContentType == "text/event-plain" && f.EventName != "CHANNEL_PARK").ToList();
        static List<string> Names(RawFrame f) => f.EventHeaders().Select(h => h.Key).Where(k => !k.StartsWith("variable_", StringComparison.Ordinal)).ToList();
        for (int i = 0; i < capturedEvents.Count; i++)
        {
            // Same header names in the same order, apart from channel variables.
            Names(gotEvents[i]).Should().Equal(Names(capturedEvents[i]), $"headers of {capturedEvents[i].EventName}");
            Encoding.UTF8.GetString(gotEvents[i].Raw).Should().StartWith("Content-Length: ").And.Contain("\nContent-Type: text/event-plain\n\n");
        }

        // The connect reply: one encoded header block without Content-Length, the same header names before the variables, the same tail.
        var connectCaptured = capturedFrames[0];
        var connectGot = received[0];
        connectGot.Headers.Should().NotContainKey("Content-Length");
        Func<RawFrame, List<string>> connectNames = f => f.HeaderText.Split('\n').Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)]).Where(k => !k.StartsWith("variable_", StringComparison.Ordinal)).ToList();
        connectNames(connectGot).Should().Equal(connectNames(connectCaptured));
        connectGot.HeaderText.Should().EndWith("\nContent-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full");
        connectGot.HeaderText.Should().Contain("\nCaller-Caller-ID-Name: Alice%20Example\n").And.Contain("variable_current_application_data: 127.0.0.1%3A8084%20async%20full\n");

        // Key values.
        var pagd = received.Last(f => f.EventName == "CHANNEL_EXECUTE_COMPLETE" && f.EventHeader("Application") == "play_and_get_digits");
        pagd.EventHeader("variable_collected_acct").Should().Be("1234");
        pagd.EventHeader("variable_read_result").Should().Be("success");
        pagd.EventHeader("variable_read_terminator_used").Should().Be("#");
        pagd.Body.Should().Contain("variable_read_terminator_used: %23\n");
        received.Single(f => f.EventName == "DTMF" && f.Body!.Contains("DTMF-Digit: %23\n", StringComparison.Ordinal)).Should().NotBeNull();
        var job = received.Single(f => f.EventName == "BACKGROUND_JOB");
        job.EventHeader("Job-Owner-UUID").Should().Be(captureUuid);
        job.Body.Should().Contain("\nContent-Length: ").And.Contain("FreeSWITCH (Version 1.10.12-release  64bit) is ready\n");
        var longArg = received.Last(f => f.EventName == "CHANNEL_EXECUTE_COMPLETE" && f.EventHeader("Application") == "set");
        longArg.EventHeader("variable_long_arg_demo").Should().Be("this value has spaces & symbols: 100%");

        var record = await call.Completion.WaitAsync(Wait);
        record.Connected.Should().BeTrue();
        record.Answered.Should().BeTrue();
        record.HangupCause.Should().Be("NORMAL_CLEARING");
        record.HangupBy.Should().Be("engine");
        record.Variables["crm_ticket"].Should().Be("42");
        record.Variables["ivr_intent"].Should().Be("billing");
        record.Applications.Select(a => a.Name).Should().Equal("answer", "set", "play_and_get_digits", "playback", "set", "set");
        record.Applications[1].EventUuid.Should().Be(SentEventUuid);
        record.Applications[3].Response.Should().Be("FILE PLAYED");
        record.Commands[0].Line.Should().Be("connect");
        record.ProtocolErrors.Should().BeEmpty();
        record.DialplanContinued.Should().BeFalse();
    }

    [Fact]
    public async Task A_command_before_connect_gets_no_reply()
    {
        await using var sim = new FreeSwitchSimulator();
        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript());
        await using var conn = await engine.AcceptAsync();
        await conn.SendAsync("hello world\n\n");
        await conn.SendAsync("connect\n\n");
        var first = await conn.ExpectAsync();
        first.HeaderText.Should().StartWith("Event-Name: CHANNEL_DATA\n");
        await conn.SendAsync("exit\n\n");
        (await conn.ExpectAsync()).ReplyText.Should().Be("+OK bye");
        (await conn.ExpectAsync()).ContentType.Should().Be("text/disconnect-notice");
        (await conn.ReadFrameAsync()).Should().BeNull();
        var record = await call.Completion.WaitAsync(Wait);
        record.ProtocolErrors.Should().ContainSingle(e => e.Contains("hello world", StringComparison.Ordinal));
        record.DialplanContinued.Should().BeTrue("exit before hangup leaves the channel to the dialplan");
    }

    [Fact]
    public async Task Silent_engine_is_dropped_after_the_connect_wait()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sim = new FreeSwitchSimulator(new SimulatorOptions { Time = time });
        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript());
        await using var conn = await engine.AcceptAsync();
        time.Advance(TimeSpan.FromSeconds(24));
        time.Advance(TimeSpan.FromSeconds(1));
        var notice = await conn.ExpectAsync();
        Encoding.ASCII.GetString(notice.Raw).Should().Be(
            $"Content-Type: text/disconnect-notice\nControlled-Session-UUID: {call.Uuid}\nContent-Disposition: disconnect\nContent-Length: 67\n\n"
            + "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n");
        (await conn.ReadFrameAsync()).Should().BeNull();
        var record = await call.Completion.WaitAsync(Wait);
        record.ClosedBeforeConnect.Should().BeTrue();
        record.Connected.Should().BeFalse();
        record.DialplanContinued.Should().BeTrue("the dialplan's socket_resume=true resumes it when the listener gives up");
    }

    [Fact]
    public async Task The_channel_data_carries_the_dialplan_s_socket_resume_and_uuid_setvar_unsets_it()
    {
        await using var sim = new FreeSwitchSimulator();
        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript());
        await using var conn = await engine.AcceptAsync();
        await conn.SendAsync("connect\n\n");
        (await conn.ExpectAsync()).Headers.Should().Contain("variable_socket_resume", "true");
        await conn.SendAsync($"api uuid_setvar {call.Uuid} socket_resume\n\n");
        (await conn.ExpectAsync()).Body.Should().Be("+OK\n");
        call.Variables.Should().NotContainKey("socket_resume");
        await conn.SendAsync("exit\n\n");
        var record = await call.Completion.WaitAsync(Wait);
        record.DialplanContinued.Should().BeTrue();
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public async Task A_socket_closed_before_connect_resumes_the_dialplan_only_with_socket_resume(bool socketResume, bool continues)
    {
        // FreeSWITCH 1.10.12 (outbound-connect-edge-cases, E1): without socket_resume the channel stays in the socket
        // application; with it, the listener's end resets the channel and the socket application returns.
        await using var sim = new FreeSwitchSimulator(new SimulatorOptions { SocketResume = socketResume });
        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript());
        var conn = await engine.AcceptAsync();
        await conn.DisposeAsync();

        var record = await call.Completion.WaitAsync(Wait);
        record.ClosedBeforeConnect.Should().BeTrue();
        record.DialplanContinued.Should().Be(continues);
        record.Variables.ContainsKey("socket_resume").Should().Be(socketResume);
    }

    [Fact]
    public async Task Linger_with_seconds_closes_after_that_time_on_the_time_provider()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sim = new FreeSwitchSimulator(new SimulatorOptions { Time = time });
        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript());
        await using var conn = await engine.AcceptAsync();
        await conn.SendAsync("connect\n\n");
        await conn.ExpectAsync();
        await conn.SendAsync("linger 5\n\n");
        (await conn.ExpectAsync()).ReplyText.Should().Be("+OK will linger 5 seconds");
        await conn.SendAsync("event json CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE\n\n");
        var frames = new List<RawFrame> { await conn.ExpectAsync() };
        frames[0].ReplyText.Should().Be("+OK event listener enabled json");
        await conn.SendAsync("sendmsg\ncall-command: hangup\nhangup-cause: USER_BUSY\n\n");
        frames.AddRange(await conn.ReadUntilEventAsync("CHANNEL_HANGUP_COMPLETE"));
        frames.Where(f => f.EventName != null).Select(f => f.EventName).Should().Equal("CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE");
        frames.Last().Body.Should().EndWith("}");
        frames.Last().EventHeader("Hangup-Cause").Should().Be("USER_BUSY");
        var linger = await conn.ExpectAsync();
        Encoding.ASCII.GetString(linger.Raw).Should().Be(
            $"Content-Type: text/disconnect-notice\nControlled-Session-UUID: {call.Uuid}\nContent-Disposition: linger\nChannel-Name: loopback/5000-b\nLinger-Time: 5\nContent-Length: 0\n\n");
        var record = call.Completion;
        time.Advance(TimeSpan.FromSeconds(5));
        (await conn.ExpectAsync()).HeaderText.Should().Contain("Content-Disposition: disconnect");
        (await conn.ReadFrameAsync()).Should().BeNull();
        (await record.WaitAsync(Wait)).HangupCause.Should().Be("USER_BUSY");
    }

    [Fact]
    public async Task Without_linger_the_hangup_ends_with_the_disconnect_notice()
    {
        await using var sim = new FreeSwitchSimulator();
        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript { Inputs = [CallerInput.HangUp()] });
        await using var conn = await engine.AcceptAsync();
        await conn.SendAsync("connect\n\n");
        await conn.ExpectAsync();
        await conn.SendAsync("myevents\n\n");
        (await conn.ExpectAsync()).ReplyText.Should().Be("+OK Events Enabled");
        await conn.SendAsync("sendmsg\ncall-command: execute\nexecute-app-name: play_and_get_digits\nexecute-app-arg: 1 4 3 5000 # a.wav b.wav choice \\d+\nevent-lock: true\n\n");
        var frames = new List<RawFrame>();
        while (await conn.ReadFrameAsync() is { } f)
        {
            frames.Add(f);
        }

        frames.Select(f => f.EventName ?? (f.ContentType + " " + f.ReplyText).TrimEnd()).Should().Equal(
            "CHANNEL_PARK",
            "command/reply +OK",
            "CHANNEL_EXECUTE",
            "CHANNEL_HANGUP",
            "CHANNEL_EXECUTE_COMPLETE",
            "CHANNEL_UNPARK",
            "CHANNEL_EXECUTE_COMPLETE",
            "CHANNEL_STATE",
            "CHANNEL_STATE",
            "CHANNEL_HANGUP_COMPLETE",
            "text/disconnect-notice");
        frames[4].EventHeader("variable_read_result").Should().Be("failure");
        var record = await call.Completion.WaitAsync(Wait);
        record.HangupBy.Should().Be("caller");
        record.Variables.Should().NotContainKey("choice");
    }

    [Fact]
    public async Task Play_and_get_digits_retries_after_silence_and_bad_input()
    {
        await using var sim = new FreeSwitchSimulator();
        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript
        {
            Inputs = [CallerInput.Silence, CallerInput.Keys("12#"), CallerInput.Keys("4321#"), CallerInput.Silence, CallerInput.Silence, CallerInput.Silence],
        });
        await using var conn = await engine.AcceptAsync();
        await conn.SendAsync("connect\n\n");
        await conn.ExpectAsync();
        await conn.SendAsync("myevents\n\n");
        await conn.ExpectAsync();
        const string Pagd = "sendmsg\ncall-command: execute\nexecute-app-name: play_and_get_digits\nexecute-app-arg: 4 4 3 5000 # a.wav b.wav acct \\d+\nevent-lock: true\n\n";
        await conn.SendAsync(Pagd);
        var first = (await conn.ReadUntilEventAsync("CHANNEL_EXECUTE_COMPLETE")).Last();
        first.EventHeader("variable_acct").Should().Be("4321");
        first.EventHeader("variable_read_result").Should().Be("success");
        first.EventHeader("Application-Response").Should().Be("_none_");

        await conn.SendAsync(Pagd);
        var second = (await conn.ReadUntilEventAsync("CHANNEL_EXECUTE_COMPLETE")).Last();
        second.EventHeader("variable_acct").Should().BeNull();
        // Silence with min 4: too few digits, so "failure" (switch_ivr_read), as the real FreeSWITCH reports it.
        second.EventHeader("variable_read_result").Should().Be("failure");
        await call.HangUpAsync();
        await conn.ReadUntilEventAsync("CHANNEL_HANGUP_COMPLETE");
        (await call.Completion.WaitAsync(Wait)).HangupBy.Should().Be("caller");
    }

    [Fact]
    public async Task Bare_linger_waits_for_exit_and_transfer_and_waiting_for_apps_work()
    {
        await using var sim = new FreeSwitchSimulator();
        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript());
        await using var conn = await engine.AcceptAsync();
        await conn.SendAsync("connect\n\nlinger\n\nmyevents json\n\n");
        await conn.ExpectAsync();
        await conn.SendAsync("sendmsg\ncall-command: execute\nexecute-app-name: export\nexecute-app-arg: nolocal:crm=7\n\n");
        await conn.SendAsync("sendmsg\ncall-command: execute\nexecute-app-name: transfer\nexecute-app-arg: 5001 XML default\n\n");
        var app = await call.WaitForApplicationAsync("transfer").WaitAsync(Wait);
        app.Arg.Should().Be("5001 XML default");
        await conn.ReadUntilEventAsync("CHANNEL_HANGUP_COMPLETE");
        (await conn.ExpectAsync()).HeaderText.Should().Contain("Linger-Time: -1");
        await conn.SendAsync("api uuid_exists " + call.Uuid + "\n\n");
        (await conn.ExpectAsync()).Body.Should().Be("false");
        await conn.SendAsync("exit\n\n");
        (await conn.ExpectAsync()).ReplyText.Should().Be("+OK bye");
        (await conn.ExpectAsync()).HeaderText.Should().Contain("Content-Disposition: disconnect");
        (await conn.ReadFrameAsync()).Should().BeNull();
        var record = await call.Completion.WaitAsync(Wait);
        record.TransferredTo.Should().Be("5001 XML default");
        record.ExportedVariables.Should().Contain("crm", "7");
        record.Variables.Should().NotContainKey("crm");
    }

    [Fact]
    public async Task Uuid_setvar_cleans_its_last_argument_like_FreeSWITCH_quotes_backslash_escapes_and_surrounding_spaces()
    {
        // As a real FreeSWITCH 1.10.12 stored them (RealFreeSwitch/AgentTests, hostile values): its argument splitting
        // drops single quotes that pair up, reads backslash escapes and trims; escaped, a value arrives exactly.
        await using var sim = new FreeSwitchSimulator();
        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript());
        await using var conn = await engine.AcceptAsync();
        await conn.SendAsync("connect\n\n");
        await conn.ExpectAsync();

        foreach (var (name, raw) in new[]
                 {
                     ("quotes", "O'Brien said \"hi\" and 'bye'"),
                     ("backslashes", @"C:\new\table \\ \' \s \q"),
                     ("spaces", "   padded   "),
                     ("escaped", @"\s O\'Brien \\new\s"),
                 })
        {
            await conn.SendAsync($"api uuid_setvar {call.Uuid} {name} {raw}\n\n");
            (await conn.ExpectAsync()).Body.Should().Be("+OK\n");
        }

        call.Variables.Should().Contain("quotes", "OBrien said \"hi\" and bye'")
            .And.Contain("backslashes", "C:\new\table \\ '   \\q")
            .And.Contain("spaces", "padded")
            .And.Contain("escaped", "  O'Brien \\new ");
        await call.HangUpAsync();
    }

    [Fact]
    public async Task Without_hangup_after_transfer_the_channel_leaves_the_socket_application_and_stays_up_until_the_engine_exits()
    {
        await using var sim = new FreeSwitchSimulator(new SimulatorOptions { HangUpAfterTransfer = false });
        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript());
        await using var conn = await engine.AcceptAsync();
        await conn.SendAsync("connect\n\nmyevents\n\n");
        await conn.ExpectAsync();
        await conn.SendAsync("sendmsg\ncall-command: execute\nexecute-app-name: export\nexecute-app-arg: ivr_flow=bank\n\n");
        await conn.SendAsync("sendmsg\ncall-command: execute\nexecute-app-name: transfer\nexecute-app-arg: queue_vip XML default\n\n");
        var frames = await conn.ReadUntilEventAsync("CHANNEL_EXECUTE_COMPLETE");
        while (frames[^1].EventHeader("Application") != "socket")
        {
            frames.AddRange(await conn.ReadUntilEventAsync("CHANNEL_EXECUTE_COMPLETE"));
        }

        // As in outbound-json-events: the transfer completes, the park ends, the socket application completes.
        frames.Where(f => f.EventName is not null).Select(f => f.EventName + " " + f.EventHeader("Application")).TakeLast(4).Should().Equal(
            "CHANNEL_EXECUTE transfer", "CHANNEL_EXECUTE_COMPLETE transfer", "CHANNEL_UNPARK ", "CHANNEL_EXECUTE_COMPLETE socket");
        await conn.SendAsync("exit\n\n");
        var rest = new List<RawFrame>();
        while (await conn.ReadFrameAsync() is { } f)
        {
            rest.Add(f);
        }

        // The channel routes to queue_vip (CHANNEL_STATE CS_ROUTING, CS_EXECUTE) while the socket is still attached.
        rest.Select(f => f.EventName is null ? f.ReplyText ?? f.ContentType : f.EventName + " " + f.EventHeader("Channel-State")).Should().Equal(
            "CHANNEL_STATE CS_ROUTING", "CHANNEL_STATE CS_EXECUTE", "+OK bye", "text/disconnect-notice");
        var record = await call.Completion.WaitAsync(Wait);
        record.TransferredTo.Should().Be("queue_vip XML default");
        record.HangupCause.Should().BeNull();
        record.DialplanContinued.Should().BeFalse("the dialplan goes on at queue_vip, not after socket");
        record.ExportedVariables.Should().Contain("ivr_flow", "bank");
        sim.LiveCalls.Select(c => c.Uuid).Should().Contain(call.Uuid);
    }

    [Fact]
    public async Task Unknown_things_get_freeswitch_errors()
    {
        await using var sim = new FreeSwitchSimulator();
        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript());
        await using var conn = await engine.AcceptAsync();
        await conn.SendAsync("connect\r\n\r\n");
        await conn.ExpectAsync();
        await conn.SendAsync("event plain NOT_AN_EVENT\n\n");
        (await conn.ExpectAsync()).ReplyText.Should().Be("-ERR no keywords supplied");
        await conn.SendAsync("api no_such_api foo\n\n");
        Encoding.ASCII.GetString((await conn.ExpectAsync()).Raw).Should().Be("Content-Type: api/response\nContent-Length: 36\n\n-ERR no_such_api Command not found!\n");
        await conn.SendAsync("getvar caller_id_name\r\n\r\n");
        (await conn.ExpectAsync()).ReplyText.Should().Be("Alice Example");
        await conn.SendAsync("sendmsg\ncall-command: dance\n\n");
        (await conn.ExpectAsync()).ReplyText.Should().Be("+OK");
        await conn.SendAsync("event plain ALL\n\n");
        await conn.ExpectAsync();
        await conn.SendAsync("sendmsg\nthis line has no colon\ncall-command: execute\nexecute-app-name: no_such_app\nevent-lock: true\n\n");
        var frames = new List<RawFrame>();
        while (await conn.ReadFrameAsync() is { } f)
        {
            frames.Add(f);
        }

        frames.Should().Contain(f => f.EventName == "CHANNEL_HANGUP" && f.EventHeader("Hangup-Cause") == "DESTINATION_OUT_OF_ORDER");
        frames.Should().NotContain(f => f.EventName == "CHANNEL_EXECUTE");
        frames.Last().HeaderText.Should().Contain("Content-Disposition: disconnect");
        var record = await call.Completion.WaitAsync(Wait);
        record.ProtocolErrors.Should().Contain(e => e.Contains("without a colon", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Inbound_server_authenticates_like_freeswitch()
    {
        await using var sim = new FreeSwitchSimulator();
        var server = await sim.StartInboundServerAsync("ClueCon");

        await using (var bad = await RawEsl.ConnectAsync(server.EndPoint))
        {
            (await bad.ExpectAsync()).ContentType.Should().Be("auth/request");
            await bad.SendAsync("auth WrongPassword\n\n");
            (await bad.ExpectAsync()).ReplyText.Should().Be("-ERR invalid");
            Encoding.ASCII.GetString((await bad.ExpectAsync()).Raw).Should().Be("Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n");
            (await bad.ReadFrameAsync()).Should().BeNull();
        }

        await using var early = await RawEsl.ConnectAsync(server.EndPoint);
        await early.ExpectAsync();
        await early.SendAsync("api status\n\n");
        (await early.ExpectAsync()).ReplyText.Should().Be("-ERR command not found");

        await using var good = await RawEsl.ConnectAsync(server.EndPoint);
        await good.ExpectAsync();
        await good.SendAsync("auth ClueCon\n\n");
        (await good.ExpectAsync()).ReplyText.Should().Be("+OK accepted");
        await good.SendAsync("api version\n\n");
        (await good.ExpectAsync()).Body.Should().Be("FreeSWITCH Version 1.10.12-release~64bit ( 64bit)\n");
        await good.SendAsync("event plain BACKGROUND_JOB CHANNEL_EXECUTE\n\n");
        (await good.ExpectAsync()).ReplyText.Should().Be("+OK event listener enabled plain");
        await good.SendAsync("bgapi echo hello world\nJob-UUID: 7f4d9c2e-1111-4222-8333-444455556666\n\n");
        var reply = await good.ExpectAsync();
        reply.HeaderText.Should().Be("Content-Type: command/reply\nReply-Text: +OK Job-UUID: 7f4d9c2e-1111-4222-8333-444455556666\nJob-UUID: 7f4d9c2e-1111-4222-8333-444455556666");
        var job = await good.ExpectAsync();
        job.EventHeader("Job-Command-Arg").Should().Be("hello world");
        job.Body.Should().EndWith("Job-Command: echo\nJob-Command-Arg: hello%20world\nContent-Length: 11\n\nhello world");

        // Events of simulated calls reach inbound subscribers.
        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript());
        await using var conn = await engine.AcceptAsync();
        await conn.SendAsync("connect\n\n");
        await conn.ExpectAsync();
        await conn.SendAsync("sendmsg\ncall-command: execute\nexecute-app-name: answer\n\n");
        var exec = await good.ExpectAsync();
        exec.EventName.Should().Be("CHANNEL_EXECUTE");
        exec.EventHeader("Unique-ID").Should().Be(call.Uuid);
        await good.SendAsync($"api uuid_kill {call.Uuid}\n\n");
        (await good.ExpectAsync()).Body.Should().Be("+OK\n");
        (await call.Completion.WaitAsync(Wait)).HangupBy.Should().Be("engine");

        server.AuthCount.Should().Be(1);
        server.ConnectionCount.Should().Be(3);
        server.RejectNewConnections = true;
        await using var rejected = await RawEsl.ConnectAsync(server.EndPoint);
        Encoding.ASCII.GetString((await rejected.ExpectAsync()).Raw).Should().Be("Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n");
        (await rejected.ReadFrameAsync()).Should().BeNull();
    }

    private static List<RawFrame> Split(byte[] stream)
    {
        var frames = new List<RawFrame>();
        int pos = 0;
        while (pos < stream.Length)
        {
            int idx = stream.AsSpan(pos).IndexOf("\n\n"u8);
            string head = Encoding.UTF8.GetString(stream, pos, idx);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in head.Split('\n'))
            {
                int c = line.IndexOf(": ", StringComparison.Ordinal);
                if (c > 0)
                {
                    headers.TryAdd(line[..c], line[(c + 2)..]);
                }
            }

            int len = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture) : 0;
            int end = pos + idx + 2 + len;
            frames.Add(new RawFrame(head, headers, stream[pos..end], len > 0 ? Encoding.UTF8.GetString(stream, pos + idx + 2, len) : null));
            pos = end;
        }

        return frames;
    }
}
