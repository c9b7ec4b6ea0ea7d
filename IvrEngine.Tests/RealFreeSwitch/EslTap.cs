using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>Which way a tapped message went.</summary>
internal enum TapDirection
{
    /// <summary>FreeSWITCH (or the simulator) to the engine: replies, events, notices.</summary>
    ToEngine,

    /// <summary>The engine to FreeSWITCH: commands.</summary>
    ToFreeSwitch,
}

/// <summary>One event-socket message as it crossed the tap: a header block up to a blank line, plus Content-Length
/// body bytes when that header is present (the same framing both ways).</summary>
internal sealed record TapMessage(int Index, TapDirection Direction, TimeSpan At, byte[] Bytes, int HeaderLength)
{
    /// <summary>The header block (without the blank line).</summary>
    public string HeaderText => Encoding.UTF8.GetString(Bytes, 0, HeaderLength).TrimStart('\r', '\n').TrimEnd('\r', '\n');

    /// <summary>The body, if Content-Length announced one.</summary>
    public string? Body
    {
        get
        {
            var start = BodyStart(Bytes, HeaderLength);
            return start < Bytes.Length ? Encoding.UTF8.GetString(Bytes, start, Bytes.Length - start) : null;
        }
    }

    /// <summary>The first line (a command's verb line; a reply's first header).</summary>
    public string FirstLine => HeaderText.Split('\n')[0].TrimEnd('\r');

    /// <summary>Header lines after the first (commands) or all of them (FreeSWITCH's messages): name to raw value,
    /// first occurrence wins, names case-insensitive.</summary>
    public IReadOnlyDictionary<string, string> Headers => ParseHeaders(HeaderText, skipFirst: Direction == TapDirection.ToFreeSwitch);

    public string? ContentType => Headers.TryGetValue("Content-Type", out var v) ? v : null;

    public override string ToString() => $"{Index} +{At.TotalSeconds:0.000}s {(Direction == TapDirection.ToEngine ? "FS->ENGINE" : "ENGINE->FS")} {Bytes.Length} bytes";

    internal static Dictionary<string, string> ParseHeaders(string block, bool skipFirst)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var lines = block.Split('\n');
        for (var i = skipFirst ? 1 : 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            headers.TryAdd(line[..colon].Trim(), line[(colon + 1)..].TrimStart(' '));
        }

        return headers;
    }

    private static int BodyStart(byte[] bytes, int headerLength)
    {
        // The blank line after the header block: "\n" or "\r\n".
        var at = headerLength;
        if (at < bytes.Length && bytes[at] == '\r') at++;
        if (at < bytes.Length && bytes[at] == '\n') at++;
        return at;
    }
}

/// <summary>One TCP connection through the tap: every message both ways, in the order the tap saw them.</summary>
internal sealed class TapSession
{
    private readonly object _gate = new();
    private readonly WaitableLog<TapMessage> _messages = new("the tap saw");
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TapSession(int number) => Number = number;

    /// <summary>The connection's number in the tap (0 first).</summary>
    public int Number { get; }

    /// <summary>Which side closed its sending half first: "freeswitch", "engine", or null while open.</summary>
    public string? ClosedFirstBy { get; private set; }

    /// <summary>Bytes left over at the end of a direction that did not make a whole message (should be none).</summary>
    public IReadOnlyList<string> Leftovers { get; private set; } = [];

    /// <summary>Completes when both directions ended.</summary>
    public Task Closed => _closed.Task;

    public IReadOnlyList<TapMessage> Messages => _messages.Snapshot();

    /// <summary>The first message, past or coming, that <paramref name="match"/> accepts.</summary>
    public Task<TapMessage> WaitAsync(Func<TapMessage, bool> match, TimeSpan timeout, string what) => _messages.WaitAsync(match, timeout, what);

    /// <summary>The session in the format of the team's capture transcripts (<c>### seq t=+s DIR N bytes</c>, the
    /// bytes, a newline; FS->APP / APP->FS), readable with <see cref="IvrEngine.Simulator.EslCapture"/>.</summary>
    public byte[] Transcript(string comment)
    {
        using var output = new MemoryStream();
        void Write(string text) => output.Write(Encoding.UTF8.GetBytes(text));
        foreach (var line in comment.Split('\n')) Write("# " + line + "\n");
        foreach (var m in Messages)
        {
            var dir = m.Direction == TapDirection.ToEngine ? "FS->APP" : "APP->FS";
            Write(string.Create(CultureInfo.InvariantCulture, $"### {m.Index + 1} t=+{m.At.TotalSeconds:0.000000} {dir} {m.Bytes.Length} bytes\n"));
            output.Write(m.Bytes);
            Write("\n");
        }

        return output.ToArray();
    }

    internal void Add(TapDirection direction, byte[] bytes, int headerLength) =>
        _messages.Add(index => new TapMessage(index, direction, _clock.Elapsed, bytes, headerLength));

    internal void SideClosed(TapDirection direction)
    {
        lock (_gate) ClosedFirstBy ??= direction == TapDirection.ToEngine ? "freeswitch" : "engine";
    }

    internal void Finish(IReadOnlyList<string> leftovers)
    {
        Leftovers = leftovers;
        _closed.TrySetResult();
    }
}

/// <summary>A loopback TCP proxy in front of the engine's outbound listener: FreeSWITCH (or the simulator) connects to
/// <see cref="Port"/>, the tap connects on to the engine and passes every byte both ways unchanged, keeping each
/// direction cut into event-socket messages (<see cref="TapSession"/>). A half-close is passed on as a half-close, so
/// either side sees the other end the connection exactly as it would without the tap.</summary>
internal sealed class EslTap : IAsyncDisposable
{
    /// <summary>A header block larger than this is not an event-socket message: the tap stops cutting that
    /// direction (the bytes still pass).</summary>
    private const int MaxHeaderBlock = 1 << 20;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly List<TapSession> _sessions = [];
    private readonly List<Task> _running = [];
    private readonly List<Socket> _sockets = [];
    private readonly List<(int Index, TaskCompletionSource<TapSession> Done)> _waiters = [];
    private Task? _accepting;

    private EslTap(IPEndPoint target) => _target = target;

    /// <summary>Where FreeSWITCH (or the simulator) is told the engine is.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public IReadOnlyList<TapSession> Sessions
    {
        get
        {
            lock (_gate) return _sessions.ToArray();
        }
    }

    /// <summary>Listens on a free loopback port and forwards every connection to <paramref name="target"/> (which
    /// need not listen yet: a connection is forwarded when it comes).</summary>
    public static EslTap Start(IPEndPoint target)
    {
        var tap = new EslTap(target);
        tap._listener.Start(64);
        tap._accepting = tap.AcceptAsync();
        return tap;
    }

    /// <summary>The <paramref name="index"/>-th connection (0 first), past or coming.</summary>
    public async Task<TapSession> SessionAsync(int index, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<TapSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (index < _sessions.Count) return _sessions[index];
            _waiters.Add((index, done));
        }

        try
        {
            return await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no connection #{index} reached the tap within {timeout.TotalSeconds:0} s.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Socket[] sockets;
        Task[] running;
        lock (_gate)
        {
            sockets = [.. _sockets];
            running = [.. _running];
        }

        foreach (var socket in sockets) socket.Dispose();
        if (_accepting is not null) running = [.. running, _accepting];
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket inbound;
            try
            {
                inbound = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            TapSession session;
            lock (_gate)
            {
                session = new TapSession(_sessions.Count);
                _sessions.Add(session);
                _sockets.Add(inbound);
                _running.Add(RelayAsync(session, inbound));
                for (var i = _waiters.Count - 1; i >= 0; i--)
                {
                    if (_waiters[i].Index != session.Number) continue;
                    _waiters[i].Done.TrySetResult(session);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private async Task RelayAsync(TapSession session, Socket freeSwitch)
    {
        var engine = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        freeSwitch.NoDelay = true;
        lock (_gate) _sockets.Add(engine);
        try
        {
            await engine.ConnectAsync(_target, _stop.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Nothing listens where the engine should be: refuse the caller's side the same way (reset).
            freeSwitch.LingerState = new LingerOption(true, 0);
            freeSwitch.Dispose();
            engine.Dispose();
            session.Finish([$"the engine at {_target} did not take the connection: {ex.Message}"]);
            return;
        }

        var toEngine = PumpAsync(session, freeSwitch, engine, TapDirection.ToEngine);
        var toFreeSwitch = PumpAsync(session, engine, freeSwitch, TapDirection.ToFreeSwitch);
        var leftovers = await Task.WhenAll(toEngine, toFreeSwitch);
        freeSwitch.Dispose();
        engine.Dispose();
        session.Finish(leftovers.Where(l => l is not null).Select(l => l!).ToArray());
    }

    /// <summary>Copies one direction until its end, cutting messages; returns a description of bytes that did not
    /// make a whole message, or null.</summary>
    private async Task<string?> PumpAsync(TapSession session, Socket from, Socket to, TapDirection direction)
    {
        var pending = new List<byte>();
        var buffer = new byte[16384];
        var framing = true;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, _stop.Token);
                if (read == 0) break;
                if (framing)
                {
                    pending.AddRange(buffer.AsSpan(0, read));
                    framing = Cut(session, direction, pending);
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }

            session.SideClosed(direction);
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A reset on one side: pass it on as a reset.
            session.SideClosed(direction);
            try
            {
                to.LingerState = new LingerOption(true, 0);
                to.Close();
                from.Close();
            }
            catch (Exception again) when (again is SocketException or ObjectDisposedException)
            {
                // Already gone.
            }
        }

        return pending.Count == 0 ? null : $"{direction}: {pending.Count} bytes that are not a whole message";
    }

    /// <summary>Takes every whole message off the front of <paramref name="pending"/>; false when the stream cannot be
    /// an event-socket stream (a header block past the cap).</summary>
    private static bool Cut(TapSession session, TapDirection direction, List<byte> pending)
    {
        while (true)
        {
            // FreeSWITCH skips blank lines before a command; keep them with the message that follows.
            var start = 0;
            while (start < pending.Count && (pending[start] == '\n' || pending[start] == '\r')) start++;
            var end = -1;
            for (var i = start; i + 1 < pending.Count; i++)
            {
                if (pending[i] != '\n') continue;
                if (pending[i + 1] == '\n')
                {
                    end = i + 1;
                    break;
                }

                if (pending[i + 1] == '\r' && i + 2 < pending.Count && pending[i + 2] == '\n')
                {
                    end = i + 2;
                    break;
                }
            }

            if (end < 0) return pending.Count <= MaxHeaderBlock;
            var headerLength = end - (pending[end - 1] == '\r' ? 1 : 0);
            var block = Encoding.UTF8.GetString(pending.GetRange(0, headerLength).ToArray());
            var headers = TapMessage.ParseHeaders(block.TrimStart('\r', '\n'), skipFirst: false);
            var length = headers.TryGetValue("Content-Length", out var cl)
                         && int.TryParse(cl, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
            var total = end + 1 + length;
            if (pending.Count < total) return true;
            session.Add(direction, pending.GetRange(0, total).ToArray(), headerLength);
            pending.RemoveRange(0, total);
        }
    }
}
