using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace IvrEngine.Tests.Simulator;

/// <summary>A frame read raw from the simulator.</summary>
internal sealed record RawFrame(string HeaderText, Dictionary<string, string> Headers, byte[] Raw, string? Body)
{
    public string ContentType => Headers.GetValueOrDefault("Content-Type", string.Empty);

    public string? ReplyText => Headers.GetValueOrDefault("Reply-Text");

    /// <summary>For events: the event's own headers (decoded), in order.</summary>
    public List<KeyValuePair<string, string>> EventHeaders()
    {
        var list = new List<KeyValuePair<string, string>>();
        if (ContentType == "text/event-plain" && Body is not null)
        {
            var block = Body;
            int end = block.IndexOf("\n\n", StringComparison.Ordinal);
            foreach (var line in (end >= 0 ? block[..end] : block).Split('\n'))
            {
                int c = line.IndexOf(": ", StringComparison.Ordinal);
                if (c > 0)
                {
                    list.Add(new(line[..c], Uri.UnescapeDataString(line[(c + 2)..])));
                }
            }
        }
        else if (ContentType == "text/event-json" && Body is not null)
        {
            using var doc = JsonDocument.Parse(Body);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                list.Add(new(p.Name, p.Value.GetString() ?? string.Empty));
            }
        }

        return list;
    }

    public string? EventHeader(string name) => EventHeaders().FirstOrDefault(h => h.Key == name).Value;

    public string? EventName => EventHeader("Event-Name");
}

/// <summary>A tiny raw-TCP stand-in for the engine: accepts the simulator's outbound connection or connects to its inbound server.</summary>
internal sealed class RawEsl : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private byte[] _buf = new byte[65536];
    private int _start;
    private int _end;

    public RawEsl(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawEsl> ConnectAsync(IPEndPoint ep)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(ep).WaitAsync(TimeSpan.FromSeconds(10));
        return new RawEsl(s);
    }

    public Task SendAsync(string raw) => SendAsync(Encoding.UTF8.GetBytes(raw));

    public async Task SendAsync(ReadOnlyMemory<byte> raw) => await _stream.WriteAsync(raw).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>Reads one frame, or null when the peer closed the connection.</summary>
    public async Task<RawFrame?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            int idx = IndexOfBlank();
            if (idx >= 0)
            {
                string head = Encoding.UTF8.GetString(_buf, _start, idx - _start);
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var line in head.Split('\n'))
                {
                    int c = line.IndexOf(": ", StringComparison.Ordinal);
                    if (c > 0)
                    {
                        headers.TryAdd(line[..c], line[(c + 2)..]);
                    }
                }

                int rel = idx - _start;
                int len = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl, System.Globalization.CultureInfo.InvariantCulture) : 0;
                while (_end - (_start + rel + 2) < len)
                {
                    if (!await FillAsync(cts.Token))
                    {
                        throw new IOException("closed inside a body");
                    }
                }

                int bodyStart = _start + rel + 2;
                var raw = _buf.AsSpan(_start, bodyStart + len - _start).ToArray();
                string? body = len > 0 ? Encoding.UTF8.GetString(_buf, bodyStart, len) : null;
                _start = bodyStart + len;
                return new RawFrame(head, headers, raw, body);
            }

            if (!await FillAsync(cts.Token))
            {
                return null;
            }
        }
    }

    public async Task<RawFrame> ExpectAsync(TimeSpan? timeout = null)
    {
        var f = await ReadFrameAsync(timeout);
        f.Should().NotBeNull("the simulator should have sent another frame");
        return f!;
    }

    /// <summary>Reads frames until an event with this name arrives; returns everything read.</summary>
    public async Task<List<RawFrame>> ReadUntilEventAsync(string eventName)
    {
        var list = new List<RawFrame>();
        while (true)
        {
            var f = await ExpectAsync();
            list.Add(f);
            if (f.EventName == eventName)
            {
                return list;
            }
        }
    }

    private int IndexOfBlank()
    {
        for (int i = _start; i + 1 < _end; i++)
        {
            if (_buf[i] == '\n' && _buf[i + 1] == '\n')
            {
                return i;
            }
        }

        return -1;
    }

    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buf, _start, _buf, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buf.Length)
        {
            Array.Resize(ref _buf, _buf.Length * 2);
        }

        try
        {
            int n = await _stream.ReadAsync(_buf.AsMemory(_end), ct);
            _end += n;
            return n > 0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The engine side of an outbound socket: a listener that the simulator connects to.</summary>
internal sealed class FakeEngine : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public FakeEngine() => _listener.Start();

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public async Task<RawEsl> AcceptAsync() => new(await _listener.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(10)));

    public void Dispose() => _listener.Dispose();
}

internal static class Captures
{
    /// <summary>The project's transcripts recorded from a real FreeSWITCH (IvrEngine.Tests/Transcripts, copied next to
    /// the test binaries).</summary>
    public static string Folder => Support.CaptureFiles.Directory;

    public static string PathOf(string name) => System.IO.Path.Combine(Folder, name);
}
