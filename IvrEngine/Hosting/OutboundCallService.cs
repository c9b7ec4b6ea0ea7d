using System.Net;
using IvrEngine.Calls;
using IvrEngine.EventSocket;
using IvrEngine.Ivr;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Hosting;

/// <summary>Listens for FreeSWITCH's outbound sockets and runs each call. Calls it cannot serve (still starting,
/// draining, over the live-call limit) are refused at once so FreeSWITCH goes on to its fallback; FreeSWITCH is never
/// left waiting for <c>connect</c>.</summary>
public sealed partial class OutboundCallService(
    IOptions<EngineOptions> options,
    ScriptedCallHandler flows,
    CallRegistry registry,
    ILoggerFactory loggers,
    TimeProvider time) : IHostedLifecycleService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<OutboundCallService>();
    private readonly EngineOptions _options = options.Value;
    private readonly List<(int Max, TaskCompletionSource Done)> _liveWaiters = [];
    private EslOutboundListener? _listener;
    private volatile bool _ready;
    private volatile bool _draining;
    private int _live;
    private long _served;
    private long _refused;

    /// <summary>The bound address (the real port when 0 was configured).</summary>
    public IPEndPoint LocalEndPoint => _listener?.LocalEndPoint ?? throw new InvalidOperationException("The listener is not started.");

    /// <summary>Calls being served now.</summary>
    public int LiveCalls => Volatile.Read(ref _live);

    /// <summary>Calls served since start.</summary>
    public long ServedCalls => Interlocked.Read(ref _served);

    /// <summary>Calls refused since start.</summary>
    public long RefusedCalls => Interlocked.Read(ref _refused);

    /// <summary>Completes once no more than <paramref name="max"/> calls are live (0: the engine is idle).</summary>
    public Task WhenLiveCallsAtMostAsync(int max, CancellationToken cancellationToken = default)
    {
        lock (_liveWaiters)
        {
            if (LiveCalls <= max) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _liveWaiters.Add((max, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse(_options.ListenAddress), _options.ListenPort);
        _listener = new EslOutboundListener(endPoint, HandleAsync, EslLimits.Default, loggers);
        try
        {
            _listener.Start();
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new InvalidOperationException($"Cannot listen on {endPoint}: {ex.Message}. Set Engine:ListenAddress / Engine:ListenPort.", ex);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _ready = true;
        LogReady(_logger, LocalEndPoint.ToString(), _options.MaxLiveCalls);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        if (_listener is not null) await _listener.StopAcceptingAsync();
        LogDraining(_logger, LiveCalls, _options.DrainSeconds);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WhenLiveCallsAtMostAsync(0, cancellationToken).WaitAsync(TimeSpan.FromSeconds(_options.DrainSeconds), time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            var left = registry.Calls;
            LogDrainTimeout(_logger, left.Count);
            foreach (var call in left) call.Session.Abort();
        }
    }

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task HandleAsync(EslOutboundSession session, CancellationToken cancellationToken)
    {
        var reason = !_ready ? "still starting" : _draining ? "draining" : !TryReserveCall() ? "over the live-call limit" : null;
        if (reason is not null)
        {
            Interlocked.Increment(ref _refused);
            await session.RefuseAsync(TimeSpan.FromSeconds(1), cancellationToken);
            LogRefused(_logger, session.UniqueId, reason, LiveCalls);
            return;
        }

        try
        {
            Interlocked.Increment(ref _served);
            await ServeAsync(session);
        }
        finally
        {
            ReleaseCall();
        }
    }

    /// <summary>Takes one of the <see cref="EngineOptions.MaxLiveCalls"/> places, if one is free.</summary>
    private bool TryReserveCall()
    {
        while (true)
        {
            var live = Volatile.Read(ref _live);
            if (live >= _options.MaxLiveCalls) return false;
            if (Interlocked.CompareExchange(ref _live, live + 1, live) == live) return true;
        }
    }

    private void ReleaseCall()
    {
        var left = Interlocked.Decrement(ref _live);
        lock (_liveWaiters)
        {
            for (var i = _liveWaiters.Count - 1; i >= 0; i--)
            {
                if (left > _liveWaiters[i].Max && !_liveWaiters[i].Done.Task.IsCompleted) continue;
                _liveWaiters[i].Done.TrySetResult();
                _liveWaiters.RemoveAt(i);
            }
        }
    }

    private async Task ServeAsync(EslOutboundSession session)
    {
        ChannelData channel;
        using (var connectTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds), time))
        {
            try
            {
                channel = await session.ConnectAsync(connectTimeout.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or EslConnectionClosedException)
            {
                LogConnectFailed(_logger, session.Connection.Id, ex.Message);
                return;
            }
        }

        using var scope = _logger.BeginScope(new CallScope(channel.UniqueId));
        LogCallStarted(_logger, channel.UniqueId, channel.Ani, channel.Dnis);
        try
        {
            // Pipelined: both replies come back in order.
            var events = session.MyEventsAsync();
            var linger = session.LingerAsync();
            await Task.WhenAll(events, linger);

            using var call = new FreeSwitchCall(session);
            using var registration = registry.Track(call);
            var result = await flows.RunAsync(call, CancellationToken.None);
            LogCallFinished(_logger, channel.UniqueId, result.Outcome, result.Destination ?? "-");

            if (session.IsHungUp)
            {
                // With linger, FreeSWITCH sends the last events and a linger notice, then waits for exit.
                var noticeOrGone = Task.WhenAny(session.DisconnectNotice, session.Connection.Completion);
                await ((Task)noticeOrGone.WaitAsync(TimeSpan.FromSeconds(5), time)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (!session.Connection.IsClosed) await session.ExitAsync().WaitAsync(TimeSpan.FromSeconds(5), time);
        }
        catch (Exception ex) when (ex is EslConnectionClosedException or TimeoutException or OperationCanceledException)
        {
            LogCallLost(_logger, channel.UniqueId, ex.Message);
        }
        catch (ArgumentException ex)
        {
            // A bad value reached a call operation: this call ends, every other call goes on.
            LogCallFailed(_logger, channel.UniqueId, ex);
            await ((Task)session.HangupAsync("NORMAL_TEMPORARY_FAILURE")).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_listener is not null) await _listener.DisposeAsync();
    }

    /// <summary>The logging scope of one call: every line carries its Unique-ID.</summary>
    private sealed class CallScope(string callUuid) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public KeyValuePair<string, object> this[int index] => index == 0 ? new("CallUuid", callUuid) : throw new ArgumentOutOfRangeException(nameof(index));

        public int Count => 1;

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => "CallUuid:" + callUuid;
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Engine ready on {EndPoint} (at most {MaxLiveCalls} live calls)")]
    private static partial void LogReady(ILogger logger, string endPoint, int maxLiveCalls);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Call {CallUuid}: refused ({Reason}; {LiveCalls} live); FreeSWITCH continues its dialplan")]
    private static partial void LogRefused(ILogger logger, string callUuid, string reason, int liveCalls);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Call {CallUuid}: from {Ani} to {Dnis}")]
    private static partial void LogCallStarted(ILogger logger, string callUuid, string ani, string dnis);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Call {CallUuid}: {Outcome} (to {Target})")]
    private static partial void LogCallFinished(ILogger logger, string callUuid, string outcome, string target);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Call {CallUuid}: connection lost: {Reason}")]
    private static partial void LogCallLost(ILogger logger, string callUuid, string reason);

    [LoggerMessage(EventId = 205, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: no channel data: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string connectionId, string reason);

    [LoggerMessage(EventId = 206, Level = LogLevel.Information, Message = "Draining: {LiveCalls} live calls may go on for up to {DrainSeconds} s")]
    private static partial void LogDraining(ILogger logger, int liveCalls, int drainSeconds);

    [LoggerMessage(EventId = 207, Level = LogLevel.Warning, Message = "Drain time over: closing {Count} calls' sockets (FreeSWITCH continues their dialplan)")]
    private static partial void LogDrainTimeout(ILogger logger, int count);

    [LoggerMessage(EventId = 208, Level = LogLevel.Error, Message = "Call {CallUuid}: the flow failed")]
    private static partial void LogCallFailed(ILogger logger, string callUuid, Exception exception);
}
