using System.Buffers;
using System.Globalization;
using System.Text;

namespace IvrEngine.Simulator;

/// <summary>A growable byte buffer that frames are rendered into (one array per finished frame).</summary>
internal sealed class FrameBuffer
{
    private byte[] _buf;
    private int _len;

    public FrameBuffer(int capacity = 4096) => _buf = ArrayPool<byte>.Shared.Rent(capacity);

    public int Length => _len;

    public void Clear() => _len = 0;

    private void Ensure(int extra)
    {
        if (_len + extra <= _buf.Length)
        {
            return;
        }

        var n = ArrayPool<byte>.Shared.Rent(Math.Max(_buf.Length * 2, _len + extra));
        _buf.AsSpan(0, _len).CopyTo(n);
        ArrayPool<byte>.Shared.Return(_buf);
        _buf = n;
    }

    public void Byte(byte b)
    {
        Ensure(1);
        _buf[_len++] = b;
    }

    public void Ascii(string s)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(s.Length));
        _len += Encoding.UTF8.GetBytes(s, 0, s.Length, _buf, _len);
    }

    public void Bytes(ReadOnlySpan<byte> s)
    {
        Ensure(s.Length);
        s.CopyTo(_buf.AsSpan(_len));
        _len += s.Length;
    }

    public void Int(long v)
    {
        Ensure(24);
        v.TryFormat(_buf.AsSpan(_len), out int w, default, CultureInfo.InvariantCulture);
        _len += w;
    }

    /// <summary>URL-encodes like FreeSWITCH's switch_url_encode: bytes below ' ' or above '~' and the characters of its unsafe list.</summary>
    public void UrlEncoded(string s)
    {
        int max = Encoding.UTF8.GetMaxByteCount(s.Length);
        Ensure(max * 3);
        Span<byte> tmp = max <= 512 ? stackalloc byte[max] : new byte[max];
        int n = Encoding.UTF8.GetBytes(s, tmp);
        for (int i = 0; i < n; i++)
        {
            byte b = tmp[i];
            if (b < 0x20 || b > 0x7e || Wire.IsUrlUnsafe(b))
            {
                _buf[_len++] = (byte)'%';
                _buf[_len++] = Wire.Hex[b >> 4];
                _buf[_len++] = Wire.Hex[b & 15];
            }
            else
            {
                _buf[_len++] = b;
            }
        }
    }

    /// <summary>Writes a JSON string literal the way cJSON prints it.</summary>
    public void JsonString(string s)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(s.Length) * 6 + 2);
        _buf[_len++] = (byte)'"';
        Span<byte> one = stackalloc byte[4];
        foreach (var rune in s.EnumerateRunes())
        {
            int v = rune.Value;
            switch (v)
            {
                case '"': Esc((byte)'"'); break;
                case '\\': Esc((byte)'\\'); break;
                case '\b': Esc((byte)'b'); break;
                case '\f': Esc((byte)'f'); break;
                case '\n': Esc((byte)'n'); break;
                case '\r': Esc((byte)'r'); break;
                case '\t': Esc((byte)'t'); break;
                default:
                    if (v < 0x20)
                    {
                        _buf[_len++] = (byte)'\\';
                        _buf[_len++] = (byte)'u';
                        _buf[_len++] = (byte)'0';
                        _buf[_len++] = (byte)'0';
                        _buf[_len++] = Wire.HexLower[v >> 4];
                        _buf[_len++] = Wire.HexLower[v & 15];
                    }
                    else
                    {
                        int w = rune.EncodeToUtf8(one);
                        one[..w].CopyTo(_buf.AsSpan(_len));
                        _len += w;
                    }

                    break;
            }
        }

        _buf[_len++] = (byte)'"';

        void Esc(byte c)
        {
            _buf[_len++] = (byte)'\\';
            _buf[_len++] = c;
        }
    }

    /// <summary>Writes XML-escaped text.</summary>
    public void XmlText(string s)
    {
        foreach (char c in s)
        {
            switch (c)
            {
                case '<': Ascii("&lt;"); break;
                case '>': Ascii("&gt;"); break;
                case '&': Ascii("&amp;"); break;
                case '"': Ascii("&quot;"); break;
                case '\'': Ascii("&apos;"); break;
                default: Ascii(c.ToString()); break;
            }
        }
    }

    public byte[] ToArray() => _buf.AsSpan(0, _len).ToArray();

    public ReadOnlySpan<byte> Span => _buf.AsSpan(0, _len);

    public void Release()
    {
        ArrayPool<byte>.Shared.Return(_buf);
        _buf = [];
        _len = 0;
    }
}

/// <summary>Renders FreeSWITCH event-socket frames byte for byte as FreeSWITCH 1.10.12 does.</summary>
internal static class Wire
{
    public static readonly byte[] Hex = "0123456789ABCDEF"u8.ToArray();
    public static readonly byte[] HexLower = "0123456789abcdef"u8.ToArray();

    // switch_url_encode's unsafe list (besides control and non-ASCII bytes).
    private const string UrlUnsafe = "\r\n \"#%&+:;<=>?@[\\]^`{|}";

    public const string GoodbyeText = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

    public static bool IsUrlUnsafe(byte b) => b < 128 && UrlUnsafe.Contains((char)b, StringComparison.Ordinal);

    [ThreadStatic]
    private static FrameBuffer? t_buffer;

    public static FrameBuffer Buffer()
    {
        var b = t_buffer ??= new FrameBuffer(8192);
        b.Clear();
        return b;
    }

    public static string UrlEncode(string s)
    {
        var b = new FrameBuffer(s.Length * 3 + 16);
        b.UrlEncoded(s);
        string r = Encoding.UTF8.GetString(b.Span);
        b.Release();
        return r;
    }

    /// <summary><c>Content-Type: command/reply</c> + <c>Reply-Text</c> (not encoded), plus optional extra headers.</summary>
    public static byte[] CommandReply(string replyText, string? extraName = null, string? extraValue = null)
    {
        var b = Buffer();
        b.Ascii("Content-Type: command/reply\nReply-Text: ");
        b.Ascii(replyText);
        b.Byte((byte)'\n');
        if (extraName is not null)
        {
            b.Ascii(extraName);
            b.Ascii(": ");
            b.Ascii(extraValue ?? string.Empty);
            b.Byte((byte)'\n');
        }

        b.Byte((byte)'\n');
        return b.ToArray();
    }

    /// <summary><c>Content-Type: api/response</c> then <c>Content-Length</c>, then the body as is.</summary>
    public static byte[] ApiResponse(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var b = Buffer();
        b.Ascii("Content-Type: api/response\nContent-Length: ");
        b.Int(bytes.Length);
        b.Ascii("\n\n");
        b.Bytes(bytes);
        return b.ToArray();
    }

    /// <summary>The notice FreeSWITCH sends on an outbound socket when the session ends with linger set.</summary>
    public static byte[] LingerNotice(string uuid, string channelName, int lingerSeconds)
    {
        var b = Buffer();
        b.Ascii("Content-Type: text/disconnect-notice\nControlled-Session-UUID: ");
        b.Ascii(uuid);
        b.Ascii("\nContent-Disposition: linger\nChannel-Name: ");
        b.Ascii(channelName);
        b.Ascii("\nLinger-Time: ");
        b.Int(lingerSeconds);
        b.Ascii("\nContent-Length: 0\n\n");
        return b.ToArray();
    }

    /// <summary>The final notice before FreeSWITCH closes the socket (outbound: with the session UUID; inbound: without).</summary>
    public static byte[] DisconnectNotice(string? uuid)
    {
        var b = Buffer();
        b.Ascii("Content-Type: text/disconnect-notice\n");
        if (uuid is not null)
        {
            b.Ascii("Controlled-Session-UUID: ");
            b.Ascii(uuid);
            b.Ascii("\nContent-Disposition: disconnect\n");
        }

        b.Ascii("Content-Length: 67\n\n");
        b.Ascii(GoodbyeText);
        return b.ToArray();
    }

    public static readonly byte[] AuthRequest = "Content-Type: auth/request\n\n"u8.ToArray();

    public static readonly byte[] RudeRejection = "Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n"u8.ToArray();

    public static readonly byte[] ReplyOk = "Content-Type: command/reply\nReply-Text: +OK\n\n"u8.ToArray();

    public static byte[] LogData(int level, string text, string? uuid, string file, string function, int line)
    {
        var body = Encoding.UTF8.GetBytes(text);
        var b = Buffer();
        b.Ascii("Content-Type: log/data\nContent-Length: ");
        b.Int(body.Length);
        b.Ascii("\nLog-Level: ");
        b.Int(level);
        b.Ascii("\nText-Channel: 3\nLog-File: ");
        b.Ascii(file);
        b.Ascii("\nLog-Func: ");
        b.Ascii(function);
        b.Ascii("\nLog-Line: ");
        b.Int(line);
        b.Ascii("\nUser-Data: ");
        b.Ascii(uuid ?? string.Empty);
        b.Ascii("\n\n");
        b.Bytes(body);
        return b.ToArray();
    }
}
