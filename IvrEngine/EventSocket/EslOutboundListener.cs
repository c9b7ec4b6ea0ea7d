using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IvrEngine.EventSocket;

/// <summary>Accepts FreeSWITCH's outbound-socket connections and hands each one, as an
/// <see cref="EslOutboundSession"/>, to a handler. A handler's failure is logged and ends that connection only.</summary>
public sealed partial class EslOutboundListener : IAsyncDisposable
{
    private readonly IPEndPoint _endPoint;
    private readonly Func<EslOutboundSession, CancellationToken, Task> _handler;
    private readonly EslLimits _limits;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Socket? _listenSocket;
    private Task? _acceptLoop;

    /// <summary>Creates a listener; nothing is bound until <see cref="Start"/>.</summary>
    public EslOutboundListener(IPEndPoint endPoint, Func<EslOutboundSession, CancellationToken, Task> handler, EslLimits? limits = null,
        ILoggerFactory? loggers = null)
    {
        _endPoint = endPoint ?? throw new ArgumentNullException(nameof(endPoint));
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _limits = limits ?? EslLimits.Default;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger("IvrEngine.EventSocket.OutboundListener");
    }

    /// <summary>The bound address (with the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint?)_listenSocket?.LocalEndPoint ?? _endPoint;

    /// <summary>Binds and starts accepting.</summary>
    public void Start(int backlog = 1024)
    {
        var socket = new Socket(_endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(_endPoint);
            socket.Listen(backlog);
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
        while (!_stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await socket.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException || _stopping.IsCancellationRequested)
            {
                break;
            }
            catch (SocketException ex)
            {
                // E.g. the peer reset while queued, or file descriptors ran out: keep accepting.
                LogAcceptFailed(_logger, ex.SocketErrorCode.ToString());
                continue;
            }

            _ = ServeAsync(accepted);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await Task.Yield();
        var connection = new EslConnection(socket, _limits, _loggers.CreateLogger("IvrEngine.EventSocket.Connection"));
        var session = new EslOutboundSession(connection, _loggers.CreateLogger("IvrEngine.EventSocket.OutboundSession"));
        try
        {
            await _handler(session, CancellationToken.None);
        }
#pragma warning disable CA1031 // One call's failure must not reach the accept loop or any other call.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandlerFailed(_logger, session.UniqueId, ex);
        }
        finally
        {
            await session.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAcceptingAsync();
        _stopping.Dispose();
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Listening for FreeSWITCH outbound sockets on {EndPoint}")]
    private static partial void LogListening(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Accepting a connection failed ({Error}); still listening")]
    private static partial void LogAcceptFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 122, Level = LogLevel.Error, Message = "Call {CallUuid}: the call handler failed")]
    private static partial void LogHandlerFailed(ILogger logger, string callUuid, Exception exception);
}
