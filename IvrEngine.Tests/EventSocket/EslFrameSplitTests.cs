using System.Buffers;
using IvrEngine.EventSocket;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.EventSocket;

/// <summary>Real frames cut everywhere: TCP may deliver any prefix, and a pipe may hand over any segmentation.</summary>
public class EslFrameSplitTests
{
    private static readonly Transcript Plain = CaptureFiles.Load("outbound-plain-session.txt");
    private static readonly Transcript Json = CaptureFiles.Load("outbound-json-events.txt");
    private static readonly Transcript Inbound = CaptureFiles.Load("inbound-session.txt");

    /// <summary>The recorded frames the theories cut, picked by what they are.</summary>
    private static CaptureRecord Pick(string frame) => frame switch
    {
        // connect reply: channel data in a 3.7 KB header block, no Content-Length
        "connect-reply" => Plain.ReplyTo(Plain.Command("connect\n\n")),
        "command-reply" => Plain.ReplyTo(Plain.Command("getvar caller_id_name\n\n")),
        "api-response" => Plain.ReplyTo(Plain.Command("api uuid_setvar ")),
        "bgapi-reply" => Plain.ReplyTo(Plain.Command("bgapi status\n\n")),
        "dtmf-hash" => Plain.First(CaptureFiles.FsToApp, r => r.EventName == "DTMF" && r.Header("DTMF-Digit") == "#", "the DTMF # event"),
        // BACKGROUND_JOB with an inner Content-Length body
        "background-job" => Plain.Event("BACKGROUND_JOB"),
        // disconnect-notice linger, Content-Length: 0
        "linger-notice" => Plain.First(CaptureFiles.FsToApp, r => r.IsDisconnectNotice && r.Header("Content-Disposition") == "linger", "the linger notice"),
        "bye" => Plain.ReplyTo(Plain.Command("exit\n\n")),
        // disconnect-notice disconnect, with a body
        "disconnect-notice" => Plain.First(CaptureFiles.FsToApp, r => r.IsDisconnectNotice && r.Header("Content-Disposition") == "disconnect", "the disconnect notice"),
        // JSON BACKGROUND_JOB, no trailing newline
        "json-background-job" => Json.First(CaptureFiles.FsToApp, r => r.EventName == "BACKGROUND_JOB" && r.Header("Job-Command") == "uuid_getvar", "the uuid_getvar job"),
        "json-dtmf" => Json.Event("DTMF"),
        "auth-request" => Inbound.First(CaptureFiles.FsToApp, r => r.ContentType == "auth/request", "auth/request"),
        "auth-refused" => Inbound.ReplyTo(Inbound.Command("auth WrongPassword\n\n")),
        _ => throw new ArgumentOutOfRangeException(nameof(frame), frame, "not a known frame"),
    };

    private static Transcript TranscriptOf(string frame) =>
        frame.StartsWith("json-", StringComparison.Ordinal) ? Json : frame.StartsWith("auth-", StringComparison.Ordinal) ? Inbound : Plain;

    [Theory]
    [InlineData("connect-reply")]
    [InlineData("command-reply")]
    [InlineData("api-response")]
    [InlineData("dtmf-hash")]
    [InlineData("background-job")]
    [InlineData("linger-notice")]
    [InlineData("disconnect-notice")]
    [InlineData("json-background-job")]
    [InlineData("auth-request")]
    public void Every_prefix_is_incomplete_and_the_whole_frame_parses_identically(string picked)
    {
        var frame = Pick(picked).Data;
        var reference = ParseWhole(frame);

        for (var k = 0; k < frame.Length; k++)
        {
            var reader = new EslFrameReader(EslLimits.Default, poolEvents: false);
            var prefix = new ReadOnlySequence<byte>(frame, 0, k);
            reader.TryRead(ref prefix, out var early).Should().BeFalse($"{k} of {frame.Length} bytes is not a frame");
            early.Should().BeNull();

            var whole = new ReadOnlySequence<byte>(frame);
            reader.TryRead(ref whole, out var message).Should().BeTrue($"the same reader completes after a {k}-byte prefix");
            whole.Length.Should().Be(0);
            AssertSame(message!, reference, frame);
        }
    }

    [Theory]
    [InlineData("connect-reply")]
    [InlineData("background-job")]
    [InlineData("disconnect-notice")]
    [InlineData("json-background-job")]
    [InlineData("auth-refused")]
    public void Two_segments_split_at_every_byte_position_parse_identically(string picked)
    {
        var frame = Pick(picked).Data;
        var reference = ParseWhole(frame);
        for (var cut = 0; cut <= frame.Length; cut++)
        {
            var buffer = Chunk.Split(frame, cut);
            var reader = new EslFrameReader(EslLimits.Default, poolEvents: false);
            reader.TryRead(ref buffer, out var message).Should().BeTrue($"cut at {cut}");
            buffer.Length.Should().Be(0);
            AssertSame(message!, reference, frame);
        }
    }

    [Theory]
    [InlineData("bgapi-reply")]          // bgapi reply, then (as recorded) its BACKGROUND_JOB
    [InlineData("json-background-job")]  // JSON event without trailing newline, then the next frame
    [InlineData("bye")]                  // +OK bye, then the disconnect notice
    public void Two_frames_in_three_segments_cut_everywhere_parse_identically(string picked)
    {
        var first = Pick(picked);
        var a = first.Data;
        var b = TranscriptOf(picked).Next(first).Data;
        byte[] stream = [.. a, .. b];
        var step = Math.Max(1, stream.Length / 97);
        for (var i = 0; i <= stream.Length; i += step)
        {
            for (var j = i; j <= stream.Length; j += step)
            {
                var buffer = Chunk.Split(stream, i, j);
                var frames = Wire.ReadAll(new EslFrameReader(EslLimits.Default, poolEvents: false), ref buffer);
                buffer.Length.Should().Be(0);
                frames.Should().HaveCount(2, $"cuts at {i} and {j}");
                Wire.Bytes(frames[0]).Should().Equal(a);
                Wire.Bytes(frames[1]).Should().Equal(b);
            }
        }
    }

    [Theory]
    [InlineData("connect-reply")]
    [InlineData("background-job")]
    [InlineData("json-dtmf")]
    public void A_frame_arriving_byte_by_byte_parses_once_at_its_last_byte(string picked)
    {
        var frame = Pick(picked).Data;
        var reference = ParseWhole(frame);
        var prefixes = Chunk.ByteByBytePrefixes(frame);

        // One reader, fed as a pipe would: every time one more byte (one more segment) is there.
        var reader = new EslFrameReader(EslLimits.Default, poolEvents: false);
        for (var k = 0; k < frame.Length; k++)
        {
            var buffer = prefixes[k];
            reader.TryRead(ref buffer, out _).Should().BeFalse($"{k} bytes");
            buffer.Length.Should().Be(k, "nothing is consumed before the frame is complete");
        }

        var all = prefixes[frame.Length];
        reader.TryRead(ref all, out var message).Should().BeTrue();
        all.Length.Should().Be(0);
        AssertSame(message!, reference, frame);

        // And the whole frame as one-byte segments in a single call.
        var once = prefixes[frame.Length];
        new EslFrameReader(EslLimits.Default, poolEvents: false).TryRead(ref once, out var again).Should().BeTrue();
        AssertSame(again!, reference, frame);
    }

    [Fact]
    public void Stray_line_breaks_spanning_segments_do_not_read_as_an_empty_frame()
    {
        var frame = Wire.Utf8("Content-Type: auth/request\n\n");
        byte[] stream = [.. "\n\r\n\n"u8, .. frame];
        for (var i = 0; i <= 4; i++)
        {
            for (var j = i; j <= 4; j++)
            {
                var buffer = Chunk.Split(stream, i, j);
                var frames = Wire.ReadAll(new EslFrameReader(EslLimits.Default, poolEvents: false), ref buffer);
                frames.Select(f => f.ContentType).Should().Equal([EslContentType.AuthRequest], $"cuts at {i} and {j}");
                Wire.Bytes(frames[0]).Should().Equal(frame);
            }
        }
    }

    private static EslMessage ParseWhole(byte[] frame)
    {
        var frames = Wire.ReadAll(frame);
        frames.Should().ContainSingle();
        Wire.Bytes(frames[0]).Should().Equal(frame);
        return frames[0];
    }

    private static void AssertSame(EslMessage message, EslMessage reference, byte[] frame)
    {
        message.ContentType.Should().Be(reference.ContentType);
        message.Length.Should().Be(frame.Length);
        message.HeaderBlock.ToArray().Should().Equal(reference.HeaderBlock.ToArray());
        message.Body.ToArray().Should().Equal(reference.Body.ToArray());
    }
}
