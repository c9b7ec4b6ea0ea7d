using System.Globalization;
using System.Text.RegularExpressions;

namespace IvrEngine.Simulator;

public sealed partial class SimulatedCall
{
    // ------------------------------------------------------------------ event building

    /// <summary>The caller profile's headers. A field without a value is left out, as FreeSWITCH does (a caller
    /// without a name has no Caller-Caller-ID-Name); a transferred channel's profile names the new destination, the
    /// old one as RDNIS, and where the transfer came from.</summary>
    private KeyValuePair<string, string>[] Profile(string prefix)
    {
        var p = new List<KeyValuePair<string, string>>(34);
        void A(string n, string? v)
        {
            if (!string.IsNullOrEmpty(v))
            {
                p.Add(new(prefix + n, v));
            }
        }

        A("Direction", _direction);
        A("Logical-Direction", _direction);
        A("Dialplan", _dialplanName);
        A("Caller-ID-Name", _callerName);
        A("Caller-ID-Number", _callerNumber);
        A("Orig-Caller-ID-Name", _origCallerName);
        A("Orig-Caller-ID-Number", _origCallerNumber);
        A("Callee-ID-Name", _calleeName);
        A("Callee-ID-Number", _calleeNumber);
        A("ANI", _ani);
        A("Destination-Number", _destination);
        A("Unique-ID", Uuid);
        A("Source", _source);
        A("Transfer-Source", _transferSource);
        A("Context", _context);
        A("RDNIS", _rdnis);
        A("Channel-Name", _channelName);
        A("Profile-Index", _profileIndex.ToString(CultureInfo.InvariantCulture));
        A("Profile-Created-Time", _profileCreatedUs.ToString(CultureInfo.InvariantCulture));
        A("Channel-Created-Time", _createdUs.ToString(CultureInfo.InvariantCulture));
        A("Channel-Answered-Time", _answeredUs.ToString(CultureInfo.InvariantCulture));
        A("Channel-Progress-Time", "0");
        A("Channel-Progress-Media-Time", "0");
        A("Channel-Hangup-Time", _hangupUs.ToString(CultureInfo.InvariantCulture));
        A("Channel-Transfer-Time", "0");
        A("Channel-Resurrect-Time", "0");
        A("Channel-Bridged-Time", "0");
        A("Channel-Last-Hold", "0");
        A("Channel-Hold-Accum", "0");
        A("Screen-Bit", "true");
        A("Privacy-Hide-Name", "false");
        A("Privacy-Hide-Number", "false");
        return [.. p];
    }

    private void AddBasicData(EslEvent ev, string state, string stateNumber, string? callState = null)
    {
        ev.Add("Channel-State", state);
        ev.Add("Channel-Call-State", callState ?? _callState);
        ev.Add("Channel-State-Number", stateNumber);
        ev.Add("Channel-Name", _channelName);
        ev.Add("Unique-ID", Uuid);
        ev.Add("Call-Direction", _direction);
        ev.Add("Presence-Call-Direction", _direction);
        ev.Add("Channel-HIT-Dialplan", _hitDialplan ? "true" : "false");
        ev.Add("Channel-Call-UUID", Uuid);
        ev.Add("Answer-State", _answerState);
        if (_hangupCause is not null)
        {
            ev.Add("Hangup-Cause", _hangupCause);
        }

        ev.Add("Channel-Read-Codec-Name", _codec);
        ev.Add("Channel-Read-Codec-Rate", "8000");
        ev.Add("Channel-Read-Codec-Bit-Rate", _codecBitRate);
        ev.Add("Channel-Write-Codec-Name", _codec);
        ev.Add("Channel-Write-Codec-Rate", "8000");
        ev.Add("Channel-Write-Codec-Bit-Rate", _codecBitRate);
    }

    /// <summary>Builds a channel event: core headers, basic channel data, the Caller-* profile and optionally every variable.</summary>
    private EslEvent NewChannelEvent(string name, string file, string function, int line, bool withVariables,
        string? state = null, string? stateNumber = null, string? subclass = null, string? leadingHangupCause = null, string? callState = null)
    {
        lock (_sync)
        {
            var ev = new EslEvent(name, 140) { ChannelUuid = Uuid, Subclass = subclass };
            if (subclass is not null)
            {
                ev.Add("Event-Subclass", subclass);
            }

            ev.Add("Event-Name", name);
            _sim.AddCoreHeaders(ev, file, function, line);
            if (leadingHangupCause is not null)
            {
                ev.Add("Hangup-Cause", leadingHangupCause);
            }

            AddBasicData(ev, state ?? _stateName, stateNumber ?? (_hungUp ? "10" : _stateNumberOverride ?? "4"), callState);
            ev.AddRange(_profileCache ??= Profile("Caller-"));
            if (withVariables)
            {
                ev.AddRange(_vars.Prefixed());
            }

            return ev;
        }
    }

    private byte[] RenderConnectReply()
    {
        EslEvent ev;
        lock (_sync)
        {
            ev = new EslEvent("CHANNEL_DATA", 150) { ChannelUuid = Uuid };
            ev.Add("Event-Name", "CHANNEL_DATA");
            _sim.AddCoreHeaders(ev, "mod_event_socket.c", "parse_command", 2021);
            ev.AddRange(_dataProfileCache ??= Profile("Channel-"));
            AddBasicData(ev, "CS_EXECUTE", "4");
            ev.AddRange(_profileCache ??= Profile("Caller-"));
            ev.AddRange(_vars.Prefixed());
            ev.Add("Content-Type", "command/reply");
            ev.Add("Reply-Text", "+OK\n");
            ev.Add("Socket-Mode", _async ? "async" : "static");
            ev.Add("Control", _fullControl ? "full" : "single-channel");
        }

        var b = Wire.Buffer();
        ev.WriteHeaderBlock(b);
        b.Byte((byte)'\n');
        return b.ToArray();
    }

    private void Emit(EslEvent ev)
    {
        if (_suppressEvents)
        {
            return;
        }

        // A static (sync) socket hears nothing of its channel after the hangup; the inbound listeners still do.
        _sim.Publish(ev, _socketGone || _quietSocket ? null : Connection);
    }

    /// <summary>An event of a channel whose socket is not connected (an originated leg while it rings): only the
    /// connections that listen to every channel get it.</summary>
    private void EmitToListeners(EslEvent ev)
    {
        _sim.Publish(ev, null);
    }

    private void EmitDtmf(char digit)
    {
        var ev = NewChannelEvent("DTMF", "switch_channel.c", "switch_channel_dequeue_dtmf", 677, false);
        ev.Add("DTMF-Digit", digit.ToString());
        ev.Add("DTMF-Duration", "2000");
        ev.Add("DTMF-Source", "APP");
        Emit(ev);
    }

    // ------------------------------------------------------------------ the channel's own loop

    private async Task ChannelLoopAsync()
    {
        try
        {
            while (true)
            {
                var msg = await NextMessageAsync().ConfigureAwait(false);
                if (msg is null)
                {
                    break;
                }

                await ProcessAsync(msg).ConfigureAwait(false);
            }

            bool hung;
            lock (_sync)
            {
                hung = _hungUp;

                // The socket went and left the channel up (no resume: FreeSWITCH keeps it in the socket application):
                // a later hangup (the caller's, a uuid_kill) finishes it from InitiateHangup.
                _loopDone = !hung;
            }

            if (hung)
            {
                await FinishHangupAsync().ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // a failing channel must not take others down
        catch (Exception e)
#pragma warning restore CA1031
        {
            lock (_sync)
            {
                _errors.Add("simulator error: " + e);
            }

            Connection.Abort();
        }
    }

    private async Task<Message?> NextMessageAsync()
    {
        while (true)
        {
            lock (_sync)
            {
                if (_hungUp)
                {
                    return null;
                }

                if (_queue.Count > 0)
                {
                    return _queue.Dequeue();
                }

                // What the dialplan still has to run (a transfer's extension) runs after the socket went too, as in
                // FreeSWITCH: the channel goes on without the engine.
                if (_dialplanQueue.Count > 0)
                {
                    return _dialplanQueue.Dequeue();
                }

                if (_socketGone)
                {
                    return null;
                }
            }

            await _signal.WaitAsync().ConfigureAwait(false);
        }
    }

    private async Task ProcessAsync(Message msg)
    {
        try
        {
            switch (msg.Kind)
            {
                case MessageKind.Execute:
                    for (int loop = 1; loop <= msg.Loops; loop++)
                    {
                        lock (_sync)
                        {
                            if (_hungUp)
                            {
                                break;
                            }
                        }

                        await RunAppAsync(msg, loop).ConfigureAwait(false);
                    }

                    break;
                case MessageKind.Hangup:
                    InitiateHangup(msg.Cause, "engine");
                    break;
                case MessageKind.Transfer:
                    ApplyTransferProfile(msg.Arg ?? string.Empty);
                    DoTransfer(msg.Arg ?? string.Empty);
                    break;
                default:
                    break;
            }
        }
        finally
        {
            msg.Done?.TrySetResult();
        }
    }

    private async Task RunAppAsync(Message msg, int loop)
    {
        string app = msg.App;
        string? arg = msg.Arg;
        bool known = app is "answer" or "pre_answer" or "set" or "export" or "unset" or "multiset" or "multiunset" or "playback"
            or "sleep" or "play_and_get_digits" or "read" or "say" or "phrase" or "speak" or "transfer" or "bridge"
            or "callcenter" or "hangup" or "park" || GenericApps.Contains(app);
        int index;
        lock (_sync)
        {
            index = _apps.Count;
            _apps.Add(new ExecutedApp(app, arg, msg.EventUuid, null));
        }

        if (!known)
        {
            // switch_core_session_execute_application: no such application -> the channel hangs up.
            InitiateHangup("DESTINATION_OUT_OF_ORDER", "engine");
            NotifyAppWaiters(index);
            return;
        }

        string appUuid = msg.EventUuid ?? Guid.NewGuid().ToString();
        EslEvent exec;
        lock (_sync)
        {
            // switch_ivr_parse_event (a sendmsg execute) sets the loop variables around each run of the application
            // and clears them after it; the dialplan's own applications have none.
            if (!msg.FromDialplan)
            {
                _vars.Set("current_loop", loop.ToString(CultureInfo.InvariantCulture));
                _vars.Set("total_loops", msg.Loops.ToString(CultureInfo.InvariantCulture));
            }

            _vars.Set("current_application_data", arg);
            _vars.Set("current_application", app);
            _vars.Set("current_application_response", null);
            exec = NewChannelEvent("CHANNEL_EXECUTE", "switch_core_session.c", "switch_core_session_exec", 2944, true);
            exec.Add("Application", app);
            if (!string.IsNullOrEmpty(arg))
            {
                exec.Add("Application-Data", arg);
            }

            exec.Add("Application-UUID", appUuid);
        }

        Emit(exec);
        NotifyAppWaiters(index);

        bool outerLock = _runningEventLock;
        _runningEventLock = msg.EventLock;
        _depth++;
        string? response;
        try
        {
            response = await ExecuteBodyAsync(app, arg ?? string.Empty, msg.FromDialplan).ConfigureAwait(false);
        }
        finally
        {
            _depth--;
            _runningEventLock = outerLock;
        }

        EslEvent complete;
        lock (_sync)
        {
            if (response is not null)
            {
                _vars.Set("current_application_response", response);
            }

            complete = NewChannelEvent("CHANNEL_EXECUTE_COMPLETE", "switch_core_session.c", "switch_core_session_exec", 2967, true);
            complete.Add("Application", app);
            if (!string.IsNullOrEmpty(arg))
            {
                complete.Add("Application-Data", arg);
            }

            complete.Add("Application-Response", response ?? "_none_");
            complete.Add("Application-UUID", appUuid);
            _apps[index] = _apps[index] with { Response = response ?? "_none_" };
            if (!msg.FromDialplan)
            {
                _vars.Set("current_loop", null);
                _vars.Set("total_loops", null);
            }
        }

        Emit(complete);
        if (app == "transfer")
        {
            // The socket stays attached (fact 9); the destination extension then runs (HangUpAfterTransfer).
            DoTransfer(arg ?? string.Empty);
        }
    }

    private void NotifyAppWaiters(int index)
    {
        List<TaskCompletionSource<ExecutedApp>>? fire = null;
        lock (_sync)
        {
            var app = _apps[index];
            for (int i = 0; i < _appWaiters.Count; i++)
            {
                var w = _appWaiters[i];
                if (w.From == -1 && w.Name == app.Name)
                {
                    _appWaiters[i] = (w.Name, w.Tcs, index);
                    (fire ??= []).Add(w.Tcs);
                    break;
                }
            }

            if (fire is not null)
            {
                foreach (var t in fire)
                {
                    t.TrySetResult(app);
                }
            }
        }
    }

    /// <summary>Runs an application; returns its Application-Response (null = "_none_").</summary>
    private async Task<string?> ExecuteBodyAsync(string app, string arg, bool fromDialplan)
    {
        switch (app)
        {
            case "answer":
            case "pre_answer":
                Answer(app == "pre_answer");
                return null;
            case "set":
                SetFromArg(arg, export: false);
                return null;
            case "export":
                SetFromArg(arg, export: true);
                return null;
            case "unset":
                lock (_sync)
                {
                    _vars.Set(arg.Trim(), null);
                }

                return null;
            case "multiset":
            case "multiunset":
                foreach (var part in SplitMulti(arg))
                {
                    if (app == "multiset")
                    {
                        SetFromArg(part, export: false);
                    }
                    else
                    {
                        lock (_sync)
                        {
                            _vars.Set(part, null);
                        }
                    }
                }

                return null;
            case "sleep":
            {
                int ms = int.TryParse(arg.Trim(), out int v) ? v : 0;
                var r = await MediaAsync(TimeSpan.FromMilliseconds(ms), playbackInputs: true).ConfigureAwait(false);
                return r == MediaResult.Hangup ? null : null;
            }

            case "playback":
            case "say":
            case "phrase":
            case "speak":
            case "endless_playback":
            case "gentones":
            {
                var r = await MediaAsync(PlaybackDuration, playbackInputs: true).ConfigureAwait(false);
                if (app != "playback")
                {
                    return null;
                }

                SetPlaybackVars(PlaybackDuration);
                return r == MediaResult.Hangup ? "PLAYBACK ERROR" : "FILE PLAYED";
            }

            case "play_and_get_digits":
                await PlayAndGetDigitsAsync(arg).ConfigureAwait(false);
                return null;
            case "read":
                await ReadAppAsync(arg).ConfigureAwait(false);
                return null;
            case "transfer":
                lock (_sync)
                {
                    _transferredTo = arg;
                }

                // switch_ivr_session_transfer gives the channel its new caller profile at once: the transfer's own
                // CHANNEL_EXECUTE_COMPLETE already names the new destination.
                ApplyTransferProfile(arg);
                return null;
            case "bridge":
                lock (_sync)
                {
                    _bridgedTo = arg;
                }

                await HoldUntilHangupAsync(fromDialplan).ConfigureAwait(false);
                return null;
            case "callcenter":
            {
                string memberUuid = Guid.NewGuid().ToString();
                lock (_sync)
                {
                    _callcenterQueue = arg.Trim();
                    _vars.Set("cc_queue", arg.Trim());
                    _vars.Set("cc_side", "member");
                    _member = new CallcenterMember(arg.Trim(), memberUuid, _sim.Options.Time.GetUtcNow());
                }

                var ev = NewChannelEvent("CUSTOM", "mod_callcenter.c", "callcenter_function", 3113, true, subclass: "callcenter::info");
                ev.Add("CC-Queue", arg.Trim());
                ev.Add("CC-Action", "member-queue-start");
                ev.Add("CC-Member-UUID", memberUuid);
                ev.Add("CC-Member-Session-UUID", Uuid);
                AddMemberCallerId(ev);
                Emit(ev);
                _inQueue.TrySetResult();
                await HoldUntilHangupAsync(fromDialplan, QueueLetGo).ConfigureAwait(false);
                EmitMemberLeftQueue();
                return null;
            }

            case "park":
                await HoldUntilHangupAsync(fromDialplan).ConfigureAwait(false);
                return null;
            case "hangup":
                InitiateHangup(string.IsNullOrWhiteSpace(arg) ? "NORMAL_CLEARING" : arg.Trim(), "engine");
                return null;
            default:
                return null;
        }
    }

    /// <summary>mod_dptools' multiset / multiunset: "^^:a=1:b=2" chooses the delimiter, else a space; the argument is
    /// cut as FreeSWITCH cuts it (<see cref="SwitchSeparateString"/>: quotes, escapes, spaces at the ends), into at most
    /// 256 parts.</summary>
    private static List<string> SplitMulti(string arg)
    {
        char delimiter = ' ';
        if (arg.StartsWith("^^", StringComparison.Ordinal) && arg.Length > 2)
        {
            delimiter = arg[2];
            arg = arg[3..];
        }

        return SwitchSeparateString.Separate(arg, delimiter).FindAll(part => part.Length > 0);
    }

    private void SetFromArg(string arg, bool export)
    {
        bool local = true;
        if (export && arg.StartsWith("nolocal:", StringComparison.Ordinal))
        {
            local = false;
            arg = arg["nolocal:".Length..];
        }

        int eq = arg.IndexOf('=', StringComparison.Ordinal);
        string name = (eq < 0 ? arg : arg[..eq]).Trim();
        string? value = eq < 0 ? null : arg[(eq + 1)..];
        if (name.Length == 0)
        {
            return;
        }

        lock (_sync)
        {
            if (local)
            {
                _vars.Set(name, value);
            }

            if (export)
            {
                if (string.IsNullOrEmpty(value))
                {
                    _exported.Remove(name);
                }
                else
                {
                    _exported[name] = value;
                }

                string list = _vars.Get("export_vars") ?? string.Empty;
                if (!list.Split(',').Contains(name))
                {
                    _vars.Set("export_vars", list.Length == 0 ? name : list + "," + name);
                }
            }
        }
    }

    private void Answer(bool early)
    {
        bool emit = false;
        lock (_sync)
        {
            if (!_answered && !_hungUp)
            {
                if (early)
                {
                    _answerState = "early";
                }
                else
                {
                    _answered = true;
                    _answerState = "answered";
                    _answeredUs = _sim.MicrosNow();
                    _profileCache = null;
                    emit = true;
                }
            }
        }

        if (emit)
        {
            Emit(NewChannelEvent("CHANNEL_ANSWER", "switch_channel.c", "switch_channel_perform_mark_answered", 3846, true));
            lock (_sync)
            {
                _callState = "ACTIVE";
                _vars.Set("endpoint_disposition", "ANSWER");
            }
        }
    }

    private void SetPlaybackVars(TimeSpan d)
    {
        long ms = (long)d.TotalMilliseconds;
        lock (_sync)
        {
            _vars.Set("playback_last_offset_pos", (ms * 8).ToString(CultureInfo.InvariantCulture));
            _vars.Set("playback_seconds", (ms / 1000).ToString(CultureInfo.InvariantCulture));
            _vars.Set("playback_ms", ms.ToString(CultureInfo.InvariantCulture));
            _vars.Set("playback_samples", (ms * 8).ToString(CultureInfo.InvariantCulture));
        }
    }

    // ------------------------------------------------------------------ media, inputs, waiting

    private enum MediaResult
    {
        Done,
        Broken,
        Hangup,
    }

    private CallerInput? TakeInput(bool playback)
    {
        lock (_sync)
        {
            if (_inputIndex >= _script.Inputs.Count)
            {
                return null;
            }

            var next = _script.Inputs[_inputIndex];
            if (playback && !next.DuringPlayback)
            {
                return null;
            }

            _inputIndex++;
            return next;
        }
    }

    /// <summary>Handles a HangUp/DropSocket input; returns true if the step ended the call.</summary>
    private bool ApplyTerminalInput(CallerInput input)
    {
        if (input.Kind == CallerInputKind.HangUp)
        {
            InitiateHangup(input.Value, "caller");
            return true;
        }

        if (input.Kind == CallerInputKind.DropSocket)
        {
            // As if FreeSWITCH died: the connection is reset, nothing more is sent, no hangup cause is reported.
            lock (_sync)
            {
                _suppressEvents = true;
                _hungUp = true;
                _appCts?.Cancel();
            }

            _channelEnded.TrySetResult();

            Connection.Abort();
            _signal.Release();
            return true;
        }

        return false;
    }

    private async Task PressKeysAsync(string digits)
    {
        var interval = _script.KeyInterval ?? TimeSpan.Zero;
        for (int i = 0; i < digits.Length; i++)
        {
            if (i > 0 && interval > TimeSpan.Zero)
            {
                await DelayAsync(interval).ConfigureAwait(false);
            }

            lock (_sync)
            {
                if (_hungUp)
                {
                    return;
                }

                EmitDtmf(digits[i]);
            }
        }
    }

    /// <summary>Plays media for <paramref name="duration"/>; while it plays, queued non-event-lock messages run at once (fact 6).</summary>
    private async Task<MediaResult> MediaAsync(TimeSpan duration, bool playbackInputs)
    {
        if (playbackInputs && TakeInput(playback: true) is { } input)
        {
            if (ApplyTerminalInput(input))
            {
                return MediaResult.Hangup;
            }

            if (input.Kind == CallerInputKind.Keys)
            {
                await PressKeysAsync(input.Value).ConfigureAwait(false);
            }
        }

        return await WaitMediaAsync(duration).ConfigureAwait(false);
    }

    private async Task<MediaResult> WaitMediaAsync(TimeSpan duration)
    {
        lock (_sync)
        {
            if (_hungUp)
            {
                return MediaResult.Hangup;
            }
        }

        if (duration <= TimeSpan.Zero)
        {
            await RunNestedAsync().ConfigureAwait(false);
            return IsHungUp() ? MediaResult.Hangup : MediaResult.Done;
        }

        using var cts = new CancellationTokenSource();
        CancellationTokenSource? outer;
        lock (_sync)
        {
            outer = _appCts;
            _appCts = cts;
        }

        try
        {
            long start = Time.GetTimestamp();
            while (true)
            {
                await RunNestedAsync().ConfigureAwait(false);
                if (IsHungUp())
                {
                    return MediaResult.Hangup;
                }

                if (cts.IsCancellationRequested)
                {
                    return MediaResult.Broken;
                }

                var left = duration - Time.GetElapsedTime(start);
                if (left <= TimeSpan.Zero)
                {
                    return MediaResult.Done;
                }

                bool elapsed;
                using (var waitCts = CancellationTokenSource.CreateLinkedTokenSource(cts.Token))
                {
                    var delay = Task.Delay(left, Time, waitCts.Token);
                    var sig = _signal.WaitAsync(waitCts.Token);
                    await Task.WhenAny(delay, sig).ConfigureAwait(false);
                    elapsed = delay.IsCompletedSuccessfully;
                    await waitCts.CancelAsync().ConfigureAwait(false);
                    try
                    {
                        await sig.ConfigureAwait(false); // a consumed wake-up is fine: the loop re-checks the state
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }

                if (elapsed && !IsHungUp() && !cts.IsCancellationRequested)
                {
                    await RunNestedAsync().ConfigureAwait(false);
                    return IsHungUp() ? MediaResult.Hangup : MediaResult.Done;
                }
            }
        }
        finally
        {
            lock (_sync)
            {
                _appCts = outer;
            }
        }
    }

    private bool IsHungUp()
    {
        lock (_sync)
        {
            return _hungUp;
        }
    }

    /// <summary>Runs queued messages inline while media plays, unless the running application holds the event lock.</summary>
    private async Task RunNestedAsync()
    {
        while (true)
        {
            Message? m;
            lock (_sync)
            {
                if (_runningEventLock || _hungUp || _queue.Count == 0)
                {
                    return;
                }

                m = _queue.Dequeue();
            }

            await ProcessAsync(m).ConfigureAwait(false);
        }
    }

    private async Task DelayAsync(TimeSpan d)
    {
        try
        {
            await Task.Delay(d, Time).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Holds the running application (bridge, callcenter, park) until the caller hangs up, or until
    /// <paramref name="released"/> says it returns (the queue let the caller go). One the engine ran over
    /// the socket also ends when the socket goes; one the dialplan runs (after a transfer) does not: the channel left the
    /// socket application, and mod_callcenter keeps its member whatever became of the socket.</summary>
    private async Task HoldUntilHangupAsync(bool fromDialplan, Func<bool>? released = null)
    {
        var input = TakeInput(playback: false);
        if (input is not null && ApplyTerminalInput(input))
        {
            return;
        }

        while (!IsHungUp())
        {
            lock (_sync)
            {
                if (_socketGone && !fromDialplan)
                {
                    return;
                }
            }

            // Task.Delay takes at most about 49 days; the loop waits again after that.
            if (released?.Invoke() == true)
            {
                return;
            }

            await WaitMediaAsync(TimeSpan.FromDays(40)).ConfigureAwait(false);
            if (IsHungUp() || released?.Invoke() == true)
            {
                return;
            }

            lock (_sync)
            {
                if (_queue.Count > 0 && _queue.Peek().Kind == MessageKind.Transfer)
                {
                    return;
                }
            }
        }
    }

    // ------------------------------------------------------------------ digit collection

    /// <summary>A read's outcome as switch_ivr_read reports it in read_result; None: the prompt was cut by a hangup,
    /// and FreeSWITCH leaves read_result unset.</summary>
    private enum ReadStatus
    {
        Success,
        Timeout,
        Failure,
        None,
    }

    /// <summary>switch_ivr_read after its prompt: switch_ivr_collect_digits_count ends on a terminator or at
    /// <paramref name="max"/> digits (success), when the time runs out (timeout), or when the caller hangs up (the
    /// digits so far count); fewer than <paramref name="min"/> digits is a failure, whatever ended the collection (so
    /// silence with min 1 or more is "failure", not "timeout").</summary>
    private async Task<(ReadStatus Status, string Digits, char? Terminator)> CollectAsync(int min, int max, string terminators, TimeSpan timeout)
    {
        var prompt = await MediaAsync(PlaybackDuration, playbackInputs: false).ConfigureAwait(false);
        if (prompt == MediaResult.Hangup)
        {
            return (ReadStatus.None, string.Empty, null);
        }

        var input = TakeInput(playback: false);
        string keys;
        if (input is null)
        {
            // No scripted input left: use keys sent live (SendDtmfAsync), waiting up to the timeout.
            keys = await LiveKeysAsync(max, terminators, timeout).ConfigureAwait(false);
        }
        else
        {
            if (ApplyTerminalInput(input))
            {
                return (min > 0 ? ReadStatus.Failure : ReadStatus.Success, string.Empty, null);
            }

            keys = input.Kind == CallerInputKind.Silence ? string.Empty : input.Value;
            if (keys.Length > 0)
            {
                await PressKeysAsync(keys).ConfigureAwait(false);
            }
        }

        bool hungUp = IsHungUp();
        var collected = new System.Text.StringBuilder();
        char? terminator = null;
        ReadStatus status = hungUp ? ReadStatus.Success : ReadStatus.Timeout;
        foreach (char k in keys)
        {
            if (terminators.Contains(k, StringComparison.Ordinal))
            {
                terminator = k;
                status = ReadStatus.Success;
                break;
            }

            collected.Append(k);
            if (collected.Length >= max)
            {
                status = ReadStatus.Success;
                break;
            }
        }

        if (min > 0 && collected.Length < min)
        {
            status = ReadStatus.Failure;
        }

        return (status, collected.ToString(), terminator);
    }

    private async Task<string> LiveKeysAsync(int max, string terminators, TimeSpan timeout)
    {
        var sb = new System.Text.StringBuilder();
        long start = Time.GetTimestamp();
        while (true)
        {
            lock (_sync)
            {
                while (_liveDtmf.Count > 0)
                {
                    char c = _liveDtmf.Dequeue();
                    sb.Append(c);
                    if (terminators.Contains(c, StringComparison.Ordinal) || sb.Length >= max)
                    {
                        return sb.ToString();
                    }
                }

                if (_hungUp || _socketGone)
                {
                    return sb.ToString();
                }
            }

            var left = timeout - Time.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                return sb.ToString();
            }

            var r = await WaitMediaAsync(left).ConfigureAwait(false);
            if (r != MediaResult.Broken && _liveDtmf.Count == 0)
            {
                return sb.ToString();
            }
        }
    }

    /// <summary>switch_ivr_read: clears read_result and the variable, plays and collects, then sets
    /// read_terminator_used (if a terminator ended it), read_result (unless a hangup cut the prompt) and the variable
    /// to whatever digits came, whatever the result.</summary>
    private async Task<(ReadStatus Status, string Digits)> ReadOnceAsync(int min, int max, string terminators, TimeSpan timeout, string varName)
    {
        lock (_sync)
        {
            _vars.Set("read_result", null);
            if (varName.Length > 0)
            {
                _vars.Set(varName, null);
            }
        }

        var (status, digits, terminator) = await CollectAsync(min, max, terminators, timeout).ConfigureAwait(false);
        lock (_sync)
        {
            if (terminator is { } t)
            {
                _vars.Set("read_terminator_used", t.ToString());
            }

            if (status != ReadStatus.None)
            {
                _vars.Set("read_result", status switch { ReadStatus.Success => "success", ReadStatus.Timeout => "timeout", _ => "failure" });
            }

            if (varName.Length > 0 && digits.Length > 0)
            {
                _vars.Set(varName, digits);
            }
        }

        return (status, digits);
    }

    /// <summary>switch_play_and_get_digits: tries until a read gives digits (the regex, if any, matching); a read that
    /// timed out with at least <c>min</c> digits counts as given, though its read_result stays "timeout". Digits
    /// that fail the regex are moved from the variable to <c>&lt;var&gt;_invalid</c>; a try that failed plays the
    /// invalid prompt.</summary>
    private async Task PlayAndGetDigitsAsync(string arg)
    {
        // min max tries timeout terminators file invalid_file var_name regexp [digit_timeout] [transfer_on_failure]
        var a = arg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int min = a.Length > 0 && int.TryParse(a[0], out int v0) ? v0 : 0;
        int max = a.Length > 1 && int.TryParse(a[1], out int v1) ? v1 : 128;
        int tries = a.Length > 2 && int.TryParse(a[2], out int v2) && v2 > 0 ? v2 : 1;
        int timeoutMs = a.Length > 3 && int.TryParse(a[3], out int v3) ? v3 : 5000;
        string terms = a.Length > 4 ? (a[4] == "none" ? string.Empty : a[4]) : "#";
        string varName = a.Length > 7 ? a[7] : string.Empty;
        string regex = a.Length > 8 ? a[8] : string.Empty;
        if (regex.Length > 0 && varName.Length > 0)
        {
            lock (_sync)
            {
                _vars.Set(varName + "_invalid", null);
            }
        }

        for (int attempt = 0; attempt < tries; attempt++)
        {
            if (IsHungUp())
            {
                return;
            }

            var (status, digits) = await ReadOnceAsync(min, max, terms, TimeSpan.FromMilliseconds(timeoutMs), varName).ConfigureAwait(false);
            SetPlaybackVars(PlaybackDuration);
            if (status == ReadStatus.Timeout && digits.Length >= min)
            {
                status = ReadStatus.Success;
            }

            if (min == 0 && digits.Length == 0 && GetVariable("read_terminator_used") is not null)
            {
                return;
            }

            if (status == ReadStatus.Success && digits.Length > 0)
            {
                if (regex.Length == 0 || SafeMatch(digits, regex))
                {
                    return;
                }

                lock (_sync)
                {
                    if (varName.Length > 0)
                    {
                        _vars.Set(varName, null);
                        _vars.Set(varName + "_invalid", digits);
                    }
                }
            }

            if (IsHungUp())
            {
                return;
            }

            // invalid prompt before the next try
            await MediaAsync(PlaybackDuration, playbackInputs: false).ConfigureAwait(false);
        }
    }

    private async Task ReadAppAsync(string arg)
    {
        // min max sound_file variable_name timeout terminators [digit_timeout]
        var a = arg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int min = a.Length > 0 && int.TryParse(a[0], out int v0) ? v0 : 0;
        int max = a.Length > 1 && int.TryParse(a[1], out int v1) ? v1 : 128;
        string varName = a.Length > 3 ? a[3] : string.Empty;
        int timeoutMs = a.Length > 4 && int.TryParse(a[4], out int v4) ? v4 : 5000;
        string terms = a.Length > 5 ? a[5] : "#";
        await ReadOnceAsync(min, max, terms, TimeSpan.FromMilliseconds(timeoutMs), varName).ConfigureAwait(false);
    }

    private static bool SafeMatch(string digits, string pattern)
    {
        try
        {
            return Regex.IsMatch(digits, pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // ------------------------------------------------------------------ transfer and hangup

    /// <summary>switch_ivr_session_transfer: a new caller profile for the destination (<c>ext [dialplan [context]]</c>),
    /// the old destination as RDNIS, and the transfer_source/transfer_history and max_forwards variables; the channel
    /// asks for CS_ROUTING, which its events show as Channel-State-Number 2 until it routes.</summary>
    private void ApplyTransferProfile(string dest)
    {
        lock (_sync)
        {
            if (_hungUp)
            {
                return;
            }

            var words = dest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string ext = words.Length > 0 ? words[0] : _destination;
            string dialplan = words.Length > 1 ? words[1] : "XML";
            string context = words.Length > 2 ? words[2] : _context;
            long now = _sim.MicrosNow();
            string source = string.Create(CultureInfo.InvariantCulture, $"{now / 1_000_000}:{Guid.NewGuid()}:bl_xfer:{ext}/{context}/{dialplan}");
            string? forwards = _vars.Get("max_forwards");
            _vars.Set("max_forwards", forwards is not null && int.TryParse(forwards, NumberStyles.Integer, CultureInfo.InvariantCulture, out int f)
                ? (f - 1).ToString(CultureInfo.InvariantCulture)
                : "70");
            string? history = _vars.Get("transfer_history");
            _vars.Set("transfer_history", history is null ? source
                : (history.StartsWith("ARRAY::", StringComparison.Ordinal) ? history : "ARRAY::" + history) + "|:" + source);
            _vars.Set("transfer_source", source);
            _rdnis = _destination;
            _destination = ext;
            _dialplanName = dialplan;
            _context = context;
            _profileIndex++;
            _profileCreatedUs = now;
            _transferSource = source;
            _stateNumberOverride = "2";
            _profileCache = null;
        }
    }

    private void DoTransfer(string dest)
    {
        lock (_sync)
        {
            if (_hungUp)
            {
                return;
            }

            _transferredTo = dest;
        }

        EndSocketApp();

        // The channel routes again (the socket, still attached, sees it) and runs the destination's extension.
        Emit(NewChannelEvent("CHANNEL_STATE", "switch_channel.c", "switch_channel_perform_set_running_state", 2408, false, "CS_ROUTING", "2",
            callState: "RINGING"));
        lock (_sync)
        {
            _stateNumberOverride = null;
        }

        Emit(NewChannelEvent("CHANNEL_STATE", "switch_channel.c", "switch_channel_perform_set_running_state", 2408, false, "CS_EXECUTE", "4"));
        if (_sim.Options.HangUpAfterTransfer)
        {
            InitiateHangup("NORMAL_CLEARING", "dialplan");
            return;
        }

        // The call goes into the new extension whether or not the engine still holds the socket: the engine's usual
        // end of a call is the transfer and then the close, and the close can come first here (FreeSWITCH runs the
        // extension all the same; its events then reach only the inbound connections).
        if (_sim.Options.Dialplan?.Invoke(dest) is { } extension)
        {
            lock (_sync)
            {
                _dialplanQueue.Clear();
                if (!_exitRequested)
                {
                    foreach (var app in extension)
                    {
                        _dialplanQueue.Enqueue(new Message
                        {
                            Kind = MessageKind.Execute, App = app.Name, Arg = app.Data.Length > 0 ? app.Data : null, FromDialplan = true,
                        });
                    }
                }
            }

            _signal.Release();
        }
    }

    /// <summary>CHANNEL_UNPARK and the socket application's CHANNEL_EXECUTE_COMPLETE. Its Application-Response is
    /// the channel's current_application_response, which the applications the engine ran inside it last set (as
    /// switch_core_session_exec reads it): FILE PLAYED after a closing prompt and the engine's hangup, _none_ while a
    /// transfer or an interrupted collection runs (socket-closed-midcall, and the ExistingClientHearsBalance
    /// agreement scenario on FreeSWITCH 1.10.12).</summary>
    private void EndSocketApp()
    {
        string response;
        lock (_sync)
        {
            if (_socketAppDone)
            {
                return;
            }

            _socketAppDone = true;
            response = _vars.Get("current_application_response") ?? "_none_";
        }

        if (_parked)
        {
            Emit(NewChannelEvent("CHANNEL_UNPARK", "switch_ivr.c", "switch_ivr_park", 1213, true));
        }

        var ev = NewChannelEvent("CHANNEL_EXECUTE_COMPLETE", "switch_core_session.c", "switch_core_session_exec", 2967, true);
        ev.Add("Application", "socket");
        ev.Add("Application-Data", _socketArgument);
        ev.Add("Application-Response", response);
        ev.Add("Application-UUID", _socketAppUuid);
        Emit(ev);
    }

    /// <summary>switch_channel_perform_hangup: marks the channel hung up, sends CHANNEL_HANGUP and interrupts the running application.</summary>
    private void InitiateHangup(string cause, string? by)
    {
        EslEvent ev;
        bool finishHere;
        lock (_sync)
        {
            if (_hungUp)
            {
                return;
            }

            _hungUp = true;
            _hangupCause = cause;
            _hangupBy = by;
            _answerState = "hangup";
            if (_socketGone) CancelAppWaiters();

            // Not yet the hangup_cause variables nor Caller-Channel-Hangup-Time: FreeSWITCH sets them when the channel
            // goes from CS_HANGUP to CS_REPORTING (its CHANNEL_HANGUP and the events up to CS_HANGUP show neither).
            ev = NewChannelEvent("CHANNEL_HANGUP", "switch_channel.c", "switch_channel_perform_hangup", 3445, true);
            _appCts?.Cancel();
            finishHere = _loopDone;
        }

        Emit(ev);
        if (finishHere)
        {
            _ = FinishHangupAsync();
        }

        _channelEnded.TrySetResult();
        if (!_async)
        {
            lock (_sync)
            {
                _quietSocket = true;
            }
        }

        _signal.Release();
    }

    private async Task FinishHangupAsync()
    {
        EndSocketApp();
        Emit(NewChannelEvent("CHANNEL_STATE", "switch_channel.c", "switch_channel_perform_set_running_state", 2408, false, "CS_HANGUP", "10"));
        lock (_sync)
        {
            _callState = "HANGUP";
            _hangupUs = _sim.MicrosNow();
            _profileCache = null;
            _vars.Set("hangup_cause", _hangupCause);
            _vars.Set("hangup_cause_q850", Q850(_hangupCause ?? string.Empty).ToString(CultureInfo.InvariantCulture));
            AddCdrVariables();
        }

        Emit(NewChannelEvent("CHANNEL_STATE", "switch_channel.c", "switch_channel_perform_set_running_state", 2408, false, "CS_REPORTING", "11"));
        Emit(NewChannelEvent("CHANNEL_HANGUP_COMPLETE", "switch_core_state_machine.c", "switch_core_session_reporting_state", 943, true,
            "CS_REPORTING", "11", leadingHangupCause: _hangupCause));
        if (_leg is not null)
        {
            // An originated leg's CHANNEL_DESTROY, as recorded; an incoming call's is not played (its socket is usually gone).
            EmitDestroy();
        }

        _sim.RemoveCall(this);

        int linger;
        lock (_sync)
        {
            if (_socketGone || _exitRequested)
            {
                return;
            }

            linger = _linger;
        }

        if (linger == 0)
        {
            Connection.SendLastAndClose(Wire.DisconnectNotice(Uuid));
            return;
        }

        // The linger time counts from the notice: the timer starts before the notice leaves, so a peer that reacts to
        // the notice by moving the clock on (a test's fake time) cannot move it before the timer exists.
        var lingerOver = linger > 0 ? DelayAsync(TimeSpan.FromSeconds(linger)) : null;
        Connection.Send(Wire.LingerNotice(Uuid, _channelName, linger));
        if (lingerOver is not null)
        {
            await lingerOver.ConfigureAwait(false);
            lock (_sync)
            {
                if (_exitRequested || _socketGone)
                {
                    return;
                }
            }

            Connection.SendLastAndClose(Wire.DisconnectNotice(Uuid));
        }

        // linger forever: FreeSWITCH waits for 'exit'.
    }

    private void AddCdrVariables()
    {
        long now = _sim.MicrosNow();
        string S(long v) => v.ToString(CultureInfo.InvariantCulture);
        string Stamp(long us) => DateTimeOffset.FromUnixTimeMilliseconds(us / 1000).ToOffset(Time.LocalTimeZone.GetUtcOffset(DateTime.UtcNow)).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        long bill = _answeredUs > 0 ? now - _answeredUs : 0;
        long dur = now - _createdUs;
        string digits = string.Concat(_commands.Count > 0 ? string.Empty : string.Empty);
        _vars.Set("start_stamp", Stamp(_createdUs));
        if (_answeredUs > 0)
        {
            _vars.Set("answer_stamp", Stamp(_answeredUs));
        }

        _vars.Set("end_stamp", Stamp(now));
        _vars.Set("start_epoch", S(_createdUs / 1_000_000));
        _vars.Set("start_uepoch", S(_createdUs));
        _vars.Set("answer_epoch", S(_answeredUs / 1_000_000));
        _vars.Set("answer_uepoch", S(_answeredUs));
        _vars.Set("end_epoch", S(now / 1_000_000));
        _vars.Set("end_uepoch", S(now));
        var last = _apps.Count > 0 ? _apps[^1] : null;
        if (last is not null)
        {
            _vars.Set("last_app", last.Name);
            _vars.Set("last_arg", last.Arg);
        }

        _vars.Set("caller_id", $"\"{_callerName}\" <{_callerNumber}>");
        _vars.Set("duration", S(dur / 1_000_000));
        _vars.Set("billsec", S(bill / 1_000_000));
        _vars.Set("mduration", S(dur / 1000));
        _vars.Set("billmsec", S(bill / 1000));
        _vars.Set("uduration", S(dur));
        _vars.Set("billusec", S(bill));
        _ = digits;
    }

    private static int Q850(string cause) => cause switch
    {
        "UNALLOCATED_NUMBER" => 1,
        "NORMAL_CLEARING" => 16,
        "USER_BUSY" => 17,
        "NO_USER_RESPONSE" => 18,
        "NO_ANSWER" => 19,
        "CALL_REJECTED" => 21,
        "DESTINATION_OUT_OF_ORDER" => 27,
        "NORMAL_UNSPECIFIED" => 31,
        "NORMAL_TEMPORARY_FAILURE" => 41,
        "RECOVERY_ON_TIMER_EXPIRE" => 102,
        "ORIGINATOR_CANCEL" => 487,
        "MANAGER_REQUEST" => 503,
        _ => 0,
    };
}
