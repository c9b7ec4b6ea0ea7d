using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IvrEngine.EventSocket;

/// <summary>The engine's side of FreeSWITCH's outbound socket (<c>socket host:port async full</c>): one channel, one
/// connection. <c>connect</c> comes first; executes complete on their own CHANNEL_EXECUTE_COMPLETE, matched by
/// Event-UUID; a hangup or a closed socket ends every pending wait at once.</summary>
public sealed partial class EslOutboundSession : IEslFrameSink, IAsyncDisposable
{
    private readonly EslConnection _connection;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, PendingExecute> _executes = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<HangupInfo> _hangup = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<EslDisconnectNotice> _disconnectNotice = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Broadcaster<DtmfDigit> _dtmf;
    private byte[] _uniqueIdUtf8 = [];
    private ChannelData? _channel;
    private volatile HangupInfo? _hungUp;

    /// <summary>Wraps an accepted connection; starts reading at once.</summary>
    public EslOutboundSession(EslConnection connection, ILogger? logger = null)
    {
        _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        _logger = logger ?? NullLogger.Instance;
        _dtmf = new Broadcaster<DtmfDigit>(ex => LogObserverFault(_logger, UniqueId, ex));
        _connection.StartCore(this);
    }

    /// <summary>The connection underneath.</summary>
    public EslConnection Connection => _connection;

    /// <summary>The channel data, after <see cref="ConnectAsync"/>.</summary>
    public ChannelData Channel => _channel ?? throw new InvalidOperationException("connect has not been answered yet.");

    /// <summary>The channel's Unique-ID once connected, else the connection's id (for logs).</summary>
    public string UniqueId => _channel?.UniqueId ?? _connection.Id;

    /// <summary>Every event of the connection (owned copies).</summary>
    public IObservable<EslEvent> Events => _connection.Events;

    /// <summary>DTMF digits of this channel, as they are pressed.</summary>
    public IObservable<DtmfDigit> Dtmf => _dtmf;

    /// <summary>Completes when the channel hangs up, or the socket closes first (then <see cref="HangupInfo.Disconnected"/>).</summary>
    public Task<HangupInfo> HangupTask => _hangup.Task;

    /// <summary>The first text/disconnect-notice FreeSWITCH sent (linger or disconnect).</summary>
    public Task<EslDisconnectNotice> DisconnectNotice => _disconnectNotice.Task;

    /// <summary>True once the channel hung up or the socket closed.</summary>
    public bool IsHungUp => _hungUp is not null;

    /// <summary>Sends <c>connect</c> (it must be the first command) and reads the channel data. A reply that carries no
    /// channel (not a command/reply, <c>-ERR</c>, no Unique-ID) is a protocol error: the socket is closed and
    /// <see cref="EslProtocolException"/> says why; nothing may be served on it.</summary>
    public async Task<ChannelData> ConnectAsync(CancellationToken cancellationToken = default)
    {
        // Bounded by the caller's handshake timeout, not by the reply timeout of later commands.
        var reply = await _connection.SendRawAsync("connect", static (o, l) => EslCommandWriter.WriteCommand(o, l), cancellationToken, timed: false);
        if (NotAChannel(reply) is { } why)
        {
            LogNotAChannel(_logger, _connection.Id, why);
            _connection.Abort();
            throw new EslProtocolException($"Connection {_connection.Id}: the reply to connect is not a channel ({why}).");
        }

        var data = new ChannelData(EslEvent.FromChannelData(reply));
        _uniqueIdUtf8 = Encoding.UTF8.GetBytes(data.UniqueId);
        _channel = data;
        return data;
    }

    /// <summary>Why a reply to <c>connect</c> carries no channel, or null when it does.</summary>
    private static string? NotAChannel(EslMessage reply)
    {
        if (reply.ContentType != EslContentType.CommandReply)
        {
            var type = reply.GetHeader("Content-Type") ?? "(none)";
            return (type.Length > 60 ? type[..60] + "..." : type) + ", not command/reply";
        }

        if (reply.GetHeader("Reply-Text") is { } text && text.StartsWith("-ERR", StringComparison.Ordinal))
        {
            return text.Length > 120 ? text[..120] + "..." : text;
        }

        return string.IsNullOrWhiteSpace(reply.GetHeader("Unique-ID")) ? "no Unique-ID" : null;
    }

    /// <summary><c>myevents</c>: this channel's events only (plus BACKGROUND_JOB of this socket's own bgapi).</summary>
    public Task<EslReply> MyEventsAsync(EslEventFormat format = EslEventFormat.Plain, CancellationToken cancellationToken = default) =>
        _connection.SendCommandAsync(format == EslEventFormat.Plain ? "myevents" : "myevents " + EslConnection.FormatWord(format), cancellationToken);

    /// <summary><c>linger [seconds]</c>: keep the socket after hangup so the last events arrive. Without a time
    /// FreeSWITCH lingers until <c>exit</c>.</summary>
    public Task<EslReply> LingerAsync(TimeSpan? time = null, CancellationToken cancellationToken = default) =>
        _connection.SendCommandAsync(time is null ? "linger" : "linger " + ((int)Math.Ceiling(time.Value.TotalSeconds)).ToString(CultureInfo.InvariantCulture), cancellationToken);

    /// <summary><c>nolinger</c>.</summary>
    public Task<EslReply> NoLingerAsync(CancellationToken cancellationToken = default) => _connection.SendCommandAsync("nolinger", cancellationToken);

    /// <summary><c>resume</c>: when the socket closes, the dialplan continues after the socket application.</summary>
    public Task<EslReply> ResumeAsync(CancellationToken cancellationToken = default) => _connection.SendCommandAsync("resume", cancellationToken);

    /// <summary><c>divert_events on|off</c>.</summary>
    public Task<EslReply> DivertEventsAsync(bool on, CancellationToken cancellationToken = default) =>
        _connection.SendCommandAsync(on ? "divert_events on" : "divert_events off", cancellationToken);

    /// <summary><c>event &lt;format&gt; &lt;names&gt;</c>.</summary>
    public Task<EslReply> SubscribeAsync(EslEventFormat format, IEnumerable<string> eventNames, CancellationToken cancellationToken = default) =>
        _connection.SubscribeAsync(format, eventNames, cancellationToken);

    /// <summary><c>filter &lt;header&gt; &lt;value&gt;</c>.</summary>
    public Task<EslReply> FilterAsync(string header, string value, CancellationToken cancellationToken = default) =>
        _connection.FilterAsync(header, value, cancellationToken);

    /// <summary><c>nixevent &lt;names&gt;</c>.</summary>
    public Task<EslReply> UnsubscribeAsync(IEnumerable<string> eventNames, CancellationToken cancellationToken = default) =>
        _connection.UnsubscribeAsync(eventNames, cancellationToken);

    /// <summary><c>getvar &lt;name&gt;</c>; null when FreeSWITCH says the variable is not set.</summary>
    public async Task<string?> GetVariableAsync(string name, CancellationToken cancellationToken = default)
    {
        var reply = await _connection.SendCommandAsync("getvar " + EslCommandWriter.EnsureToken(name, nameof(name)), cancellationToken);
        return reply.IsError ? null : reply.ReplyText;
    }

    /// <summary><c>api</c> over this socket.</summary>
    public Task<EslApiResponse> ApiAsync(string command, CancellationToken cancellationToken = default) => _connection.ApiAsync(command, cancellationToken);

    /// <summary><c>bgapi</c> over this socket.</summary>
    public Task<BackgroundJobResult> BackgroundApiAsync(string command, CancellationToken cancellationToken = default) =>
        _connection.BackgroundApiAsync(command, cancellationToken);

    /// <summary>Runs a dialplan application on the channel and completes when it has finished (its
    /// CHANNEL_EXECUTE_COMPLETE), when the channel hangs up, or when the socket closes — whichever is first.
    /// Needs CHANNEL_EXECUTE_COMPLETE and CHANNEL_HANGUP in the subscription (myevents has them).</summary>
    /// <param name="application">e.g. <c>playback</c>.</param>
    /// <param name="argument">Its argument; one holding a line break travels as the message body.</param>
    /// <param name="eventLock">Queue behind earlier applications (true) or run at once, even during a playback (false).</param>
    /// <param name="keepCompleteEvent">Keep a copy of the CHANNEL_EXECUTE_COMPLETE for its variables; without it only
    /// Application-Response is read, and nothing is copied.</param>
    /// <param name="cancellationToken">Stops waiting; the application itself keeps running (use uuid_break).</param>
    public Task<ExecuteResult> ExecuteAsync(string application, string? argument = null, bool eventLock = true,
        bool keepCompleteEvent = true, CancellationToken cancellationToken = default) =>
        ExecuteAsync(application, argument, eventLock, new PendingExecute(application, keepCompleteEvent, null), cancellationToken);

    /// <summary>Runs an application like <see cref="ExecuteAsync(string, string?, bool, bool, CancellationToken)"/> and
    /// reads only <paramref name="variables"/> from its CHANNEL_EXECUTE_COMPLETE (<see cref="ExecuteResult.GetVariable"/>),
    /// without copying the event (which carries every channel variable).</summary>
    public Task<ExecuteResult> ExecuteAsync(string application, string? argument, bool eventLock, IReadOnlyList<string> variables,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(variables);
        return ExecuteAsync(application, argument, eventLock, new PendingExecute(application, false, variables), cancellationToken);
    }

    private async Task<ExecuteResult> ExecuteAsync(string application, string? argument, bool eventLock, PendingExecute pending,
        CancellationToken cancellationToken)
    {
        if (_hungUp is { } gone) return Ended(application, gone);

        var eventUuid = Guid.NewGuid().ToString();
        _executes[eventUuid] = pending;
        try
        {
            // A hangup between the check above and the registration must not be missed.
            if (_hungUp is { } late) return Ended(application, late);

            var reply = await _connection.SendMessageAsync(SendMessage.Execute(application, argument, eventLock, eventUuid), cancellationToken);
            if (reply.IsError)
            {
                throw new EslCommandException($"execute {application} was refused: {reply.ReplyText}", reply.ReplyText);
            }

            return await pending.Completion.Task.WaitAsync(cancellationToken);
        }
        catch (EslConnectionClosedException)
        {
            return new ExecuteResult(ExecuteOutcome.Disconnected, application, null, _hungUp?.Cause);
        }
        finally
        {
            _executes.TryRemove(eventUuid, out _);
        }
    }

    /// <summary><c>sendmsg</c> hangup with a cause.</summary>
    public Task<EslReply> HangupAsync(string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default) =>
        _connection.SendMessageAsync(SendMessage.Hangup(cause), cancellationToken);

    /// <summary><c>exit</c>: FreeSWITCH says <c>+OK bye</c> and closes the socket.</summary>
    public Task<EslReply> ExitAsync(CancellationToken cancellationToken = default) => _connection.ExitAsync(cancellationToken);

    /// <summary>Refuses the call so FreeSWITCH moves on in its dialplan (to the fallback); after <see cref="ConnectAsync"/>
    /// too (then connect is not sent again). FreeSWITCH 1.10 leaves a
    /// channel stuck in the socket application when the socket closes before <c>connect</c>, so this sends
    /// <c>connect</c>, waits briefly for the channel data, then <c>resume</c> (and unsets the <c>socket_resume</c>
    /// variable it leaves on the channel), then closes: the dialplan then continues at once.</summary>
    /// <remarks>Why <c>resume</c>: after <c>connect</c> the socket application parks the channel, and a park takes the
    /// channel's "controlled" mark that the socket's thread clears when the socket closes. A close that comes before
    /// the park began is lost, and the channel stays parked until the caller hangs up: on FreeSWITCH 1.10.12 about one
    /// refused call in four (RealFreeSwitch/ResilienceTests). After <c>resume</c> the socket's thread also resets the
    /// channel when the socket closes, and a park that starts on a channel being reset returns at once.
    /// Why unset <c>socket_resume</c>: <c>resume</c> also sets that channel variable, which outlives this socket; the
    /// next engine's socket (the failover's) would then reset the channel when it closes, after its transfer, and so
    /// pull the caller out of the queue. The socket's own resume mark is enough for this socket.</remarks>
    public async Task RefuseAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            var channel = _channel ?? await ConnectAsync(cts.Token);
            await ResumeAsync(cts.Token);
            await UnsetSocketResumeAsync(channel, cts.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or EslConnectionClosedException or EslProtocolException)
        {
            // Closing is all that is left to do.
        }
        finally
        {
            _connection.Abort();
        }
    }

    /// <summary><c>api uuid_setvar &lt;uuid&gt; socket_resume</c>: unsets the channel's <c>socket_resume</c>, which
    /// mod_event_socket reads when this socket's listener ends (then it resets the channel, and the socket
    /// application puts it back to executing its extension). The shipped dialplan sets it before each <c>socket</c> so
    /// that a socket closed before <c>connect</c> resumes the dialplan; once the engine has the call it must go, or
    /// closing the socket after a transfer would reset the channel and pull the caller out of the queue.</summary>
    public Task<EslApiResponse> UnsetSocketResumeAsync(ChannelData channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return ApiAsync(EslCommandWriter.UuidSetVar(EslCommandWriter.EnsureToken(channel.UniqueId, "Unique-ID"), "socket_resume"), cancellationToken);
    }

    /// <summary>Closes the socket at once; every pending wait ends.</summary>
    public void Abort() => _connection.Abort();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private static ExecuteResult Ended(string application, HangupInfo info) =>
        new(info.Disconnected ? ExecuteOutcome.Disconnected : ExecuteOutcome.HungUp, application, null, info.Cause);

    void IEslFrameSink.OnEvent(EslEvent leased)
    {
        if (_uniqueIdUtf8.Length > 0 && !leased.HeaderEquals("Unique-ID"u8, _uniqueIdUtf8))
        {
            return; // Another channel's event (filters are connection-wide): only the Events stream sees it.
        }

        if (leased.HeaderEquals("Event-Name"u8, "CHANNEL_EXECUTE_COMPLETE"u8))
        {
            if (!_executes.IsEmpty && leased.GetHeader("Application-UUID") is { } appUuid && _executes.TryGetValue(appUuid, out var pending))
            {
                pending.Completion.TrySetResult(pending.KeepEvent
                    ? new ExecuteResult(ExecuteOutcome.Completed, pending.Application, leased.Detach(), null)
                    : new ExecuteResult(pending.Application, leased.GetHeader("Application-Response"), Read(leased, pending.Variables)));
            }
        }
        else if (leased.HeaderEquals("Event-Name"u8, "DTMF"u8))
        {
            if (_dtmf.HasObservers && leased.GetHeader("DTMF-Digit") is { Length: > 0 } digit)
            {
                _ = int.TryParse(leased.GetHeader("DTMF-Duration"), CultureInfo.InvariantCulture, out var samples);
                _dtmf.OnNext(new DtmfDigit(UniqueId, digit[0], samples > 0 ? samples / 8 : null, leased.GetHeader("DTMF-Source")));
            }
        }
        else if (leased.HeaderEquals("Event-Name"u8, "CHANNEL_HANGUP"u8))
        {
            MarkHungUp(new HangupInfo(leased.GetHeader("Hangup-Cause") ?? "UNKNOWN", Disconnected: false));
        }
    }

    void IEslFrameSink.OnControlFrame(EslMessage message)
    {
        if (message.ContentType == EslContentType.DisconnectNotice)
        {
            var notice = EslDisconnectNotice.From(message);
            LogDisconnectNotice(_logger, UniqueId, notice.Disposition ?? "(none)");
            _disconnectNotice.TrySetResult(notice);
        }
    }

    void IEslFrameSink.OnClosed(EslCloseReason reason, Exception? error)
    {
        MarkHungUp(HangupInfo.SocketClosed);
        _dtmf.OnCompleted();
    }

    private void MarkHungUp(HangupInfo info)
    {
        if (_hungUp is null) _hungUp = info;
        _hangup.TrySetResult(info);
        foreach (var pending in _executes.Values)
        {
            pending.Completion.TrySetResult(Ended(pending.Application, info));
        }
    }

    private static Dictionary<string, string?>? Read(EslEvent leased, IReadOnlyList<string>? names)
    {
        if (names is null) return null;
        var values = new Dictionary<string, string?>(names.Count, StringComparer.Ordinal);
        foreach (var name in names) values[name] = leased.GetVariable(name);
        return values;
    }

    private sealed class PendingExecute(string application, bool keepEvent, IReadOnlyList<string>? variables)
    {
        public string Application { get; } = application;

        public bool KeepEvent { get; } = keepEvent;

        public IReadOnlyList<string>? Variables { get; } = variables;

        public TaskCompletionSource<ExecuteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "Call {CallUuid}: disconnect notice ({Disposition})")]
    private static partial void LogDisconnectNotice(ILogger logger, string callUuid, string disposition);

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: refused: the reply to connect is not a channel ({Reason}); closed")]
    private static partial void LogNotAChannel(ILogger logger, string connectionId, string reason);

    [LoggerMessage(EventId = 111, Level = LogLevel.Error, Message = "Call {CallUuid}: a DTMF observer threw and was unsubscribed")]
    private static partial void LogObserverFault(ILogger logger, string callUuid, Exception exception);
}
