using System.Text;
using System.Text.RegularExpressions;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>A tapped outbound session reduced to what must agree between the real FreeSWITCH and the simulator, as
/// three streams compared separately (on the real one a reply and an event may cross on the wire in either order):
/// <list type="bullet">
/// <item><see cref="Commands"/>: what the engine sent, one line each (the verb line; a sendmsg as its call-command and
/// application; an api/bgapi as its command word). Identifiers are masked.</item>
/// <item><see cref="Replies"/>: FreeSWITCH's reply to each command, paired in order: a command/reply's Reply-Text
/// (fixed protocol texts), an api/response as +OK, the -ERR text, or "(value)".</item>
/// <item><see cref="Events"/>: the events and notices, in order, each as its name plus the headers the engine reads
/// (Application, Application-Response, read_result, DTMF-Digit, Hangup-Cause, ...).</item>
/// </list>
/// UUIDs, timestamps and hosts never appear, so a run compares with another run.</summary>
internal sealed partial record EslSessionView(IReadOnlyList<string> Commands, IReadOnlyList<string> Replies, IReadOnlyList<string> Events)
{
    /// <summary>The channel's Unique-ID from the connect reply (null if there was none).</summary>
    public string? ChannelUuid { get; init; }

    /// <summary>For each of <see cref="Events"/>, its header names in order (channel variables left out) and the values
    /// of the headers in <see cref="DetailValues"/>: compared between two live runs, not kept in the committed
    /// references (empty when parsed).</summary>
    public IReadOnlyList<string> EventDetails { get; init; } = [];

    /// <summary>Headers whose values must agree (the engine reads some; the rest describe the channel's state), besides
    /// what <see cref="Events"/> already shows. Identifiers, times, hosts and application arguments (which carry the
    /// engine's ids) are left out.</summary>
    private static readonly string[] DetailValues =
    [
        "Channel-State", "Channel-Call-State", "Channel-State-Number", "Answer-State", "Call-Direction", "Caller-Dialplan",
        "Caller-Caller-ID-Number", "Caller-ANI", "Caller-Destination-Number", "Caller-Context", "Caller-RDNIS",
        "Caller-Profile-Index", "Caller-Source", "DTMF-Source", "DTMF-Duration", "Hangup-Cause", "Application-Response",
        "Content-Disposition", "Linger-Time", "Channel-Name",
    ];

    /// <summary>Which side closed the connection first ("freeswitch" or "engine"). Not compared: after <c>exit</c>
    /// FreeSWITCH sends "+OK bye" and the disconnect notice and closes, while the engine closes once it has read the
    /// reply, so either may be first.</summary>
    public string? ClosedFirstBy { get; init; }

    public static EslSessionView From(TapSession session)
    {
        var messages = session.Messages;
        var commands = new List<string>();
        var replies = new List<string>();
        var events = new List<string>();
        var details = new List<string>();
        string? channel = null;
        var replyIndex = 0;
        foreach (var m in messages)
        {
            if (m.Direction == TapDirection.ToFreeSwitch)
            {
                commands.Add(Command(m));
                continue;
            }

            switch (m.ContentType)
            {
                case "command/reply":
                {
                    var headers = m.Headers;
                    var text = headers.TryGetValue("Reply-Text", out var t) ? t : string.Empty;
                    if (headers.TryGetValue("Unique-ID", out var uuid))
                    {
                        // The connect reply: the channel data, values URL-encoded.
                        channel ??= Uri.UnescapeDataString(uuid);
                        text = Uri.UnescapeDataString(text);
                    }

                    replies.Add(Pair(commands, replyIndex++, Mask(text.TrimEnd('\n'))));
                    break;
                }

                case "api/response":
                    replies.Add(Pair(commands, replyIndex++, ApiKind(m.Body ?? string.Empty)));
                    break;
                case "text/event-plain":
                {
                    var body = m.Body ?? string.Empty;
                    events.Add(Event(TapMessage.ParseHeaders(body, skipFirst: false), channel));
                    details.Add(Detail(body));
                    break;
                }

                case "text/disconnect-notice":
                    events.Add("disconnect-notice " + (m.Headers.TryGetValue("Content-Disposition", out var d) ? d : "(none)"));
                    details.Add(Detail(m.HeaderText));
                    break;
                case "log/data":
                    break;
                default:
                    events.Add("(message " + (m.ContentType ?? "without Content-Type") + ")");
                    details.Add(Detail(m.HeaderText));
                    break;
            }
        }

        return new EslSessionView(commands, replies, events) { ChannelUuid = channel, ClosedFirstBy = session.ClosedFirstBy, EventDetails = details };
    }

    /// <summary>The three streams as text, one item a line, for a report or a committed reference file.</summary>
    public string Render(string? comment = null)
    {
        var b = new StringBuilder();
        foreach (var line in (comment ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries)) b.Append("# ").Append(line).Append('\n');
        if (comment is null && ClosedFirstBy is not null) b.Append("# socket closed first by ").Append(ClosedFirstBy).Append('\n');
        void Section(string name, IReadOnlyList<string> items)
        {
            b.Append('[').Append(name).Append("]\n");
            foreach (var item in items) b.Append(item).Append('\n');
        }

        Section("commands", Commands);
        Section("replies", Replies);
        Section("events", Events);
        return b.ToString();
    }

    /// <summary>Reads what <see cref="Render"/> wrote (lines starting with '#' are comments).</summary>
    public static EslSessionView Parse(string text)
    {
        var sections = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                current = sections[line[1..^1]] = [];
                continue;
            }

            current?.Add(line);
        }

        List<string> Get(string name) => sections.TryGetValue(name, out var l) ? l : [];
        return new EslSessionView(Get("commands"), Get("replies"), Get("events"));
    }

    /// <summary>Where a simulated session departs from a real one (empty when they agree): commands and replies must
    /// be equal; the events too, except for what is a race on the real FreeSWITCH itself:
    /// <list type="bullet">
    /// <item>CHANNEL_PARK is left out of both. The socket application parks the channel (and fires CHANNEL_PARK) as
    /// soon as it has read <c>connect</c>, on the session's thread, while the engine's <c>myevents</c> is on its way:
    /// the engine sees the event only when its subscription won (1 real run in 3 did).</item>
    /// <item>After a transfer, the events of the new extension (from CHANNEL_STATE CS_ROUTING to the last disconnect
    /// notice): FreeSWITCH stops sending events when it reads the engine's <c>exit</c>, which the engine sends as
    /// soon as the transfer completed, so how many reach it is a race.</item>
    /// <item>Likewise after the engine's own <c>sendmsg hangup</c> (from CHANNEL_HANGUP to the last disconnect
    /// notice): the engine sends <c>exit</c> on the +OK, while FreeSWITCH hangs up when the parked channel next reads
    /// its queue; recorded runs saw none of the hangup's events, with or without the linger notice; the simulator,
    /// hanging up at once, sends them all.</item>
    /// <item>The read_result of a read that the caller's hangup cut: FreeSWITCH's digit collection sees the hangup
    /// either as the end of its loop (the digits so far are a success) or as a failed frame read (failure), as its
    /// threads happen to run; both came out of the same scenario.</item>
    /// </list>
    /// Such a raced stretch must agree as far as the shorter goes: it holds the same items in the same order as the
    /// longer one, with some left out.</summary>
    public static IReadOnlyList<string> Disagreements(EslSessionView real, EslSessionView simulated)
    {
        var problems = new List<string>();
        Same("commands", real.Commands, simulated.Commands);
        Same("replies", real.Replies, simulated.Replies);
        var engineHangsUp = real.Commands.Any(c => c.StartsWith("sendmsg hangup", StringComparison.Ordinal));
        var (realBefore, realRaced, realTail) = Split(real, engineHangsUp);
        var (simBefore, simRaced, simTail) = Split(simulated, engineHangsUp);
        Same("events", realBefore.Select(e => e.Event).ToList(), simBefore.Select(e => e.Event).ToList());
        if (real.EventDetails.Count > 0 && simulated.EventDetails.Count > 0)
        {
            // The same events: their headers must be the same too.
            foreach (var (r, m) in realBefore.Zip(simBefore).Concat(realTail.Zip(simTail)))
            {
                if (r.Event == m.Event && r.Detail != m.Detail)
                {
                    problems.Add($"the headers of '{r.Event}' differ:\n  FreeSWITCH: {r.Detail}\n  simulator:  {m.Detail}");
                    break;
                }
            }
        }

        var (shorter, longer) = realRaced.Count <= simRaced.Count
            ? (realRaced.Select(e => e.Event).ToList(), simRaced.Select(e => e.Event).ToList())
            : (simRaced.Select(e => e.Event).ToList(), realRaced.Select(e => e.Event).ToList());
        if (!IsSubsequence(shorter, longer))
        {
            problems.Add("the events that race the engine's exit differ: FreeSWITCH has [" + string.Join(", ", realRaced.Select(e => e.Event))
                         + "], the simulator [" + string.Join(", ", simRaced.Select(e => e.Event)) + "]");
        }

        Same("events from the last disconnect notice on", realTail.Select(e => e.Event).ToList(), simTail.Select(e => e.Event).ToList());
        return problems;

        void Same(string what, IReadOnlyList<string> expected, IReadOnlyList<string> actual)
        {
            if (expected.SequenceEqual(actual)) return;
            var at = 0;
            while (at < expected.Count && at < actual.Count && expected[at] == actual[at]) at++;
            problems.Add($"{what} differ at item {at}: FreeSWITCH has '{(at < expected.Count ? expected[at] : "(nothing more)")}', "
                         + $"the simulator '{(at < actual.Count ? actual[at] : "(nothing more)")}'");
        }
    }

    private static bool IsSubsequence(List<string> shorter, List<string> longer)
    {
        var at = 0;
        foreach (var item in longer)
        {
            if (at < shorter.Count && shorter[at] == item) at++;
        }

        return at == shorter.Count;
    }

    /// <summary>The events before the race with the engine's exit, those in it, and the last notice on.</summary>
    private static (List<(string Event, string? Detail)> Before, List<(string Event, string? Detail)> Raced, List<(string Event, string? Detail)> Tail)
        Split(EslSessionView view, bool engineHangsUp)
    {
        var kept = view.Events.Select((e, i) => (Event: e, Detail: i < view.EventDetails.Count ? view.EventDetails[i] : null))
            .Where(e => e.Event != "CHANNEL_PARK").ToList();
        var hangup = kept.FindIndex(e => e.Event.StartsWith("CHANNEL_HANGUP ", StringComparison.Ordinal));
        for (var i = hangup + 1; hangup >= 0 && i < kept.Count; i++)
        {
            var cut = kept[i].Event.IndexOf(" read_result=", StringComparison.Ordinal);
            if (cut > 0 && kept[i].Event.StartsWith("CHANNEL_EXECUTE_COMPLETE ", StringComparison.Ordinal))
            {
                kept[i] = (kept[i].Event[..cut] + " read_result=(cut by the hangup)", null);
            }
        }

        var tail = kept.FindLastIndex(e => e.Event == "disconnect-notice disconnect");
        if (tail < 0) tail = kept.Count;
        var raced = kept.FindIndex(e => e.Event == "CHANNEL_STATE CS_ROUTING"
                                        || (engineHangsUp && (e.Event.StartsWith("CHANNEL_HANGUP ", StringComparison.Ordinal) || e.Event == "disconnect-notice linger")));
        if (raced < 0 || raced > tail) raced = tail;
        return (kept[..raced], kept[raced..tail], kept[tail..]);
    }

    /// <summary>Header names in order (channel variables left out) and the values of <see cref="DetailValues"/>.</summary>
    private static string Detail(string block)
    {
        var names = new List<string>();
        var values = new List<string>();
        foreach (var raw in block.Split('\n'))
        {
            var colon = raw.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            var name = raw[..colon];
            if (name.StartsWith("variable_", StringComparison.Ordinal)) continue;
            names.Add(name);
            if (DetailValues.Contains(name, StringComparer.Ordinal)) values.Add(name + "=" + Uri.UnescapeDataString(raw[(colon + 1)..].Trim()));
        }

        return string.Join(",", names) + " | " + string.Join(" ", values);
    }

    private static string Pair(List<string> commands, int index, string reply) =>
        (index < commands.Count ? commands[index] : "(no command)") + " => " + reply;

    private static string Command(TapMessage m)
    {
        var line = m.FirstLine.Trim();
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var verb = space < 0 ? line : line[..space];
        var rest = space < 0 ? string.Empty : line[(space + 1)..].Trim();
        var h = m.Headers;
        switch (verb)
        {
            case "sendmsg":
            {
                var target = rest.Length > 0 ? " <uuid>" : string.Empty;
                var cc = h.TryGetValue("call-command", out var c) ? c : "(no call-command)";
                var detail = cc switch
                {
                    "execute" => " " + (h.TryGetValue("execute-app-name", out var app) ? app : "(no app)"),
                    "hangup" => " " + (h.TryGetValue("hangup-cause", out var cause) ? cause : string.Empty),
                    _ => string.Empty,
                };
                return ("sendmsg" + target + " " + cc + detail).TrimEnd();
            }

            case "api":
            case "bgapi":
                return verb + " " + rest.Split(' ')[0];
            default:
                return Mask(line);
        }
    }

    private static string ApiKind(string body)
    {
        var text = body.Trim();
        if (text.StartsWith("+OK", StringComparison.Ordinal)) return "+OK";
        if (text.StartsWith("-ERR", StringComparison.Ordinal) || text.StartsWith("-USAGE", StringComparison.Ordinal)) return Mask(text);
        return "(value)";
    }

    private static string Event(Dictionary<string, string> raw, string? channel)
    {
        string? Get(string name) => raw.TryGetValue(name, out var v) ? Uri.UnescapeDataString(v) : null;
        var name = Get("Event-Name") ?? "(no Event-Name)";
        var b = new StringBuilder(name);
        switch (name)
        {
            case "CUSTOM":
                b.Append(' ').Append(Get("Event-Subclass"));
                if (Get("CC-Action") is { } action) b.Append(' ').Append(action);
                break;
            case "CHANNEL_EXECUTE":
                b.Append(' ').Append(Get("Application"));
                break;
            case "CHANNEL_EXECUTE_COMPLETE":
            {
                var app = Get("Application");
                b.Append(' ').Append(app).Append(" -> ").Append(Get("Application-Response"));
                if (app is "play_and_get_digits" or "read")
                {
                    b.Append(" read_result=").Append(Get("variable_read_result") ?? "(unset)");
                    if (Get("variable_read_terminator_used") is { } term) b.Append(" terminator=").Append(term);

                    // The variable the digits went to: play_and_get_digits' 8th argument, read's 4th.
                    var words = (Get("Application-Data") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    var index = app == "read" ? 3 : 7;
                    if (index < words.Length) b.Append(" digits=").Append(Get("variable_" + words[index]) ?? "(unset)");
                }

                break;
            }

            case "DTMF":
                b.Append(' ').Append(Get("DTMF-Digit"));
                break;
            case "CHANNEL_HANGUP":
            case "CHANNEL_HANGUP_COMPLETE":
                b.Append(' ').Append(Get("Hangup-Cause"));
                break;
            case "CHANNEL_STATE":
                b.Append(' ').Append(Get("Channel-State"));
                break;
            case "CHANNEL_CALLSTATE":
                b.Append(' ').Append(Get("Original-Channel-Call-State")).Append("->").Append(Get("Channel-Call-State"));
                break;
            case "BACKGROUND_JOB":
                b.Append(' ').Append(Get("Job-Command"));
                return b.ToString();
            default:
                break;
        }

        var uuid = Get("Unique-ID");
        if (channel is not null && uuid is not null && !string.Equals(uuid, channel, StringComparison.OrdinalIgnoreCase))
        {
            b.Insert(0, "(other channel) ");
        }

        return b.ToString();
    }

    private static string Mask(string text) => UuidPattern().Replace(text, "<uuid>");

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex UuidPattern();
}
