using System.Text;

namespace IvrEngine.Simulator;

/// <summary>An event as FreeSWITCH builds it: ordered headers (values raw, encoded at render time) and an optional body.</summary>
internal sealed class EslEvent
{
    private byte[]? _plain;
    private byte[]? _json;
    private byte[]? _xml;

    public EslEvent(string name, int capacity = 16)
    {
        Name = name;
        Headers = new List<KeyValuePair<string, string>>(capacity);
    }

    public string Name { get; }

    public string? Subclass { get; set; }

    /// <summary>UUID of the channel the event is about (null for BACKGROUND_JOB and global events).</summary>
    public string? ChannelUuid { get; set; }

    /// <summary>For BACKGROUND_JOB: the connection that issued the bgapi.</summary>
    public object? JobOwner { get; set; }

    public List<KeyValuePair<string, string>> Headers { get; }

    public string? Body { get; set; }

    public void Add(string name, string value) => Headers.Add(new(name, value));

    public void AddRange(KeyValuePair<string, string>[] block) => Headers.AddRange(block);

    public string? Get(string name)
    {
        foreach (var h in Headers)
        {
            if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return h.Value;
            }
        }

        return null;
    }

    public byte[] Render(EventFormat format)
    {
        lock (Headers)
        {
            return format switch
            {
                EventFormat.Json => _json ??= RenderJson(),
                EventFormat.Xml => _xml ??= RenderXml(),
                _ => _plain ??= RenderPlain(),
            };
        }
    }

    /// <summary>The inner header block (URL-encoded values), as used in event-plain bodies and CHANNEL_DATA.</summary>
    public void WriteHeaderBlock(FrameBuffer b)
    {
        foreach (var h in Headers)
        {
            b.Ascii(h.Key);
            b.Ascii(": ");
            b.UrlEncoded(h.Value);
            b.Byte((byte)'\n');
        }
    }

    private byte[] RenderPlain()
    {
        var inner = Wire.Buffer();
        WriteHeaderBlock(inner);
        byte[]? body = Body is null ? null : Encoding.UTF8.GetBytes(Body);
        if (body is not null)
        {
            inner.Ascii("Content-Length: ");
            inner.Int(body.Length);
            inner.Ascii("\n\n");
            inner.Bytes(body);
        }
        else
        {
            inner.Byte((byte)'\n');
        }

        return Outer("text/event-plain", inner);
    }

    private byte[] RenderJson()
    {
        var inner = Wire.Buffer();
        inner.Byte((byte)'{');
        bool first = true;
        foreach (var h in Headers)
        {
            if (!first)
            {
                inner.Byte((byte)',');
            }

            first = false;
            inner.JsonString(h.Key);
            inner.Byte((byte)':');
            inner.JsonString(h.Value);
        }

        if (Body is not null)
        {
            inner.Ascii(first ? string.Empty : ",");
            inner.JsonString("Content-Length");
            inner.Byte((byte)':');
            inner.JsonString(Encoding.UTF8.GetByteCount(Body).ToString(System.Globalization.CultureInfo.InvariantCulture));
            inner.Ascii(",");
            inner.JsonString("_body");
            inner.Byte((byte)':');
            inner.JsonString(Body);
        }

        inner.Byte((byte)'}');
        return Outer("text/event-json", inner);
    }

    private byte[] RenderXml()
    {
        var inner = Wire.Buffer();
        inner.Ascii("<event>\n  <headers>\n");
        foreach (var h in Headers)
        {
            inner.Ascii("    <");
            inner.Ascii(h.Key);
            inner.Byte((byte)'>');
            inner.UrlEncoded(h.Value);
            inner.Ascii("</");
            inner.Ascii(h.Key);
            inner.Ascii(">\n");
        }

        if (Body is not null)
        {
            inner.Ascii("    <Content-Length>");
            inner.Int(Encoding.UTF8.GetByteCount(Body));
            inner.Ascii("</Content-Length>\n  </headers>\n  <body>");
            inner.XmlText(Body);
            inner.Ascii("</body>\n</event>\n");
        }
        else
        {
            inner.Ascii("  </headers>\n</event>\n");
        }

        return Outer("text/event-xml", inner);
    }

    private static byte[] Outer(string contentType, FrameBuffer inner)
    {
        // The thread-static buffer holds the inner block; build the frame in one array.
        var ct = Encoding.ASCII.GetBytes($"Content-Length: {inner.Length}\nContent-Type: {contentType}\n\n");
        var frame = new byte[ct.Length + inner.Length];
        ct.CopyTo(frame, 0);
        inner.Span.CopyTo(frame.AsSpan(ct.Length));
        return frame;
    }
}

/// <summary>Event encoding chosen with <c>event plain|json|xml</c>.</summary>
internal enum EventFormat
{
    Plain,
    Json,
    Xml,
}
