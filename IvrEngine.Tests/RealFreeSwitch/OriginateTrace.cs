using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using IvrEngine.EventSocket;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The dialer's originate cases recorded from FreeSWITCH (<see cref="OriginateTraceTests"/>).</summary>
public enum OriginateScenario
{
    /// <summary>user/1001 answers by itself; the answered leg runs the &amp;socket, whose peer hangs up.</summary>
    Answered,

    /// <summary>user/1002 rings and turns the call down (486 Busy Here).</summary>
    Busy,

    /// <summary>user/1002 rings past originate_timeout.</summary>
    NoAnswer,

    /// <summary>user/1003 is in the directory but no phone registered it.</summary>
    NotRegistered,

    /// <summary>user/9999 is not in the directory.</summary>
    UnknownUser,

    /// <summary>An endpoint type that does not exist.</summary>
    BadDialString,

    /// <summary>As <see cref="Answered"/>, but the &amp;socket application unquoted: originate splits its arguments at
    /// spaces, so the socket gets "127.0.0.1:PORT" alone and runs in static mode, single-channel.</summary>
    AnsweredUnquoted,

    /// <summary>user/1002 rings and the leg is killed (uuid_kill) before it answers, as a dialer that stops does.</summary>
    KilledWhileRinging,

    /// <summary>As <see cref="Answered"/>, but the socket's peer sends <c>exit</c> instead of a hangup: the channel stays
    /// in the socket application (nothing resumes it) until the contact hangs up.</summary>
    AnsweredSocketExits,
}

/// <summary>A normalised view of one originate: the job's reply, the events of the originated channel on an inbound
/// connection (in order, with the headers a dialer reads), and the answered leg's connect data. Ids, times and ports
/// are replaced by placeholders so a simulated run and a real one compare as text.</summary>
public static partial class OriginateTrace
{
    /// <summary>What the inbound connection subscribes to.</summary>
    public static readonly IReadOnlyList<string> Events =
    [
        "CHANNEL_CREATE", "CHANNEL_OUTGOING", "CHANNEL_ORIGINATE", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_ANSWER",
        "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_PARK", "CHANNEL_UNPARK", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY",
        "BACKGROUND_JOB",
    ];

    /// <summary>The headers of an event the view keeps, in this order.</summary>
    private static readonly string[] EventHeaders =
    [
        "Event-Name", "Hangup-Cause", "Channel-State", "Channel-Call-State", "Answer-State", "Call-Direction", "Caller-Direction",
        "Caller-Logical-Direction", "Caller-Caller-ID-Name", "Caller-Caller-ID-Number", "Caller-Destination-Number", "Caller-Context",
        "Application", "Application-Data", "Application-Response", "Job-Command", "Job-Command-Arg", "variable_ivr_dialer_campaign",
        "variable_ivr_dialer_contact", "variable_ivr_dialer_attempt", "variable_hangup_cause", "variable_originate_disposition",
        "variable_endpoint_disposition",
    ];

    /// <summary>The headers of the connect data the view keeps.</summary>
    private static readonly string[] ConnectHeaders =
    [
        "Call-Direction", "Presence-Call-Direction", "Answer-State", "Channel-Call-State", "Channel-State", "Caller-Direction",
        "Caller-Logical-Direction", "Caller-Caller-ID-Name", "Caller-Caller-ID-Number", "Caller-Destination-Number", "Caller-Context",
        "Caller-Callee-ID-Number", "Socket-Mode", "Control", "variable_direction", "variable_ivr_dialer_campaign",
        "variable_ivr_dialer_contact", "variable_ivr_dialer_attempt", "variable_origination_caller_id_number",
        "variable_origination_caller_id_name", "variable_originate_timeout", "variable_origination_uuid", "variable_dialed_user",
        "variable_current_application", "variable_current_application_data", "variable_endpoint_disposition",
    ];

    /// <summary>What <c>api originate user/1001</c> (one argument) answers: mod_commands' ORIGINATE_SYNTAX.</summary>
    public const string UsageReply =
        "-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n";

    /// <summary>The contact id the recorded commands carry.</summary>
    public const string Contact = "3f1c2a9e-0000-4000-8000-00000000c0de";

    /// <summary>The dialer's originate for a scenario.</summary>
    public static string Command(OriginateScenario scenario, string uuid, int socketPort)
    {
        var (endpoint, timeout) = scenario switch
        {
            OriginateScenario.Answered or OriginateScenario.AnsweredUnquoted or OriginateScenario.AnsweredSocketExits => ("user/1001", 20),
            OriginateScenario.Busy => ("user/1002", 20),
            OriginateScenario.NoAnswer => ("user/1002", 3),
            OriginateScenario.KilledWhileRinging => ("user/1002", 20),
            OriginateScenario.NotRegistered => ("user/1003", 20),
            OriginateScenario.UnknownUser => ("user/9999", 20),
            _ => ("nosuchendpoint/1001", 20),
        };
        var socket = string.Create(CultureInfo.InvariantCulture, $"&socket(127.0.0.1:{socketPort} async full)");
        return string.Create(CultureInfo.InvariantCulture,
            $"originate {{origination_uuid={uuid},origination_caller_id_number=15550001111,origination_caller_id_name='Acme Billing',originate_timeout={timeout},ivr_dialer_campaign=7,ivr_dialer_contact={Contact},ivr_dialer_attempt=2}}{endpoint} {(scenario == OriginateScenario.AnsweredUnquoted ? socket : "'" + socket + "'")}");
    }

    public static string ReferencePath(OriginateScenario scenario) =>
        Path.Combine(RealFreeSwitchEnvironment.RepositoryRoot(), "IvrEngine.Tests", "RealFreeSwitch", "Agreement", "Originate" + scenario + ".txt");

    /// <summary>The view as text: a comment, the command, then blocks "[EVENT]" / "[connect]" of "name: value" lines.</summary>
    public static string Render(OriginateScenario scenario, string command, string uuid, IEnumerable<EslEvent> events, ChannelData? connect)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# {scenario}: bgapi {Normalise(command, uuid)}\n");
        text.Append("# Recorded from FreeSWITCH 1.10.12 by RealFreeSwitch/OriginateTraceTests (IVR_AGREEMENT_RECORD=1): the events of the\n");
        text.Append("# originated channel and the job's BACKGROUND_JOB on an inbound connection, in order; then the &socket's connect data.\n");
        foreach (var e in events)
        {
            text.Append('[').Append(e.EventName).Append("]\n");
            foreach (var name in EventHeaders)
            {
                if (e[name] is { } value) text.Append(name).Append(": ").Append(Normalise(value, uuid)).Append('\n');
            }

            if (e.EventName == "BACKGROUND_JOB") text.Append("Body: ").Append(Normalise((e.Body ?? string.Empty).TrimEnd('\n'), uuid)).Append('\n');
        }

        if (connect is not null)
        {
            text.Append("[connect]\n");
            foreach (var name in ConnectHeaders)
            {
                if (connect.GetHeader(name) is { } value) text.Append(name).Append(": ").Append(Normalise(value, uuid)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Every header of the events and the connect data, for reading what FreeSWITCH sent.</summary>
    public static string Raw(IEnumerable<EslEvent> events, ChannelData? connect)
    {
        var text = new StringBuilder();
        foreach (var e in events)
        {
            text.Append("==== ").Append(e.EventName).Append('\n');
            foreach (var (name, value) in e.GetAllHeaders()) text.Append(name).Append(": ").Append(value).Append('\n');
            if (e.Body is { Length: > 0 } body) text.Append("BODY: ").Append(body).Append('\n');
        }

        if (connect is not null)
        {
            text.Append("==== connect\n");
            foreach (var (name, value) in connect.Headers) text.Append(name).Append(": ").Append(value).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The blocks of a view: (name, headers) in order.</summary>
    public static List<(string Name, List<KeyValuePair<string, string>> Headers)> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var blocks = new List<(string, List<KeyValuePair<string, string>>)>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith('['))
            {
                blocks.Add((line.Trim('[', ']'), []));
                continue;
            }

            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            blocks[^1].Item2.Add(new(line[..colon], line[(colon + 2)..]));
        }

        return blocks;
    }

    /// <summary>Where two views differ, in words; empty when they agree. The channel's events must come in the same order
    /// with the same headers; the job's BACKGROUND_JOB is fired by the api thread as originate returns, so where it falls
    /// among the channel's events (which its session thread fires meanwhile) is a race. An answered call's reply comes after
    /// CHANNEL_ANSWER; a failed call's may come even before CHANNEL_HANGUP (the leg is marked hung up before that event is
    /// fired, and originate returns on the mark: seen with uuid_kill while ringing).</summary>
    public static List<string> Disagreements(List<(string Name, List<KeyValuePair<string, string>> Headers)> expected,
        List<(string Name, List<KeyValuePair<string, string>> Headers)> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var found = new List<string>();
        var want = expected.Where(b => b.Name != "BACKGROUND_JOB").ToList();
        var got = actual.Where(b => b.Name != "BACKGROUND_JOB").ToList();
        if (!want.Select(b => b.Name).SequenceEqual(got.Select(b => b.Name)))
        {
            found.Add($"events {string.Join(' ', got.Select(b => b.Name))} where FreeSWITCH sent {string.Join(' ', want.Select(b => b.Name))}");
        }
        else
        {
            foreach (var (w, g) in want.Zip(got)) Compare(w, g, found);
        }

        var wantJob = expected.Where(b => b.Name == "BACKGROUND_JOB").ToList();
        var gotJob = actual.Where(b => b.Name == "BACKGROUND_JOB").ToList();
        if (wantJob.Count != 1 || gotJob.Count != 1)
        {
            found.Add($"{gotJob.Count} BACKGROUND_JOB where FreeSWITCH sent {wantJob.Count}");
            return found;
        }

        Compare(wantJob[0], gotJob[0], found);
        if (gotJob[0].Headers.FirstOrDefault(h => h.Key == "Body").Value?.StartsWith("+OK", StringComparison.Ordinal) == true
            && actual.FindIndex(b => b.Name == "BACKGROUND_JOB") < actual.FindIndex(b => b.Name == "CHANNEL_ANSWER"))
        {
            found.Add("BACKGROUND_JOB before CHANNEL_ANSWER: FreeSWITCH replies +OK once the call was answered");
        }

        return found;
    }

    private static void Compare((string Name, List<KeyValuePair<string, string>> Headers) want,
        (string Name, List<KeyValuePair<string, string>> Headers) got, List<string> found)
    {
        foreach (var header in want.Headers.Concat(got.Headers).Select(h => h.Key).Distinct())
        {
            var w = want.Headers.FirstOrDefault(h => h.Key == header).Value;
            var g = got.Headers.FirstOrDefault(h => h.Key == header).Value;
            if (w != g) found.Add($"{want.Name} {header}: \"{g}\" where FreeSWITCH sent \"{w}\"");
        }
    }

    /// <summary>The originated uuid as &lt;uuid&gt;, other ids as &lt;id&gt;, ports as &lt;port&gt;.</summary>
    public static string Normalise(string value, string uuid)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Replace(uuid, "<uuid>", StringComparison.OrdinalIgnoreCase).Replace(Contact, "<contact>", StringComparison.Ordinal);
        text = Ids().Replace(text, "<id>");

        // baresip registers its contact as user-0x<address>; a desk phone's is the user alone.
        text = BaresipContact().Replace(text, "$1");
        return Ports().Replace(text, ":<port>");
    }

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Ids();

    [GeneratedRegex(@"(\d+)-0x[0-9a-f]+")]
    private static partial Regex BaresipContact();

    [GeneratedRegex(@":\d{2,5}\b")]
    private static partial Regex Ports();
}
