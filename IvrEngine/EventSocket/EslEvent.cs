using System.Text.Json;
using System.Xml;

namespace IvrEngine.EventSocket;

/// <summary>A FreeSWITCH event (plain, JSON or XML) over the frame it came in. Headers are found and decoded one at a
/// time when asked for; nothing builds a dictionary of every header.</summary>
public sealed class EslEvent
{
    private readonly EslMessage _message;
    private readonly int _regionStart;   // header region inside the message (plain: the inner block; channel data: the outer block)
    private readonly int _regionLength;
    private readonly bool _outerRegion;  // the region is the message's own header block (connect reply)
    private int _innerHeaderLength = -1; // plain: length of the inner header block inside the region
    private string? _eventName;
    private Dictionary<string, string>? _xmlHeaders;
    private string? _xmlBody;

    private EslEvent(EslMessage message, EslEventFormat format, bool outerRegion)
    {
        _message = message;
        Format = format;
        _outerRegion = outerRegion;
        _regionStart = 0;
        _regionLength = outerRegion ? message.HeaderBlock.Length : message.Body.Length;
    }

    /// <summary>Wraps an event frame; null when the frame is not an event.</summary>
    public static EslEvent? FromMessage(EslMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.ContentType switch
        {
            EslContentType.EventPlain => new EslEvent(message, EslEventFormat.Plain, outerRegion: false),
            EslContentType.EventJson => new EslEvent(message, EslEventFormat.Json, outerRegion: false),
            EslContentType.EventXml => new EslEvent(message, EslEventFormat.Xml, outerRegion: false),
            _ => null,
        };
    }

    /// <summary>The channel data of a connect reply: its URL-encoded outer header block read as an event.</summary>
    internal static EslEvent FromChannelData(EslMessage message) => new(message, EslEventFormat.Plain, outerRegion: true);

    /// <summary>How the event was serialized.</summary>
    public EslEventFormat Format { get; }

    /// <summary>The frame underneath.</summary>
    public EslMessage Message => _message;

    /// <summary><c>Event-Name</c>.</summary>
    public string EventName => _eventName ??= ReadEventName();

    /// <summary><c>Event-Subclass</c> of a CUSTOM event (e.g. <c>callcenter::info</c>).</summary>
    public string? EventSubclass => GetHeader("Event-Subclass");

    /// <summary><c>Unique-ID</c>: the channel the event is about.</summary>
    public string? UniqueId => GetHeader("Unique-ID");

    /// <summary>A header, decoded; null when absent.</summary>
    public string? this[string name] => GetHeader(name);

    /// <summary>A header, decoded; null when absent.</summary>
    public string? GetHeader(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Format switch
        {
            EslEventFormat.Plain => EslText.TryFindHeader(PlainHeaders, name, out var raw) ? EslText.Decode(raw, urlDecode: true) : null,
            EslEventFormat.Json => JsonHeader(name),
            _ => XmlHeaders().GetValueOrDefault(name),
        };
    }

    /// <summary>A channel variable carried by the event (<c>variable_NAME</c>).</summary>
    public string? GetVariable(string name) => GetHeader("variable_" + name);

    /// <summary>True when header <paramref name="name"/> is present and equals <paramref name="expected"/> byte for byte
    /// (after decoding). Allocates nothing for plain events.</summary>
    public bool HeaderEquals(ReadOnlySpan<byte> name, ReadOnlySpan<byte> expected)
    {
        if (Format != EslEventFormat.Plain)
        {
            var value = GetHeader(EslText.Utf8String(name));
            return value is not null && System.Text.Encoding.UTF8.GetBytes(value).AsSpan().SequenceEqual(expected);
        }

        if (!EslText.TryFindHeader(PlainHeaders, name, out var raw)) return false;
        if (raw.IndexOf((byte)'%') < 0) return raw.SequenceEqual(expected);
        Span<byte> decoded = raw.Length <= 1024 ? stackalloc byte[raw.Length] : new byte[raw.Length];
        var n = EslText.UrlDecode(raw, decoded);
        return decoded[..n].SequenceEqual(expected);
    }

    /// <summary>The event's own body (e.g. a BACKGROUND_JOB's output); null when it has none.</summary>
    public string? Body
    {
        get
        {
            switch (Format)
            {
                case EslEventFormat.Plain:
                    if (_outerRegion) return null;
                    var region = Region;
                    var inner = InnerHeaderLength;
                    return inner >= region.Length ? null : EslText.Utf8String(region[inner..]);
                case EslEventFormat.Json:
                    return JsonHeader("_body");
                default:
                    XmlHeaders();
                    return _xmlBody;
            }
        }
    }

    /// <summary>Every header, decoded, in wire order. Allocates; for diagnostics and dumps.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> GetAllHeaders()
    {
        var list = new List<KeyValuePair<string, string>>();
        switch (Format)
        {
            case EslEventFormat.Plain:
                var block = PlainHeaders;
                while (!block.IsEmpty)
                {
                    var nl = block.IndexOf((byte)'\n');
                    var line = nl < 0 ? block : block[..nl];
                    if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
                    var colon = line.IndexOf((byte)':');
                    if (colon > 0)
                    {
                        var value = line[(colon + 1)..];
                        if (value.Length > 0 && value[0] == (byte)' ') value = value[1..];
                        list.Add(new(EslText.Utf8String(line[..colon]), EslText.Decode(value, urlDecode: true)));
                    }

                    if (nl < 0) break;
                    block = block[(nl + 1)..];
                }

                break;
            case EslEventFormat.Json:
                var reader = new Utf8JsonReader(Region);
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    reader.Read();
                    if (key == "_body") { reader.Skip(); continue; }
                    list.Add(new(key, reader.TokenType == JsonTokenType.String ? reader.GetString()! : JsonRaw(ref reader)));
                }

                break;
            default:
                list.AddRange(XmlHeaders());
                break;
        }

        return list;
    }

    /// <summary>A copy that owns its bytes, to keep past the dispatch that delivered this event.</summary>
    public EslEvent Detach()
    {
        var message = _message.Detach();
        if (ReferenceEquals(message, _message)) return this;
        return new EslEvent(message, Format, _outerRegion) { _eventName = _eventName };
    }

    /// <inheritdoc />
    public override string ToString() => _message.IsReadable ? $"{EventName} {UniqueId}" : "event (released)";

    private ReadOnlySpan<byte> Region => _outerRegion
        ? _message.HeaderBlock.Slice(_regionStart, _regionLength)
        : _message.Body.Slice(_regionStart, _regionLength);

    private int InnerHeaderLength
    {
        get
        {
            if (_innerHeaderLength < 0)
            {
                var region = Region;
                var end = EslText.FindHeaderEnd(region);
                _innerHeaderLength = end < 0 ? region.Length : end;
            }

            return _innerHeaderLength;
        }
    }

    private ReadOnlySpan<byte> PlainHeaders => _outerRegion ? Region : Region[..InnerHeaderLength];

    private string ReadEventName()
    {
        if (Format == EslEventFormat.Plain)
        {
            if (!EslText.TryFindHeader(PlainHeaders, "Event-Name"u8, out var raw)) return string.Empty;
            return KnownEventNames.Get(raw) ?? EslText.Decode(raw, urlDecode: true);
        }

        return GetHeader("Event-Name") ?? string.Empty;
    }

    private string? JsonHeader(string name)
    {
        var reader = new Utf8JsonReader(Region);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = reader.ValueTextEquals(name);
                reader.Read();
                if (match)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : JsonRaw(ref reader);
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    /// <summary>A non-string JSON value (FreeSWITCH sends arrays for multi-valued headers) as its JSON text.</summary>
    private static string JsonRaw(ref Utf8JsonReader reader)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.GetRawText();
    }

    private Dictionary<string, string> XmlHeaders()
    {
        if (_xmlHeaders is not null) return _xmlHeaders;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        try
        {
            using var stream = new MemoryStream(Region.ToArray(), writable: false);
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            var inHeaders = false;
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.Name == "headers") { inHeaders = true; continue; }
                if (reader.NodeType == XmlNodeType.EndElement && reader.Name == "headers") { inHeaders = false; continue; }
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (inHeaders)
                {
                    var name = reader.Name;
                    headers.TryAdd(name, Uri.UnescapeDataString(reader.ReadElementContentAsString()));
                }
                else if (reader.Name == "body")
                {
                    _xmlBody = reader.ReadElementContentAsString();
                }
            }
        }
        catch (XmlException)
        {
            // A broken XML event reads as having no headers; the frame itself was well formed.
        }

        return _xmlHeaders = headers;
    }
}
