using System.Globalization;
using System.Text.RegularExpressions;

namespace IvrEngine.Simulator;

/// <summary>A simulated channel whose <c>socket</c> application is connected to the engine.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The semaphore never allocates a wait handle; a call lives until its socket closes.")]
public sealed partial class SimulatedCall
{
    private static readonly HashSet<string> GenericApps = new(StringComparer.Ordinal)
    {
        "log", "info", "ring_ready", "set_global", "event", "send_dtmf", "record_session", "stop_record_session",
        "set_user", "hash", "limit", "db", "respond", "deflect", "displace_session", "start_dtmf", "stop_dtmf",
        "flush_dtmf", "sched_hangup", "sched_transfer", "set_zombie_exec", "verbose_events", "export_vars",
        "strftime", "system", "bgsystem", "detect_speech", "play_fsv", "gentones", "endless_playback", "echo", "pre_answer",
    };

    private static readonly HashSet<string> PlaybackLike = new(StringComparer.Ordinal) { "playback", "say", "phrase", "speak", "endless_playback", "gentones" };

    private readonly FreeSwitchSimulator _sim;
    private readonly CallerScript _script;
    private readonly object _sync = new();
    private readonly VariableList _vars = new();
    private readonly Queue<Message> _queue = new();

    // The applications of the extension a transfer reached (SimulatorOptions.Dialplan): run one after the other when
    // nothing the engine sent is waiting, never inside a running application as a sendmsg can be.
    private readonly Queue<Message> _dialplanQueue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Queue<char> _liveDtmf = new();
    private readonly List<ReceivedCommand> _commands = [];
    private readonly List<ExecutedApp> _apps = [];
    private readonly List<string> _errors = [];
    private readonly List<TimeSpan> _turnarounds = [];
    private readonly List<(string Name, TaskCompletionSource<ExecutedApp> Tcs, int From)> _appWaiters = [];
    private readonly Dictionary<string, string> _exported = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<CallRecord> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _channelName;
    private readonly string _socketAppUuid = Guid.NewGuid().ToString();
    private readonly long _createdUs;

    // Who the channel says is calling whom. An incoming call's are the script's; an originated leg's are the originate's
    // until it is answered, then flipped (switch_channel_flip_cid: the contact becomes the caller).
    private readonly string _direction;
    private readonly string _source;
    private readonly string _codec;
    private readonly string _codecBitRate;
    private readonly string _dnis;
    private readonly string _socketArgument;
    private readonly bool _async;
    private readonly bool _fullControl;
    private string _callerName;
    private string _callerNumber;
    private string _calleeName;
    private string _calleeNumber;
    private readonly string _origCallerName;
    private readonly string _origCallerNumber;
    private readonly string _ani;
    private KeyValuePair<string, string>[]? _profileCache;
    private KeyValuePair<string, string>[]? _dataProfileCache;
    private long _answeredUs;
    private long _hangupUs;

    // The caller profile: a transfer gives the channel a new one (switch_ivr_session_transfer).
    private string _destination;
    private string _dialplanName = "xml";
    private string _context;
    private int _profileIndex = 1;
    private long _profileCreatedUs;
    private string? _rdnis;
    private string? _transferSource;

    // Channel-State-Number between a transfer and the channel's return to CS_EXECUTE: the state asked for (CS_ROUTING).
    private string? _stateNumberOverride;
    private string _callState = "RINGING";

    // Channel-State when an event does not name one: CS_EXECUTE for a call in the socket application; an originated leg
    // is in CS_CONSUME_MEDIA while it rings.
    private string _stateName = "CS_EXECUTE";
    private bool _hitDialplan = true;
    private string _answerState = "ringing";
    private bool _connected;
    private bool _closedBeforeConnect;
    private bool _answered;
    private bool _hungUp;
    private bool _socketAppDone;
    private bool _socketGone;
    private bool _resume;
    private bool _parked;
    private bool _suppressEvents;
    private bool _quietSocket;
    private bool _loopDone;
    private int _linger; // 0 = none, -1 = forever, N = seconds
    private bool _exitRequested;
    private string? _hangupCause;
    private string? _hangupBy;
    private string? _transferredTo;
    private string? _bridgedTo;
    private string? _callcenterQueue;
    private bool _dialplanContinued;
    private int _inputIndex;
    private CancellationTokenSource? _appCts;
    private bool _runningEventLock;
    private int _depth;
    private long _lastEventTs;
    private bool _eventPending;
    private int _commandsAfterConnect;
    private ITimer? _connectTimer;

    internal SimulatedCall(FreeSwitchSimulator sim, CallerScript script, EslConnection conn)
    {
        _sim = sim;
        _script = script;
        Connection = conn;
        Uuid = script.Uuid;
        _channelName = $"loopback/{script.Dnis}-b";
        _createdUs = sim.MicrosNow();
        _profileCreatedUs = _createdUs;
        _destination = script.Dnis;
        _dnis = script.Dnis;
        _context = sim.Options.Context;
        _direction = "inbound";
        _source = "mod_loopback";
        _codec = "L16";
        _codecBitRate = "128000";
        _socketArgument = sim.Options.SocketArgument;
        _async = sim.Options.AsyncMode;
        _fullControl = true;
        _callerName = _origCallerName = script.CallerName;
        _callerNumber = _origCallerNumber = _ani = script.Ani;
        _calleeName = "Outbound Call";
        _calleeNumber = sim.Options.Context;
        conn.OnEventSent = OnEventSent;
        _vars.Set("direction", "inbound");
        _vars.Set("uuid", Uuid);
        _vars.Set("session_id", sim.NextSequence().ToString(CultureInfo.InvariantCulture));
        _vars.Set("channel_name", _channelName);
        _vars.Set("read_codec", "L16");
        _vars.Set("read_rate", "8000");
        _vars.Set("write_codec", "L16");
        _vars.Set("write_rate", "8000");
        _vars.Set("origination_caller_id_number", script.Ani);
        _vars.Set("origination_caller_id_name", script.CallerName);
        _vars.Set("other_loopback_leg_uuid", Guid.NewGuid().ToString());
        _vars.Set("loopback_leg", "B");
        _vars.Set("call_uuid", Uuid);
        _vars.Set("domain_name", sim.Options.Domain);
        foreach (var kv in script.Variables)
        {
            _vars.Set(kv.Key, kv.Value);
        }

        if (sim.Options.SocketResume)
        {
            // The dialplan's last action before `socket` (set socket_resume=true).
            _vars.Set("socket_resume", "true");
        }

        _vars.Set("current_application_data", sim.Options.SocketArgument);
        _vars.Set("current_application", "socket");
        _vars.Set("socket_host", "127.0.0.1");
    }

    public string Uuid { get; }

    /// <summary>The socket to the engine; an originated leg has none until it is answered and its socket connected.</summary>
    internal EslConnection Connection { get; private set; }

    /// <summary>Completes when the socket is closed by either side; never faults.</summary>
    public Task<CallRecord> Completion => _completion.Task;

    /// <summary>A snapshot of the channel variables.</summary>
    public IReadOnlyDictionary<string, string> Variables
    {
        get
        {
            lock (_sync)
            {
                return _vars.ToDictionary();
            }
        }
    }

    /// <summary>For each command received after an event was sent: time from the last event sent to that command.</summary>
    public IReadOnlyList<TimeSpan> Turnarounds
    {
        get
        {
            lock (_turnarounds)
            {
                return [.. _turnarounds];
            }
        }
    }

    private TimeSpan PlaybackDuration => _script.PlaybackDuration ?? _sim.Options.PlaybackDuration;

    private TimeProvider Time => _sim.Time;

    // ------------------------------------------------------------------ public actions

    /// <summary>The caller hangs up now.</summary>
    public Task HangUpAsync(string cause = "NORMAL_CLEARING")
    {
        InitiateHangup(cause, "caller");
        return Task.CompletedTask;
    }

    /// <summary>The caller presses keys now: DTMF events at once, digits buffered for the next collection.</summary>
    public Task SendDtmfAsync(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        lock (_sync)
        {
            if (_hungUp)
            {
                return Task.CompletedTask;
            }

            foreach (char d in digits)
            {
                EmitDtmf(d);
                _liveDtmf.Enqueue(d);
            }
        }

        _signal.Release();
        return Task.CompletedTask;
    }

    /// <summary>Resets the TCP connection abruptly, as if FreeSWITCH died.</summary>
    public Task DropSocketAsync()
    {
        Connection.Abort();
        return Task.CompletedTask;
    }

    /// <summary>Completes when the channel runs <paramref name="app"/> (each call returns the next such execution).</summary>
    public Task<ExecutedApp> WaitForApplicationAsync(string app, CancellationToken ct = default)
    {
        lock (_sync)
        {
            int from = _appWaiters.Count(w => w.Name == app && w.Tcs.Task.IsCompleted);
            int seen = 0;
            for (int i = 0; i < _apps.Count; i++)
            {
                if (_apps[i].Name == app && seen++ == from)
                {
                    var done = new TaskCompletionSource<ExecutedApp>();
                    done.SetResult(_apps[i]);
                    _appWaiters.Add((app, done, i));
                    return done.Task;
                }
            }

            var tcs = new TaskCompletionSource<ExecutedApp>(TaskCreationOptions.RunContinuationsAsynchronously);
            _appWaiters.Add((app, tcs, -1));
            if (ct.CanBeCanceled)
            {
                ct.Register(() => tcs.TrySetCanceled(ct));
            }

            return tcs.Task;
        }
    }

    // ------------------------------------------------------------------ startup and reading

    internal void Start()
    {
        _connectTimer = Time.CreateTimer(_ => OnConnectTimeout(), null, _sim.Options.ConnectWait, Timeout.InfiniteTimeSpan);
        _ = ReaderLoopAsync();
        _ = ChannelLoopAsync();
        _ = Connection.Closed.ContinueWith(_ => OnClosed(), TaskScheduler.Default);
    }

    private void OnConnectTimeout()
    {
        lock (_sync)
        {
            if (_connected)
            {
                return;
            }

            _closedBeforeConnect = true;
            ResumeIfClosedBeforeConnect();
        }

        Connection.SendLastAndClose(Wire.DisconnectNotice(Uuid));
    }

    private void OnEventSent()
    {
        lock (_turnarounds)
        {
            _lastEventTs = Time.GetTimestamp();
            _eventPending = true;
        }
    }

    private async Task ReaderLoopAsync()
    {
        while (true)
        {
            var cmd = await Connection.ReadCommandAsync().ConfigureAwait(false);
            if (cmd is null)
            {
                break;
            }

            lock (_turnarounds)
            {
                if (_eventPending)
                {
                    _turnarounds.Add(Time.GetElapsedTime(_lastEventTs));
                    _eventPending = false;
                }
            }

            lock (_sync)
            {
                _commands.Add(cmd.ToReceived());
                if (cmd.Errors is not null)
                {
                    _errors.AddRange(cmd.Errors);
                }
            }

            try
            {
                await HandleCommandAsync(cmd).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // one connection's failure never affects another
            catch (Exception e)
#pragma warning restore CA1031
            {
                lock (_sync)
                {
                    _errors.Add("simulator error: " + e.Message);
                }
            }
        }

        // The engine closed the socket (or it was reset).
        lock (_sync)
        {
            if (!_connected)
            {
                _closedBeforeConnect = true;
                ResumeIfClosedBeforeConnect();
            }
            else if (!_hungUp && !_exitRequested)
            {
                _dialplanContinued = true;
            }

            _socketGone = true;
            if (ResetsOnClose() || !_connected)
            {
                _appCts?.Cancel();
            }
        }

        _signal.Release();
        Connection.Abort();
    }

    private async Task HandleCommandAsync(ParsedCommand cmd)
    {
        string line = cmd.Line.Trim();
        bool wasConnected;
        lock (_sync)
        {
            wasConnected = _connected;
        }

        if (!wasConnected)
        {
            if (line == "connect")
            {
                lock (_sync)
                {
                    _connected = true;
                }

                _connectTimer?.Dispose();
                Connection.Send(RenderConnectReply());
            }
            else
            {
                lock (_sync)
                {
                    _errors.Add($"'{line}' sent before connect: FreeSWITCH ignores it and does not reply");
                }
            }

            return;
        }

        await DispatchAsync(cmd, line).ConfigureAwait(false);

        // The socket application parks the channel (CHANNEL_PARK) as soon as it has read connect, on the session's
        // thread, while the peer's first command (myevents) is on its way: the peer sees the event only when its
        // subscription was first. The simulator shows the outcome where it was (as in the captures and in some runs
        // against FreeSWITCH 1.10.12; in others the engine never saw the event).
        bool park = false;
        lock (_sync)
        {
            if (++_commandsAfterConnect == 1 && _async && !_hungUp)
            {
                _parked = true;
                park = true;
            }
        }

        if (park)
        {
            Emit(NewChannelEvent("CHANNEL_PARK", "switch_ivr.c", "switch_ivr_park", 1002, true));
        }
    }

    private async Task DispatchAsync(ParsedCommand cmd, string line)
    {
        string verb = FreeSwitchSimulator.FirstWord(line, out string rest);
        var sub = _sim.HandleSubscriptionCommand(Connection, line, Uuid, inbound: false);
        if (sub is not null)
        {
            Connection.Send(sub);
            return;
        }

        if (await _sim.HandleApiAsync(Connection, cmd, Uuid).ConfigureAwait(false))
        {
            return;
        }

        switch (verb)
        {
            case "connect":
                Connection.Send(Wire.CommandReply("-ERR already connected"));
                return;
            case "linger":
            {
                int secs = -1;
                if (rest.Trim().Length > 0 && int.TryParse(rest.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) && s > 0)
                {
                    secs = s;
                }

                lock (_sync)
                {
                    _linger = secs;
                }

                Connection.Send(Wire.CommandReply(secs > 0 ? $"+OK will linger {secs} seconds" : "+OK will linger"));
                return;
            }

            case "nolinger":
                lock (_sync)
                {
                    _linger = 0;
                }

                Connection.Send(Wire.CommandReply("+OK will not linger"));
                return;
            case "resume":
                lock (_sync)
                {
                    // Like FreeSWITCH: the socket's flag, and a channel variable that outlives the socket.
                    _resume = true;
                    _vars.Set("socket_resume", "true");
                }

                Connection.Send(Wire.ReplyOk);
                return;
            case "getvar":
            {
                string? v;
                lock (_sync)
                {
                    v = LookupVariable(rest.Trim());
                }

                Connection.Send(Wire.CommandReply(string.IsNullOrEmpty(v) ? "-ERR command not found" : v));
                return;
            }

            case "exit":
                lock (_sync)
                {
                    _exitRequested = true;
                    if (!_hungUp)
                    {
                        _dialplanContinued = true;
                    }
                }

                Connection.SendLastAndClose(Wire.CommandReply("+OK bye"), Wire.DisconnectNotice(Uuid));
                return;
            case "sendmsg":
                await SendMsgAsync(cmd, rest.Trim()).ConfigureAwait(false);
                return;
            case "log":
            {
                // The same command as on an inbound connection, with the same replies.
                Connection.Send(InboundServer.LogReply(rest, out int level));
                if (level >= 0)
                {
                    Connection.LogLevel = level;
                }

                return;
            }

            case "nolog":
            {
                bool was = Connection.LogLevel >= 0;
                Connection.LogLevel = -1;
                Connection.Send(InboundServer.NoLogReply(was));
                return;
            }
            default:
                lock (_sync)
                {
                    _errors.Add($"unknown command '{line}'");
                }

                Connection.Send(Wire.CommandReply("-ERR command not found"));
                return;
        }
    }

    private async Task SendMsgAsync(ParsedCommand cmd, string uuidArg)
    {
        var h = cmd.Headers;
        if (uuidArg.Length > 0 && !string.Equals(uuidArg, Uuid, StringComparison.OrdinalIgnoreCase))
        {
            var other = _sim.FindCall(uuidArg);
            if (other is null)
            {
                Connection.Send(Wire.CommandReply("-ERR invalid session id [" + uuidArg + "]"));
                return;
            }

            other.Enqueue(ToMessage(cmd));
            Connection.Send(Wire.ReplyOk);
            return;
        }

        var msg = ToMessage(cmd);
        // An argument with line breaks can only arrive as a text/plain body, which FreeSWITCH takes as the argument.
        if (!h.ContainsKey("call-command"))
        {
            lock (_sync)
            {
                _errors.Add("sendmsg without call-command (FreeSWITCH replies +OK and does nothing)");
            }
        }

        if (_async || msg.Kind != MessageKind.Execute)
        {
            Connection.Send(Wire.ReplyOk);
            Enqueue(msg);
            return;
        }

        // Sync mode: the reply comes only after the application finished; its events follow the reply.
        msg.Done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Connection.HoldEvents();
        Enqueue(msg);
        await msg.Done.Task.ConfigureAwait(false);
        Connection.Send(Wire.ReplyOk);
        Connection.ReleaseEvents();
    }

    internal void EnqueueExternal(ParsedCommand cmd) => Enqueue(ToMessage(cmd));

    private static Message ToMessage(ParsedCommand cmd)
    {
        var h = cmd.Headers;
        h.TryGetValue("call-command", out var cc);
        var kind = cc switch
        {
            "execute" => MessageKind.Execute,
            "hangup" => MessageKind.Hangup,
            _ => MessageKind.Ignored,
        };
        h.TryGetValue("execute-app-name", out var app);
        h.TryGetValue("execute-app-arg", out var arg);
        if (arg is null && cmd.Body is not null && h.TryGetValue("content-type", out var ctype) && ctype.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            arg = cmd.Body;
        }

        h.TryGetValue("Event-UUID", out var evUuid);
        h.TryGetValue("loops", out var loopsText);
        int loops = int.TryParse(loopsText, out int l) && l > 0 ? l : 1;
        h.TryGetValue("hangup-cause", out var cause);
        return new Message
        {
            Kind = kind == MessageKind.Execute && string.IsNullOrEmpty(app) ? MessageKind.Ignored : kind,
            App = app ?? string.Empty,
            Arg = arg,
            EventUuid = evUuid,
            EventLock = h.TryGetValue("event-lock", out var el) && IsTrue(el),
            Loops = loops,
            Cause = string.IsNullOrEmpty(cause) ? "NORMAL_CLEARING" : cause,
        };
    }

    /// <summary>switch_true: yes, on, true, t, enabled, active, allow (any case), or a non-zero number.</summary>
    private static bool IsTrue(string v) =>
        v.ToLowerInvariant() is "yes" or "on" or "true" or "t" or "enabled" or "active" or "allow"
        || (int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n != 0);

    private void Enqueue(Message m)
    {
        lock (_sync)
        {
            _queue.Enqueue(m);
        }

        _signal.Release();
    }

    /// <summary>Ends every wait for an application still to come (the caller holds <c>_sync</c>).</summary>
    private void CancelAppWaiters()
    {
        foreach (var w in _appWaiters)
        {
            w.Tcs.TrySetCanceled();
        }
    }

    /// <summary>What mod_event_socket checks as the socket's listener ends (the caller holds <c>_sync</c>): the
    /// socket's <c>resume</c> or the channel's <c>socket_resume</c> variable. Then it resets the channel, which cuts a
    /// running application short and ends the socket application's wait for <c>connect</c>.</summary>
    private bool ResetsOnClose() => _resume || IsTrue(_vars.Get("socket_resume") ?? string.Empty);

    /// <summary>A socket closed before <c>connect</c> (the caller holds <c>_sync</c>): FreeSWITCH 1.10.12 leaves the
    /// channel in the socket application, silent, unless <c>socket_resume</c> is true; then the reset ends the wait,
    /// and the socket application, returning, puts the channel back to executing the dialplan.</summary>
    private void ResumeIfClosedBeforeConnect()
    {
        if (!_hungUp && ResetsOnClose())
        {
            _dialplanContinued = true;
        }
    }

    private void OnClosed()
    {
        CallRecord record;
        lock (_sync)
        {
            _socketGone = true;
            if (!_connected)
            {
                _closedBeforeConnect = true;
                ResumeIfClosedBeforeConnect();
            }

            // A socket that goes is not the end of a call that goes on in the dialplan (a transfer, the dialplan after
            // `socket`): waiters for its next applications are ended by its hangup instead.
            if (_hungUp || !_connected)
            {
                CancelAppWaiters();
            }

            record = new CallRecord
            {
                Uuid = Uuid,
                Connected = _connected,
                ClosedBeforeConnect = _closedBeforeConnect,
                Answered = _answered,
                Commands = [.. _commands],
                Applications = [.. _apps],
                Variables = _vars.ToDictionary(),
                ExportedVariables = ExportedSnapshot(),
                HangupCause = _hangupCause,
                HangupBy = _hangupBy,
                TransferredTo = _transferredTo,
                BridgedTo = _bridgedTo,
                CallcenterQueue = _callcenterQueue,
                DialplanContinued = _dialplanContinued && !_hungUp && _transferredTo is null,
                ProtocolErrors = [.. _errors],
            };
        }

        _connectTimer?.Dispose();
        _signal.Release();
        if (_hungUp || !_connected)
        {
            _sim.RemoveCall(this);
            _channelEnded.TrySetResult();
        }

        _completion.TrySetResult(record);
    }

    private Dictionary<string, string> ExportedSnapshot()
    {
        var d = new Dictionary<string, string>(_exported, StringComparer.Ordinal);
        var list = _vars.Get("export_vars");
        if (list is not null)
        {
            foreach (var n in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (_vars.Get(n) is { } v)
                {
                    d[n] = v;
                }
            }
        }

        return d;
    }

    // ------------------------------------------------------------------ variables (api)

    internal string? GetVariable(string name)
    {
        lock (_sync)
        {
            return LookupVariable(name);
        }
    }

    /// <summary>switch_channel_get_variable: channel variables first, then caller-profile fields.</summary>
    private string? LookupVariable(string name) => _vars.Get(name) ?? name switch
    {
        "caller_id_name" => _callerName,
        "caller_id_number" => _callerNumber,
        "ani" => _ani,
        "destination_number" => _destination,
        "context" => _context,
        "dialplan" => _dialplanName,
        "rdnis" => _rdnis,
        "uuid" => Uuid,
        "chan_name" => _channelName,
        "source" => _source,
        "callee_id_name" => _calleeName,
        "callee_id_number" => _calleeNumber,
        _ => null,
    };

    internal void ApiSetVariable(string name, string? value)
    {
        lock (_sync)
        {
            _vars.Set(name, value);
        }
    }

    internal void Break()
    {
        lock (_sync)
        {
            _appCts?.Cancel();
        }
    }

    internal void Kill(string cause) => InitiateHangup(cause, "engine");

    /// <summary>uuid_transfer: the channel leaves its application for <paramref name="dest"/> (no transfer application
    /// runs, so no CHANNEL_EXECUTE of one).</summary>
    internal void ApiTransfer(string dest)
    {
        Enqueue(new Message { Kind = MessageKind.Transfer, App = "transfer", Arg = dest });
        Break();
    }

    private sealed class Message
    {
        public MessageKind Kind { get; init; }

        public string App { get; init; } = string.Empty;

        public string? Arg { get; init; }

        public string? EventUuid { get; init; }

        public bool EventLock { get; init; }

        public int Loops { get; init; } = 1;

        /// <summary>Run by the dialplan (after a transfer), not sent with sendmsg.</summary>
        public bool FromDialplan { get; init; }

        public string Cause { get; init; } = "NORMAL_CLEARING";

        public TaskCompletionSource? Done { get; set; }
    }

    private enum MessageKind
    {
        Execute,
        Hangup,
        Transfer,
        Ignored,
    }
}

/// <summary>Channel variables in FreeSWITCH order: setting a variable moves it to the end.</summary>
internal sealed class VariableList
{
    private readonly List<KeyValuePair<string, string>> _items = new(64);
    private KeyValuePair<string, string>[]? _prefixed;

    public string? Get(string name)
    {
        foreach (var kv in _items)
        {
            if (kv.Key == name)
            {
                return kv.Value;
            }
        }

        return null;
    }

    public bool Contains(string name) => Get(name) is not null;

    public void Set(string name, string? value)
    {
        int i = _items.FindIndex(kv => kv.Key == name);
        if (i >= 0)
        {
            _items.RemoveAt(i);
        }

        if (!string.IsNullOrEmpty(value))
        {
            _items.Add(new(name, value));
        }

        _prefixed = null;
    }

    /// <summary>Sets without moving an existing entry.</summary>
    public void SetInPlace(string name, string value)
    {
        int i = _items.FindIndex(kv => kv.Key == name);
        if (i >= 0)
        {
            _items[i] = new(name, value);
        }
        else
        {
            _items.Add(new(name, value));
        }

        _prefixed = null;
    }

    public KeyValuePair<string, string>[] Prefixed()
    {
        if (_prefixed is null)
        {
            var a = new KeyValuePair<string, string>[_items.Count];
            for (int i = 0; i < a.Length; i++)
            {
                a[i] = new("variable_" + _items[i].Key, _items[i].Value);
            }

            _prefixed = a;
        }

        return _prefixed;
    }

    public Dictionary<string, string> ToDictionary()
    {
        var d = new Dictionary<string, string>(_items.Count, StringComparer.Ordinal);
        foreach (var kv in _items)
        {
            d[kv.Key] = kv.Value;
        }

        return d;
    }
}
