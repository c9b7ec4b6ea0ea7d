using System.Diagnostics;
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
/// left waiting for <c>connect</c>. A socket is a handshake (bounded by <see cref="EngineOptions.ConnectTimeoutSeconds"/>,
/// or by <see cref="EngineOptions.HandshakeGraceMilliseconds"/> while more than <see cref="EngineOptions.MaxHandshakes"/>
/// wait) until its channel data and its replies to <c>myevents</c> and <c>linger</c> are read; only then does it take
/// one of the <see cref="EngineOptions.MaxLiveCalls"/> places.</summary>
public sealed partial class OutboundCallService(
    IOptions<EngineOptions> options,
    ScriptedCallHandler flows,
    CallRegistry registry,
    ILoggerFactory loggers,
    TimeProvider time,
    IOptions<Web.WebOptions>? web = null) : IHostedLifecycleService, IAsyncDisposable
{
    /// <summary>Descriptors left to the runtime, the store, the logs and the flows (files, pipes, threads).</summary>
    internal const int ReservedDescriptors = 256;

    private readonly ILogger _logger = loggers.CreateLogger<OutboundCallService>();
    private readonly EngineOptions _options = options.Value;
    private readonly HandshakeSlots _handshakes = new(options.Value.MaxHandshakes, TimeSpan.FromMilliseconds(options.Value.HandshakeGraceMilliseconds), time);
    private readonly List<(int Max, TaskCompletionSource Done)> _liveWaiters = [];
    private EslOutboundListener? _listener;
    private IDisposable? _liveGauge;
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

    /// <summary>Sockets waiting for their channel data now.</summary>
    public int Handshakes => _handshakes.Count;

    /// <summary>What the listener holds and how it fares, for health.</summary>
    public ListenerLoad Load => new(LiveCalls, _handshakes.Count, _handshakes.Capacity, _listener?.Connections ?? 0,
        _listener?.MaxConnections ?? 0, _listener?.IsBackingOff ?? false, _listener?.AcceptFailures ?? 0,
        _handshakes.Evicted, _handshakes.Dropped, _handshakes.TroubledRecently, _listener?.PeersRefused ?? 0);

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
        var limits = EslLimits.Default with
        {
            MaxConnections = ConnectionLimit(),
            ReplyTimeout = TimeSpan.FromSeconds(_options.ReplyTimeoutSeconds),
        };
        var allowed = _options.AllowedPeers.Select(p => EngineOptionsValidator.TryParseNetwork(p, out var network) ? network
            : throw new InvalidOperationException($"Engine:AllowedPeers \"{p}\" was not validated.")).ToList();
        _listener = new EslOutboundListener(endPoint, HandleAsync, limits, loggers, time, allowed);
        _liveGauge ??= EngineTelemetry.ObserveLiveCalls(() => LiveCalls);
        LogAdmission(_logger, _options.MaxHandshakes, _options.ConnectTimeoutSeconds, _options.HandshakeGraceMilliseconds,
            allowed.Count == 0 ? "any address" : string.Join(", ", allowed));
        if (allowed.Count == 0 && !IPAddress.IsLoopback(endPoint.Address)) LogOpenPort(_logger, endPoint.ToString());
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

    /// <summary>The sockets the listener may hold: every live call and handshake, unless the process's open-file limit
    /// is lower; then what that limit leaves once the web listener's share and a reserve are taken. Running out of
    /// descriptors would fail the runtime's own thread starts (the process aborts), so the listener must stop short.</summary>
    private int ConnectionLimit()
    {
        var wanted = (int)Math.Min(int.MaxValue, (long)_options.MaxLiveCalls + _options.MaxHandshakes);
        if (DescriptorLimit.Current is not { } limit) return wanted;
        var settings = web?.Value;
        var webShare = settings is { Enabled: true } ? (long)settings.MaxConnections + settings.MaxUpgradedConnections : 0;
        var left = limit - ReservedDescriptors - webShare;
        if (left < _options.MaxHandshakes + 1)
        {
            throw new OptionsValidationException(EngineOptions.Section, typeof(EngineOptions),
            [
                $"The open-file limit ({limit}) leaves {Math.Max(left, 0)} descriptors for the outbound listener after {ReservedDescriptors} for the engine " +
                $"and {webShare} for HTTP (Web:MaxConnections + Web:MaxUpgradedConnections); it needs more than Engine:MaxHandshakes ({_options.MaxHandshakes}). " +
                "Raise the limit (ulimit -n, LimitNOFILE=, docker --ulimit nofile=) or lower those settings.",
            ]);
        }

        if (left >= wanted) return wanted;
        LogDescriptorCap(_logger, limit, (int)left, _options.MaxLiveCalls, _options.MaxHandshakes);
        return (int)left;
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
        ChannelData? channel;
        using (var handshake = _handshakes.Enter(session))
        {
            if (!_ready || _draining)
            {
                await RefuseAsync(session, !_ready ? "still starting" : "draining", !_ready ? "starting" : "draining", cancellationToken);
                return;
            }

            channel = await HandshakeAsync(session, handshake);
            if (channel is null) return;
            if (LiveCalls >= _options.MaxLiveCalls || !await FirstRepliesAsync(session, channel, handshake) || !TryReserveCall())
            {
                if (!session.Connection.IsClosed) await RefuseAsync(session, "over the live-call limit", "over-limit", cancellationToken);
                return;
            }

            handshake.Dispose(); // A call now: never closed under pressure from here on.
        }

        try
        {
            Interlocked.Increment(ref _served);
            await ServeAsync(session, channel);
        }
        finally
        {
            ReleaseCall();
            if (session.Connection.Completion is { IsCompleted: true } closed && await closed == EslCloseReason.ReplyTimeout) _handshakes.NoteDropped();
        }
    }

    /// <param name="session">The socket refused.</param>
    /// <param name="reason">For the log.</param>
    /// <param name="tag">The <c>reason</c> of <see cref="EngineTelemetry.CallsRefused"/>: starting, draining or over-limit.</param>
    /// <param name="cancellationToken">Stops the refusal.</param>
    private async Task RefuseAsync(EslOutboundSession session, string reason, string tag, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _refused);
        EngineTelemetry.CallsRefused.Add(1, new KeyValuePair<string, object?>("reason", tag));
        await session.RefuseAsync(TimeSpan.FromSeconds(1), cancellationToken);
        LogRefused(_logger, session.UniqueId, reason, LiveCalls);
    }

    /// <summary>Sends connect and reads the channel data within the handshake timeout; null when the socket is not
    /// (or no longer) a call: it is closed then, and the reason logged.</summary>
    private async Task<ChannelData?> HandshakeAsync(EslOutboundSession session, HandshakeSlots.Lease handshake)
    {
        using var connectTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds), time);
        try
        {
            return await session.ConnectAsync(connectTimeout.Token);
        }
        catch (EslProtocolException)
        {
            _handshakes.NoteDropped(); // The session logged why and closed the socket.
        }
        catch (Exception ex) when (ex is OperationCanceledException or EslConnectionClosedException)
        {
            if (handshake.WasEvicted)
            {
                LogEvicted(_logger, session.Connection.Id, _handshakes.Grace.TotalMilliseconds, _handshakes.Capacity);
            }
            else
            {
                _handshakes.NoteDropped();
                LogConnectFailed(_logger, session.Connection.Id, ex is OperationCanceledException
                    ? $"no answer to connect within {_options.ConnectTimeoutSeconds} s" : ex.Message);
            }
        }

        session.Abort();
        return null;
    }

    /// <summary>Events <c>myevents</c> brings that the engine never reads: the call waits on each application's
    /// CHANNEL_EXECUTE_COMPLETE, never on its CHANNEL_EXECUTE, and each of those (one per command, about ten a call)
    /// carries every channel variable. <c>nixevent</c> keeps them on FreeSWITCH's side.</summary>
    private static readonly string[] Unwanted = ["CHANNEL_EXECUTE"];

    /// <summary>Subscribes to the call's events (less <see cref="Unwanted"/>), asks FreeSWITCH to linger and, when the
    /// dialplan set it, unsets <c>socket_resume</c> (pipelined: the replies come back in order), still as part of the
    /// handshake: FreeSWITCH replies within milliseconds, and a peer that answered
    /// connect and then says nothing must not hold a live-call place while it is waited for. False when the socket
    /// closed meanwhile (under pressure, or the handshake timeout), the reason logged.</summary>
    private async Task<bool> FirstRepliesAsync(EslOutboundSession session, ChannelData channel, HandshakeSlots.Lease handshake)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds), time);
        try
        {
            var events = session.MyEventsAsync(cancellationToken: timeout.Token);
            var quieter = session.UnsubscribeAsync(Unwanted, timeout.Token);
            var linger = session.LingerAsync(cancellationToken: timeout.Token);

            // The dialplan sets socket_resume so that a socket closed before connect (an engine that died in its
            // handshake) resumes the dialplan: the next engine, then the fallback. From here the engine has the call,
            // and a socket it closes after its transfer must not reset the channel and pull the caller out of the
            // queue. Should the engine die before this unset is done, the variable is still there and FreeSWITCH
            // resumes the dialplan, which is right for a call no menu has run on yet.
            var kept = channel.SocketResume ? session.UnsetSocketResumeAsync(channel, timeout.Token) : Task.CompletedTask;
            await Task.WhenAll(events, quieter, linger, kept);
            return true;
        }
        catch (Exception ex) when (ex is OperationCanceledException or EslConnectionClosedException)
        {
            if (handshake.WasEvicted)
            {
                LogEvicted(_logger, session.Connection.Id, _handshakes.Grace.TotalMilliseconds, _handshakes.Capacity);
            }
            else
            {
                _handshakes.NoteDropped();
                LogFirstRepliesFailed(_logger, session.Connection.Id, channel.UniqueId, ex is OperationCanceledException
                    ? $"no reply to the first commands (myevents, nixevent, linger, the socket_resume unset) within {_options.ConnectTimeoutSeconds} s" : ex.Message);
            }
        }

        session.Abort();
        return false;
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

    private async Task ServeAsync(EslOutboundSession session, ChannelData channel)
    {
        // The call's activity (when something listens): its trace id joins the log lines of the CallUuid scope.
        using var activity = EngineTelemetry.StartCall(channel.UniqueId, channel.Dnis);
        using var scope = _logger.BeginScope(new CallScope(channel.UniqueId));
        LogCallStarted(_logger, channel.UniqueId, channel.Ani, channel.Dnis);
        var outcome = LostOutcome;
        string? flow = null;
        try
        {
            using var call = new FreeSwitchCall(session);
            using var registration = registry.Track(call);
            var result = await flows.RunAsync(call, CancellationToken.None);
            (outcome, flow) = (result.Outcome, result.Flow);
            LogCallFinished(_logger, channel.UniqueId, result.Outcome, result.Destination ?? "-");
            if (activity is not null)
            {
                activity.SetTag("ivr.flow", result.Flow);
                activity.SetTag("ivr.outcome", result.Outcome);
                if (result.Outcome == Scripts.Runtime.FlowOutcome.Failed) activity.SetStatus(ActivityStatusCode.Error, result.Outcome);
            }

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
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
        }
        catch (ArgumentException ex)
        {
            // A bad value reached a call operation: this call ends, every other call goes on.
            outcome = Scripts.Runtime.FlowOutcome.Failed;
            LogCallFailed(_logger, channel.UniqueId, ex);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            await ((Task)session.HangupAsync("NORMAL_TEMPORARY_FAILURE")).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            EngineTelemetry.CallsEnded.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("flow", flow ?? NoFlowTag));
        }
    }

    /// <summary>The <c>outcome</c> of <see cref="EngineTelemetry.CallsEnded"/> when the connection was lost before the
    /// flow reported how the call ended (the flow's outcomes are those of the interaction record).</summary>
    internal const string LostOutcome = "lost";

    /// <summary>The <c>flow</c> of <see cref="EngineTelemetry.CallsEnded"/> when no flow served the call.</summary>
    internal const string NoFlowTag = "none";

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _liveGauge?.Dispose();
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

    [LoggerMessage(EventId = 209, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: closed under pressure: connect and the first commands not answered within {GraceMs} ms while more than {MaxHandshakes} handshakes waited")]
    private static partial void LogEvicted(ILogger logger, string connectionId, double graceMs, int maxHandshakes);

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "The open-file limit is {Limit}: the outbound listener holds at most {Sockets} sockets, fewer than Engine:MaxLiveCalls ({MaxLiveCalls}) + Engine:MaxHandshakes ({MaxHandshakes})")]
    private static partial void LogDescriptorCap(ILogger logger, long limit, int sockets, int maxLiveCalls, int maxHandshakes);

    [LoggerMessage(EventId = 213, Level = LogLevel.Warning, Message = "Connection {ConnectionId} (channel {CallUuid}): not a call: {Reason}")]
    private static partial void LogFirstRepliesFailed(ILogger logger, string connectionId, string callUuid, string reason);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Outbound sockets: up to {MaxHandshakes} handshakes may take {ConnectTimeoutSeconds} s to answer connect, past that {GraceMs} ms each; accepted from {AllowedPeers}")]
    private static partial void LogAdmission(ILogger logger, int maxHandshakes, int connectTimeoutSeconds, int graceMs, string allowedPeers);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "The outbound socket listens on {EndPoint}, not loopback, and takes connections from any address (it has no authentication): set Engine:AllowedPeers to FreeSWITCH's addresses, or firewall the port")]
    private static partial void LogOpenPort(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 208, Level = LogLevel.Error, Message = "Call {CallUuid}: the flow failed")]
    private static partial void LogCallFailed(ILogger logger, string callUuid, Exception exception);
}

/// <summary>What the outbound listener holds and how it fares.</summary>
/// <param name="LiveCalls">Calls being served.</param>
/// <param name="Handshakes">Sockets waiting for their channel data.</param>
/// <param name="MaxHandshakes">Engine:MaxHandshakes.</param>
/// <param name="Connections">Sockets held: calls, handshakes, refusals, closings.</param>
/// <param name="MaxConnections">The most sockets held at once.</param>
/// <param name="BackingOff">Accepting fails for want of resources; the listener waits between tries.</param>
/// <param name="AcceptFailures">Failed accepts since start.</param>
/// <param name="Evicted">Handshakes closed under pressure since start (not answered within the grace while more than
/// MaxHandshakes waited).</param>
/// <param name="Dropped">Sockets closed without becoming a call since start (no answer, not a channel, silent).</param>
/// <param name="TroubledRecently">A socket was evicted or dropped in the last minute.</param>
/// <param name="PeersRefused">Connections closed unread since start, their address not among Engine:AllowedPeers.</param>
public sealed record ListenerLoad(int LiveCalls, int Handshakes, int MaxHandshakes, int Connections, int MaxConnections, bool BackingOff,
    long AcceptFailures, long Evicted, long Dropped, bool TroubledRecently, long PeersRefused = 0);
