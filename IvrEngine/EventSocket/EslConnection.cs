using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IvrEngine.EventSocket;

/// <summary>Receives what the read loop reads, synchronously, before anything else sees it. Events handed here are
/// leased: valid during the call only (call <see cref="EslEvent.Detach"/> to keep one).</summary>
internal interface IEslFrameSink
{
    void OnEvent(EslEvent leased);

    /// <summary>auth/request, disconnect notices and rude rejections.</summary>
    void OnControlFrame(EslMessage message);

    void OnClosed(EslCloseReason reason, Exception? error);
}

/// <summary>One event-socket connection: a read loop over a pipe, commands written straight into the output pipe,
/// replies matched in order, background jobs matched by Job-UUID, events multicast.</summary>
public sealed partial class EslConnection : IAsyncDisposable
{
    private static long s_nextId;

    private readonly Socket? _socket;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly EslFrameReader _frames;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Queue<PendingReply> _pendingReplies = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan? _replyTimeout;
    private ITimer? _replyTimer;

    /// <summary>When the reply timer fires (a <see cref="TimeProvider.GetTimestamp"/>), null while it is stopped.
    /// Under the <c>_pendingReplies</c> lock.</summary>
    private long? _replyTimerDue;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<BackgroundJobResult>> _jobs = new(StringComparer.OrdinalIgnoreCase);
    private readonly Broadcaster<EslEvent> _events;
    private readonly Broadcaster<EslLogLine> _logs;
    private readonly TaskCompletionSource<EslCloseReason> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closing = new();
    private Task? _readLoop;
    private IEslFrameSink? _sink;
    private volatile bool _closed;
    private string _closeMessage = "the connection is closed";

    /// <summary>Wraps a connected socket. Call <see cref="Start"/> to begin reading.</summary>
    public EslConnection(Socket socket, EslLimits? limits = null, ILogger? logger = null, TimeProvider? time = null)
        : this(CreatePipes(socket), limits, logger, time) => _socket = socket;

    /// <summary>Wraps any duplex pipe (tests, in-memory transports).</summary>
    public EslConnection(IDuplexPipe transport, EslLimits? limits = null, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _time = time ?? TimeProvider.System;
        _replyTimeout = limits?.ReplyTimeout;
        _input = transport.Input;
        _output = transport.Output;
        _frames = new EslFrameReader(limits ?? EslLimits.Default);
        _logger = logger ?? NullLogger.Instance;
        Id = "esl-" + Interlocked.Increment(ref s_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _events = new Broadcaster<EslEvent>(ex => LogObserverFault(_logger, LogName, ex));
        _logs = new Broadcaster<EslLogLine>(ex => LogObserverFault(_logger, LogName, ex));
    }

    /// <summary>A name for logs.</summary>
    public string Id { get; }

    /// <summary>What the connection serves, for logs (an outbound session sets the channel's Unique-ID here).</summary>
    public string? Label { get; set; }

    private string LogName => Label is null ? Id : Id + " (" + Label + ")";

    /// <summary>The remote end, when over TCP.</summary>
    public System.Net.EndPoint? RemoteEndPoint => _socket?.RemoteEndPoint;

    /// <summary>Every event the connection receives, in order. Each one owns its bytes: keep it as long as you like.
    /// Completes when the connection closes; never errors.</summary>
    public IObservable<EslEvent> Events => _events;

    /// <summary>log/data lines, after <c>log &lt;level&gt;</c>.</summary>
    public IObservable<EslLogLine> Logs => _logs;

    /// <summary>Completes, never faults, when the connection is over, with the reason.</summary>
    public Task<EslCloseReason> Completion => _completion.Task;

    /// <summary>True once the connection is closed or closing.</summary>
    public bool IsClosed => _closed;

    /// <summary>Starts the read loop.</summary>
    public void Start() => StartCore(null);

    internal void StartCore(IEslFrameSink? sink)
    {
        if (_readLoop is not null) throw new InvalidOperationException("The connection is already reading.");
        _sink = sink;
        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>Sends a one-line command (e.g. <c>myevents</c>, <c>linger 5</c>) and returns its reply.</summary>
    public Task<EslReply> SendCommandAsync(string command, CancellationToken cancellationToken = default)
    {
        EslCommandWriter.EnsureSingleLine(command, nameof(command));
        return SendExpectingReplyAsync(command, static (output, line) => EslCommandWriter.WriteCommand(output, line), cancellationToken);
    }

    /// <summary><c>api &lt;command&gt;</c>: runs a FreeSWITCH API and returns its output. Replies come back in the
    /// order commands were sent, so several may be in flight at once.</summary>
    public async Task<EslApiResponse> ApiAsync(string command, CancellationToken cancellationToken = default)
    {
        EslCommandWriter.EnsureSingleLine(command, nameof(command));
        var message = await SendRawAsync("api " + command, static (output, line) => EslCommandWriter.WriteCommand(output, line), cancellationToken);
        if (message.ContentType != EslContentType.ApiResponse)
        {
            var text = message.GetHeader("Reply-Text") ?? message.ContentType.ToString();
            return new EslApiResponse(text.EndsWith('\n') ? text : text + "\n");
        }

        return new EslApiResponse(message.BodyText);
    }

    /// <summary><c>bgapi &lt;command&gt;</c> with a Job-UUID chosen here, completing when its BACKGROUND_JOB arrives.
    /// Events must include BACKGROUND_JOB (myevents or <c>event ... BACKGROUND_JOB</c>).</summary>
    public async Task<BackgroundJobResult> BackgroundApiAsync(string command, CancellationToken cancellationToken = default)
    {
        EslCommandWriter.EnsureSingleLine(command, nameof(command));
        var jobUuid = Guid.NewGuid().ToString();
        var job = new TaskCompletionSource<BackgroundJobResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _jobs[jobUuid] = job;
        try
        {
            var reply = await SendExpectingReplyAsync(("bgapi " + command, jobUuid),
                static (output, s) => EslCommandWriter.WriteCommand(output, s.Item1, "Job-UUID", s.jobUuid), cancellationToken);
            if (!reply.IsOk)
            {
                throw new EslCommandException($"bgapi {command} was refused: {reply.ReplyText}", reply.ReplyText);
            }

            return await job.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _jobs.TryRemove(jobUuid, out _);
        }
    }

    /// <summary>Sends a <c>sendmsg</c> and returns FreeSWITCH's immediate reply (in async mode <c>+OK</c> comes before
    /// the application runs).</summary>
    public Task<EslReply> SendMessageAsync(SendMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SendExpectingReplyAsync(message, static (output, m) => EslCommandWriter.WriteSendMessage(output, m), cancellationToken);
    }

    /// <summary><c>event plain|json|xml &lt;names&gt;</c>.</summary>
    public Task<EslReply> SubscribeAsync(EslEventFormat format, IEnumerable<string> eventNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventNames);
        var names = string.Join(' ', SubscriptionOrder(eventNames.Select(n => EslCommandWriter.EnsureToken(n, nameof(eventNames)))));
        return SendCommandAsync($"event {FormatWord(format)} {names}", cancellationToken);
    }

    /// <summary>mod_event_socket reads every word after CUSTOM as a subclass (e.g. callcenter::info): event names first,
    /// then CUSTOM and the subclasses, whatever order they were added in.</summary>
    internal static IEnumerable<string> SubscriptionOrder(IEnumerable<string> names)
    {
        var all = names.Distinct(StringComparer.Ordinal).ToList();
        var subclasses = all.Where(n => n.Contains("::", StringComparison.Ordinal)).ToList();
        var plain = all.Where(n => n != "CUSTOM" && !n.Contains("::", StringComparison.Ordinal)).ToList();
        if (subclasses.Count > 0 || all.Contains("CUSTOM")) plain.Add("CUSTOM");
        return plain.Concat(subclasses);
    }

    /// <summary><c>nixevent &lt;names&gt;</c>.</summary>
    public Task<EslReply> UnsubscribeAsync(IEnumerable<string> eventNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventNames);
        var names = string.Join(' ', eventNames.Select(n => EslCommandWriter.EnsureToken(n, nameof(eventNames))));
        return SendCommandAsync("nixevent " + names, cancellationToken);
    }

    /// <summary><c>filter &lt;header&gt; &lt;value&gt;</c>. Filters are global to the connection's subscription.</summary>
    public Task<EslReply> FilterAsync(string header, string value, CancellationToken cancellationToken = default) =>
        SendCommandAsync($"filter {EslCommandWriter.EnsureToken(header, nameof(header))} {EslCommandWriter.EnsureSingleLine(value, nameof(value))}", cancellationToken);

    /// <summary><c>filter delete &lt;header&gt; [&lt;value&gt;]</c>.</summary>
    public Task<EslReply> FilterDeleteAsync(string header, string? value = null, CancellationToken cancellationToken = default) =>
        SendCommandAsync(value is null
            ? $"filter delete {EslCommandWriter.EnsureToken(header, nameof(header))}"
            : $"filter delete {EslCommandWriter.EnsureToken(header, nameof(header))} {EslCommandWriter.EnsureSingleLine(value, nameof(value))}", cancellationToken);

    /// <summary><c>exit</c>: FreeSWITCH answers <c>+OK bye</c> and closes.</summary>
    public Task<EslReply> ExitAsync(CancellationToken cancellationToken = default) => SendCommandAsync("exit", cancellationToken);

    internal static string FormatWord(EslEventFormat format) => format switch
    {
        EslEventFormat.Json => "json",
        EslEventFormat.Xml => "xml",
        _ => "plain",
    };

    private async Task<EslReply> SendExpectingReplyAsync<TState>(TState state, Action<IBufferWriter<byte>, TState> write, CancellationToken cancellationToken)
    {
        var message = await SendRawAsync(state, write, cancellationToken);
        return EslReply.From(message);
    }

    /// <summary>Writes a command and queues its reply slot inside the write lock, so replies pair with commands in order.</summary>
    internal async Task<EslMessage> SendRawAsync<TState>(TState state, Action<IBufferWriter<byte>, TState> write, CancellationToken cancellationToken,
        bool timed = true)
    {
        var reply = new TaskCompletionSource<EslMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfClosed();
            try
            {
                write(_output, state);
            }
            catch (Exception ex)
            {
                // Half a command may sit unflushed in the pipe; anything sent after it would be garbled.
                Close(EslCloseReason.Local, ex);
                throw;
            }

            lock (_pendingReplies)
            {
                if (_closed) throw Closed();
                _pendingReplies.Enqueue(new PendingReply(reply, timed && _replyTimeout is not null ? _time.GetTimestamp() : null));
                if (_pendingReplies.Count == 1) ArmReplyTimerInsideLock();
            }

            await FlushAsync(CancellationToken.None);
        }
        finally
        {
            _writeLock.Release();
        }

        // Cancelling stops the wait, not the command: its reply still arrives and is consumed in order.
        return await reply.Task.WaitAsync(cancellationToken);
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            var result = await _output.FlushAsync(cancellationToken);
            if (result.IsCompleted) throw Closed();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            Close(EslCloseReason.SocketError, ex);
            throw new EslConnectionClosedException($"Connection {Id}: sending failed: {ex.Message}", ex);
        }
    }

    private async Task ReadLoopAsync()
    {
        var reason = EslCloseReason.PeerClosed;
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(_closing.Token);
                var buffer = result.Buffer;
                try
                {
                    while (_frames.TryRead(ref buffer, out var message))
                    {
                        Dispatch(message!);
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        reason = EslCloseReason.Truncated;
                        LogTruncated(_logger, LogName, buffer.Length);
                    }

                    break;
                }
            }
        }
        catch (EslProtocolException ex)
        {
            reason = EslCloseReason.ProtocolError;
            error = ex;
            LogProtocolError(_logger, LogName, ex.Message);
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            reason = EslCloseReason.Local;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            reason = _closing.IsCancellationRequested ? EslCloseReason.Local : EslCloseReason.SocketError;
            error = ex;
        }
        finally
        {
            Close(reason, error);
        }
    }

    private void Dispatch(EslMessage message)
    {
        switch (message.ContentType)
        {
            case EslContentType.CommandReply:
            case EslContentType.ApiResponse:
                TaskCompletionSource<EslMessage>? waiter;
                lock (_pendingReplies)
                {
                    waiter = _pendingReplies.TryDequeue(out var pending) ? pending.Waiter : null;
                    ArmReplyTimerInsideLock();
                }

                if (waiter is null)
                {
                    throw new EslProtocolException($"A {message.ContentType} arrived with no command waiting for it.");
                }

                // The reply to connect carries the channel data: from here on the logs name the call.
                if (Label is null && message.ContentType == EslContentType.CommandReply && message.TryGetHeaderRaw("Unique-ID"u8, out var uniqueId))
                {
                    Label = "call " + EslText.Decode(uniqueId, urlDecode: true);
                }

                waiter.TrySetResult(message);
                break;

            case EslContentType.EventPlain:
            case EslContentType.EventJson:
            case EslContentType.EventXml:
                var leased = EslEvent.FromMessage(message)!;
                try
                {
                    DispatchEvent(leased);
                }
                finally
                {
                    message.Release();
                }

                break;

            case EslContentType.LogData:
                if (_logs.HasObservers) _logs.OnNext(ToLogLine(message));
                break;

            case EslContentType.AuthRequest:
            case EslContentType.DisconnectNotice:
            case EslContentType.RudeRejection:
                if (message.ContentType == EslContentType.RudeRejection) LogRudeRejection(_logger, LogName, message.BodyText.Trim());
                SinkControl(message);
                break;

            default:
                LogUnknownFrame(_logger, LogName, message.GetHeader("Content-Type") ?? "(none)");
                break;
        }
    }

    private void DispatchEvent(EslEvent leased)
    {
        if (_sink is not null)
        {
            try
            {
                _sink.OnEvent(leased);
            }
#pragma warning disable CA1031 // A handler's bug is logged; the connection keeps serving the call.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogHandlerFault(_logger, LogName, ex);
            }
        }

        // The event's name first: ConcurrentDictionary.IsEmpty takes every one of its locks, on every event.
        if (leased.HeaderEquals("Event-Name"u8, "BACKGROUND_JOB"u8))
        {
            var jobUuid = leased.GetHeader("Job-UUID");
            if (jobUuid is not null && _jobs.TryRemove(jobUuid, out var job))
            {
                var owned = leased.Detach();
                job.TrySetResult(new BackgroundJobResult(jobUuid, owned.Body ?? string.Empty, owned));
            }
        }

        if (_events.HasObservers) _events.OnNext(leased.Detach());
    }

    private void SinkControl(EslMessage message)
    {
        if (_sink is null) return;
        try
        {
            _sink.OnControlFrame(message);
        }
#pragma warning disable CA1031
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandlerFault(_logger, LogName, ex);
        }
    }

    private static EslLogLine ToLogLine(EslMessage message)
    {
        static int? Int(string? s) => int.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
        return new EslLogLine(Int(message.GetHeader("Log-Level")) ?? 7, message.GetHeader("Text-Channel"), message.GetHeader("Log-File"),
            message.GetHeader("Log-Func"), Int(message.GetHeader("Log-Line")), message.GetHeader("User-Data"), message.BodyText);
    }

    private void Close(EslCloseReason reason, Exception? error)
    {
        lock (_pendingReplies)
        {
            if (_closed) return;
            _closed = true;
            _closeMessage = error is null ? $"the connection closed ({reason})" : $"the connection closed ({reason}: {error.Message})";
        }

        _closing.Cancel();
        var closedError = Closed();
        lock (_pendingReplies)
        {
            while (_pendingReplies.TryDequeue(out var pending)) pending.Waiter.TrySetException(closedError);
            _replyTimer?.Dispose();
        }

        foreach (var job in _jobs.Values) job.TrySetException(closedError);
        _jobs.Clear();

        try
        {
            _sink?.OnClosed(reason, error);
        }
#pragma warning disable CA1031
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHandlerFault(_logger, LogName, ex);
        }

        _events.OnCompleted();
        _logs.OnCompleted();
        try
        {
            _socket?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }

        _input.CancelPendingRead();
        _completion.TrySetResult(reason);
    }

    /// <summary>Makes sure the reply timer fires no later than the oldest unanswered timed command's deadline. A
    /// timer that fires sooner is left as it is (it looks again then and sets itself for what is left), and a reply
    /// does not stop it (it finds nothing overdue and stops): a command and its reply cost no timer change, where
    /// re-arming at each took the runtime's timer lock twice per command.</summary>
    private void ArmReplyTimerInsideLock()
    {
        if (_replyTimeout is not { } timeout || _closed) return;
        if (!_pendingReplies.TryPeek(out var head) || head.SentAt is not { } sentAt) return;

        var left = timeout - _time.GetElapsedTime(sentAt);
        if (left < TimeSpan.Zero) left = TimeSpan.Zero;
        var now = _time.GetTimestamp();
        var due = now + (long)(left.TotalSeconds * _time.TimestampFrequency);
        if (_replyTimerDue is { } armed && armed <= due) return;
        _replyTimerDue = due;
        if (_replyTimer is null) _replyTimer = _time.CreateTimer(static s => ((EslConnection)s!).OnReplyTimer(), this, left, Timeout.InfiniteTimeSpan);
        else _replyTimer.Change(left, Timeout.InfiniteTimeSpan);
    }

    private void OnReplyTimer()
    {
        TimeSpan waited;
        lock (_pendingReplies)
        {
            _replyTimerDue = null;
            if (_closed || !_pendingReplies.TryPeek(out var head) || head.SentAt is not { } sentAt) return;
            waited = _time.GetElapsedTime(sentAt);
            if (waited < _replyTimeout!.Value)
            {
                ArmReplyTimerInsideLock();
                return;
            }
        }

        LogReplyTimeout(_logger, LogName, waited.TotalSeconds);
        Close(EslCloseReason.ReplyTimeout, new TimeoutException($"no reply for {waited.TotalSeconds:0.#} s"));
    }

    private void ThrowIfClosed()
    {
        if (_closed) throw Closed();
    }

    private EslConnectionClosedException Closed() => new($"Connection {Id}: {_closeMessage}.");

    /// <summary>Closes the socket at once; every pending wait ends with <see cref="EslConnectionClosedException"/>.</summary>
    public void Abort() => Close(EslCloseReason.Local, null);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Close(EslCloseReason.Local, null);
        if (_readLoop is not null)
        {
            try
            {
                await _readLoop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The read loop ends by cancellation when closed locally.
            }
        }

        await _input.CompleteAsync().ConfigureAwait(false);
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await _output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // Completing flushes what is left; a peer that already went (broken pipe) makes that flush fail, which
            // must not fail the close: there is nobody left to tell.
        }
        finally
        {
            _writeLock.Release();
        }

        _socket?.Dispose();
        _closing.Dispose();
    }

    private static DuplexPipe CreatePipes(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        socket.NoDelay = true;
        var stream = new NetworkStream(socket, ownsSocket: false);
        return new DuplexPipe(
            // Zero-byte reads: an idle call (most of a call is waiting on the caller) holds no read buffer.
            PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 8192, minimumReadSize: 2048, leaveOpen: true, useZeroByteReads: true)),
            PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    /// <summary>A command waiting for its reply; <paramref name="SentAt"/> (a timestamp) when the reply timeout applies.</summary>
    private readonly record struct PendingReply(TaskCompletionSource<EslMessage> Waiter, long? SentAt);

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: closing on a protocol error: {Reason}")]
    private static partial void LogProtocolError(ILogger logger, string connectionId, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: the peer closed in the middle of a frame ({Bytes} bytes unread)")]
    private static partial void LogTruncated(ILogger logger, string connectionId, long bytes);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Connection {ConnectionId}: an event handler failed; the connection goes on")]
    private static partial void LogHandlerFault(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Connection {ConnectionId}: an event observer threw and was unsubscribed")]
    private static partial void LogObserverFault(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: ignoring a frame of content type {ContentType}")]
    private static partial void LogUnknownFrame(ILogger logger, string connectionId, string contentType);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Connection {ConnectionId}: no reply for {Seconds:0.#} s; closing it as silent")]
    private static partial void LogReplyTimeout(ILogger logger, string connectionId, double seconds);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "Connection {ConnectionId}: FreeSWITCH refused the connection: {Text}")]
    private static partial void LogRudeRejection(ILogger logger, string connectionId, string text);
}

/// <summary>FreeSWITCH answered a command with an error.</summary>
public sealed class EslCommandException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EslCommandException(string message, string replyText) : base(message) => ReplyText = replyText;

    /// <summary>Creates the exception.</summary>
    public EslCommandException() { }

    /// <summary>Creates the exception.</summary>
    public EslCommandException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public EslCommandException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>FreeSWITCH's reply, e.g. <c>-ERR no keywords supplied</c>.</summary>
    public string ReplyText { get; } = string.Empty;
}
