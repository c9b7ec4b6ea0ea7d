using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IvrEngine.EventSocket;

/// <summary>Settings of the inbound client (engine to FreeSWITCH, port 8021).</summary>
public sealed record EslInboundOptions
{
    /// <summary>FreeSWITCH's host.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>event_socket.conf.xml listen-port.</summary>
    public int Port { get; init; } = 8021;

    /// <summary>event_socket.conf.xml password.</summary>
    public string Password { get; init; } = string.Empty;

    /// <summary>First wait before reconnecting; doubled after each failure up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait between reconnect attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a TCP connect plus authentication may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Event format for subscriptions.</summary>
    public EslEventFormat EventFormat { get; init; } = EslEventFormat.Plain;

    /// <summary>Frame caps.</summary>
    public EslLimits Limits { get; init; } = EslLimits.Default;
}

/// <summary>A connection state change of the inbound client.</summary>
/// <param name="Connected">True once logged in, false when the connection dropped or a connect failed.</param>
/// <param name="Generation">The login's number.</param>
/// <param name="Error">Why not connected.</param>
/// <param name="CoreUuid">The Core-UUID FreeSWITCH reported at this login (see <see cref="EslInboundClient.CoreUuid"/>).</param>
public sealed record EslInboundState(bool Connected, int Generation, string? Error, string? CoreUuid = null);

/// <summary>The engine's control connection to FreeSWITCH: authenticates, runs api/bgapi, keeps event subscriptions
/// and filters, and reconnects with backoff, subscribing again, whenever the connection drops.</summary>
public sealed partial class EslInboundClient : IAsyncDisposable
{
    private readonly EslInboundOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Broadcaster<EslEvent> _events;
    private readonly Broadcaster<EslInboundState> _states;
    private readonly object _gate = new();
    private readonly HashSet<string> _subscribed = new(StringComparer.Ordinal) { "BACKGROUND_JOB" };
    private readonly List<(string Header, string Value)> _filters = [];
    private TaskCompletionSource<EslConnection> _current = NewCurrent();
    private Task? _loop;
    private int _generation;
    private string? _coreUuid;

    /// <summary>Creates the client; nothing connects until <see cref="StartAsync"/>.</summary>
    public EslInboundClient(EslInboundOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _events = new Broadcaster<EslEvent>(ex => LogObserverFault(_logger, ex));
        _states = new Broadcaster<EslInboundState>(ex => LogObserverFault(_logger, ex));
    }

    /// <summary>Events of every connection, continuing across reconnects (owned copies).</summary>
    public IObservable<EslEvent> Events => _events;

    /// <summary>Connected / disconnected, with a generation number that grows with each successful login.</summary>
    public IObservable<EslInboundState> States => _states;

    /// <summary>True while authenticated.</summary>
    public bool IsConnected
    {
        get
        {
            lock (_gate) return _current.Task.IsCompletedSuccessfully && !_current.Task.Result.IsClosed;
        }
    }

    /// <summary>How many times the client has logged in.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>The Core-UUID of the FreeSWITCH this client is logged in to (or was, last): asked with
    /// <c>api global_getvar core_uuid</c> at each login, before the connection is handed out; when that gives none, the
    /// <c>Core-UUID</c> header of the first event. It names the box: a call's connect data carries the same one. A
    /// FreeSWITCH that restarts gets a new one, learnt at the next login.</summary>
    public string? CoreUuid => Volatile.Read(ref _coreUuid);

    /// <summary>The api command that asks FreeSWITCH its Core-UUID (<c>core_uuid</c>, a global variable set as the core
    /// starts).</summary>
    public const string CoreUuidQuery = "global_getvar core_uuid";

    /// <summary>Starts connecting in the background and returns once the first login succeeded (or
    /// <paramref name="cancellationToken"/> fires; the client keeps trying).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _loop ??= Task.Run(RunAsync, CancellationToken.None);
        await CurrentAsync(cancellationToken);
    }

    /// <summary><c>api</c>; waits for a connection when there is none.</summary>
    public async Task<EslApiResponse> ApiAsync(string command, CancellationToken cancellationToken = default) =>
        await (await CurrentAsync(cancellationToken)).ApiAsync(command, cancellationToken);

    /// <summary><c>bgapi</c>; waits for a connection when there is none.</summary>
    public async Task<BackgroundJobResult> BackgroundApiAsync(string command, CancellationToken cancellationToken = default) =>
        await (await CurrentAsync(cancellationToken)).BackgroundApiAsync(command, cancellationToken);

    /// <summary><c>sendmsg &lt;uuid&gt;</c>.</summary>
    public async Task<EslReply> SendMessageAsync(SendMessage message, CancellationToken cancellationToken = default) =>
        await (await CurrentAsync(cancellationToken)).SendMessageAsync(message, cancellationToken);

    /// <summary>Adds events to the subscription, now and after every reconnect.</summary>
    public async Task SubscribeAsync(IEnumerable<string> eventNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventNames);
        var names = eventNames.Select(n => EslCommandWriter.EnsureToken(n, nameof(eventNames))).ToArray();
        lock (_gate) _subscribed.UnionWith(names);
        var reply = await (await CurrentAsync(cancellationToken)).SubscribeAsync(_options.EventFormat, names, cancellationToken);
        if (!reply.IsOk) throw new EslCommandException($"event {string.Join(' ', names)}: {reply.ReplyText}", reply.ReplyText);
    }

    /// <summary>Adds a filter, now and after every reconnect.</summary>
    public async Task FilterAsync(string header, string value, CancellationToken cancellationToken = default)
    {
        EslCommandWriter.EnsureToken(header, nameof(header));
        EslCommandWriter.EnsureSingleLine(value, nameof(value));
        lock (_gate) _filters.Add((header, value));
        var reply = await (await CurrentAsync(cancellationToken)).FilterAsync(header, value, cancellationToken);
        if (!reply.IsOk) throw new EslCommandException($"filter {header} {value}: {reply.ReplyText}", reply.ReplyText);
    }

    /// <summary>The live connection, waiting for one when there is none.</summary>
    public Task<EslConnection> CurrentAsync(CancellationToken cancellationToken = default)
    {
        Task<EslConnection> current;
        lock (_gate) current = _current.Task;
        return current.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var failures = 0;
        while (!_stopping.IsCancellationRequested)
        {
            EslConnection? connection = null;
            try
            {
                connection = await ConnectOnceAsync(_stopping.Token);
                failures = 0;
                var generation = Interlocked.Increment(ref _generation);
                LogConnected(_logger, _options.Host, _options.Port, generation);
                lock (_gate) _current.TrySetResult(connection);
                _states.OnNext(new EslInboundState(true, generation, null, CoreUuid));
                var reason = await connection.Completion.WaitAsync(_stopping.Token);
                LogDisconnected(_logger, _options.Host, _options.Port, reason.ToString());
                _states.OnNext(new EslInboundState(false, generation, reason.ToString()));
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is SocketException or IOException or EslConnectionClosedException or EslProtocolException
                                           or EslCommandException or OperationCanceledException or TimeoutException)
            {
                failures++;
                LogConnectFailed(_logger, _options.Host, _options.Port, ex.Message);
                _states.OnNext(new EslInboundState(false, Generation, ex.Message));
            }
            finally
            {
                lock (_gate)
                {
                    if (_current.Task.IsCompleted) _current = NewCurrent();
                }

                if (connection is not null) await connection.DisposeAsync();
            }

            if (_stopping.IsCancellationRequested) break;
            try
            {
                await Task.Delay(Backoff(failures), _time, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private TimeSpan Backoff(int failures)
    {
        if (failures == 0) return _options.ReconnectMinDelay;
        var factor = Math.Pow(2, Math.Min(failures - 1, 16));
        var delay = TimeSpan.FromTicks((long)Math.Min(_options.ReconnectMaxDelay.Ticks, _options.ReconnectMinDelay.Ticks * factor));
        return delay;
    }

    private async Task<EslConnection> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        EslConnection? connection = null;
        try
        {
            await socket.ConnectAsync(_options.Host, _options.Port, timeout.Token);
            connection = new EslConnection(socket, _options.Limits, _logger);
            var sink = new AuthSink();
            connection.StartCore(sink);
            await sink.Greeting.Task.WaitAsync(timeout.Token);
            var auth = await connection.SendCommandAsync("auth " + EslCommandWriter.EnsureSingleLine(_options.Password, "password"), timeout.Token);
            if (!auth.IsOk)
            {
                throw new EslCommandException($"FreeSWITCH refused the event-socket password ({auth.ReplyText})", auth.ReplyText);
            }

            string[] names;
            (string Header, string Value)[] filters;
            lock (_gate)
            {
                names = [.. _subscribed];
                filters = [.. _filters];
            }

            var subscribed = await connection.SubscribeAsync(_options.EventFormat, names, timeout.Token);
            if (!subscribed.IsOk) throw new EslCommandException($"event subscription refused: {subscribed.ReplyText}", subscribed.ReplyText);
            foreach (var (header, value) in filters) await connection.FilterAsync(header, value, timeout.Token);
            await LearnCoreUuidAsync(connection, timeout.Token);
            connection.Events.Subscribe(new Forwarder(this));
            return connection;
        }
        catch
        {
            if (connection is not null) await connection.DisposeAsync();
            else socket.Dispose();
            throw;
        }
    }

    /// <summary>Asks the box its Core-UUID; an answer that is not one (an old or stripped FreeSWITCH) leaves it to
    /// the first event's header.</summary>
    private async Task LearnCoreUuidAsync(EslConnection connection, CancellationToken cancellationToken)
    {
        string answer;
        try
        {
            answer = (await connection.ApiAsync(CoreUuidQuery, cancellationToken)).Body.Trim();
        }
        catch (EslCommandException ex)
        {
            answer = ex.Message;
        }

        if (Guid.TryParse(answer, out _))
        {
            Volatile.Write(ref _coreUuid, answer);
        }
        else
        {
            Volatile.Write(ref _coreUuid, null);
            var firstLine = answer.Split('\n')[0];
            LogNoCoreUuid(_logger, _options.Host, _options.Port, firstLine.Length == 0 ? "nothing" : firstLine[..Math.Min(firstLine.Length, 80)]);
        }
    }

    private static TaskCompletionSource<EslConnection> NewCurrent() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        lock (_gate) _current.TrySetException(new EslConnectionClosedException("The inbound client is stopped."));
        _events.OnCompleted();
        _states.OnCompleted();
        _stopping.Dispose();
    }

    private sealed class AuthSink : IEslFrameSink
    {
        public TaskCompletionSource Greeting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnEvent(EslEvent leased) { }

        public void OnControlFrame(EslMessage message)
        {
            if (message.ContentType == EslContentType.AuthRequest) Greeting.TrySetResult();
            else if (message.ContentType == EslContentType.RudeRejection)
                Greeting.TrySetException(new EslCommandException("FreeSWITCH rejected the connection (ACL): " + message.BodyText.Trim(), message.BodyText));
        }

        public void OnClosed(EslCloseReason reason, Exception? error) =>
            Greeting.TrySetException(new EslConnectionClosedException($"closed before the auth/request greeting ({reason})"));
    }

    private sealed class Forwarder(EslInboundClient client) : IObserver<EslEvent>
    {
        public void OnCompleted() { } // A reconnect continues the stream.

        public void OnError(Exception error) { }

        public void OnNext(EslEvent value)
        {
            if (Volatile.Read(ref client._coreUuid) is null && value.GetHeader("Core-UUID") is { Length: > 0 } coreUuid)
            {
                Interlocked.CompareExchange(ref client._coreUuid, coreUuid, null);
            }

            client._events.OnNext(value);
        }
    }

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Inbound event socket {Host}:{Port} connected and authenticated (login {Generation})")]
    private static partial void LogConnected(ILogger logger, string host, int port, int generation);

    [LoggerMessage(EventId = 131, Level = LogLevel.Warning, Message = "Inbound event socket {Host}:{Port} dropped ({Reason}); reconnecting")]
    private static partial void LogDisconnected(ILogger logger, string host, int port, string reason);

    [LoggerMessage(EventId = 132, Level = LogLevel.Warning, Message = "Inbound event socket {Host}:{Port}: {Error}; retrying with backoff")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, string error);

    [LoggerMessage(EventId = 134, Level = LogLevel.Warning, Message = "Inbound event socket {Host}:{Port}: global_getvar core_uuid answered {Answer}; the box's Core-UUID is taken from its first event")]
    private static partial void LogNoCoreUuid(ILogger logger, string host, int port, string answer);

    [LoggerMessage(EventId = 133, Level = LogLevel.Error, Message = "An inbound event observer threw and was unsubscribed")]
    private static partial void LogObserverFault(ILogger logger, Exception exception);
}
