using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IvrEngine.Tests.Hardening;

/// <summary>Hostile peers of the outbound port, all on loopback: sockets that never answer <c>connect</c>, or answer it
/// with channel data and then say nothing more. Each holds one descriptor on both sides until disposed. A reconnecting
/// flood (<see cref="ReconnectingAsync"/>) opens each socket the engine closes again at once.</summary>
internal sealed class HostilePeers : IAsyncDisposable
{
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _answering = [];
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Sockets that connected (some may wait in the engine's backlog).</summary>
    public int Open => _sockets.Count;

    /// <summary>Connections refused or timed out while opening (the backlog was full).</summary>
    public int Failed { get; private set; }

    /// <summary>Opens <paramref name="count"/> connections; with <paramref name="answerConnect"/> each one answers the
    /// engine's <c>connect</c> with channel data (whenever the engine gets to it) and then goes silent.</summary>
    public static async Task<HostilePeers> OpenAsync(IPEndPoint endPoint, int count, bool answerConnect)
    {
        var peers = new HostilePeers();
        for (var i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.ConnectAsync(endPoint, timeout.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                peers.Failed++;
                continue;
            }

            peers._sockets.Add(socket);
            if (answerConnect) peers._answering.Add(AnswerConnectAsync(socket, peers._stop.Token));
        }

        return peers;
    }

    /// <summary>Opens <paramref name="count"/> sockets at once and keeps them open: each one the engine closes is
    /// opened again at once, until disposed, as an attacker who reconnects would. Each one is silent, or with
    /// <paramref name="answerConnect"/> answers <c>connect</c> with channel data and then goes silent. Completes when
    /// every socket connected once, or when <paramref name="patience"/> is over (the rest go on trying).</summary>
    public static async Task<HostilePeers> ReconnectingAsync(IPEndPoint endPoint, int count, TimeSpan patience, bool answerConnect = false)
    {
        var peers = new HostilePeers();
        var connected = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < count; i++)
        {
            peers._answering.Add(peers.HoldAsync(endPoint, answerConnect, () =>
            {
                if (Interlocked.Increment(ref connected) == count) all.TrySetResult();
            }));
        }

        await all.Task.WaitAsync(patience).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return peers;
    }

    /// <summary>Connection attempts made by a reconnecting flood (the first ones included).</summary>
    public long Attempts => Interlocked.Read(ref _attempts);

    private long _attempts;

    private async Task HoldAsync(IPEndPoint endPoint, bool answerConnect, Action firstConnected)
    {
        await Task.Yield();
        var buffer = new byte[512];
        var first = true;
        while (!_stop.IsCancellationRequested)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            Interlocked.Increment(ref _attempts);
            try
            {
                await socket.ConnectAsync(endPoint, _stop.Token);
                if (first) firstConnected();
                first = false;
                if (answerConnect)
                {
                    await AnswerConnectAsync(socket, _stop.Token);
                    continue;
                }

                while (await socket.ReceiveAsync(buffer, _stop.Token) > 0)
                {
                    // Silent: what the engine sends is read and dropped until it closes the socket.
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return; // Nobody listens any more: the engine is gone, stop rather than spin.
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Reset by the engine, or the flood is over.
            }
        }
    }

    /// <summary>A channel-data reply to <c>connect</c>, as FreeSWITCH sends it (only the headers the engine reads).</summary>
    public static byte[] ChannelData(string uuid) => Encoding.ASCII.GetBytes(
        "Content-Type: command/reply\nSocket-Mode: async\nControl: full\nEvent-Name: CHANNEL_DATA\n" +
        $"Unique-ID: {uuid}\nChannel-Name: sofia/internal/1000%40127.0.0.1\nCaller-Caller-ID-Number: 1000\n" +
        "Caller-Destination-Number: 5999\n\n");

    private static async Task AnswerConnectAsync(Socket socket, CancellationToken stop)
    {
        var buffer = new byte[512];
        var seen = new StringBuilder();
        try
        {
            while (!seen.ToString().Contains("\n\n", StringComparison.Ordinal))
            {
                var read = await socket.ReceiveAsync(buffer, stop);
                if (read == 0) return;
                seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            await socket.SendAsync(ChannelData(Guid.NewGuid().ToString()), stop);

            // Silent from here on; what the engine sends is read and dropped until it closes.
            while (await socket.ReceiveAsync(buffer, stop) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The engine closed it, or the test is over.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var socket in _sockets) socket.Dispose();
        await Task.WhenAll(_answering).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
