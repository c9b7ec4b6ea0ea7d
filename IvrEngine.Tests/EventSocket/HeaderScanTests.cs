using System.Buffers;
using IvrEngine.EventSocket;

namespace IvrEngine.Tests.EventSocket;

/// <summary>The search for the blank line that ends a header block, across segments and partial reads.</summary>
public sealed class HeaderScanTests
{
    private const string Reply = "Content-Type: command/reply\nReply-Text: +OK Job-UUID: 7f4d9c2e-1111-4222-8333-444455556666\nJob-UUID: 7f4d9c2e-1111-4222-8333-444455556666\n\n";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_header_block_cut_into_three_segments_anywhere_parses_the_same(bool crlf)
    {
        var frame = crlf ? Wire.WithCrlfHeaders(Reply) : Wire.Utf8(Reply);
        for (var a = 0; a <= frame.Length; a++)
        {
            for (var b = a; b <= frame.Length; b += 7)
            {
                var buffer = Chunk.Split(frame, a, b);
                var reader = new EslFrameReader(EslLimits.Default, poolEvents: false);
                reader.TryRead(ref buffer, out var message).Should().BeTrue($"cut at {a} and {b}");
                message!.ContentType.Should().Be(EslContentType.CommandReply);
                message.GetHeader("Job-UUID").Should().Be("7f4d9c2e-1111-4222-8333-444455556666");
                buffer.Length.Should().Be(0);
            }
        }
    }

    [Fact]
    public void A_header_block_arriving_a_byte_at_a_time_is_found_by_a_scan_that_resumes()
    {
        var frame = Wire.WithCrlfHeaders(Reply);
        var prefixes = Chunk.ByteByBytePrefixes(frame);
        var reader = new EslFrameReader(EslLimits.Default, poolEvents: false);
        for (var k = 1; k < frame.Length; k++)
        {
            var partial = prefixes[k];
            reader.TryRead(ref partial, out _).Should().BeFalse($"{k} of {frame.Length} bytes is not a frame yet");
        }

        var whole = prefixes[frame.Length];
        reader.TryRead(ref whole, out var message).Should().BeTrue();
        Wire.Bytes(message!).Should().Equal(frame);
    }

    [Fact]
    public void A_blank_line_made_of_a_bare_CR_line_ends_the_block_like_FreeSWITCH_reads_it()
    {
        var buffer = new ReadOnlySequence<byte>(Wire.Utf8("Content-Type: command/reply\r\nReply-Text: +OK\r\n\r\nContent-Type: command/reply\nReply-Text: +OK bye\n\n"));
        var frames = Wire.ReadAll(new EslFrameReader(EslLimits.Default, poolEvents: false), ref buffer);
        frames.Select(f => f.GetHeader("Reply-Text")).Should().Equal("+OK", "+OK bye");
    }

    [Fact]
    public void A_header_block_that_never_ends_is_refused_at_the_cap_even_when_cut_into_many_segments()
    {
        var limits = new EslLimits { MaxHeaderBytes = 1024 };
        var endless = Wire.Utf8(string.Concat(Enumerable.Repeat("X-Filler: 0123456789\n", 200)));
        var buffer = Chunk.Split(endless, Enumerable.Range(1, 40).Select(i => i * 97).ToArray());
        var reader = new EslFrameReader(limits, poolEvents: false);

        var read = () => reader.TryRead(ref buffer, out _);

        read.Should().Throw<EslProtocolException>().WithMessage("*1024*");
    }
}
