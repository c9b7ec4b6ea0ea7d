using System.Globalization;
using System.Net.Sockets;

namespace IvrEngine.Simulator;

/// <summary>A leg the simulator originated (<c>originate {...}user/N '&amp;socket(...)'</c>): it rings, then answers and
/// connects to the socket like an incoming call, or fails; its events are those FreeSWITCH 1.10.12 sent for a SIP phone
/// (RealFreeSwitch/Agreement/Originate*.txt).</summary>
public sealed partial class SimulatedCall
{
    private readonly OriginatedLeg? _leg;

    /// <summary>An originated leg: outbound, the originate's caller id presented to the contact, no socket yet.</summary>
    internal SimulatedCall(FreeSwitchSimulator sim, CallerScript script, OriginatedLeg leg)
    {
        _sim = sim;
        _script = script;
        _leg = leg;
        Connection = null!; // set when the answered leg's socket connects (ConnectSocketAsync)
        string Var(string name) => leg.Variables.LastOrDefault(v => v.Key == name).Value ?? string.Empty;
        Uuid = Var("origination_uuid") is { Length: > 0 } u ? u : Guid.NewGuid().ToString();
        _channelName = $"sofia/internal/{leg.User}@{leg.Domain}";
        _createdUs = sim.MicrosNow();
        _profileCreatedUs = _createdUs;
        _destination = leg.User;
        _dnis = leg.User;
        _context = "default";
        _dialplanName = "XML";
        _direction = "outbound";
        _source = "src/switch_ivr_originate.c";
        _codec = "PCMU";
        _codecBitRate = "64000";
        _socketArgument = leg.SocketArgument;
        _async = leg.Async;
        _fullControl = leg.Full;
        _callerName = _origCallerName = Var("origination_caller_id_name") is { Length: > 0 } n ? n : "FreeSWITCH";
        _callerNumber = _origCallerNumber = _ani = Var("origination_caller_id_number") is { Length: > 0 } m ? m : "0000000000";
        _calleeName = "Outbound Call";
        _calleeNumber = leg.User;
        _callState = "DOWN";
        _stateName = "CS_CONSUME_MEDIA";
        _stateNumberOverride = "7";
        _hitDialplan = false;
        _vars.Set("direction", "outbound");
        _vars.Set("is_outbound", "true");
        _vars.Set("uuid", Uuid);
        _vars.Set("session_id", sim.NextSequence().ToString(CultureInfo.InvariantCulture));
        _vars.Set("sip_profile_name", "internal");
        _vars.Set("channel_name", _channelName);
        _vars.Set("dialed_user", leg.User);
        _vars.Set("dialed_domain", leg.Domain);
        _vars.Set("sip_invite_domain", leg.Domain);
        _vars.Set("presence_id", $"{leg.User}@{leg.Domain}");
        foreach (var (name, value) in leg.Variables)
        {
            _vars.Set(name, value);
        }

        _vars.Set("originate_early_media", "true");
        _vars.Set("originate_endpoint", "user");
    }

    /// <summary>The leg's life until originate returns: created, ringing, then answered (reply "+OK uuid", and after the
    /// reply the socket application), or ended with a cause (reply "-ERR cause", and after it CHANNEL_DESTROY).
    /// originate_timeout ends the ringing with NO_ANSWER; a uuid_kill while ringing ends it with the kill's cause.</summary>
    internal async Task<(string Reply, Func<Task>? After)> RingAsync(SimulatedContact contact, TimeSpan timeout)
    {
        // switch_core_session_outgoing_channel, then the new session's thread (CS_INIT), then the phone's 180 Ringing.
        EmitToListeners(NewChannelEvent("CHANNEL_OUTGOING", "switch_core_session.c", "switch_core_session_outgoing_channel", 768, false,
            "CS_NONE", "0"));
        EmitToListeners(NewChannelEvent("CHANNEL_CREATE", "switch_core_state_machine.c", "switch_core_session_run", 626, true, "CS_INIT", "1"));
        EmitToListeners(NewChannelEvent("CHANNEL_ORIGINATE", "switch_core_state_machine.c", "switch_core_session_run", 632, true, "CS_INIT", "1"));
        var ringFor = contact.Behaviour == ContactBehaviour.NeverAnswers ? timeout : contact.RingFor;
        string? cause = null;
        if (ringFor >= timeout)
        {
            ringFor = timeout;
            cause = "NO_ANSWER";
        }

        // The ringing counts from CHANNEL_PROGRESS: the timer starts before the event leaves, so a peer that reacts to
        // it by moving the clock on (a test's fake time) cannot move it before the timer exists.
        var rang = Task.Delay(ringFor, Time);
        EmitToListeners(NewChannelEvent("CHANNEL_PROGRESS", "switch_channel.c", "switch_channel_perform_mark_ring_ready_value", 3505, true));
        lock (_sync)
        {
            _callState = "RINGING";
        }

        if (await Task.WhenAny(rang, _channelEnded.Task).ConfigureAwait(false) != rang)
        {
            // Killed while ringing (uuid_kill): the hangup is out already.
            lock (_sync)
            {
                cause = _hangupCause ?? "NORMAL_CLEARING";
            }

            return FailedLeg(cause);
        }

        cause ??= contact.Behaviour switch
        {
            ContactBehaviour.Busy => "USER_BUSY",
            ContactBehaviour.Fails => contact.Cause,
            _ => null,
        };
        if (cause is not null)
        {
            EmitToListeners(MarkHungUp(cause));
            return FailedLeg(cause);
        }

        Answer(early: false);
        EmitToListeners(NewChannelEvent("CHANNEL_OUTGOING", "switch_core_session.c", "switch_core_session_outgoing_channel", 768, false,
            "CS_CONSUME_MEDIA", "7"));
        return ($"+OK {Uuid}\n", RunSocketApplicationAsync);
    }

    /// <summary>switch_channel_perform_hangup on a leg that has no socket: the CHANNEL_HANGUP event (the caller emits it).</summary>
    private EslEvent MarkHungUp(string cause)
    {
        lock (_sync)
        {
            _hungUp = true;
            _hangupCause = cause;
            _hangupBy = "caller";
            _answerState = "hangup";
            _profileCache = null;
            return NewChannelEvent("CHANNEL_HANGUP", "switch_channel.c", "switch_channel_perform_hangup", 3445, true);
        }
    }

    /// <summary>A leg that ended before it was answered: CHANNEL_HANGUP_COMPLETE now, the reply, then CHANNEL_DESTROY.
    /// (FreeSWITCH fires the reply from the api's thread and these from the leg's own, so on FreeSWITCH the job's event
    /// may come before or after CHANNEL_HANGUP_COMPLETE.)</summary>
    private (string Reply, Func<Task>? After) FailedLeg(string cause)
    {
        EmitEndOfLeg(withDestroy: false);
        _sim.RemoveCall(this);
        _channelEnded.TrySetResult();
        _completion.TrySetResult(Record());
        return ($"-ERR {cause}\n", () =>
        {
            EmitDestroy();
            return Task.CompletedTask;
        });
    }

    private void EmitEndOfLeg(bool withDestroy)
    {
        lock (_sync)
        {
            _callState = "HANGUP";
            _hangupUs = _sim.MicrosNow();
            _profileCache = null;
            _vars.Set("hangup_cause", _hangupCause);
            _vars.Set("hangup_cause_q850", Q850(_hangupCause ?? string.Empty).ToString(CultureInfo.InvariantCulture));
        }

        EmitToListeners(NewChannelEvent("CHANNEL_HANGUP_COMPLETE", "switch_core_state_machine.c", "switch_core_session_reporting_state", 943, true,
            "CS_REPORTING", "11", leadingHangupCause: _hangupCause));
        if (withDestroy)
        {
            EmitDestroy();
        }
    }

    /// <summary>switch_core_session_perform_destroy: the last event of every channel.</summary>
    private void EmitDestroy() =>
        EmitToListeners(NewChannelEvent("CHANNEL_DESTROY", "switch_core_session.c", "switch_core_session_perform_destroy", 1584, true,
            "CS_REPORTING", "11"));

    /// <summary>The answered leg runs originate's application: its caller id flipped (the contact is now the caller,
    /// switch_channel_flip_cid), CS_EXECUTE, the socket application's CHANNEL_EXECUTE, and the connection to the socket
    /// address; from there it is served like an incoming call. A socket that cannot connect ends the application, and
    /// with nothing after it the channel hangs up.</summary>
    private async Task RunSocketApplicationAsync()
    {
        lock (_sync)
        {
            _vars.Set("pre_transfer_caller_id_name", _callerName);
            _vars.Set("pre_transfer_caller_id_number", _callerNumber);
            _vars.Set("channel_cid_flipped", "yes");
            _vars.Set("call_uuid", Uuid);
            (_callerName, _calleeName) = (_calleeName, _callerName);
            (_callerNumber, _calleeNumber) = (_calleeNumber, _callerNumber);
            _stateName = "CS_EXECUTE";
            _stateNumberOverride = null;
            _hitDialplan = true;
            _profileCache = null;
            _dataProfileCache = null;
            _vars.Set("current_application_data", _socketArgument);
            _vars.Set("current_application", "socket");
        }

        var exec = NewChannelEvent("CHANNEL_EXECUTE", "switch_core_session.c", "switch_core_session_exec", 2944, true);
        exec.Add("Application", "socket");
        if (_socketArgument.Length > 0)
        {
            exec.Add("Application-Data", _socketArgument);
        }

        exec.Add("Application-UUID", _socketAppUuid);
        EmitToListeners(exec);

        var target = _leg?.SocketEndPoint;
        var socket = target is null ? null : new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (socket is null || target is null)
            {
                throw new SocketException((int)SocketError.AddressNotAvailable);
            }

            await socket.ConnectAsync(target).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket?.Dispose();
            lock (_sync)
            {
                _errors.Add($"socket {_socketArgument}: {e.Message}");
                _socketGone = true;
            }

            EndSocketApp();
            EmitToListeners(MarkHungUp("NORMAL_CLEARING"));
            EmitEndOfLeg(withDestroy: true);
            _sim.RemoveCall(this);
            _channelEnded.TrySetResult();
            _completion.TrySetResult(Record());
            return;
        }

        lock (_sync)
        {
            _vars.Set("socket_host", target.Address.ToString());
        }

        var conn = new EslConnection(socket);
        Connection = conn;
        conn.OnEventSent = OnEventSent;
        Start();
        _sim.ReportAnswered(this);
    }

    /// <summary>What happened to the leg, for <see cref="Completion"/> when it never reached its socket.</summary>
    private CallRecord Record()
    {
        lock (_sync)
        {
            return new CallRecord
            {
                Uuid = Uuid,
                Answered = _answered,
                Variables = _vars.ToDictionary(),
                HangupCause = _hangupCause,
                HangupBy = _hangupBy,
                ProtocolErrors = [.. _errors],
            };
        }
    }
}
