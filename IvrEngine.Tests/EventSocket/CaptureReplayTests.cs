using System.Buffers;
using System.Text;
using IvrEngine.EventSocket;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.EventSocket;

/// <summary>Every real FreeSWITCH transcript (IvrEngine.Tests/Transcripts), replayed through the frame reader.</summary>
public class CaptureReplayTests
{
    private static readonly string[] KnownCaptures =
    [
        "callcenter-agent-no-answer.txt", "callcenter-context.txt", "callcenter-overflow-to-general.txt", "callcenter-overflow.txt", "inbound-session.txt", "outbound-connect-edge-cases.txt", "outbound-json-events.txt",
        "outbound-malformed-commands.txt", "outbound-plain-session.txt", "outbound-sync-mode.txt", "socket-closed-midcall.txt",
    ];

    [Fact]
    public void Every_capture_file_is_replayed_here()
    {
        CaptureFiles.Names().Should().BeEquivalentTo(KnownCaptures, "a new transcript should be added to the replay tests");
    }

    [Fact]
    public void The_capture_parser_reads_the_format_strictly()
    {
        var text = "# header\n### 1 t=+0.1 NOTE (annotation): hello\n### 2 t=+0.2 FS->APP 3 bytes\na\n\n\n### 3 t=+0.3 APP->FS 0 bytes\n\n";
        var capture = CaptureFiles.Parse("x", Encoding.UTF8.GetBytes(text));
        capture.Header.Should().Equal("# header");
        capture.Records.Select(r => r.Direction).Should().Equal("NOTE", "FS->APP", "APP->FS");
        capture.Records[0].Note.Should().Be("(annotation): hello");
        capture.Record(2).Should().Equal(Encoding.UTF8.GetBytes("a\n\n"));
        capture.Record(3).Should().BeEmpty();

        var missingSeparator = () => CaptureFiles.Parse("x", Encoding.UTF8.GetBytes("### 1 t=+0.1 FS->APP 3 bytes\nabcd\n"));
        missingSeparator.Should().Throw<FormatException>();
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Each_record_from_FreeSWITCH_is_exactly_one_frame_and_the_stream_parses_to_the_same_frames(string file)
    {
        var capture = CaptureFiles.Load(file);
        foreach (var direction in new[] { CaptureFiles.FsToApp, CaptureFiles.FsToCtl })
        {
            var records = capture.From(direction).ToList();
            foreach (var record in records)
            {
                var alone = Wire.ReadAll(record.Data);
                alone.Should().ContainSingle($"{file} record {record.Sequence} is one message (FreeSWITCH splits only at boundaries)");
                Wire.Bytes(alone[0]).Should().Equal(record.Data);
            }

            var frames = Wire.ReadAll(capture.Stream(direction));
            frames.Should().HaveCount(records.Count, $"{file} {direction}");
            for (var i = 0; i < frames.Count; i++) Wire.Bytes(frames[i]).Should().Equal(records[i].Data);

            // The same stream delivered in TCP-like pieces of random size.
            var stream = capture.Stream(direction);
            var random = new Random(stream.Length);
            var cuts = new List<int>();
            for (var at = random.Next(1, 1500); at < stream.Length; at += random.Next(1, 1500)) cuts.Add(at);
            var pieces = Chunk.Split(stream, [.. cuts]);
            var reader = new EslFrameReader(EslLimits.Default, poolEvents: false);
            var again = Wire.ReadAll(reader, ref pieces);
            pieces.Length.Should().Be(0);
            again.Should().HaveCount(frames.Count);
            for (var i = 0; i < frames.Count; i++) Wire.Bytes(again[i]).Should().Equal(records[i].Data);

            foreach (var frame in frames)
            {
                frame.ContentType.Should().NotBe(EslContentType.Unknown).And.NotBe(EslContentType.None);
                if (EslEvent.FromMessage(frame) is { } ev)
                {
                    ev.EventName.Should().NotBeNullOrEmpty($"{file}: every event has an Event-Name");
                    ev.GetHeader("Event-Name").Should().Be(ev.EventName);
                    ev.GetAllHeaders().Should().NotBeEmpty();
                }
            }
        }
    }

    public static TheoryData<string> Captures() => new(KnownCaptures);

    [Fact]
    public void Outbound_plain_session_decodes_to_the_known_values()
    {
        var capture = CaptureFiles.Load("outbound-plain-session.txt");
        var frames = Frames("outbound-plain-session.txt");
        var events = frames.Select(EslEvent.FromMessage).OfType<EslEvent>().ToList();
        // The channel, as the application named it in its uuid_setvar (not read from FreeSWITCH's bytes).
        var uuid = capture.Command("api uuid_setvar ").Text.Split(' ')[2];

        // The connect reply: channel data in the outer header block, URL-encoded.
        var connect = frames[0];
        connect.ContentType.Should().Be(EslContentType.CommandReply);
        connect.GetHeader("Reply-Text").Should().Be("%2BOK%0A", "the raw header is encoded");
        var channel = new ChannelData(EslEvent.FromChannelData(connect));
        channel.UniqueId.Should().Be(uuid);
        channel.Ani.Should().Be("15551234567");
        channel.Dnis.Should().Be("5000");
        channel.CallerName.Should().Be("Alice Example");
        channel.SocketMode.Should().Be("async");
        channel.Control.Should().Be("full");
        channel.GetHeader("Reply-Text").Should().Be("+OK\n");
        var ipv6 = connect.GetHeader("FreeSWITCH-IPv6")!;
        ipv6.Should().Contain("%3A", "an IPv6 address has colons, encoded on the wire");
        channel.GetHeader("FreeSWITCH-IPv6").Should().Be(Uri.UnescapeDataString(ipv6)).And.Contain(":");
        channel.GetVariable("current_application_data").Should().MatchRegex(@"^127\.0\.0\.1:[0-9]+ async full$",
            "the shipped dialplan's socket <engine host> async full, decoded (%3A, %20)");
        channel.Variables["origination_caller_id_name"].Should().Be("Alice Example");
        channel.GetVariable("ivr_dnis").Should().Be("5000", "the shipped dialplan exports ivr_dnis before the socket");
        channel.Variables["current_application"].Should().Be("socket");
        channel.Variables.Keys.Should().NotContain(k => k.StartsWith("variable_", StringComparison.Ordinal));

        // Replies are not encoded.
        frames.Where(f => f.ContentType == EslContentType.CommandReply).Skip(1).Select(f => f.GetHeader("Reply-Text"))
            .Should().Contain(["+OK Events Enabled", "+OK will linger", "Alice Example", "-ERR command not found", "+OK bye"]);
        capture.ReplyTo(capture.Command("getvar no_such_var\n\n")).ReplyText.Should().Be("-ERR command not found", "getvar of an unset variable");

        // DTMF: one event per digit, '#' URL-encoded on the wire.
        string.Concat(events.Where(e => e.EventName == "DTMF").Select(e => e.GetHeader("DTMF-Digit"))).Should().Be("1234#");
        events.Should().OnlyContain(e => e.UniqueId == null || e.UniqueId == channel.UniqueId);

        var digits = events.Single(e => e.EventName == "CHANNEL_EXECUTE_COMPLETE" && e.GetHeader("Application") == "play_and_get_digits");
        digits.GetVariable("read_result").Should().Be("success");
        digits.GetVariable("collected_acct").Should().Be("1234");
        digits.GetHeader("Application-Response").Should().Be("_none_");
        digits.GetHeader("Caller-Caller-ID-Name").Should().Be("Alice Example");
        digits.GetHeader("Application-Data").Should().Be(
            @"4 10 3 5000 # tone_stream://%(200,0,500) tone_stream://%(200,0,300) collected_acct \d+");

        // The Event-UUID sent on a sendmsg comes back as Application-UUID.
        capture.Command("sendmsg\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: ivr_intent=billing\n").Text
            .Should().Contain("\nEvent-UUID: a1b2c3d4-0000-4000-8000-00000000cafe\n");
        events.Where(e => e.GetHeader("Application-UUID") == "a1b2c3d4-0000-4000-8000-00000000cafe")
            .Select(e => e.EventName).Should().Equal("CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE");

        // The argument that travelled as a body.
        events.Single(e => e.EventName == "CHANNEL_EXECUTE_COMPLETE" && e.GetHeader("Application-Data")?.StartsWith("long_arg_demo", StringComparison.Ordinal) == true)
            .GetHeader("Application-Data").Should().Be("long_arg_demo=this value has spaces & symbols: 100%");

        // bgapi: the reply names the job; the BACKGROUND_JOB carries the output as its own body.
        var bgReply = frames.Single(f => f.GetHeader("Reply-Text")?.StartsWith("+OK Job-UUID", StringComparison.Ordinal) == true);
        var job = events.Single(e => e.EventName == "BACKGROUND_JOB");
        job.GetHeader("Job-UUID").Should().Be(bgReply.GetHeader("Job-UUID"));
        job.GetHeader("Job-Command").Should().Be("status");
        job.UniqueId.Should().BeNull();
        job.Body.Should().StartWith("UP 0 years").And.Contain("FreeSWITCH (Version 1.10.12-release  64bit) is ready\n")
            .And.MatchRegex("\n[0-9]+ session\\(s\\) since startup\n");
        Encoding.UTF8.GetByteCount(job.Body!).Should().Be(int.Parse(job.GetHeader("Content-Length")!, System.Globalization.CultureInfo.InvariantCulture));

        var hangup = events.Single(e => e.EventName == "CHANNEL_HANGUP");
        hangup.GetHeader("Hangup-Cause").Should().Be("NORMAL_CLEARING");

        var notices = frames.Where(f => f.ContentType == EslContentType.DisconnectNotice).Select(EslDisconnectNotice.From).ToList();
        notices.Should().HaveCount(2);
        notices[0].IsLinger.Should().BeTrue();
        notices[0].LingerSeconds.Should().Be(-1);
        notices[0].ControlledSessionUuid.Should().Be(uuid);
        notices[1].Disposition.Should().Be("disconnect");
        frames[^1].BodyText.Should().StartWith("Disconnected, goodbye.");
    }

    [Fact]
    public void Outbound_json_events_decode_to_the_known_values()
    {
        var frames = Frames("outbound-json-events.txt");
        var events = frames.Select(EslEvent.FromMessage).OfType<EslEvent>().ToList();
        events.Should().OnlyContain(e => e.Format == EslEventFormat.Json);
        frames.Where(f => f.ContentType == EslContentType.EventJson).Select(f => f.BodyText).Should()
            .OnlyContain(body => body.EndsWith('}'), "JSON events end without a newline");

        string.Concat(events.Where(e => e.EventName == "DTMF").Select(e => e.GetHeader("DTMF-Digit"))).Should().Be("98765#");
        var digits = events.Single(e => e.EventName == "CHANNEL_EXECUTE_COMPLETE" && e.GetHeader("Application") == "play_and_get_digits");
        digits.GetVariable("read_result").Should().Be("success");
        digits.GetVariable("collected_acct").Should().Be("98765");
        digits.GetHeader("Caller-Caller-ID-Name").Should().Be("Bob Json", "JSON values are not URL-encoded");

        var jobs = events.Where(e => e.EventName == "BACKGROUND_JOB").ToList();
        jobs.Should().HaveCount(2);
        jobs[0].GetHeader("Job-Command").Should().Be("originate");
        jobs[0].Body.Should().MatchRegex("^\\+OK [0-9a-f-]{36}\n$");
        jobs[1].Body.Should().Be("98765");
        jobs[1].GetAllHeaders().Select(h => h.Key).Should().NotContain("_body");

        events.Single(e => e.EventName == "CHANNEL_HANGUP").GetHeader("Hangup-Cause").Should().NotBeNullOrEmpty();
    }

    [Fact]
    public void Inbound_session_shows_greeting_auth_and_chosen_job_uuid()
    {
        var frames = Frames("inbound-session.txt");
        frames.Count(f => f.ContentType == EslContentType.AuthRequest).Should().Be(3, "three TCP connections");
        frames[0].HeaderBlock.ToArray().Should().Equal(Encoding.ASCII.GetBytes("Content-Type: auth/request\n\n"));
        frames.Select(f => f.GetHeader("Reply-Text")).Should().Contain(["-ERR invalid", "+OK accepted"]);

        var jobs = frames.Select(EslEvent.FromMessage).OfType<EslEvent>().Where(e => e.EventName == "BACKGROUND_JOB").ToList();
        jobs.Select(j => j.GetHeader("Job-UUID")).Should().Contain("7f4d9c2e-1111-4222-8333-444455556666");
        jobs.Should().OnlyContain(j => !string.IsNullOrEmpty(j.Body));

        var api = frames.First(f => f.ContentType == EslContentType.ApiResponse);
        api.BodyText.Should().StartWith("UP ");
    }

    [Fact]
    public void Callcenter_capture_carries_exported_variables_to_the_agent_side()
    {
        var capture = CaptureFiles.Load("callcenter-context.txt");
        var events = Wire.ReadAll(capture.Stream(CaptureFiles.FsToCtl)).Concat(Wire.ReadAll(capture.Stream(CaptureFiles.FsToApp)))
            .Select(EslEvent.FromMessage).OfType<EslEvent>().ToList();
        var cc = events.Where(e => e.EventName == "CUSTOM" && e.EventSubclass == "callcenter::info").ToList();
        cc.Should().NotBeEmpty();
        cc.Should().OnlyContain(e => !string.IsNullOrEmpty(e.GetHeader("CC-Action")));
    }

    [Fact]
    public void Without_async_the_reply_to_an_execute_comes_when_the_application_finished()
    {
        var sync = CaptureFiles.Load("outbound-sync-mode.txt");
        sync.ReplyTo(sync.Command("connect\n\n")).Header("Socket-Mode").Should().Be("static");
        var playback = sync.Command("sendmsg\ncall-command: execute\nexecute-app-name: playback\n");
        var reply = sync.ReplyTo(playback);
        reply.ReplyText.Should().Be("+OK");
        (reply.Seconds - playback.Seconds).Should().BeGreaterThan(1.4, "the 1.5 s tone played before the reply");
        sync.Event("CHANNEL_EXECUTE", "playback").Sequence.Should().BeGreaterThan(reply.Sequence);

        // In async mode the same command is answered at once, before its CHANNEL_EXECUTE.
        var plain = CaptureFiles.Load("outbound-plain-session.txt");
        plain.ReplyTo(plain.Command("connect\n\n")).Header("Socket-Mode").Should().Be("async");
        var asyncPlayback = plain.Command("sendmsg\ncall-command: execute\nexecute-app-name: playback\n");
        var asyncReply = plain.ReplyTo(asyncPlayback);
        (asyncReply.Seconds - asyncPlayback.Seconds).Should().BeLessThan(0.5);
        plain.Event("CHANNEL_EXECUTE", "playback").Sequence.Should().BeGreaterThan(asyncReply.Sequence);
    }

    [Fact]
    public void A_socket_closed_before_connect_or_left_silent_leaves_the_channel_in_the_socket_application()
    {
        var capture = CaptureFiles.Load("outbound-connect-edge-cases.txt");
        capture.From(CaptureFiles.AppToFs).Should().BeEmpty("the application never wrote anything");

        // After each case the control connection asked where the channel was: still in the socket application.
        var asked = capture.From(CaptureFiles.CtlToFs).Where(r => r.Text.EndsWith(" current_application\n\n", StringComparison.Ordinal)).ToList();
        asked.Should().HaveCount(2);
        asked.Select(r => capture.ReplyTo(r).Body).Should().Equal("socket", "socket");
        capture.Events("CHANNEL_EXECUTE", CaptureFiles.FsToCtl).Where(r => r.Header("Application") == "socket")
            .Should().HaveCount(2).And.OnlyContain(r => r.Header("Application-Data")!.EndsWith(" async full", StringComparison.Ordinal),
                "the failover socket of the dialplan was never reached");

        // The silent socket: a disconnect notice, then the close, about 25 s after FreeSWITCH connected.
        var notice = capture.From(CaptureFiles.FsToApp).Single();
        notice.IsDisconnectNotice.Should().BeTrue();
        notice.Header("Content-Disposition").Should().Be("disconnect");
        var accepted = capture.Records.Last(r => r.IsNote && r.Note!.Contains("accepted the outbound-socket", StringComparison.Ordinal) && r.Sequence < notice.Sequence);
        (notice.Seconds - accepted.Seconds).Should().BeInRange(20, 30);
    }

    [Fact]
    public void Closing_the_socket_does_not_hang_up_and_the_shipped_dialplan_goes_on_to_the_queue()
    {
        var capture = CaptureFiles.Load("socket-closed-midcall.txt");
        var channels = capture.From(CaptureFiles.FsToApp).Where(r => r.Text.StartsWith("Event-Name: CHANNEL_DATA\n", StringComparison.Ordinal))
            .Select(r => r.Header("Unique-ID")!).ToList();
        channels.Should().HaveCount(3, "cases A, B and C");
        var watched = capture.From(CaptureFiles.FsToCtl).Where(r => r.IsEvent).ToList();
        foreach (var uuid in channels)
        {
            var own = watched.Where(r => r.Header("Unique-ID") == uuid).ToList();
            own.Where(r => r.EventName == "CHANNEL_EXECUTE").Select(r => r.Header("Application")).Should()
                .ContainInOrder("socket", "socket", "transfer", "callcenter");
            own.Single(r => r.EventName == "CHANNEL_EXECUTE" && r.Header("Application") == "callcenter").Header("Application-Data").Should().Be("general@default");
            var hangup = own.Single(r => r.EventName == "CHANNEL_HANGUP");
            var kill = capture.Command($"api uuid_kill {uuid}", CaptureFiles.CtlToFs);
            hangup.Sequence.Should().BeGreaterThan(kill.Sequence, "only the control connection hung the call up");
        }

        // A: the playback played to its end; B (after resume): it was cut when the socket closed.
        capture.Events("CHANNEL_EXECUTE_COMPLETE", CaptureFiles.FsToCtl).Where(r => r.Header("Application") == "playback")
            .Select(r => r.Header("Application-Response")).Should().Equal("FILE PLAYED", "PLAYBACK ERROR");
    }

    [Fact]
    public void Callcenter_passes_only_the_variables_named_in_cc_export_vars_to_the_agent_leg()
    {
        var capture = CaptureFiles.Load("callcenter-context.txt");
        var agentLeg = capture.First(CaptureFiles.FsToCtl, r => r.Header("CC-Action") == "bridge-agent-start", "bridge-agent-start").Header("CC-Agent-UUID");
        var dump = capture.ReplyTo(capture.Command($"api uuid_dump {agentLeg}\n\n", CaptureFiles.CtlToFs)).Body;
        var variables = dump.Split('\n').Where(l => l.StartsWith("variable_", StringComparison.Ordinal))
            .Select(l => l.Split(": ", 2)).ToDictionary(p => p[0]["variable_".Length..], p => Uri.UnescapeDataString(p[1]), StringComparer.Ordinal);

        variables.Should().Contain("cc_side", "agent").And.Contain("cc_queue", "general@default").And.Contain("cc_agent", "1003@default");
        variables["cc_member_session_uuid"].Should().Be(capture.Command("api uuid_recv_dtmf ", CaptureFiles.CtlToFs).Text.Split(' ')[2]);
        variables.Should().Contain("ivr_flow", "bank").And.Contain("ivr_account", "1234").And.Contain("ivr_client_id", "CUST-778")
            .And.Contain("ivr_dnis", "5000").And.Contain("crm_customer_id", "CUST-778", "listed through ${ivr_export_extra}");
        variables["cc_export_vars"].Split(',').Should().Contain(["ivr_flow", "ivr_account", "crm_customer_id"]);
        variables.Should().NotContainKey("crm_via_export", "exported but not listed").And.NotContainKey("ivr_private_note", "set but not listed")
            .And.NotContainKey("collected_acct");
    }

    private static List<EslMessage> Frames(string file)
    {
        var stream = CaptureFiles.Load(file).Stream(CaptureFiles.FsToApp);
        var reader = new EslFrameReader(EslLimits.Default, poolEvents: false);
        var buffer = new ReadOnlySequence<byte>(stream);
        return Wire.ReadAll(reader, ref buffer);
    }
}
