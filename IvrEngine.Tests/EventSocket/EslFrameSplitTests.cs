using System.Buffers;
using IvrEngine.EventSocket;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.EventSocket;

/// <summary>Real frames cut everywhere: TCP may deliver any prefix, and a pipe may hand over any segmentation.</summary>
public class EslFrameSplitTests
{
    [Theory]
    [InlineData("outbound-plain-session.txt", 3)]   // connect reply: channel data in a 3.7 KB header block, no Content-Length
    [InlineData("outbound-plain-session.txt", 13)]  // command/reply
    [InlineData("outbound-plain-session.txt", 36)]  // api/response
    [InlineData("outbound-plain-session.txt", 33)]  // DTMF %23
    [InlineData("outbound-plain-session.txt", 41)]  // BACKGROUND_JOB with an inner Content-Length body
    [InlineData("outbound-plain-session.txt", 64)]  // disconnect-notice linger, Content-Length: 0
    [InlineData("outbound-plain-session.txt", 68)]  // disconnect-notice disconnect, with a body
    [InlineData("outbound-json-events.txt", 31)]    // JSON BACKGROUND_JOB, no trailing newline
    [InlineData("inbound-session.txt", 2)]          // auth/request
    public void Every_prefix_is_incomplete_and_the_whole_frame_parses_identically(string file, int sequence)
    {
        var frame = CaptureFiles.Load(file).Record(sequence);
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
    [InlineData("outbound-plain-session.txt", 3)]
    [InlineData("outbound-plain-session.txt", 41)]
    [InlineData("outbound-plain-session.txt", 68)]
    [InlineData("outbound-json-events.txt", 31)]
    [InlineData("inbound-session.txt", 4)]
    public void Two_segments_split_at_every_byte_position_parse_identically(string file, int sequence)
    {
        var frame = CaptureFiles.Load(file).Record(sequence);
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
    [InlineData("outbound-plain-session.txt", 40, 41)]  // bgapi reply, then its BACKGROUND_JOB
    [InlineData("outbound-json-events.txt", 31, 32)]    // JSON event without trailing newline, then the next frame
    [InlineData("outbound-plain-session.txt", 67, 68)]  // +OK bye, then the disconnect notice
    public void Two_frames_in_three_segments_cut_everywhere_parse_identically(string file, int first, int second)
    {
        var capture = CaptureFiles.Load(file);
        var a = capture.Record(first);
        var b = capture.Records.First(r => r.Sequence >= second && r.Direction == CaptureFiles.FsToApp).Data;
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
    [InlineData("outbound-plain-session.txt", 3)]
    [InlineData("outbound-plain-session.txt", 41)]
    [InlineData("outbound-json-events.txt", 22)]
    public void A_frame_arriving_byte_by_byte_parses_once_at_its_last_byte(string file, int sequence)
    {
        var frame = CaptureFiles.Load(file).Record(sequence);
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
