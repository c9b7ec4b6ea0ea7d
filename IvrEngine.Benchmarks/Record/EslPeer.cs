using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace IvrEngine.Benchmarks.Record;

/// <summary>One TCP connection to FreeSWITCH (the outbound socket it opened to the recorder, or an inbound event-socket
/// connection the recorder opened), with every byte recorded: what the recorder writes, one record per write, and
/// what FreeSWITCH sends, one record per message (the stream is cut only between messages). The scenario reads the
/// messages in order to follow the call.</summary>
internal sealed class EslPeer : IAsyncDisposable
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly TranscriptRecorder? _recorder;
    private readonly string _fromFs;
    private readonly string _toFs;
    private readonly Channel<WireFrame> _frames = Channel.CreateUnbounded<WireFrame>();
    private readonly Task _reader;
    private volatile bool _closedHere;

    private EslPeer(Socket socket, TranscriptRecorder? recorder, string fromFs, string toFs)
    {
        _socket = socket;
        _recorder = recorder;
        _fromFs = fromFs;
        _toFs = toFs;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>Completes when FreeSWITCH closed the connection (or it was closed here).</summary>
    public Task Closed => _reader;

    /// <summary>Wraps an accepted outbound-socket connection: records FS->APP / APP->FS.</summary>
    public static EslPeer Outbound(Socket socket, TranscriptRecorder recorder) => new(socket, recorder, "FS->APP", "APP->FS");

    /// <summary>Connects to the inbound event socket. <paramref name="fromFs"/>/<paramref name="toFs"/> name the
    /// directions in the transcript (FS->APP/APP->FS for the main connection, FS->CTL/CTL->FS for a control
    /// connection); with no recorder nothing is recorded (housekeeping between scenarios).</summary>
    public static async Task<EslPeer> ConnectAsync(IPEndPoint endPoint, TranscriptRecorder? recorder, string fromFs = "FS->CTL", string toFs = "CTL->FS")
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint).WaitAsync(DefaultWait);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new EslPeer(socket, recorder, fromFs, toFs);
    }

    /// <summary>Connects to the inbound event socket and logs in: greeting, <c>auth</c>, <c>+OK accepted</c>.</summary>
    public static async Task<EslPeer> LoginAsync(IPEndPoint endPoint, string password, TranscriptRecorder? recorder, string fromFs = "FS->CTL", string toFs = "CTL->FS")
    {
        var peer = await ConnectAsync(endPoint, recorder, fromFs, toFs);
        await peer.ExpectAsync(f => f.ContentType == "auth/request", "the auth/request greeting");
        var reply = await peer.CommandAsync($"auth {password}\n\n");
        if (reply.ReplyText != "+OK accepted")
        {
            await peer.DisposeAsync();
            throw new InvalidOperationException($"FreeSWITCH refused the password: {reply.ReplyText}");
        }

        return peer;
    }

    /// <summary>Writes <paramref name="raw"/> in one write, recorded as one record.</summary>
    public async Task SendAsync(string raw)
    {
        var bytes = Encoding.UTF8.GetBytes(raw);
        _recorder?.Add(_toFs, bytes);
        await _socket.SendAsync(bytes, SocketFlags.None);
    }

    /// <summary>Writes a command and returns its reply (command/reply or api/response); events that arrive first are
    /// passed over (they stay recorded).</summary>
    public async Task<WireFrame> CommandAsync(string raw, TimeSpan? wait = null)
    {
        await SendAsync(raw);
        return await ReplyAsync(wait);
    }

    public Task<WireFrame> ReplyAsync(TimeSpan? wait = null) =>
        ExpectAsync(f => f.IsReply, "a command/reply or api/response", wait);

    /// <summary>Reads messages until one matches; the others are passed over.</summary>
    public async Task<WireFrame> ExpectAsync(Func<WireFrame, bool> match, string what, TimeSpan? wait = null)
    {
        var frame = await TryExpectAsync(match, wait ?? DefaultWait);
        return frame ?? throw new TimeoutException($"{what}: not received on {_fromFs} within {(wait ?? DefaultWait).TotalSeconds:0.#} s.");
    }

    /// <summary>Reads messages until one matches (returned), the time is up or the connection closed (null).</summary>
    public async Task<WireFrame?> TryExpectAsync(Func<WireFrame, bool> match, TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            while (await _frames.Reader.WaitToReadAsync(timeout.Token))
            {
                while (_frames.Reader.TryRead(out var frame))
                {
                    if (match(frame)) return frame;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
        }

        return null;
    }

    /// <summary>Whether FreeSWITCH closed the connection within <paramref name="wait"/>; the messages before are
    /// passed over.</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan wait)
    {
        await TryExpectAsync(_ => false, wait);
        return _frames.Reader.Completion.IsCompleted;
    }

    /// <summary>Closes the connection from this side (shutdown, then close), as an application that goes away.</summary>
    public async Task CloseAsync()
    {
        _closedHere = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _socket.Close();
        await _reader;
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _reader;
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[1 << 16];
        var filled = 0;
        var frames = new List<WireFrame>();
        try
        {
            while (true)
            {
                if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                int n;
                try
                {
                    n = await _socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    break;
                }

                if (n == 0) break;
                filled += n;
                frames.Clear();
                var used = WireFrame.Split(buffer.AsSpan(0, filled), frames);
                foreach (var frame in frames)
                {
                    frame.Seconds = _recorder?.Add(_fromFs, frame.Bytes) ?? 0;
                    _frames.Writer.TryWrite(frame);
                }

                Buffer.BlockCopy(buffer, used, buffer, 0, filled - used);
                filled -= used;
            }

            if (filled > 0)
            {
                // Never seen from FreeSWITCH; kept so that the record stays the exact stream.
                _recorder?.Add(_fromFs, buffer.AsSpan(0, filled));
                _recorder?.Note($"{_fromFs}: the connection ended inside a message ({filled} bytes above)");
            }

            _recorder?.Note(_closedHere
                ? $"TCP connection closed by the recorder ({_fromFs} side)"
                : $"TCP connection closed by FreeSWITCH ({_fromFs} side: end of stream)");
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }
}
