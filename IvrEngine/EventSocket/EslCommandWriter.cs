using System.Buffers;
using System.Text;

namespace IvrEngine.EventSocket;

/// <summary>Serializes commands straight into the output pipe. Every caller-supplied string is checked here, at the
/// one place bytes are made: a line break inside a command line or header would start a second command.</summary>
internal static class EslCommandWriter
{
    // Replacement, not exceptions: an unpaired surrogate in a caller's string becomes U+FFFD instead of stopping a
    // write halfway; GetByteCount and GetBytes agree, so a body's content-length stays exact.
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Throws when <paramref name="value"/> holds CR, LF or NUL (FreeSWITCH reads C strings line by line).</summary>
    public static string EnsureSingleLine(string value, string what)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            throw new ArgumentException(
                $"{what} contains a line break or NUL, which would inject an event-socket command: \"{Escape(value)}\".", what);
        }

        return value;
    }

    /// <summary>Throws when <paramref name="value"/> is empty or holds whitespace, CR, LF or NUL: one protocol word.</summary>
    public static string EnsureToken(string value, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, what);
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c) || c == '\0' || char.IsControl(c))
            {
                throw new ArgumentException($"{what} must be one word without spaces or control characters: \"{Escape(value)}\".", what);
            }
        }

        return value;
    }

    /// <summary>A value written as the last argument of an api command whose arguments FreeSWITCH splits at spaces
    /// (<c>switch_separate_string</c>, e.g. <c>uuid_setvar &lt;uuid&gt; &lt;name&gt; &lt;value&gt;</c>), escaped so that
    /// FreeSWITCH gets exactly <paramref name="value"/>. FreeSWITCH takes that last argument to the end of the line but
    /// still cleans it: it drops single quotes that pair up, reads backslash escapes (<c>\n</c> <c>\t</c> <c>\s</c>
    /// <c>\\</c> <c>\'</c> ...) and trims the surrounding spaces, so "O'Brien 'VIP'" became "OBrien VIP'" and
    /// "C:\new" a line break. Backslashes and single quotes get a backslash, surrounding spaces become <c>\s</c>.
    /// The value must already be one line (<see cref="EnsureSingleLine"/>).</summary>
    public static string EscapeLastArgument(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var first = 0;
        while (first < value.Length && value[first] == ' ') first++;
        var end = value.Length;
        while (end > first && value[end - 1] == ' ') end--;
        if (first == 0 && end == value.Length && value.AsSpan().IndexOfAny('\\', '\'') < 0) return value;

        var text = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == ' ' && (i < first || i >= end)) text.Append("\\s");
            else if (c is '\\' or '\'') text.Append('\\').Append(c);
            else text.Append(c);
        }

        return text.ToString();
    }

    /// <summary>The api command that sets (or, without a value, unsets) one variable of a live channel, the value
    /// escaped (<see cref="EscapeLastArgument"/>) so that the channel gets exactly it.</summary>
    public static string UuidSetVar(string uuid, string name, string? value = null) =>
        value is null ? $"uuid_setvar {uuid} {name}" : $"uuid_setvar {uuid} {name} {EscapeLastArgument(value)}";

    /// <summary><c>line\n\n</c>.</summary>
    public static void WriteCommand(IBufferWriter<byte> output, string line)
    {
        Write(output, line);
        Write(output, "\n\n");
    }

    /// <summary>A command line followed by header lines, then the blank line.</summary>
    public static void WriteCommand(IBufferWriter<byte> output, string line, string headerName, string headerValue)
    {
        Write(output, line);
        Write(output, "\n");
        WriteHeader(output, headerName, headerValue);
        Write(output, "\n");
    }

    /// <summary>A <c>sendmsg</c> with its headers and, when there is one, a text/plain body.</summary>
    public static void WriteSendMessage(IBufferWriter<byte> output, SendMessage message)
    {
        Write(output, message.Uuid is null ? "sendmsg\n" : "sendmsg " + message.Uuid + "\n");
        foreach (var (name, value) in message.Headers) WriteHeader(output, name, value);
        if (message.Body is { } body)
        {
            var bytes = Utf8.GetByteCount(body);
            Write(output, "content-type: text/plain\ncontent-length: ");
            Write(output, bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Write(output, "\n\n");
            Write(output, body);
        }
        else
        {
            Write(output, "\n");
        }
    }

    private static void WriteHeader(IBufferWriter<byte> output, string name, string value)
    {
        Write(output, name);
        Write(output, ": ");
        Write(output, value);
        Write(output, "\n");
    }

    private static void Write(IBufferWriter<byte> output, string text) => Utf8.GetBytes(text.AsSpan(), output);

    internal static string Escape(string value)
    {
        var cut = value.Length > 80 ? value[..80] + "..." : value;
        return cut.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
    }
}
