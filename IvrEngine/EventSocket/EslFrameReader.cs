using System.Buffers;

namespace IvrEngine.EventSocket;

/// <summary>Cuts frames out of a byte stream: a header block up to a blank line, then exactly Content-Length body
/// bytes. Stateful per connection so a body that arrives in pieces is not re-parsed. Headers may come in any order;
/// lines may end in LF or CRLF; segments may split anything anywhere.</summary>
internal sealed class EslFrameReader(EslLimits limits, bool poolEvents = true)
{
    private HeaderScan _scan;
    private int _pendingHeaderLength = -1;
    private int _pendingContentLength;
    private EslContentType _pendingType;

    /// <summary>Reads one frame from the start of <paramref name="buffer"/> and slices it off. Returns false when the
    /// frame is not complete yet. Throws <see cref="EslProtocolException"/> on a malformed or oversized frame.</summary>
    /// <remarks>Events are copied into pooled buffers that the dispatcher releases; replies into owned arrays, since
    /// they go to whoever sent the command.</remarks>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out EslMessage? message)
    {
        message = null;
        if (_pendingHeaderLength < 0)
        {
            SkipLeadingLineBreaks(ref buffer);
            if (buffer.IsEmpty) return false;
            if (!TryParseHeader(buffer, out _pendingHeaderLength, out _pendingContentLength, out _pendingType))
            {
                _pendingHeaderLength = -1;
                return false;
            }
        }

        var total = (long)_pendingHeaderLength + _pendingContentLength;
        if (buffer.Length < total) return false;

        var length = (int)total;
        var usePool = poolEvents && _pendingType is EslContentType.EventPlain or EslContentType.EventJson or EslContentType.EventXml;
        var bytes = usePool ? ArrayPool<byte>.Shared.Rent(length) : new byte[length];
        buffer.Slice(0, length).CopyTo(bytes);
        message = new EslMessage(bytes, length, _pendingHeaderLength, _pendingType, usePool);
        buffer = buffer.Slice(length);
        _pendingHeaderLength = -1;
        return true;
    }

    private static void SkipLeadingLineBreaks(ref ReadOnlySequence<byte> buffer)
    {
        // FreeSWITCH never sends these, but a stray newline between frames must not read as an empty frame,
        // wherever the segments of the buffer happen to be cut (an empty segment included).
        var reader = new SequenceReader<byte>(buffer);
        var skip = reader.AdvancePastAny((byte)'\n', (byte)'\r');
        if (skip > 0) buffer = buffer.Slice(skip);
    }

    private bool TryParseHeader(ReadOnlySequence<byte> buffer, out int headerLength, out int contentLength, out EslContentType type)
    {
        contentLength = 0;
        type = EslContentType.None;
        headerLength = _scan.FindEnd(buffer, limits.MaxHeaderBytes);
        if (headerLength < 0)
        {
            CheckHeaderCap(buffer.Length);
            return false;
        }

        _scan = default;
        CheckHeaderCap(headerLength);
        var first = buffer.FirstSpan;
        if (first.Length >= headerLength)
        {
            ParseOuterHeaders(first[..headerLength], out contentLength, out type);
            return true;
        }

        // The header block spans segments: parse a contiguous copy of just that block.
        var rented = ArrayPool<byte>.Shared.Rent(headerLength);
        try
        {
            buffer.Slice(0, headerLength).CopyTo(rented);
            ParseOuterHeaders(rented.AsSpan(0, headerLength), out contentLength, out type);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void CheckHeaderCap(long length)
    {
        if (length > limits.MaxHeaderBytes)
        {
            throw new EslProtocolException($"Header block over {limits.MaxHeaderBytes} bytes without a blank line.");
        }
    }

    private void ParseOuterHeaders(ReadOnlySpan<byte> block, out int contentLength, out EslContentType type)
    {
        contentLength = 0;
        type = EslContentType.None;
        var rest = block;
        while (!rest.IsEmpty)
        {
            var nl = rest.IndexOf((byte)'\n');
            var line = nl < 0 ? rest : rest[..nl];
            rest = nl < 0 ? default : rest[(nl + 1)..];
            if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
            if (line.IsEmpty) continue;

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                throw new EslProtocolException($"Header line without a name and colon: \"{Printable(line)}\".");
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].TrimStart((byte)' ');
            if (System.Text.Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!EslText.TryParseLength(value.TrimEnd((byte)' '), limits.MaxContentLength, out contentLength))
                {
                    throw new EslProtocolException(
                        $"Content-Length \"{Printable(value)}\" is not a number of at most {limits.MaxContentLength} bytes.");
                }
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(name, "Content-Type"u8))
            {
                type = Classify(value);
            }
        }
    }

    internal static EslContentType Classify(ReadOnlySpan<byte> value) => value switch
    {
        _ when value.SequenceEqual("text/event-plain"u8) => EslContentType.EventPlain,
        _ when value.SequenceEqual("command/reply"u8) => EslContentType.CommandReply,
        _ when value.SequenceEqual("api/response"u8) => EslContentType.ApiResponse,
        _ when value.SequenceEqual("text/event-json"u8) => EslContentType.EventJson,
        _ when value.SequenceEqual("text/event-xml"u8) => EslContentType.EventXml,
        _ when value.SequenceEqual("auth/request"u8) => EslContentType.AuthRequest,
        _ when value.SequenceEqual("text/disconnect-notice"u8) => EslContentType.DisconnectNotice,
        _ when value.SequenceEqual("text/rude-rejection"u8) => EslContentType.RudeRejection,
        _ when value.SequenceEqual("log/data"u8) => EslContentType.LogData,
        _ => EslContentType.Unknown,
    };

    /// <summary>A short, log-safe rendering of hostile bytes.</summary>
    internal static string Printable(ReadOnlySpan<byte> bytes)
    {
        var cut = bytes.Length > 64 ? bytes[..64] : bytes;
        var chars = new char[cut.Length];
        for (var i = 0; i < cut.Length; i++) chars[i] = cut[i] is >= 0x20 and < 0x7f ? (char)cut[i] : '?';
        return new string(chars) + (bytes.Length > 64 ? "..." : string.Empty);
    }

    /// <summary>Finds the blank line ending a header block across segments, resuming where the last partial read
    /// stopped, so a header block that trickles in is scanned once, not once per read.</summary>
    private struct HeaderScan
    {
        private bool _atLineStart;
        private bool _sawCr;

        /// <summary>Bytes of the buffer already scanned.</summary>
        private long Scanned { get; set; }

        /// <summary>Length of the header block including its blank line, or -1 when the buffer (or the cap) ends first.</summary>
        public int FindEnd(ReadOnlySequence<byte> buffer, int cap)
        {
            var position = 0L;
            foreach (var memory in buffer)
            {
                if (position > cap) return -1;
                var span = memory.Span;
                var segmentEnd = position + span.Length;
                if (segmentEnd <= Scanned)
                {
                    position = segmentEnd;
                    continue;
                }

                var i = (int)(Scanned - position);
                while (i < span.Length)
                {
                    if (_atLineStart)
                    {
                        var b = span[i];
                        if (b == (byte)'\n') return checked((int)(position + i + 1));
                        if (b == (byte)'\r' && !_sawCr)
                        {
                            _sawCr = true;
                            i++;
                            continue;
                        }

                        _atLineStart = false;
                        _sawCr = false;
                    }

                    var next = span[i..].IndexOf((byte)'\n');
                    if (next < 0)
                    {
                        i = span.Length;
                        break;
                    }

                    i += next + 1;
                    _atLineStart = true;
                    _sawCr = false;
                }

                Scanned = segmentEnd;
                position = segmentEnd;
            }

            return -1;
        }
    }
}
