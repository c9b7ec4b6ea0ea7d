using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IvrEngine.EventSocket;

/// <summary>Accepts FreeSWITCH's outbound-socket connections and hands each one, as an
/// <see cref="EslOutboundSession"/>, to a handler. A handler's failure is logged and ends that connection only.
/// It accepts as fast as the kernel hands connections over, so that the kernel's backlog is never the queue (a full
/// backlog drops connection attempts, the real callers' among them, before the engine can see them). It holds at most
/// <see cref="EslLimits.MaxConnections"/> sockets (then it waits for one to close before accepting again), closes a
/// peer outside the allowed networks before reading or writing anything, and when accepting fails for want of
/// descriptors or buffers it backs off instead of spinning.</summary>
public sealed partial class EslOutboundListener : IAsyncDisposable
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(30);

    private readonly IPEndPoint _endPoint;
    private readonly Func<EslOutboundSession, CancellationToken, Task> _handler;
    private readonly EslLimits _limits;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _slots;
    private readonly IReadOnlyList<IPNetwork> _allowedPeers;
    private Socket? _listenSocket;
    private Task? _acceptLoop;
    private int _held;
    private long _acceptFailures;
    private long _peersRefused;
    private long? _lastPeerReport;
    private volatile bool _backingOff;

    /// <summary>Creates a listener; nothing is bound until <see cref="Start"/>. With <paramref name="allowedPeers"/>
    /// (not empty), a connection from any other address is closed at once, before anything is read or written (as
    /// mod_event_socket's own access lists do).</summary>
    public EslOutboundListener(IPEndPoint endPoint, Func<EslOutboundSession, CancellationToken, Task> handler, EslLimits? limits = null,
        ILoggerFactory? loggers = null, TimeProvider? time = null, IReadOnlyList<IPNetwork>? allowedPeers = null)
    {
        _allowedPeers = allowedPeers ?? [];
        _endPoint = endPoint ?? throw new ArgumentNullException(nameof(endPoint));
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _limits = limits ?? EslLimits.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(_limits.MaxConnections, 1, nameof(limits));
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger("IvrEngine.EventSocket.OutboundListener");
        _time = time ?? TimeProvider.System;
        _slots = new SemaphoreSlim(_limits.MaxConnections, _limits.MaxConnections);
    }

    /// <summary>The bound address (with the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint?)_listenSocket?.LocalEndPoint ?? _endPoint;

    /// <summary>Sockets accepted and not yet closed (calls, handshakes, refusals).</summary>
    public int Connections => Volatile.Read(ref _held);

    /// <summary>The most sockets held at once (<see cref="EslLimits.MaxConnections"/>).</summary>
    public int MaxConnections => _limits.MaxConnections;

    /// <summary>True while accepting fails for want of resources and the listener waits before trying again.</summary>
    public bool IsBackingOff => _backingOff;

    /// <summary>Accepts that failed since start.</summary>
    public long AcceptFailures => Interlocked.Read(ref _acceptFailures);

    /// <summary>Connections closed unread since start because their address is not among the allowed peers.</summary>
    public long PeersRefused => Interlocked.Read(ref _peersRefused);

    /// <summary>Binds and starts accepting. The backlog asked for is, unless given, as many connections as the listener
    /// may hold (the kernel caps it, at net.core.somaxconn on Linux): a burst that arrives faster than one accept loop
    /// takes it waits there for moments, not dropped.</summary>
    public void Start(int? backlog = null)
    {
        var socket = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(_endPoint);
            socket.Listen(backlog ?? Math.Max(512, _limits.MaxConnections));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _listenSocket = socket;
        LogListening(_logger, LocalEndPoint.ToString());
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Stops accepting new connections; connections already accepted go on.</summary>
    public async Task StopAcceptingAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        await _stopping.CancelAsync();
        _listenSocket?.Dispose();
        if (_acceptLoop is not null) await _acceptLoop;
    }

    private async Task AcceptLoopAsync()
    {
        var socket = _listenSocket!;
        var backoff = TimeSpan.Zero;
        long streak = 0;
        var lastReport = 0L;
        long? lastFull = null;
        while (!_stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                if (!_slots.Wait(0))
                {
                    // Every place is taken: accept nothing until a socket closes (the kernel's backlog holds the rest).
                    if (lastFull is not { } at || _time.GetElapsedTime(at) >= ReportEvery)
                    {
                        lastFull = _time.GetTimestamp();
                        LogFull(_logger, _limits.MaxConnections);
                    }

                    await _slots.WaitAsync(_stopping.Token);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            try
            {
                accepted = await socket.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || _stopping.IsCancellationRequested)
            {
                _slots.Release();
                break;
            }
            catch (SocketException ex)
            {
                _slots.Release();
                Interlocked.Increment(ref _acceptFailures);
                if (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
                {
                    continue; // That one connection went while queued; the next is fine.
                }

                // Out of descriptors or buffers: the same accept fails again at once, so wait before retrying, longer
                // each time (to a second), and log the streak, not each failure.
                streak++;
                _backingOff = true;
                backoff = backoff == TimeSpan.Zero ? MinBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                if (streak == 1 || _time.GetElapsedTime(lastReport) >= ReportEvery)
                {
                    lastReport = _time.GetTimestamp();
                    LogAcceptFailed(_logger, ex.SocketErrorCode.ToString(), streak, backoff.TotalMilliseconds);
                }

                try
                {
                    await Task.Delay(backoff, _time, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }

            if (streak > 0)
            {
                LogAcceptRecovered(_logger, streak);
                streak = 0;
                backoff = TimeSpan.Zero;
                _backingOff = false;
            }

            if (_allowedPeers.Count > 0 && !IsAllowed(accepted))
            {
                RefusePeer(accepted);
                _slots.Release();
                continue;
            }

            Interlocked.Increment(ref _held);
            _ = ServeAsync(accepted);
        }
    }

    private bool IsAllowed(Socket socket)
    {
        if (socket.RemoteEndPoint is not IPEndPoint { Address: var address }) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var network in _allowedPeers)
        {
            if (network.Contains(address)) return true;
        }

        return false;
    }

    /// <summary>Closes a connection from outside the allowed networks with a reset, nothing read or written; logs the
    /// first and then one line every 30 s with the count, not each one (a flood would flood the log too).</summary>
    private void RefusePeer(Socket socket)
    {
        var refused = Interlocked.Increment(ref _peersRefused);
        var peer = socket.RemoteEndPoint?.ToString() ?? "?";
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already reset by the peer: closing is all that is left.
        }

        socket.Dispose();
        if (_lastPeerReport is not { } at || _time.GetElapsedTime(at) >= ReportEvery)
        {
            _lastPeerReport = _time.GetTimestamp();
            LogPeerRefused(_logger, peer, refused);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        EslOutboundSession? session = null;
        try
        {
            await Task.Yield();
            var connection = new EslConnection(socket, _limits, _loggers.CreateLogger("IvrEngine.EventSocket.Connection"), _time);
            session = new EslOutboundSession(connection, _loggers.CreateLogger("IvrEngine.EventSocket.OutboundSession"));
            await _handler(session, CancellationToken.None);
        }
#pragma warning disable CA1031 // One call's failure must not reach the accept loop or any other call.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandlerFailed(_logger, session?.UniqueId ?? "-", ex);
        }
        finally
        {
            try
            {
                if (session is not null) await session.DisposeAsync();
                else socket.Dispose();
            }
            finally
            {
                Interlocked.Decrement(ref _held);
                _slots.Release();
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAcceptingAsync();
        _stopping.Dispose();
        // _slots is left to the collector: sessions still running release their places into it.
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Listening for FreeSWITCH outbound sockets on {EndPoint}")]
    private static partial void LogListening(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Accepting a connection failed ({Error}; {Failures} in a row); still listening, next try in {BackoffMs} ms")]
    private static partial void LogAcceptFailed(ILogger logger, string error, long failures, double backoffMs);

    [LoggerMessage(EventId = 123, Level = LogLevel.Information, Message = "Accepting connections again after {Failures} failures")]
    private static partial void LogAcceptRecovered(ILogger logger, long failures);

    [LoggerMessage(EventId = 124, Level = LogLevel.Warning, Message = "Holding {MaxConnections} sockets, the most allowed; accepting again when one closes")]
    private static partial void LogFull(ILogger logger, int maxConnections);

    [LoggerMessage(EventId = 125, Level = LogLevel.Warning, Message = "Closed a connection from {Peer}, not among the allowed peers ({Refused} since start; logged once every 30 s)")]
    private static partial void LogPeerRefused(ILogger logger, string peer, long refused);

    [LoggerMessage(EventId = 122, Level = LogLevel.Error, Message = "Call {CallUuid}: the call handler failed")]
    private static partial void LogHandlerFailed(ILogger logger, string callUuid, Exception exception);
}
