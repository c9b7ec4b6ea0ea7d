using System.Buffers;
using System.Text;

namespace IvrEngine.EventSocket;

/// <summary>Byte-level helpers for header blocks: finding a header without decoding the others, and
/// FreeSWITCH's URL decoding (switch_url_decode: <c>%XX</c> only; <c>+</c> is literal).</summary>
internal static class EslText
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Finds the blank line that ends a header block. Returns the length of the block including the
    /// terminator, or -1. Lines may end in LF or CRLF.</summary>
    public static int FindHeaderEnd(ReadOnlySpan<byte> span)
    {
        var lf = span.IndexOf("\n\n"u8);
        if ((lf < 0 ? span : span[..lf]).IndexOf((byte)'\r') < 0) // only a CR before the first "\n\n" can end the block earlier
        {
            return lf < 0 ? -1 : lf + 2;
        }

        // CRLF somewhere: take the earliest of "\n\n" and "\n\r\n".
        var crlf = span.IndexOf("\n\r\n"u8);
        if (lf < 0) return crlf < 0 ? -1 : crlf + 3;
        if (crlf < 0 || lf < crlf) return lf + 2;
        return crlf + 3;
    }

    /// <summary>Finds header <paramref name="name"/> in a header block (exact case first, then ignoring case, as
    /// FreeSWITCH compares header names case-insensitively). The value is returned raw (not decoded).</summary>
    public static bool TryFindHeader(ReadOnlySpan<byte> block, scoped ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        if (TryFindExact(block, name, out value)) return true;
        return TryFindIgnoreCase(block, name, out value);
    }

    /// <summary><see cref="TryFindHeader(ReadOnlySpan{byte}, ReadOnlySpan{byte}, out ReadOnlySpan{byte})"/> with a string name.</summary>
    public static bool TryFindHeader(ReadOnlySpan<byte> block, string name, out ReadOnlySpan<byte> value)
    {
        var max = Utf8.GetMaxByteCount(name.Length);
        Span<byte> utf8 = max <= 512 ? stackalloc byte[max] : new byte[max];
        var n = Utf8.GetBytes(name, utf8);
        return TryFindHeader(block, utf8[..n], out value);
    }

    private static bool TryFindExact(ReadOnlySpan<byte> block, scoped ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        if (block.StartsWith(name) && block.Length > name.Length && block[name.Length] == (byte)':')
        {
            value = LineValue(block, name.Length + 1);
            return true;
        }

        Span<byte> needle = name.Length <= 254 ? stackalloc byte[name.Length + 2] : new byte[name.Length + 2];
        needle[0] = (byte)'\n';
        name.CopyTo(needle[1..]);
        needle[^1] = (byte)':';
        var at = block.IndexOf(needle);
        if (at < 0)
        {
            value = default;
            return false;
        }

        value = LineValue(block, at + needle.Length);
        return true;
    }

    private static bool TryFindIgnoreCase(ReadOnlySpan<byte> block, scoped ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var rest = block;
        var offset = 0;
        while (rest.Length > 0)
        {
            var nl = rest.IndexOf((byte)'\n');
            var line = nl < 0 ? rest : rest[..nl];
            if (line.Length > name.Length && line[name.Length] == (byte)':' && Ascii.EqualsIgnoreCase(line[..name.Length], name))
            {
                value = LineValue(block, offset + name.Length + 1);
                return true;
            }

            if (nl < 0) break;
            rest = rest[(nl + 1)..];
            offset += nl + 1;
        }

        value = default;
        return false;
    }

    /// <summary>The value of a header line, from just after the colon: one leading space and a trailing CR are dropped.</summary>
    private static ReadOnlySpan<byte> LineValue(ReadOnlySpan<byte> block, int start)
    {
        var rest = block[start..];
        var nl = rest.IndexOf((byte)'\n');
        var value = nl < 0 ? rest : rest[..nl];
        if (value.Length > 0 && value[0] == (byte)' ') value = value[1..];
        if (value.Length > 0 && value[^1] == (byte)'\r') value = value[..^1];
        return value;
    }

    /// <summary>Decodes a raw value as UTF-8 text (invalid sequences become U+FFFD), URL-decoding it when asked.</summary>
    public static string Decode(ReadOnlySpan<byte> raw, bool urlDecode)
    {
        if (!urlDecode || raw.IndexOf((byte)'%') < 0)
        {
            return Utf8.GetString(raw);
        }

        byte[]? rented = null;
        var buffer = raw.Length <= 512 ? stackalloc byte[raw.Length] : (rented = ArrayPool<byte>.Shared.Rent(raw.Length));
        try
        {
            var n = UrlDecode(raw, buffer);
            return Utf8.GetString(buffer[..n]);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>switch_url_decode: <c>%XX</c> becomes the byte; a <c>%</c> not followed by two hex digits stays as it is.</summary>
    public static int UrlDecode(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        var o = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == (byte)'%' && i + 2 < raw.Length && TryHex(raw[i + 1], raw[i + 2], out var decoded))
            {
                destination[o++] = decoded;
                i += 2;
            }
            else
            {
                destination[o++] = b;
            }
        }

        return o;
    }

    private static bool TryHex(byte hi, byte lo, out byte value)
    {
        var h = HexValue(hi);
        var l = HexValue(lo);
        value = (byte)((h << 4) | l);
        return h >= 0 && l >= 0;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Parses a non-negative decimal of ASCII digits, with a cap. False when not a number or over the cap.</summary>
    public static bool TryParseLength(ReadOnlySpan<byte> digits, int max, out int value)
    {
        value = 0;
        if (digits.IsEmpty) return false;
        long acc = 0;
        foreach (var c in digits)
        {
            if (c is < (byte)'0' or > (byte)'9') return false;
            acc = (acc * 10) + (c - '0');
            if (acc > max) return false;
        }

        value = (int)acc;
        return true;
    }

    public static string Utf8String(ReadOnlySpan<byte> bytes) => Utf8.GetString(bytes);
}
