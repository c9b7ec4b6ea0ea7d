using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace IvrEngine.Simulator;

/// <summary>A command parsed from the wire.</summary>
internal sealed class ParsedCommand
{
    public required string Line { get; init; }

    public required Dictionary<string, string> Headers { get; init; }

    public string? Body { get; init; }

    public List<string>? Errors { get; init; }

    public ReceivedCommand ToReceived() => new(Line, Headers, Body);
}

/// <summary>Per-connection event subscription, as mod_event_socket keeps it.</summary>
internal sealed class Subscription
{
    public bool Enabled { get; set; }

    public EventFormat Format { get; set; }

    public bool All { get; set; }

    public HashSet<string> Names { get; } = new(StringComparer.Ordinal);

    public bool AllCustom { get; set; }

    public HashSet<string> Subclasses { get; } = new(StringComparer.Ordinal);

    /// <summary>Set by <c>myevents</c>: only this channel's events (plus this connection's BACKGROUND_JOBs).</summary>
    public string? MyUuid { get; set; }

    public List<KeyValuePair<string, string>> Filters { get; } = [];

    public bool Wants(EslEvent ev, EslConnection conn)
    {
        if (!Enabled)
        {
            return false;
        }

        bool named = All || Names.Contains(ev.Name);
        if (ev.Name == "CUSTOM" && !All)
        {
            named = Names.Contains("CUSTOM") && (AllCustom || (ev.Subclass is not null && Subclasses.Contains(ev.Subclass)));
        }

        if (!named)
        {
            return false;
        }

        if (MyUuid is not null)
        {
            bool mine = ev.ChannelUuid == MyUuid || (ev.Name == "BACKGROUND_JOB" && ReferenceEquals(ev.JobOwner, conn));
            if (!mine)
            {
                return false;
            }
        }

        if (Filters.Count > 0)
        {
            foreach (var f in Filters)
            {
                var v = ev.Get(f.Key);
                if (v is null)
                {
                    continue;
                }

                if (f.Value.Length > 1 && f.Value[0] == '/' && f.Value[^1] == '/')
                {
                    if (System.Text.RegularExpressions.Regex.IsMatch(v, f.Value[1..^1]))
                    {
                        return true;
                    }
                }
                else if (v == f.Value)
                {
                    return true;
                }
            }

            return false;
        }

        return true;
    }
}

/// <summary>One TCP event-socket connection: framed reading, an ordered asynchronous writer, and its subscription.</summary>
internal sealed class EslConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly Channel<(byte[]? Data, int Action)> _out =
        Channel.CreateUnbounded<(byte[]?, int)>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _rbuf = new byte[1024];
    private int _rstart;
    private int _rend;
    private int _closing;
    private List<byte[]>? _held;

    public EslConnection(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _ = WriterLoopAsync();
    }

    public Subscription Subscription { get; } = new();

    /// <summary>Log level asked for with <c>log</c> (inbound connections).</summary>
    public int LogLevel { get; set; } = -1;

    /// <summary>Completes when the socket is closed (by either side); never faults.</summary>
    public Task Closed => _closed.Task;

    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    /// <summary>Called (on the writer's side) whenever an event frame is queued; used for turnaround measurement.</summary>
    public Action? OnEventSent { get; set; }

    /// <summary>Sync-mode socket: events are held while an application runs and flushed after the reply.</summary>
    public void HoldEvents()
    {
        lock (_out)
        {
            _held ??= [];
        }
    }

    public void ReleaseEvents()
    {
        lock (_out)
        {
            var h = _held;
            _held = null;
            if (h is null)
            {
                return;
            }

            foreach (var f in h)
            {
                _out.Writer.TryWrite((f, 0));
            }
        }
    }

    public void Send(byte[] frame)
    {
        if (IsClosing)
        {
            return;
        }

        lock (_out)
        {
            _out.Writer.TryWrite((frame, 0));
        }
    }

    /// <summary>Delivers the event if this connection's subscription wants it.</summary>
    public bool Deliver(EslEvent ev)
    {
        if (IsClosing || !Subscription.Wants(ev, this))
        {
            return false;
        }

        var frame = ev.Render(Subscription.Format);
        lock (_out)
        {
            // Checked again under the lock: nothing follows the last frames of SendLastAndClose.
            if (IsClosing)
            {
                return false;
            }

            if (_held is not null)
            {
                _held.Add(frame);
            }
            else
            {
                _out.Writer.TryWrite((frame, 0));
            }
        }

        OnEventSent?.Invoke();
        return true;
    }

    /// <summary>Sends <paramref name="frames"/> as the connection's last bytes, in one write, then shuts the socket
    /// down: FreeSWITCH writes "+OK bye" and the disconnect notice back to back and closes, and sends no event after
    /// them (one being delivered meanwhile is dropped).</summary>
    public void SendLastAndClose(params byte[][] frames)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        lock (_out)
        {
            _out.Writer.TryWrite((frames.SelectMany(f => f).ToArray(), 0));
            _out.Writer.TryWrite((null, 1));
            _out.Writer.TryComplete();
        }
    }

    /// <summary>Sends pending frames, then shuts the socket down gracefully.</summary>
    public void CloseAfterPending()
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        lock (_out)
        {
            _out.Writer.TryWrite((null, 1));
            _out.Writer.TryComplete();
        }
    }

    public void Dispose() => Abort();

    /// <summary>Resets the connection at once (RST), dropping pending frames.</summary>
    public void Abort()
    {
        Interlocked.Exchange(ref _closing, 1);
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _stream.Dispose();
        _out.Writer.TryComplete();
        _closed.TrySetResult();
    }

    private async Task WriterLoopAsync()
    {
        try
        {
            var reader = _out.Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    if (item.Action == 1)
                    {
                        await _stream.FlushAsync().ConfigureAwait(false);
                        try
                        {
                            _socket.Shutdown(SocketShutdown.Both);
                        }
                        catch (SocketException)
                        {
                        }

                        _stream.Dispose();
                        _closed.TrySetResult();
                        return;
                    }

                    await _stream.WriteAsync(item.Data).ConfigureAwait(false);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException)
        {
        }

        Interlocked.Exchange(ref _closing, 1);
        _stream.Dispose();
        _closed.TrySetResult();
    }

    /// <summary>Reads one command (header block up to a blank line, plus Content-Length body). Null at end of stream.</summary>
    public async Task<ParsedCommand?> ReadCommandAsync(CancellationToken ct = default)
    {
        string? first = null;
        Dictionary<string, string>? headers = null;
        List<string>? errors = null;
        try
        {
            while (true)
            {
                var line = await ReadLineAsync(ct).ConfigureAwait(false);
                if (line is null)
                {
                    return null;
                }

                if (line.Length == 0)
                {
                    if (first is null)
                    {
                        continue;
                    }

                    break;
                }

                if (line.Contains('\r', StringComparison.Ordinal))
                {
                    (errors ??= []).Add($"CR inside a line: '{line.Replace("\r", "\\r", StringComparison.Ordinal)}'");
                }

                if (first is null)
                {
                    first = line;
                    headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    continue;
                }

                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    (errors ??= []).Add($"header line without a colon: '{line}'");
                    continue;
                }

                headers![line[..colon].Trim()] = line[(colon + 1)..].TrimStart(' ');
            }

            string? body = null;
            if (headers!.TryGetValue("content-length", out var cl) && int.TryParse(cl, out int n) && n > 0)
            {
                var bytes = new byte[n];
                int got = 0;
                while (got < n)
                {
                    int avail = _rend - _rstart;
                    if (avail > 0)
                    {
                        int take = Math.Min(avail, n - got);
                        Buffer.BlockCopy(_rbuf, _rstart, bytes, got, take);
                        _rstart += take;
                        got += take;
                        continue;
                    }

                    if (!await FillAsync(ct).ConfigureAwait(false))
                    {
                        return null;
                    }
                }

                body = Encoding.UTF8.GetString(bytes);
            }

            return new ParsedCommand { Line = first!, Headers = headers, Body = body, Errors = errors };
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or OperationCanceledException)
        {
            return null;
        }
    }

    private async ValueTask<string?> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            int idx = Array.IndexOf(_rbuf, (byte)'\n', _rstart, _rend - _rstart);
            if (idx >= 0)
            {
                int end = idx;
                if (end > _rstart && _rbuf[end - 1] == (byte)'\r')
                {
                    end--;
                }

                string s = Encoding.UTF8.GetString(_rbuf, _rstart, end - _rstart);
                _rstart = idx + 1;
                return s;
            }

            if (!await FillAsync(ct).ConfigureAwait(false))
            {
                return null;
            }
        }
    }

    private async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        if (_rstart > 0)
        {
            Buffer.BlockCopy(_rbuf, _rstart, _rbuf, 0, _rend - _rstart);
            _rend -= _rstart;
            _rstart = 0;
        }

        if (_rend == _rbuf.Length)
        {
            Array.Resize(ref _rbuf, _rbuf.Length * 2);
        }

        int n = await _stream.ReadAsync(_rbuf.AsMemory(_rend), ct).ConfigureAwait(false);
        if (n <= 0)
        {
            return false;
        }

        _rend += n;
        return true;
    }
}
