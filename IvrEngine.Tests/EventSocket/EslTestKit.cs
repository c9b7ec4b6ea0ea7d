using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using IvrEngine.EventSocket;

namespace IvrEngine.Tests.EventSocket;

/// <summary>Wire-text helpers for parser tests.</summary>
internal static class Wire
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>The same frame with CRLF line ends in its outer header block (the body, counted by Content-Length,
    /// is left alone).</summary>
    public static byte[] WithCrlfHeaders(string lfFrame)
    {
        var end = lfFrame.IndexOf("\n\n", StringComparison.Ordinal);
        var header = lfFrame[..(end + 2)].Replace("\n", "\r\n", StringComparison.Ordinal);
        return Utf8(header + lfFrame[(end + 2)..]);
    }

    /// <summary>Reads every complete frame from <paramref name="buffer"/> with one reader; the rest stays in it.</summary>
    public static List<EslMessage> ReadAll(EslFrameReader reader, ref ReadOnlySequence<byte> buffer)
    {
        var list = new List<EslMessage>();
        while (reader.TryRead(ref buffer, out var message)) list.Add(message!);
        return list;
    }

    public static List<EslMessage> ReadAll(byte[] stream)
    {
        var reader = new EslFrameReader(EslLimits.Default, poolEvents: false);
        var buffer = new ReadOnlySequence<byte>(stream);
        var frames = ReadAll(reader, ref buffer);
        buffer.Length.Should().Be(0, "the stream ends at a frame boundary");
        return frames;
    }

    /// <summary>The bytes of a frame as the reader cut them: header block then body.</summary>
    public static byte[] Bytes(EslMessage message) => [.. message.HeaderBlock, .. message.Body];

    /// <summary>Replaces one ASCII string by another of the same length, so every Content-Length stays right.</summary>
    public static byte[] ReplaceSameLength(byte[] frame, string from, string to)
    {
        from.Length.Should().Be(to.Length, "the replacement must keep the frame's Content-Length valid");
        var text = Encoding.UTF8.GetString(frame);
        text.Should().Contain(from);
        var replaced = Utf8(text.Replace(from, to, StringComparison.Ordinal));
        replaced.Length.Should().Be(frame.Length);
        return replaced;
    }
}

/// <summary>A segment of a hand-built multi-segment <see cref="ReadOnlySequence{T}"/>.</summary>
internal sealed class Chunk : ReadOnlySequenceSegment<byte>
{
    private Chunk(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    private Chunk Append(ReadOnlyMemory<byte> memory)
    {
        var next = new Chunk(memory, RunningIndex + Memory.Length);
        Next = next;
        return next;
    }

    /// <summary><paramref name="data"/> cut at each position in <paramref name="cuts"/> (empty pieces included).</summary>
    public static ReadOnlySequence<byte> Split(byte[] data, params int[] cuts)
    {
        var bounds = cuts.Order().Append(data.Length).ToArray();
        var first = new Chunk(data.AsMemory(0, bounds[0]), 0);
        var last = first;
        for (var i = 1; i < bounds.Length; i++) last = last.Append(data.AsMemory(bounds[i - 1], bounds[i] - bounds[i - 1]));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>One segment per byte; <c>prefixes[k]</c> is the sequence of the first k bytes (k = 0 .. length).</summary>
    public static ReadOnlySequence<byte>[] ByteByBytePrefixes(byte[] data)
    {
        var prefixes = new ReadOnlySequence<byte>[data.Length + 1];
        prefixes[0] = ReadOnlySequence<byte>.Empty;
        if (data.Length == 0) return prefixes;
        var first = new Chunk(data.AsMemory(0, 1), 0);
        var last = first;
        prefixes[1] = new ReadOnlySequence<byte>(first, 0, last, 1);
        for (var i = 1; i < data.Length; i++)
        {
            last = last.Append(data.AsMemory(i, 1));
            prefixes[i + 1] = new ReadOnlySequence<byte>(first, 0, last, 1);
        }

        return prefixes;
    }
}

/// <summary>The far end of a real TCP connection, driven byte by byte by a test: it plays FreeSWITCH (or a hostile
/// peer) and records exactly what the engine wrote.</summary>
internal sealed class RawPeer : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly List<byte> _pending = [];
    private readonly byte[] _buffer = new byte[64 * 1024];

    private RawPeer(Socket socket) => _socket = socket;

    /// <summary>An <see cref="EslConnection"/> (started unless asked not to) over a loopback socket, and the raw peer at the other end.</summary>
    public static async Task<(EslConnection Connection, RawPeer Peer)> PairAsync(EslLimits? limits = null, bool start = true)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var accept = listener.AcceptSocketAsync();
            await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint).WaitAsync(Wire.Timeout);
            var server = await accept.WaitAsync(Wire.Timeout);
            var connection = new EslConnection(client, limits);
            if (start) connection.Start();
            return (connection, new RawPeer(server));
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Connects to an engine listener, as FreeSWITCH's outbound socket does; from <paramref name="from"/>
    /// when given (another loopback address, 127.0.0.2, stands for another host).</summary>
    public static async Task<RawPeer> ConnectAsync(IPEndPoint endPoint, IPAddress? from = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (from is not null) socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(endPoint).WaitAsync(Wire.Timeout);
        return new RawPeer(socket);
    }

    /// <summary>Wraps a socket the test accepted (a fake FreeSWITCH server).</summary>
    public static RawPeer Accepted(Socket socket) => new(socket);

    public async Task SendAsync(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length) sent += await _socket.SendAsync(bytes.AsMemory(sent)).AsTask().WaitAsync(Wire.Timeout);
    }

    public Task SendAsync(string text) => SendAsync(Wire.Utf8(text));

    /// <summary>Reads one command the engine wrote: a header block up to the blank line, plus content-length body bytes.</summary>
    public async Task<byte[]> ReadCommandBytesAsync()
    {
        while (true)
        {
            if (TryTakeCommand(out var command)) return command;
            if (!await ReceiveMoreAsync())
            {
                throw new EndOfStreamException($"The engine closed the connection; {_pending.Count} bytes of a partial command were left.");
            }
        }
    }

    public async Task<string> ReadCommandAsync() => Encoding.UTF8.GetString(await ReadCommandBytesAsync());

    /// <summary>Waits until the engine closes the connection and returns what it wrote before that (not yet read).</summary>
    public async Task<byte[]> ReadToEndAsync()
    {
        while (await ReceiveMoreAsync())
        {
        }

        var rest = _pending.ToArray();
        _pending.Clear();
        return rest;
    }

    /// <summary>Closes the TCP connection (FIN), as FreeSWITCH does after exit.</summary>
    public void Close()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the other side.
        }

        _socket.Close();
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<bool> ReceiveMoreAsync()
    {
        int n;
        try
        {
            n = await _socket.ReceiveAsync(_buffer.AsMemory()).AsTask().WaitAsync(Wire.Timeout);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return false;
        }

        if (n == 0) return false;
        _pending.AddRange(_buffer.AsSpan(0, n));
        return true;
    }

    private bool TryTakeCommand(out byte[] command)
    {
        command = [];
        var data = _pending.ToArray();
        var end = data.AsSpan().IndexOf("\n\n"u8);
        if (end < 0) return false;
        var headerLength = end + 2;
        var bodyLength = 0;
        foreach (var line in Encoding.UTF8.GetString(data, 0, end).Split('\n'))
        {
            if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))
            {
                bodyLength = int.Parse(line["content-length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        if (data.Length < headerLength + bodyLength) return false;
        command = data[..(headerLength + bodyLength)];
        _pending.RemoveRange(0, command.Length);
        return true;
    }
}
