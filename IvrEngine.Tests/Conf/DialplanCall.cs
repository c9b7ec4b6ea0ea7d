using System.Net;
using System.Net.Sockets;
using System.Text;
using IvrEngine.Simulator;

namespace IvrEngine.Tests.Conf;

/// <summary>How a <c>socket</c> application ended, as the dialplan sees it.</summary>
internal enum SocketEnd
{
    /// <summary>Nothing listens on the host (connection refused): the application returns at once, the next action runs.</summary>
    Refused,

    /// <summary>The engine closed the socket after <c>connect</c> with the channel still up and still in the socket
    /// application (it refused the call, or dropped it), or before <c>connect</c> with <c>socket_resume</c> true on the
    /// channel (it died in its handshake): the next action runs.</summary>
    Returned,

    /// <summary>The engine transferred the call: the rest of the extension is dropped, the destination is hunted.</summary>
    Transferred,

    /// <summary>The call was hung up while the engine had it.</summary>
    HungUp,

    /// <summary>The engine closed the socket before <c>connect</c> and the channel had no <c>socket_resume</c>:
    /// FreeSWITCH 1.10.12 leaves the channel in the socket application, silent (outbound-connect-edge-cases), so the
    /// call goes nowhere. The shipped dialplan sets <c>socket_resume=true</c> before each socket so that this never
    /// happens.</summary>
    Stuck,
}

/// <summary>One run of the socket application: its argument, how it ended, and the engine's session with the channel
/// (null when nothing listened).</summary>
internal sealed record SocketVisit(string Data, SocketEnd End, CallRecord? Session);

/// <summary>Runs a <c>socket</c> application for a channel: <paramref name="channel"/> is the caller with the current
/// destination and channel variables.</summary>
internal delegate Task<SocketVisit> SocketApplication(string data, CallerScript channel, CancellationToken cancellationToken);

/// <summary>Where a call run through the dialplan stopped and what happened on the way.</summary>
/// <param name="Ran">The applications run, their data with <c>${}</c> expanded.</param>
/// <param name="Variables">The channel variables at the end.</param>
/// <param name="Sockets">Every socket application run, in order.</param>
/// <param name="Logs">What the <c>log</c> application wrote, level first.</param>
/// <param name="Queue">The <c>callcenter</c> queue the call waits in, or null.</param>
/// <param name="AgentLeg">The variables mod_callcenter would put on the agent's leg, or null without a queue.</param>
/// <param name="Answered">Whether the channel was answered (by the engine or by the dialplan).</param>
internal sealed record DialplanRun(
    IReadOnlyList<DialplanAction> Ran,
    IReadOnlyDictionary<string, string> Variables,
    IReadOnlyList<SocketVisit> Sockets,
    IReadOnlyList<string> Logs,
    string? Queue,
    IReadOnlyDictionary<string, string>? AgentLeg,
    bool Answered)
{
    public DialplanAction Last => Ran[^1];

    public IEnumerable<string> Applications => Ran.Select(a => a.Application);
}

/// <summary>
/// Runs one call through the XML dialplan (<see cref="XmlDialplan"/>) the way FreeSWITCH 1.10 executes what the hunt
/// queued: an application's data has <c>${var}</c> expanded with the channel's variables when it runs; <c>set</c>,
/// <c>export</c> (which also lists the name in <c>export_vars</c>) and <c>unset</c> change them, a <c>set</c> with an
/// empty value unsets; <c>transfer</c> hunts the destination in the named context and drops what was left;
/// <c>socket</c> is run by a <see cref="SocketApplication"/> (by default nothing listens), and the next action runs when
/// it returns; a <c>bridge</c> ends the run unless told to fail, when <c>continue_on_fail</c> decides; <c>callcenter</c>
/// ends the run with the queue and the variables the agent's leg would get (mod_callcenter copies only those named in
/// <c>cc_export_vars</c>, plus <c>cc_queue</c>, <c>cc_side</c> and <c>cc_member_session_uuid</c>; <c>cc_agent</c> is
/// left out, no agent is chosen here); <c>hangup</c> and <c>echo</c> end it. Other applications, and
/// <c>${api(...)}</c> expansions, are refused, so a test notices when the dialplan starts using them.
/// </summary>
internal sealed class DialplanCall(XmlDialplan dialplan, SocketApplication? socket = null, bool bridgeFails = false)
{
    /// <summary>A socket application for which nothing listens on any host.</summary>
    public static SocketApplication NoEngine { get; } = (data, _, _) => Task.FromResult(new SocketVisit(data, SocketEnd.Refused, null));

    /// <summary>Runs <paramref name="caller"/>'s call (its <c>Dnis</c> dialed, its <c>Variables</c> set on the channel) from
    /// <paramref name="context"/> until it stops.</summary>
    public async Task<DialplanRun> RunAsync(string context, CallerScript caller, CancellationToken cancellationToken = default)
    {
        var vars = new Dictionary<string, string>(caller.Variables, StringComparer.Ordinal);
        vars.TryAdd("uuid", caller.Uuid);
        var destination = caller.Dnis;
        var ran = new List<DialplanAction>();
        var sockets = new List<SocketVisit>();
        var logs = new List<string>();
        var answered = false;
        var queue = new Queue<DialplanAction>(dialplan.Hunt(context, destination, vars, caller.Ani));

        DialplanRun Stop(string? callcenter = null) => new(ran, vars, sockets, logs, callcenter,
            callcenter is null ? null : AgentLeg(vars, callcenter, caller.Uuid), answered);

        void Transfer(string data)
        {
            var parts = data.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 1 && parts[1] != "XML") throw new NotSupportedException($"transfer to dialplan '{parts[1]}' is not modelled");
            destination = parts[0];
            context = parts.Length > 2 ? parts[2] : context;
            queue = new Queue<DialplanAction>(dialplan.Hunt(context, destination, vars, caller.Ani));
        }

        while (queue.TryDequeue(out var queued))
        {
            var action = queued with { Data = Expand(queued.Data, vars, destination, context, caller) };
            ran.Add(action);
            if (ran.Count > 100) throw new InvalidOperationException("the call loops: " + string.Join(" > ", ran.Select(a => a.Extension)));
            switch (action.Application)
            {
                case "set":
                    Set(vars, action.Data);
                    break;
                case "export":
                    var name = Set(vars, action.Data);
                    var exported = vars.GetValueOrDefault("export_vars") ?? string.Empty;
                    if (!exported.Split(',').Contains(name)) vars["export_vars"] = exported.Length == 0 ? name : exported + "," + name;
                    break;
                case "unset":
                    vars.Remove(action.Data.Trim());
                    break;
                case "answer":
                    answered = true;
                    break;
                case "log":
                    logs.Add(action.Data);
                    break;
                case "playback":
                    break;
                case "transfer":
                    Transfer(action.Data);
                    break;
                case "socket":
                    var visit = await (socket ?? NoEngine)(action.Data, caller with { Dnis = destination, Variables = new Dictionary<string, string>(vars) },
                        cancellationToken);
                    sockets.Add(visit);
                    if (visit.Session is { } session)
                    {
                        vars = new Dictionary<string, string>(session.Variables, StringComparer.Ordinal);
                        answered |= session.Answered;
                    }

                    if (visit.End is SocketEnd.HungUp or SocketEnd.Stuck) return Stop();
                    if (visit.End == SocketEnd.Transferred) Transfer(visit.Session!.TransferredTo!);
                    break;
                case "bridge" when bridgeFails:
                    vars["originate_disposition"] = "NO_ANSWER";
                    if (vars.GetValueOrDefault("continue_on_fail") != "true") return Stop();
                    break;
                case "callcenter":
                    return Stop(action.Data);
                case "bridge" or "hangup" or "echo":
                    return Stop();
                default:
                    throw new NotSupportedException($"application '{action.Application}' is not modelled");
            }
        }

        return Stop();
    }

    /// <summary>Sets (or, with an empty value, unsets) <c>name=value</c>; returns the name.</summary>
    private static string Set(Dictionary<string, string> vars, string data)
    {
        var eq = data.IndexOf('=', StringComparison.Ordinal);
        var name = eq < 0 ? data : data[..eq];
        if (eq < 0 || eq == data.Length - 1) vars.Remove(name);
        else vars[name] = data[(eq + 1)..];
        return name;
    }

    /// <summary>What mod_callcenter copies from the caller's channel to the agent's (the callcenter-context transcript in
    /// IvrEngine.Tests/Transcripts; FreeSWITCH also sets cc_agent and cc_agent_type there, not modelled here).</summary>
    private static Dictionary<string, string> AgentLeg(Dictionary<string, string> vars, string queue, string uuid)
    {
        var leg = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = vars.GetValueOrDefault("cc_export_vars") ?? string.Empty;
        foreach (var name in names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (vars.TryGetValue(name, out var value)) leg[name] = value;
        }

        if (names.Length > 0) leg["cc_export_vars"] = names;
        leg["cc_queue"] = queue;
        leg["cc_side"] = "agent";
        leg["cc_member_session_uuid"] = uuid;
        return leg;
    }

    /// <summary>switch_channel_expand_variables for plain <c>${name}</c>: a channel variable, else a caller-profile
    /// field, else nothing.</summary>
    private static string Expand(string data, Dictionary<string, string> vars, string destination, string context, CallerScript caller)
    {
        var result = new StringBuilder(data.Length);
        var i = 0;
        while (i < data.Length)
        {
            var start = data.IndexOf("${", i, StringComparison.Ordinal);
            if (start < 0) break;
            var end = data.IndexOf('}', start);
            var name = end < 0 ? string.Empty : data[(start + 2)..end];
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new NotSupportedException($"expansion '{data[start..]}' is not modelled");
            }

            result.Append(data, i, start - i);
            result.Append(vars.TryGetValue(name, out var value) ? value : name switch
            {
                "destination_number" => destination,
                "context" => context,
                "caller_id_number" or "ani" => caller.Ani,
                "caller_id_name" => caller.CallerName,
                _ => string.Empty,
            });
            i = end + 1;
        }

        return result.Append(data, i, data.Length - i).ToString();
    }
}

/// <summary>The <c>socket</c> application run by the FreeSWITCH simulator: it connects to the host over TCP like
/// mod_event_socket does and runs the channel for the engine until the socket closes.</summary>
internal static class SimulatedSocket
{
    /// <summary>A socket application on <paramref name="freeSwitch"/>, which must leave transferred calls up (the
    /// dialplan run goes on with them) and leave <c>socket_resume</c> to the dialplan (the channel's variables are the
    /// run's).</summary>
    public static SocketApplication On(FreeSwitchSimulator freeSwitch)
    {
        if (freeSwitch.Options.HangUpAfterTransfer) throw new ArgumentException("the simulator must leave transferred calls up (HangUpAfterTransfer = false)", nameof(freeSwitch));
        if (freeSwitch.Options.SocketResume) throw new ArgumentException("the dialplan run sets socket_resume, not the simulator (SocketResume = false)", nameof(freeSwitch));
        return async (data, channel, cancellationToken) =>
        {
            var words = data.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0 || !IPEndPoint.TryParse(words[0], out var host) || !words.Contains("full")
                || words.Contains("async") != freeSwitch.Options.AsyncMode)
            {
                throw new NotSupportedException($"socket '{data}': only an IP address, a port and the simulator's mode with 'full' are modelled");
            }

            SimulatedCall call;
            try
            {
                call = await freeSwitch.StartCallAsync(host, channel, cancellationToken);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return new SocketVisit(data, SocketEnd.Refused, null);
            }

            var session = await call.Completion.WaitAsync(cancellationToken);
            var end = session switch
            {
                { ClosedBeforeConnect: true, DialplanContinued: false } => SocketEnd.Stuck,
                { HangupCause: not null } => SocketEnd.HungUp,
                { TransferredTo: not null } => SocketEnd.Transferred,
                { DialplanContinued: true } => SocketEnd.Returned,
                _ => throw new InvalidOperationException($"socket '{data}': the session ended in no state the dialplan knows"),
            };
            return new SocketVisit(data, end, session);
        };
    }
}
