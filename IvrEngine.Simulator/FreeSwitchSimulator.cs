using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IvrEngine.Simulator;

/// <summary>
/// A FreeSWITCH stand-in that speaks the event-socket protocol over real TCP on 127.0.0.1, byte for byte
/// like FreeSWITCH 1.10.12: outbound sockets (<c>socket 127.0.0.1:PORT async full</c>) for simulated calls,
/// and an inbound ESL server.
/// </summary>
public sealed partial class FreeSwitchSimulator : IAsyncDisposable
{
    private static readonly string[] EventNames =
    [
        "CUSTOM", "CLONE", "CHANNEL_CREATE", "CHANNEL_DESTROY", "CHANNEL_STATE", "CHANNEL_CALLSTATE", "CHANNEL_ANSWER",
        "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HOLD",
        "CHANNEL_UNHOLD", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA",
        "CHANNEL_OUTGOING", "CHANNEL_PARK", "CHANNEL_UNPARK", "CHANNEL_APPLICATION", "CHANNEL_ORIGINATE", "CHANNEL_UUID",
        "API", "LOG", "INBOUND_CHAN", "OUTBOUND_CHAN", "STARTUP", "SHUTDOWN", "PUBLISH", "UNPUBLISH", "TALK", "NOTALK",
        "SESSION_CRASH", "MODULE_LOAD", "MODULE_UNLOAD", "DTMF", "MESSAGE", "PRESENCE_IN", "NOTIFY_IN", "PRESENCE_OUT",
        "PRESENCE_PROBE", "MESSAGE_WAITING", "MESSAGE_QUERY", "ROSTER", "CODEC", "BACKGROUND_JOB", "DETECTED_SPEECH",
        "DETECTED_TONE", "PRIVATE_COMMAND", "HEARTBEAT", "TRAP", "ADD_SCHEDULE", "DEL_SCHEDULE", "EXE_SCHEDULE",
        "RE_SCHEDULE", "RELOADXML", "NOTIFY", "PHONE_FEATURE", "PHONE_FEATURE_SUBSCRIBE", "SEND_MESSAGE", "RECV_MESSAGE",
        "REQUEST_PARAMS", "CHANNEL_DATA", "GENERAL", "COMMAND", "SESSION_HEARTBEAT", "CLIENT_DISCONNECTED",
        "SERVER_DISCONNECTED", "SEND_INFO", "RECV_INFO", "RECV_RTCP_MESSAGE", "SEND_RTCP_MESSAGE", "CALL_SECURE", "NAT",
        "RECORD_START", "RECORD_STOP", "PLAYBACK_START", "PLAYBACK_STOP", "CALL_UPDATE", "FAILURE", "SOCKET_DATA",
        "MEDIA_BUG_START", "MEDIA_BUG_STOP", "CONFERENCE_DATA_QUERY", "CONFERENCE_DATA", "CALL_SETUP_REQ",
        "CALL_SETUP_RESULT", "CALL_DETAIL", "DEVICE_STATE", "TEXT", "SHUTDOWN_REQUESTED", "ALL",
    ];

    private static readonly HashSet<string> KnownEvents = new(EventNames, StringComparer.Ordinal);

    /// <summary>What <c>myevents</c> subscribes to in mod_event_socket (1.10): a fixed list, not ALL, so neither
    /// CHANNEL_CALLSTATE, PLAYBACK_START/STOP, BACKGROUND_JOB nor CUSTOM events (callcenter::info) reach a socket that
    /// only sent myevents, even for its own channel.</summary>
    private static readonly string[] MyEventsNames =
    [
        "CHANNEL_ANSWER", "CHANNEL_APPLICATION", "CHANNEL_BRIDGE", "CHANNEL_CREATE", "CHANNEL_DATA", "CHANNEL_DESTROY",
        "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_ORIGINATE",
        "CHANNEL_UUID", "CHANNEL_OUTGOING", "CHANNEL_PARK", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_STATE",
        "CHANNEL_UNBRIDGE", "CHANNEL_UNPARK", "DETECTED_SPEECH", "DTMF", "NOTALK", "TALK",
    ];

    private readonly ConcurrentDictionary<string, SimulatedCall> _calls = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<InboundServer> _servers = [];
    private EslConnection[] _globalListeners = [];
    private long _sequence = 1000;
    private long _sessionsSinceStartup;
    private string? _dateCacheKey;
    private string _dateLocal = string.Empty;
    private string _dateGmt = string.Empty;

    public FreeSwitchSimulator(SimulatorOptions? options = null)
    {
        Options = options ?? new SimulatorOptions();
        CoreUuid = Guid.NewGuid().ToString();
        StartedAt = Options.Time.GetTimestamp();
    }

    public SimulatorOptions Options { get; }

    /// <summary>The simulated FreeSWITCH's Core-UUID.</summary>
    public string CoreUuid { get; }

    internal long StartedAt { get; }

    internal TimeProvider Time => Options.Time;

    /// <summary>Calls whose channel still exists.</summary>
    public IReadOnlyCollection<SimulatedCall> LiveCalls => (IReadOnlyCollection<SimulatedCall>)_calls.Values;

    /// <summary>Connects to the engine's outbound listener like FreeSWITCH's <c>socket</c> application and runs the channel in the background.
    /// Returns once TCP is connected.</summary>
    public async Task<SimulatedCall> StartCallAsync(IPEndPoint engine, CallerScript script, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(script);
        var socket = new Socket(engine.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(engine, ct).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Interlocked.Increment(ref _sessionsSinceStartup);
        var call = new SimulatedCall(this, script, new EslConnection(socket));
        _calls[call.Uuid] = call;
        call.Start();
        return call;
    }

    /// <summary>Starts an inbound ESL server (like port 8021) on 127.0.0.1 with an ephemeral port.</summary>
    public Task<InboundServer> StartInboundServerAsync(string password, CancellationToken ct = default) => StartInboundServerAsync(password, 0, ct);

    /// <summary>Starts an inbound ESL server on 127.0.0.1 and <paramref name="port"/> (0: an ephemeral one), e.g. a box
    /// that comes up where an engine has been trying to connect.</summary>
    public Task<InboundServer> StartInboundServerAsync(string password, int port, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var server = new InboundServer(this, password, port);
        lock (_servers)
        {
            _servers.Add(server);
        }

        server.Start();
        return Task.FromResult(server);
    }

    public async ValueTask DisposeAsync()
    {
        InboundServer[] servers;
        lock (_servers)
        {
            servers = [.. _servers];
        }

        foreach (var s in servers)
        {
            await s.StopAsync().ConfigureAwait(false);
        }

        foreach (var c in _calls.Values)
        {
            // An originated leg that still rings has no socket yet.
            c.Connection?.Abort();
        }
    }

    internal void RemoveCall(SimulatedCall call) => _calls.TryRemove(call.Uuid, out _);

    internal SimulatedCall? FindCall(string uuid) => _calls.TryGetValue(uuid, out var c) ? c : null;

    internal long NextSequence() => Interlocked.Increment(ref _sequence);

    // ---------------------------------------------------------------- events

    internal void AddCoreHeaders(EslEvent ev, string file, string function, int line)
    {
        var now = Time.GetUtcNow();
        var local = Time.GetLocalNow();
        string key = local.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        if (key != _dateCacheKey)
        {
            _dateLocal = local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
            _dateGmt = now.ToString("ddd, dd MMM yyyy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture);
            _dateCacheKey = key;
        }

        ev.Add("Core-UUID", CoreUuid);
        ev.Add("FreeSWITCH-Hostname", Options.Hostname);
        ev.Add("FreeSWITCH-Switchname", Options.Hostname);
        ev.Add("FreeSWITCH-IPv4", Options.IPv4);
        ev.Add("FreeSWITCH-IPv6", Options.IPv6);
        ev.Add("Event-Date-Local", _dateLocal);
        ev.Add("Event-Date-GMT", _dateGmt);
        ev.Add("Event-Date-Timestamp", MicrosNow().ToString(CultureInfo.InvariantCulture));
        ev.Add("Event-Calling-File", file);
        ev.Add("Event-Calling-Function", function);
        ev.Add("Event-Calling-Line-Number", line.ToString(CultureInfo.InvariantCulture));
        ev.Add("Event-Sequence", NextSequence().ToString(CultureInfo.InvariantCulture));
    }

    internal long MicrosNow() => Time.GetUtcNow().ToUnixTimeMilliseconds() * 1000 + (Time.GetUtcNow().Ticks / 10 % 1000);

    /// <summary>Delivers an event to its own connection and to every connection that listens beyond its own channel.</summary>
    internal void Publish(EslEvent ev, EslConnection? own)
    {
        own?.Deliver(ev);
        var globals = Volatile.Read(ref _globalListeners);
        foreach (var g in globals)
        {
            if (!ReferenceEquals(g, own))
            {
                g.Deliver(ev);
            }
        }
    }

    internal void UpdateGlobal(EslConnection conn, bool global)
    {
        lock (_calls)
        {
            var cur = _globalListeners;
            bool has = Array.IndexOf(cur, conn) >= 0;
            if (global && !has)
            {
                _globalListeners = [.. cur, conn];
            }
            else if (!global && has)
            {
                _globalListeners = cur.Where(c => !ReferenceEquals(c, conn)).ToArray();
            }
        }
    }

    internal IEnumerable<EslConnection> InboundConnections()
    {
        InboundServer[] servers;
        lock (_servers)
        {
            servers = [.. _servers];
        }

        return servers.SelectMany(s => s.Connections);
    }

    // ---------------------------------------------------------------- commands shared by both socket kinds

    /// <summary>Handles event/myevents/nixevent/noevents/filter/divert_events. Returns the reply, or null if not such a command.</summary>
    internal byte[]? HandleSubscriptionCommand(EslConnection conn, string line, string? ownUuid, bool inbound)
    {
        var sub = conn.Subscription;
        string cmd = FirstWord(line, out string rest);
        switch (cmd)
        {
            case "myevents":
            {
                var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                string? uuid = ownUuid;
                int i = 0;
                if (words.Length > 0 && TryFormat(words[0], out var f0))
                {
                    sub.Format = f0;
                    i = 1;
                }
                else
                {
                    sub.Format = EventFormat.Plain;
                }

                if (inbound)
                {
                    // FreeSWITCH 1.10.12 takes any uuid here, even one no channel has (its events never come), and
                    // does not know the command without one.
                    if (i >= words.Length)
                    {
                        return Wire.CommandReply("-ERR command not found");
                    }

                    uuid = words[i];
                }

                sub.Enabled = true;
                sub.Names.UnionWith(MyEventsNames);
                sub.MyUuid = uuid;
                UpdateGlobal(conn, inbound);
                return Wire.CommandReply("+OK Events Enabled");
            }

            case "event":
            {
                var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                int i = 0;
                var fmt = EventFormat.Plain;
                if (words.Length > 0 && TryFormat(words[0], out var f))
                {
                    fmt = f;
                    i = 1;
                }

                int keys = 0;
                bool custom = false;
                for (; i < words.Length; i++)
                {
                    string w = words[i];
                    if (custom)
                    {
                        sub.Subclasses.Add(w);
                        continue;
                    }

                    if (!KnownEvents.Contains(w))
                    {
                        continue;
                    }

                    keys++;
                    if (w == "ALL")
                    {
                        sub.All = true;
                    }
                    else
                    {
                        sub.Names.Add(w);
                        if (w == "CUSTOM")
                        {
                            custom = true;
                        }
                    }
                }

                if (custom && sub.Subclasses.Count == 0)
                {
                    sub.AllCustom = true;
                }

                if (keys == 0)
                {
                    return Wire.CommandReply("-ERR no keywords supplied");
                }

                sub.Enabled = true;
                sub.Format = fmt;
                UpdateGlobal(conn, inbound || sub.MyUuid is null);
                return Wire.CommandReply("+OK event listener enabled " + fmt.ToString().ToLowerInvariant());
            }

            case "nixevent":
            {
                int keys = 0;
                bool custom = false;
                foreach (var w in rest.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (custom)
                    {
                        sub.Subclasses.Remove(w);
                        continue;
                    }

                    if (!KnownEvents.Contains(w))
                    {
                        continue;
                    }

                    keys++;
                    if (w == "ALL")
                    {
                        sub.All = false;
                        sub.Names.Clear();
                    }
                    else
                    {
                        sub.Names.Remove(w);
                        custom = w == "CUSTOM";
                    }
                }

                return Wire.CommandReply(keys == 0 ? "-ERR no keywords supplied" : "+OK events nixed");
            }

            case "noevents":
                sub.Enabled = false;
                sub.All = false;
                sub.Names.Clear();
                sub.Subclasses.Clear();
                sub.AllCustom = false;
                UpdateGlobal(conn, false);
                return Wire.CommandReply("+OK no longer listening for events");

            case "filter":
            {
                var words = rest.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
                if (words.Length >= 1 && words[0] == "delete")
                {
                    if (words.Length < 2)
                    {
                        return Wire.CommandReply("-ERR invalid syntax");
                    }

                    var hv = words.Length > 2 ? words[2].Split(' ', 2) : [];
                    string header = words[1];
                    if (header == "all")
                    {
                        sub.Filters.Clear();
                        return Wire.CommandReply("+OK filter deleted.");
                    }

                    string? value = words.Length > 2 ? words[2] : null;
                    sub.Filters.RemoveAll(x => x.Key == header && (value is null || x.Value == value));
                    return Wire.CommandReply(value is null ? $"+OK filter deleted. [{header}]" : $"+OK filter deleted. [{header}][{value}]");
                }

                if (words.Length < 2)
                {
                    return Wire.CommandReply("-ERR invalid syntax");
                }

                string val = rest[(rest.IndexOf(words[0], StringComparison.Ordinal) + words[0].Length)..].Trim();
                sub.Filters.Add(new(words[0], val));
                return Wire.CommandReply($"+OK filter added. [{words[0]}]=[{val}]");
            }

            case "divert_events":
                return Wire.CommandReply(rest.Trim() == "on" ? "+OK events diverted" : "+OK events not diverted");

            default:
                return null;
        }
    }

    private static bool TryFormat(string w, out EventFormat f)
    {
        switch (w.ToLowerInvariant())
        {
            case "plain": f = EventFormat.Plain; return true;
            case "json": f = EventFormat.Json; return true;
            case "xml": f = EventFormat.Xml; return true;
            default: f = EventFormat.Plain; return false;
        }
    }

    internal static string FirstWord(string line, out string rest)
    {
        int sp = line.IndexOf(' ', StringComparison.Ordinal);
        if (sp < 0)
        {
            rest = string.Empty;
            return line.Trim();
        }

        rest = line[(sp + 1)..];
        return line[..sp];
    }

    /// <summary>What FreeSWITCH makes of the last argument of an api command it splits at spaces (uuid_setvar; its
    /// switch_separate_string): single quotes that pair up are dropped, backslash escapes read (\n \r \t \s, and
    /// \\ \' \" for the character itself; any other backslash stays), leading spaces skipped and trailing ones dropped.
    /// Seen on FreeSWITCH 1.10.12: "O'Brien said 'bye'" is stored as "OBrien said bye'", "C:\new" with a line break.</summary>
    internal static string CleanSeparatedArgument(string raw)
    {
        var text = new StringBuilder(raw.Length);
        int i = 0;
        while (i < raw.Length && raw[i] == ' ')
        {
            i++;
        }

        int end = 0;
        bool quoted = false;
        for (; i < raw.Length; i++)
        {
            char c = raw[i];
            if (c == '\\' && i + 1 < raw.Length)
            {
                char? escaped = raw[i + 1] switch
                {
                    '\'' or '"' or '\\' => raw[i + 1],
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    's' => ' ',
                    _ => null,
                };
                if (escaped is { } e)
                {
                    text.Append(e);
                    end = text.Length;
                    i++;
                    continue;
                }
            }

            if (c == '\'' && (quoted || raw.IndexOf('\'', i + 1) >= 0))
            {
                quoted = !quoted;
                if (quoted)
                {
                    end = text.Length;
                }

                continue;
            }

            text.Append(c);
            if (c != ' ' || quoted)
            {
                end = text.Length;
            }
        }

        return text.ToString(0, end);
    }

    // ---------------------------------------------------------------- api

    /// <summary>Runs an API command like FreeSWITCH's <c>api</c>/<c>bgapi</c> and returns its output.</summary>
    internal string ExecuteApi(string command, string arg)
    {
        string[] a = arg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        SimulatedCall? Call() => a.Length > 0 ? FindCall(a[0]) : null;
        const string NoChannel = "-ERR No such channel!\n";
        switch (command)
        {
            case "status":
                return StatusText();
            case "version":
                return "FreeSWITCH Version 1.10.12-release~64bit ( 64bit)\n";
            case "echo":
                return arg;
            case "uuid_exists":
                return Call() is { } ? "true" : "false";
            case "global_getvar":
                // mod_commands prints the value without a newline, nothing for an unknown variable, and every
                // variable as name=value lines without an argument.
                return arg.Length == 0
                    ? string.Concat(GlobalVariables().Select(v => $"{v.Key}={v.Value}\n"))
                    : GlobalVariables().FirstOrDefault(v => v.Key == arg).Value ?? string.Empty;
            case "uuid_getvar":
            {
                if (a.Length < 2)
                {
                    return "-USAGE: <uuid> <var>\n";
                }

                var c = Call();
                if (c is null)
                {
                    return NoChannel;
                }

                return c.GetVariable(a[1]) is { } v ? v : "_undef_";
            }

            case "uuid_setvar":
            {
                var c = Call();
                if (c is null)
                {
                    return NoChannel;
                }

                if (a.Length < 2)
                {
                    return "-USAGE: <uuid> <var> [value]\n";
                }

                string[] p = arg.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
                string? value = p.Length > 2 ? CleanSeparatedArgument(p[2]) : null;
                c.ApiSetVariable(p[1], value);
                return "+OK\n";
            }

            case "uuid_setvar_multi":
            {
                // Without pairs it prints nothing (the api reply becomes "-ERR no reply"); an unknown channel gets
                // both the error and the usage, as FreeSWITCH 1.10.12 answers.
                string[] p = arg.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
                if (p.Length < 2)
                {
                    return string.Empty;
                }

                var c = Call();
                if (c is null)
                {
                    return NoChannel + "-USAGE: <uuid> <var>=<value>;<var>=<value>...\n";
                }

                foreach (var pair in p[1].Split(';', StringSplitOptions.RemoveEmptyEntries))
                {
                    int eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0)
                    {
                        c.ApiSetVariable(pair[..eq], eq + 1 < pair.Length ? pair[(eq + 1)..] : null);
                    }
                }

                return "+OK\n";
            }

            case "uuid_break":
            {
                if (a.Length == 0)
                {
                    return "-USAGE: <uuid> [all]\n";
                }

                var c = Call();
                if (c is null)
                {
                    return NoChannel;
                }

                c.Break();
                return "+OK\n";
            }

            case "uuid_kill":
            {
                if (a.Length == 0)
                {
                    return "-USAGE: <uuid> [cause]\n";
                }

                var c = Call();
                if (c is null)
                {
                    return NoChannel;
                }

                c.Kill(a.Length > 1 ? a[1] : "NORMAL_CLEARING");
                return "+OK\n";
            }

            case "uuid_transfer":
            {
                var c = Call();
                if (c is null)
                {
                    return NoChannel;
                }

                var dest = a.Skip(1).Where(x => x is not "-bleg" and not "-both").ToArray();
                if (dest.Length == 0)
                {
                    return "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n";
                }

                c.ApiTransfer(string.Join(' ', dest));
                return "+OK\n";
            }

            case "uuid_recv_dtmf":
            {
                if (a.Length < 2)
                {
                    return "-USAGE: <uuid> <dtmf_data>\n";
                }

                var c = Call();
                if (c is null)
                {
                    return "-ERR Cannot locate session!\n";
                }

                _ = c.SendDtmfAsync(a[1]);
                return $"+OK {c.Uuid} received DTMF {a[1]}.\n";
            }

            case "callcenter_config":
                return CallcenterConfig(arg);
            default:
                return $"-ERR {command} Command not found!\n";
        }
    }

    /// <summary>The global variables FreeSWITCH's core sets as it starts that the simulator knows of.</summary>
    private KeyValuePair<string, string>[] GlobalVariables() =>
    [
        new("hostname", Options.Hostname), new("local_ip_v4", Options.IPv4), new("local_ip_v6", Options.IPv6), new("core_uuid", CoreUuid),
    ];

    private string StatusText()
    {
        var up = Time.GetElapsedTime(StartedAt);
        long live = _calls.Count;
        long total = Interlocked.Read(ref _sessionsSinceStartup);
        var r = new System.Text.StringBuilder(400);
        r.Append(CultureInfo.InvariantCulture, $"UP 0 years, {up.Days} days, {up.Hours} hours, {up.Minutes} minutes, {up.Seconds} seconds, {up.Milliseconds} milliseconds, {up.Microseconds} microseconds\n");
        r.Append("FreeSWITCH (Version 1.10.12-release  64bit) is ready\n");
        r.Append(CultureInfo.InvariantCulture, $"{total} session(s) since startup\n");
        r.Append(CultureInfo.InvariantCulture, $"{live} session(s) - peak {live}, last 5min {live} \n");
        r.Append("0 session(s) per Sec out of max 30, peak 0, last 5min 0 \n");
        r.Append("1000 session(s) max\n");
        r.Append("min idle cpu 0.00/100.00\n");
        r.Append("Current Stack Size/Max 240K/8192K\n");
        return r.ToString();
    }

    /// <summary>Runs a bgapi's command and publishes its BACKGROUND_JOB (mod_commands' bgapi_exec); an originate's job
    /// comes when the call was answered or failed, and what the channel does next follows it.</summary>
    internal async Task RunBackgroundJobAsync(string jobUuid, string command, string arg, string? ownerUuid, EslConnection owner)
    {
        string result;
        Func<Task>? after = null;
        if (command == "originate")
        {
            (result, after) = await OriginateAsync(arg).ConfigureAwait(false);
        }
        else
        {
            result = ExecuteApi(command, arg);
        }

        var ev = new EslEvent("BACKGROUND_JOB", 20) { JobOwner = owner };
        ev.Add("Event-Name", "BACKGROUND_JOB");
        AddCoreHeaders(ev, "mod_event_socket.c", "api_exec", 1572);
        ev.Add("Job-UUID", jobUuid);
        if (ownerUuid is not null)
        {
            ev.Add("Job-Owner-UUID", ownerUuid);
        }

        ev.Add("Job-Command", command);
        if (arg.Length > 0)
        {
            ev.Add("Job-Command-Arg", arg);
        }

        ev.Body = result;
        Publish(ev, owner);
        if (after is not null)
        {
            await after().ConfigureAwait(false);
        }
    }

    /// <summary>Handles <c>api</c> and <c>bgapi</c>; returns true if the line was one of them. An <c>api</c> holds the
    /// connection until its command is done (an originate until the call was answered or failed), as FreeSWITCH does.</summary>
    internal async Task<bool> HandleApiAsync(EslConnection conn, ParsedCommand cmd, string? ownerUuid)
    {
        string verb = FirstWord(cmd.Line, out string rest);
        if (verb == "api")
        {
            string c = FirstWord(rest.Trim(), out string arg);
            string output;
            Func<Task>? after = null;
            if (c == "originate")
            {
                (output, after) = await OriginateAsync(arg.Trim()).ConfigureAwait(false);
            }
            else
            {
                output = ExecuteApi(c, arg.Trim());
            }

            // mod_event_socket answers an api command that printed nothing with this text.
            conn.Send(Wire.ApiResponse(output.Length > 0 ? output : "-ERR no reply\n"));
            if (after is not null)
            {
                _ = Task.Run(after);
            }

            return true;
        }

        if (verb == "bgapi")
        {
            string c = FirstWord(rest.Trim(), out string arg);
            string job = cmd.Headers.TryGetValue("Job-UUID", out var j) && j.Length > 0 ? j : Guid.NewGuid().ToString();
            conn.Send(Wire.CommandReply("+OK Job-UUID: " + job, "Job-UUID", job));
            _ = Task.Run(() => RunBackgroundJobAsync(job, c, arg.Trim(), ownerUuid, conn));
            return true;
        }

        return false;
    }
}
