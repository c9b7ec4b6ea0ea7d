using System.Buffers;
using System.Text;
using IvrEngine.EventSocket;

namespace IvrEngine.Tests.EventSocket;

public class EslFrameReaderTests
{
    private const string PlainDtmf =
        "Content-Length: 171\nContent-Type: text/event-plain\n\n" +
        "Event-Name: DTMF\nUnique-ID: 6a0b2c3d-1111-4222-8333-444455556666\nDTMF-Digit: %23\nDTMF-Duration: 2000\n" +
        "Caller-Caller-ID-Name: Alice%20Example\nvariable_read_result: success\n\n";

    private const string PlainJob =
        "Content-Type: text/event-plain\nContent-Length: 122\n\n" +
        "Event-Name: BACKGROUND_JOB\nJob-UUID: 7f4d9c2e-1111-4222-8333-444455556666\nJob-Command: status\nContent-Length: 9\n\n" +
        "+OK 3f2a\n";

    private const string JsonJob =
        "Content-Length: 163\nContent-Type: text/event-json\n\n" +
        "{\"Event-Name\":\"BACKGROUND_JOB\",\"Job-UUID\":\"7f4d9c2e-1111-4222-8333-444455556666\"," +
        "\"Caller-Caller-ID-Name\":\"Alice Example\",\"Content-Length\":\"9\",\"_body\":\"+OK 3f2a\\n\"}";

    private const string XmlAnswer =
        "Content-Type: text/event-xml\nContent-Length: 237\n\n" +
        "<event>\n  <headers>\n    <Event-Name>CHANNEL_ANSWER</Event-Name>\n" +
        "    <Unique-ID>6a0b2c3d-1111-4222-8333-444455556666</Unique-ID>\n" +
        "    <Caller-Caller-ID-Name>Alice%20Example</Caller-Caller-ID-Name>\n  </headers>\n  <body>hello</body>\n</event>";

    [Theory]
    [InlineData("Content-Type: command/reply\nReply-Text: +OK accepted\n\n", EslContentType.CommandReply, "Reply-Text", "+OK accepted", "")]
    [InlineData("Reply-Text: -ERR invalid\nContent-Type: command/reply\n\n", EslContentType.CommandReply, "Reply-Text", "-ERR invalid", "")]
    [InlineData("Content-Type: command/reply\nReply-Text: +OK Job-UUID: 7f4d9c2e-1111-4222-8333-444455556666\nJob-UUID: 7f4d9c2e-1111-4222-8333-444455556666\n\n",
        EslContentType.CommandReply, "Job-UUID", "7f4d9c2e-1111-4222-8333-444455556666", "")]
    [InlineData("Content-Type: api/response\nContent-Length: 4\n\n+OK\n", EslContentType.ApiResponse, "Content-Length", "4", "+OK\n")]
    [InlineData("Content-Length: 23\nContent-Type: api/response\n\n-ERR no reply\nline two\n", EslContentType.ApiResponse, "Content-Type", "api/response", "-ERR no reply\nline two\n")]
    [InlineData(PlainDtmf, EslContentType.EventPlain, "Content-Length", "171", null)]
    [InlineData(PlainJob, EslContentType.EventPlain, "Content-Type", "text/event-plain", null)]
    [InlineData(JsonJob, EslContentType.EventJson, "Content-Length", "163", null)]
    [InlineData(XmlAnswer, EslContentType.EventXml, "Content-Length", "237", null)]
    [InlineData("Content-Type: text/disconnect-notice\nControlled-Session-UUID: b5dc9540-d3ab-4a2b-b84b-0803d324e5fe\nContent-Disposition: linger\nChannel-Name: loopback/5000-b\nLinger-Time: -1\nContent-Length: 0\n\n",
        EslContentType.DisconnectNotice, "Content-Disposition", "linger", "")]
    [InlineData("Content-Type: text/disconnect-notice\nControlled-Session-UUID: b5dc9540-d3ab-4a2b-b84b-0803d324e5fe\nContent-Disposition: disconnect\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n",
        EslContentType.DisconnectNotice, "Content-Disposition", "disconnect", "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n")]
    [InlineData("Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n", EslContentType.RudeRejection, "Content-Length", "24", "Access Denied, go away.\n")]
    [InlineData("Content-Type: log/data\nContent-Length: 57\nLog-Level: 7\nText-Channel: 3\nLog-File: switch_core.c\nLog-Func: f\nLog-Line: 1\nUser-Data: b5dc9540\n\n2026-11-23 07:16:51.051841 [DEBUG] switch_core.c:1 hello\n",
        EslContentType.LogData, "Log-Level", "7", "2026-11-23 07:16:51.051841 [DEBUG] switch_core.c:1 hello\n")]
    [InlineData("Content-Type: auth/request\n\n", EslContentType.AuthRequest, "Content-Type", "auth/request", "")]
    [InlineData("Content-Type: text/from-the-future\nX-New: 1\n\n", EslContentType.Unknown, "X-New", "1", "")]
    [InlineData("X-No-Type: 1\n\n", EslContentType.None, "X-No-Type", "1", "")]
    public void Parses_every_content_type_with_LF_and_CRLF_headers(string wire, EslContentType type, string header, string value, string? body)
    {
        foreach (var (variant, bytes) in new[] { ("LF", Wire.Utf8(wire)), ("CRLF", Wire.WithCrlfHeaders(wire)) })
        {
            var buffer = new ReadOnlySequence<byte>(bytes);
            var reader = new EslFrameReader(EslLimits.Default);
            reader.TryRead(ref buffer, out var message).Should().BeTrue(variant);
            buffer.Length.Should().Be(0, variant);
            message!.ContentType.Should().Be(type, variant);
            message.Length.Should().Be(bytes.Length, variant);
            message.GetHeader(header).Should().Be(value, variant);
            Wire.Bytes(message).Should().Equal(bytes, variant);
            var expectedBody = body ?? wire[(wire.IndexOf("\n\n", StringComparison.Ordinal) + 2)..];
            message.BodyText.Should().Be(expectedBody, variant);
            message.GetHeader("No-Such-Header").Should().BeNull(variant);
        }
    }

    [Fact]
    public void Header_names_match_ignoring_case_and_exact_case_wins()
    {
        var message = ReadOne("content-type: command/reply\nreply-text: +OK lower\nReply-Text: +OK exact\n\n");
        message.ContentType.Should().Be(EslContentType.CommandReply);
        message.GetHeader("Reply-Text").Should().Be("+OK exact");
        message.GetHeader("REPLY-TEXT").Should().Be("+OK lower");
    }

    [Fact]
    public void Plain_event_values_are_url_decoded_only_in_the_event()
    {
        var message = ReadOne(PlainDtmf);
        var ev = EslEvent.FromMessage(message)!;
        ev.Format.Should().Be(EslEventFormat.Plain);
        ev.EventName.Should().Be("DTMF");
        ev.UniqueId.Should().Be("6a0b2c3d-1111-4222-8333-444455556666");
        ev.GetHeader("DTMF-Digit").Should().Be("#");
        ev["Caller-Caller-ID-Name"].Should().Be("Alice Example");
        ev.GetVariable("read_result").Should().Be("success");
        ev.GetHeader("Content-Type").Should().BeNull("the outer header block is not part of the event");
        ev.HeaderEquals("DTMF-Digit"u8, "#"u8).Should().BeTrue();
        ev.HeaderEquals("DTMF-Digit"u8, "%23"u8).Should().BeFalse();
        ev.HeaderEquals("Event-Name"u8, "DTMF"u8).Should().BeTrue();
        ev.HeaderEquals("Missing"u8, ""u8).Should().BeFalse();
        ev.Body.Should().BeNull();
        ev.GetAllHeaders().Select(h => $"{h.Key}={h.Value}").Should().Equal(
            "Event-Name=DTMF", "Unique-ID=6a0b2c3d-1111-4222-8333-444455556666", "DTMF-Digit=#", "DTMF-Duration=2000",
            "Caller-Caller-ID-Name=Alice Example", "variable_read_result=success");
    }

    [Fact]
    public void Url_decoding_follows_switch_url_decode()
    {
        var inner = "Event-Name: CUSTOM\nPlus: a+b\nBroken: 100%\nHalf: %4\nNotHex: %zz\nUtf8: %D0%9F%D1%80%D0%B8\nLower: %3a%2f\n\n";
        var message = ReadOne($"Content-Type: text/event-plain\nContent-Length: {Encoding.UTF8.GetByteCount(inner)}\n\n{inner}");
        var ev = EslEvent.FromMessage(message)!;
        ev.GetHeader("Plus").Should().Be("a+b", "'+' is literal in switch_url_decode");
        ev.GetHeader("Broken").Should().Be("100%");
        ev.GetHeader("Half").Should().Be("%4");
        ev.GetHeader("NotHex").Should().Be("%zz");
        ev.GetHeader("Utf8").Should().Be("При");
        ev.GetHeader("Lower").Should().Be(":/");
    }

    [Fact]
    public void Background_job_plain_event_keeps_its_inner_body()
    {
        var ev = EslEvent.FromMessage(ReadOne(PlainJob))!;
        ev.EventName.Should().Be("BACKGROUND_JOB");
        ev.GetHeader("Job-UUID").Should().Be("7f4d9c2e-1111-4222-8333-444455556666");
        ev.GetHeader("Content-Length").Should().Be("9", "the inner block has its own Content-Length");
        ev.Body.Should().Be("+OK 3f2a\n");
        ev.GetAllHeaders().Select(h => h.Key).Should().NotContain(k => k.StartsWith('+'));
    }

    [Fact]
    public void Json_event_without_trailing_newline_is_followed_directly_by_the_next_frame()
    {
        var stream = Wire.Utf8(JsonJob + "Content-Type: command/reply\nReply-Text: +OK\n\n");
        var frames = Wire.ReadAll(stream);
        frames.Select(f => f.ContentType).Should().Equal(EslContentType.EventJson, EslContentType.CommandReply);
        frames[0].BodyText.Should().EndWith("}");

        var ev = EslEvent.FromMessage(frames[0])!;
        ev.Format.Should().Be(EslEventFormat.Json);
        ev.EventName.Should().Be("BACKGROUND_JOB");
        ev.GetHeader("Caller-Caller-ID-Name").Should().Be("Alice Example");
        ev.HeaderEquals("Job-UUID"u8, "7f4d9c2e-1111-4222-8333-444455556666"u8).Should().BeTrue();
        ev.Body.Should().Be("+OK 3f2a\n");
        ev.GetAllHeaders().Select(h => h.Key).Should().Equal("Event-Name", "Job-UUID", "Caller-Caller-ID-Name", "Content-Length");
        frames[1].GetHeader("Reply-Text").Should().Be("+OK");
    }

    [Fact]
    public void Xml_event_headers_and_body_are_read()
    {
        var ev = EslEvent.FromMessage(ReadOne(XmlAnswer))!;
        ev.Format.Should().Be(EslEventFormat.Xml);
        ev.EventName.Should().Be("CHANNEL_ANSWER");
        ev.UniqueId.Should().Be("6a0b2c3d-1111-4222-8333-444455556666");
        ev.GetHeader("Caller-Caller-ID-Name").Should().Be("Alice Example");
        ev.Body.Should().Be("hello");
    }

    [Fact]
    public void Non_events_are_not_wrapped_as_events()
    {
        EslEvent.FromMessage(ReadOne("Content-Type: command/reply\nReply-Text: +OK\n\n")).Should().BeNull();
        EslEvent.FromMessage(ReadOne("Content-Type: api/response\nContent-Length: 4\n\n+OK\n")).Should().BeNull();
    }

    [Fact]
    public void Disconnect_notices_of_both_kinds_are_read()
    {
        var linger = EslDisconnectNotice.From(ReadOne(
            "Content-Type: text/disconnect-notice\nControlled-Session-UUID: b5dc9540-d3ab-4a2b-b84b-0803d324e5fe\n" +
            "Content-Disposition: linger\nChannel-Name: loopback/5000-b\nLinger-Time: -1\nContent-Length: 0\n\n"));
        linger.IsLinger.Should().BeTrue();
        linger.LingerSeconds.Should().Be(-1);
        linger.ControlledSessionUuid.Should().Be("b5dc9540-d3ab-4a2b-b84b-0803d324e5fe");

        var disconnect = EslDisconnectNotice.From(ReadOne(
            "Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"));
        disconnect.IsLinger.Should().BeFalse();
        disconnect.Disposition.Should().BeNull("the inbound notice has no Content-Disposition");
        disconnect.LingerSeconds.Should().BeNull();
    }

    [Fact]
    public void Stray_line_breaks_between_frames_are_skipped()
    {
        var frames = Wire.ReadAll(Wire.Utf8("\n\r\nContent-Type: auth/request\n\n\nContent-Type: command/reply\nReply-Text: +OK\n\n"));
        frames.Select(f => f.ContentType).Should().Equal(EslContentType.AuthRequest, EslContentType.CommandReply);
    }

    [Theory]
    [InlineData("Content-Type: command/reply\nReply-Text +OK\n\n")]
    [InlineData(": no name\n\n")]
    [InlineData("garbage without any colon\n\n")]
    [InlineData("Content-Type: api/response\nContent-Length: abc\n\n")]
    [InlineData("Content-Type: api/response\nContent-Length: -5\n\n")]
    [InlineData("Content-Type: api/response\nContent-Length: \n\n")]
    [InlineData("Content-Type: api/response\nContent-Length: 4 4\n\n")]
    [InlineData("Content-Type: api/response\nContent-Length: 8388609\n\n")]
    [InlineData("Content-Type: api/response\nContent-Length: 99999999999999999999\n\n")]
    public void Malformed_frames_throw(string wire)
    {
        foreach (var bytes in new[] { Wire.Utf8(wire), Wire.WithCrlfHeaders(wire) })
        {
            var reader = new EslFrameReader(EslLimits.Default);
            var buffer = new ReadOnlySequence<byte>(bytes);
            var act = () => reader.TryRead(ref buffer, out _);
            act.Should().Throw<EslProtocolException>();
        }
    }

    [Fact]
    public void Content_length_cap_is_inclusive()
    {
        var limits = new EslLimits { MaxContentLength = 100 };
        var atCap = new ReadOnlySequence<byte>(Wire.Utf8("Content-Type: api/response\nContent-Length: 100\n\n" + new string('x', 100)));
        new EslFrameReader(limits).TryRead(ref atCap, out var message).Should().BeTrue();
        message!.Body.Length.Should().Be(100);

        var overCap = new ReadOnlySequence<byte>(Wire.Utf8("Content-Type: api/response\nContent-Length: 101\n\n"));
        var act = () => new EslFrameReader(limits).TryRead(ref overCap, out _);
        act.Should().Throw<EslProtocolException>().WithMessage("*Content-Length*");
    }

    [Fact]
    public void Header_block_cap_applies_before_the_blank_line_arrives()
    {
        var limits = new EslLimits { MaxHeaderBytes = 64 };
        var atCap = new ReadOnlySequence<byte>(Wire.Utf8("X-Long: " + new string('a', 56)));
        atCap.Length.Should().Be(64);
        new EslFrameReader(limits).TryRead(ref atCap, out _).Should().BeFalse("64 bytes without a blank line may still become a frame");

        var overCap = new ReadOnlySequence<byte>(Wire.Utf8("X-Long: " + new string('a', 57)));
        var act = () => new EslFrameReader(limits).TryRead(ref overCap, out _);
        act.Should().Throw<EslProtocolException>().WithMessage("*Header block*");

        var split = Chunk.Split(Wire.Utf8("X-Long: " + new string('a', 80)), 10, 40);
        var actSplit = () => new EslFrameReader(limits).TryRead(ref split, out _);
        actSplit.Should().Throw<EslProtocolException>("the cap holds when the header spans segments");

        var complete = new ReadOnlySequence<byte>(Wire.Utf8("X-Long: " + new string('a', 62) + "\n\n"));
        var actComplete = () => new EslFrameReader(limits).TryRead(ref complete, out _);
        actComplete.Should().Throw<EslProtocolException>("a complete header block over the cap is refused too");
    }

    [Fact]
    public void A_pooled_event_is_unreadable_after_release_but_a_detached_copy_lives_on()
    {
        var reader = new EslFrameReader(EslLimits.Default, poolEvents: true);
        var buffer = new ReadOnlySequence<byte>(Wire.Utf8(PlainDtmf));
        reader.TryRead(ref buffer, out var message).Should().BeTrue();
        var leased = EslEvent.FromMessage(message!)!;
        var owned = leased.Detach();
        owned.Should().NotBeSameAs(leased);

        message!.Release();
        message.IsReadable.Should().BeFalse();
        var read = () => message.BodyText;
        read.Should().Throw<ObjectDisposedException>();
        leased.ToString().Should().Be("event (released)");

        owned.Message.IsReadable.Should().BeTrue();
        owned.GetHeader("DTMF-Digit").Should().Be("#");
        owned.Detach().Should().BeSameAs(owned);
    }

    [Fact]
    public void Replies_are_never_pooled()
    {
        var reader = new EslFrameReader(EslLimits.Default, poolEvents: true);
        var buffer = new ReadOnlySequence<byte>(Wire.Utf8("Content-Type: api/response\nContent-Length: 4\n\n+OK\n"));
        reader.TryRead(ref buffer, out var message).Should().BeTrue();
        message!.Detach().Should().BeSameAs(message);
        message.Release();
        message.BodyText.Should().Be("+OK\n");
    }

    private static EslMessage ReadOne(string wire)
    {
        var bytes = Wire.Utf8(wire);
        var buffer = new ReadOnlySequence<byte>(bytes);
        var reader = new EslFrameReader(EslLimits.Default, poolEvents: false);
        reader.TryRead(ref buffer, out var message).Should().BeTrue();
        buffer.Length.Should().Be(0);
        return message!;
    }
}
