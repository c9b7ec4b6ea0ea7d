using System.Buffers;
using System.Text;
using IvrEngine.EventSocket;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.EventSocket;

/// <summary>Every real FreeSWITCH transcript, replayed through the frame reader.</summary>
public class CaptureReplayTests
{
    private static readonly string[] KnownCaptures =
    [
        "callcenter-context.txt", "inbound-session.txt", "outbound-connect-edge-cases.txt", "outbound-json-events.control.txt",
        "outbound-json-events.txt", "outbound-malformed-commands.txt", "outbound-plain-session.control.txt",
        "outbound-plain-session.txt", "outbound-sync-mode.control.txt", "outbound-sync-mode.txt", "socket-closed-midcall.txt",
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
        var frames = Frames("outbound-plain-session.txt");
        var events = frames.Select(EslEvent.FromMessage).OfType<EslEvent>().ToList();

        // The connect reply: channel data in the outer header block, URL-encoded.
        var connect = frames[0];
        connect.ContentType.Should().Be(EslContentType.CommandReply);
        connect.GetHeader("Reply-Text").Should().Be("%2BOK%0A", "the raw header is encoded");
        var channel = new ChannelData(EslEvent.FromChannelData(connect));
        channel.UniqueId.Should().Be("b5dc9540-d3ab-4a2b-b84b-0803d324e5fe");
        channel.Ani.Should().Be("15551234567");
        channel.Dnis.Should().Be("5000");
        channel.CallerName.Should().Be("Alice Example");
        channel.SocketMode.Should().Be("async");
        channel.Control.Should().Be("full");
        channel.GetHeader("Reply-Text").Should().Be("+OK\n");
        channel.GetHeader("FreeSWITCH-IPv6").Should().Be("fd00::2");
        channel.GetVariable("current_application_data").Should().Be("127.0.0.1:8084 async full");
        channel.Variables["origination_caller_id_name"].Should().Be("Alice Example");
        channel.Variables["current_application"].Should().Be("socket");
        channel.Variables.Keys.Should().NotContain(k => k.StartsWith("variable_", StringComparison.Ordinal));

        // Replies are not encoded.
        frames.Where(f => f.ContentType == EslContentType.CommandReply).Skip(1).Select(f => f.GetHeader("Reply-Text"))
            .Should().Contain(["+OK Events Enabled", "+OK will linger", "Alice Example", "-ERR command not found", "+OK bye"]);

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
        job.Body.Should().StartWith("UP 0 years").And.Contain("FreeSWITCH (Version 1.10.12-release  64bit) is ready\n2 session(s) since startup\n");
        Encoding.UTF8.GetByteCount(job.Body!).Should().Be(int.Parse(job.GetHeader("Content-Length")!, System.Globalization.CultureInfo.InvariantCulture));

        var hangup = events.Single(e => e.EventName == "CHANNEL_HANGUP");
        hangup.GetHeader("Hangup-Cause").Should().Be("NORMAL_CLEARING");

        var notices = frames.Where(f => f.ContentType == EslContentType.DisconnectNotice).Select(EslDisconnectNotice.From).ToList();
        notices.Should().HaveCount(2);
        notices[0].IsLinger.Should().BeTrue();
        notices[0].LingerSeconds.Should().Be(-1);
        notices[0].ControlledSessionUuid.Should().Be(channel.UniqueId);
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

    private static List<EslMessage> Frames(string file)
    {
        var stream = CaptureFiles.Load(file).Stream(CaptureFiles.FsToApp);
        var reader = new EslFrameReader(EslLimits.Default, poolEvents: false);
        var buffer = new ReadOnlySequence<byte>(stream);
        return Wire.ReadAll(reader, ref buffer);
    }
}
