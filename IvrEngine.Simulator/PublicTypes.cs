using System.Net;

namespace IvrEngine.Simulator;

/// <summary>Options of a <see cref="FreeSwitchSimulator"/>.</summary>
public sealed record SimulatorOptions
{
    /// <summary>Clock for every delay (playback, linger, connect wait) and for turnaround timestamps.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>If the engine sends nothing (no <c>connect</c>) for this long, FreeSWITCH sends the disconnect notice and closes (about 25 s).</summary>
    public TimeSpan ConnectWait { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>How long a playback (and each prompt) takes; zero completes at once. A call's script can override it.</summary>
    public TimeSpan PlaybackDuration { get; init; } = TimeSpan.Zero;

    /// <summary>true = <c>socket ... async full</c> (+OK at once); false = sync mode (+OK after the application finished).</summary>
    public bool AsyncMode { get; init; } = true;

    /// <summary>Value of FreeSWITCH-Hostname / FreeSWITCH-Switchname.</summary>
    public string Hostname { get; init; } = "fs-sim";

    /// <summary>Value of FreeSWITCH-IPv4.</summary>
    public string IPv4 { get; init; } = "127.0.0.1";

    /// <summary>Value of FreeSWITCH-IPv6.</summary>
    public string IPv6 { get; init; } = "::1";

    /// <summary>Dialplan context of simulated calls.</summary>
    public string Context { get; init; } = "default";

    /// <summary>Domain, exposed as the <c>domain_name</c> channel variable. Null (the default): none, as on the
    /// loopback channel the simulator plays (FreeSWITCH 1.10.12 gives such a channel no domain_name; a SIP caller's
    /// channel has one).</summary>
    public string? Domain { get; init; }

    /// <summary>The socket application's argument as FreeSWITCH shows it in <c>current_application_data</c>.</summary>
    public string SocketArgument { get; init; } = "127.0.0.1:8084 async full";

    /// <summary>true (the default): the channel carries <c>socket_resume=true</c>, as the shipped dialplan sets it before
    /// each <c>socket</c> (freeswitch-conf/dialplan/ivr/entry.xml), so it is in the connect data and, like on
    /// FreeSWITCH, a socket closed before <c>connect</c> (or silent for <see cref="ConnectWait"/>) resumes the
    /// dialplan (<see cref="CallRecord.DialplanContinued"/>) instead of leaving the channel in the socket application.
    /// false: only a caller's own <see cref="CallerScript.Variables"/> set it (a test that runs the dialplan itself).</summary>
    public bool SocketResume { get; init; } = true;

    /// <summary>What follows a transfer (a <c>transfer</c> application or <c>uuid_transfer</c>). The socket application
    /// ends either way (CHANNEL_UNPARK, then its CHANNEL_EXECUTE_COMPLETE) and the socket stays attached. true: the
    /// extension the call was sent to ends it at once (CHANNEL_HANGUP and the rest follow), so a test sees the whole
    /// session end. false: the channel goes on in a dialplan the simulator does not run and stays up, as a caller
    /// waiting in a queue does; the socket closes when the engine sends <c>exit</c> or closes it, and the call's
    /// record names the destination in <see cref="CallRecord.TransferredTo"/> with the channel's variables then.</summary>
    public bool HangUpAfterTransfer { get; init; } = true;

    /// <summary>What the dialplan runs where a transfer sends the call, which the simulator does not read itself: given
    /// the transfer's argument (e.g. <c>queue_vip XML default</c>), the applications of that extension in order. After
    /// a transfer FreeSWITCH routes the channel again (CHANNEL_STATE CS_ROUTING, then CS_EXECUTE) and runs them, and
    /// the socket, still attached, receives their CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE until the engine sends
    /// <c>exit</c> (a real FreeSWITCH stops sending events at <c>exit</c>, so how many reach the engine is a race there
    /// too). Null: none run. Only when <see cref="HangUpAfterTransfer"/> is false.</summary>
    public Func<string, IReadOnlyList<DialplanApplication>>? Dialplan { get; init; }

    /// <summary>mod_callcenter's agents (e.g. "1001@default"), all Available and Waiting at start, for
    /// <c>callcenter_config agent list</c> and <c>agent set status</c>.</summary>
    public IReadOnlyList<string> CallcenterAgents { get; init; } = [];

    /// <summary>The users <c>originate ... user/&lt;number&gt;</c> can reach and how each behaves, for those not set with
    /// <see cref="FreeSwitchSimulator.SetContact"/> (e.g. a benchmark's thousands); null, or null for a number: the
    /// directory does not know the user (SUBSCRIBER_ABSENT).</summary>
    public Func<string, SimulatedContact?>? Contacts { get; init; }
}

/// <summary>An application the dialplan runs, with its argument (<see cref="SimulatorOptions.Dialplan"/>).</summary>
public sealed record DialplanApplication(string Name, string Data);

/// <summary>What the simulated caller does.</summary>
public sealed record CallerScript
{
    public string Ani { get; init; } = "15551234567";

    public string Dnis { get; init; } = "5000";

    public string CallerName { get; init; } = "Alice Example";

    public string Uuid { get; init; } = Guid.NewGuid().ToString();

    /// <summary>Extra channel variables present in the connect data.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    /// <summary>Consumed in order each time the channel waits for caller input (each attempt of play_and_get_digits/read;
    /// a playback, say, phrase, speak or sleep only consumes inputs marked <see cref="CallerInput.DuringPlayback"/>;
    /// park, bridge and callcenter consume a HangUp/DropSocket).</summary>
    public IReadOnlyList<CallerInput> Inputs { get; init; } = [];

    /// <summary>Overrides <see cref="SimulatorOptions.PlaybackDuration"/> for this call.</summary>
    public TimeSpan? PlaybackDuration { get; init; }

    /// <summary>Delay between the digits of one <see cref="CallerInput.Keys"/> input (default zero).</summary>
    public TimeSpan? KeyInterval { get; init; }
}

/// <summary>The kind of a <see cref="CallerInput"/>.</summary>
public enum CallerInputKind
{
    Keys,
    Silence,
    HangUp,
    DropSocket,
}

/// <summary>One step of caller behaviour.</summary>
public sealed record CallerInput
{
    private CallerInput(CallerInputKind kind, string value)
    {
        Kind = kind;
        Value = value;
    }

    public CallerInputKind Kind { get; }

    /// <summary>The digits (Keys) or the hangup cause (HangUp).</summary>
    public string Value { get; }

    /// <summary>Consumed by a playback-like app (playback, say, phrase, speak, sleep) instead of the next digit collection.</summary>
    public bool DuringPlayback { get; init; }

    /// <summary>The caller presses these keys (one DTMF event per digit).</summary>
    public static CallerInput Keys(string digits) => new(CallerInputKind.Keys, digits ?? string.Empty);

    /// <summary>The caller presses nothing: that attempt times out.</summary>
    public static CallerInput Silence { get; } = new(CallerInputKind.Silence, string.Empty);

    /// <summary>The caller hangs up at that step.</summary>
    public static CallerInput HangUp(string cause = "NORMAL_CLEARING") => new(CallerInputKind.HangUp, cause);

    /// <summary>The TCP connection is reset at that step, as if FreeSWITCH died.</summary>
    public static CallerInput DropSocket { get; } = new(CallerInputKind.DropSocket, string.Empty);

    /// <summary>This input happens during the next playback-like application.</summary>
    public CallerInput AtPlayback() => this with { DuringPlayback = true };
}

/// <summary>A command the engine sent.</summary>
/// <param name="Line">First line, e.g. "sendmsg" or "api uuid_setvar ...".</param>
/// <param name="Headers">Following header lines (case-insensitive names).</param>
/// <param name="Body">Body when a Content-Length was given.</param>
public sealed record ReceivedCommand(string Line, IReadOnlyDictionary<string, string> Headers, string? Body);

/// <summary>An application the engine made the channel run.</summary>
/// <param name="Name">Application name.</param>
/// <param name="Arg">Argument (from execute-app-arg or the text/plain body), or null.</param>
/// <param name="EventUuid">The sendmsg Event-UUID (echoed as Application-UUID), if given.</param>
/// <param name="Response">Application-Response of its CHANNEL_EXECUTE_COMPLETE (null until it completed or if it never did).</param>
public sealed record ExecutedApp(string Name, string? Arg, string? EventUuid, string? Response);

/// <summary>Everything that happened on one simulated call, available when its socket closed.</summary>
public sealed record CallRecord
{
    public required string Uuid { get; init; }

    public bool Connected { get; init; }

    public bool ClosedBeforeConnect { get; init; }

    public bool Answered { get; init; }

    public IReadOnlyList<ReceivedCommand> Commands { get; init; } = [];

    public IReadOnlyList<ExecutedApp> Applications { get; init; } = [];

    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> ExportedVariables { get; init; } = new Dictionary<string, string>();

    public string? HangupCause { get; init; }

    /// <summary>"caller", "engine", or "dialplan" (the transfer destination ended the call, see
    /// <see cref="SimulatorOptions.HangUpAfterTransfer"/>).</summary>
    public string? HangupBy { get; init; }

    /// <summary>The argument of the transfer that took the call out of the socket application, e.g.
    /// <c>queue_vip XML default</c>.</summary>
    public string? TransferredTo { get; init; }

    public string? BridgedTo { get; init; }

    public string? CallcenterQueue { get; init; }

    /// <summary>The socket closed after connect while the channel was still up and still in the socket application,
    /// so the dialplan continued after <c>socket</c> (a transfer sends it elsewhere instead).</summary>
    public bool DialplanContinued { get; init; }

    public IReadOnlyList<string> ProtocolErrors { get; init; } = [];
}

/// <summary>What a dialed user does when the simulator originates a call to it (<c>originate ... user/&lt;number&gt;</c>).</summary>
public enum ContactBehaviour
{
    /// <summary>Rings for <see cref="SimulatedContact.RingFor"/>, answers (unless originate_timeout ends the ringing first),
    /// and the answered leg runs the originate's <c>&amp;socket</c> with <see cref="SimulatedContact.Script"/> as the person
    /// who picked up.</summary>
    Answers,

    /// <summary>Rings for <see cref="SimulatedContact.RingFor"/>, then turns the call down: USER_BUSY (a phone's 486).</summary>
    Busy,

    /// <summary>Rings until originate_timeout: NO_ANSWER.</summary>
    NeverAnswers,

    /// <summary>In the directory, but no phone registered: USER_NOT_REGISTERED, no channel.</summary>
    NotRegistered,

    /// <summary>Rings for <see cref="SimulatedContact.RingFor"/>, then the call fails with <see cref="SimulatedContact.Cause"/>.</summary>
    Fails,
}

/// <summary>A user the simulator can originate calls to, and how it behaves (<see cref="FreeSwitchSimulator.SetContact"/>,
/// <see cref="SimulatorOptions.Contacts"/>).</summary>
public sealed record SimulatedContact
{
    public ContactBehaviour Behaviour { get; init; } = ContactBehaviour.Answers;

    /// <summary>How long the phone rings (CHANNEL_PROGRESS) before it answers, turns the call down or fails.</summary>
    public TimeSpan RingFor { get; init; }

    /// <summary>The hangup cause of <see cref="ContactBehaviour.Fails"/> (e.g. CALL_REJECTED, NORMAL_TEMPORARY_FAILURE).</summary>
    public string Cause { get; init; } = "NORMAL_TEMPORARY_FAILURE";

    /// <summary>What the person who answered does: keys, silence, hangup, as for an incoming caller. Its Ani, Dnis,
    /// CallerName and Uuid are not used: the originate sets who calls whom and the channel's uuid.</summary>
    public CallerScript Script { get; init; } = new();

    /// <summary>Answers after <paramref name="ringFor"/>; <paramref name="script"/> then plays the person who picked up.</summary>
    public static SimulatedContact Answering(TimeSpan ringFor = default, CallerScript? script = null) =>
        new() { RingFor = ringFor, Script = script ?? new CallerScript() };

    /// <summary>Rings for <paramref name="ringFor"/>, then busy.</summary>
    public static SimulatedContact Busy(TimeSpan ringFor = default) => new() { Behaviour = ContactBehaviour.Busy, RingFor = ringFor };

    /// <summary>Never answers.</summary>
    public static SimulatedContact NeverAnswering { get; } = new() { Behaviour = ContactBehaviour.NeverAnswers };

    /// <summary>Not registered.</summary>
    public static SimulatedContact NotRegistered { get; } = new() { Behaviour = ContactBehaviour.NotRegistered };

    /// <summary>Rings for <paramref name="ringFor"/>, then fails with <paramref name="cause"/>.</summary>
    public static SimulatedContact Failing(string cause, TimeSpan ringFor = default) =>
        new() { Behaviour = ContactBehaviour.Fails, Cause = cause, RingFor = ringFor };
}
