using System.Globalization;
using System.Text;
using System.Text.Json;

namespace IvrEngine.Benchmarks.Record;

/// <summary>One message FreeSWITCH sent, as it crossed the socket, with just enough parsing for the recorder to
/// follow the scenario (which reply, which event). The recorder never relies on this to record: the bytes are kept
/// whole.</summary>
internal sealed class WireFrame
{
    private Dictionary<string, string>? _event;

    private WireFrame(byte[] bytes, string headerText, Dictionary<string, string> headers, string? body)
    {
        Bytes = bytes;
        HeaderText = headerText;
        Headers = headers;
        Body = body;
    }

    public byte[] Bytes { get; }

    /// <summary>When it was received, in seconds since the transcript started.</summary>
    public double Seconds { get; set; }

    /// <summary>The outer header block (without the blank line).</summary>
    public string HeaderText { get; }

    /// <summary>The outer headers, raw (the connect reply's are URL-encoded).</summary>
    public Dictionary<string, string> Headers { get; }

    public string? Body { get; }

    public string ContentType => Headers.GetValueOrDefault("Content-Type", string.Empty);

    public string? ReplyText => Headers.GetValueOrDefault("Reply-Text");

    public bool IsReply => ContentType is "command/reply" or "api/response";

    public bool IsEvent => ContentType is "text/event-plain" or "text/event-json";

    public bool IsDisconnectNotice => ContentType == "text/disconnect-notice";

    /// <summary>The reply's text: Reply-Text of a command/reply, the body of an api/response.</summary>
    public string Text => ContentType == "api/response" ? Body ?? string.Empty : ReplyText ?? string.Empty;

    public string? EventName => Event("Event-Name");

    public string? Application => Event("Application");

    public string? UniqueId => Event("Unique-ID");

    /// <summary>A header of the event (URL-decoded for plain events; a JSON member for JSON events).</summary>
    public string? Event(string name)
    {
        _event ??= ParseEvent();
        return _event.GetValueOrDefault(name);
    }

    public bool Is(string eventName, string? application = null, string? uuid = null) =>
        EventName == eventName
        && (application is null || Application == application)
        && (uuid is null || UniqueId == uuid);

    public override string ToString() => IsEvent
        ? $"{ContentType} {EventName} {Application}".TrimEnd()
        : $"{ContentType} {(ReplyText ?? Body)?.Split('\n')[0]}".TrimEnd();

    /// <summary>Cuts the complete messages off the front of <paramref name="buffer"/>: a header block ending in a
    /// blank line, plus Content-Length body bytes when that header is there. Returns how many bytes were used.</summary>
    public static int Split(ReadOnlySpan<byte> buffer, List<WireFrame> frames)
    {
        var used = 0;
        while (true)
        {
            var rest = buffer[used..];
            var end = rest.IndexOf("\n\n"u8);
            if (end < 0) return used;
            var headerText = Encoding.UTF8.GetString(rest[..end]);
            var headers = ParseHeaders(headerText, decode: false);
            var length = headers.TryGetValue("Content-Length", out var text)
                ? int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
                : 0;
            var total = end + 2 + length;
            if (rest.Length < total) return used;
            var body = length > 0 ? Encoding.UTF8.GetString(rest.Slice(end + 2, length)) : null;
            frames.Add(new WireFrame(rest[..total].ToArray(), headerText, headers, body));
            used += total;
        }
    }

    private Dictionary<string, string> ParseEvent()
    {
        if (ContentType == "text/event-plain" && Body is not null)
        {
            var end = Body.IndexOf("\n\n", StringComparison.Ordinal);
            return ParseHeaders(end < 0 ? Body : Body[..end], decode: true);
        }

        if (ContentType == "text/event-json" && Body is not null)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            using var json = JsonDocument.Parse(Body);
            foreach (var member in json.RootElement.EnumerateObject())
            {
                result[member.Name] = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString()! : member.Value.GetRawText();
            }

            return result;
        }

        // The connect reply carries the channel data in its outer headers.
        return Headers.ContainsKey("Event-Name") ? ParseHeaders(HeaderText, decode: true) : [];
    }

    private static Dictionary<string, string> ParseHeaders(string block, bool decode)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in block.Split('\n'))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon <= 0) continue;
            var value = line[(colon + 2)..];
            headers.TryAdd(line[..colon], decode ? Uri.UnescapeDataString(value) : value);
        }

        return headers;
    }
}
