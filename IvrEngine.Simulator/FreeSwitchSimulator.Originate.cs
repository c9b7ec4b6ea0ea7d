using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace IvrEngine.Simulator;

/// <summary>The <c>originate</c> api (mod_commands' originate_function) for the users of a simulated directory.</summary>
public sealed partial class FreeSwitchSimulator
{
    /// <summary>originate_function's usage text (mod_commands.c, ORIGINATE_SYNTAX).</summary>
    private const string OriginateSyntax =
        "<call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]";

    private readonly ConcurrentDictionary<string, SimulatedContact> _contacts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<SimulatedCall>> _answered = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, int> _dialed = new(StringComparer.Ordinal);

    /// <summary>How many originates reached each user/ number so far (whatever became of them): the switch's own count,
    /// for a test or benchmark that must find no contact dialed twice.</summary>
    public IReadOnlyDictionary<string, int> DialedNumbers => new Dictionary<string, int>(_dialed, StringComparer.Ordinal);

    /// <summary>How <c>user/<paramref name="user"/></c> behaves when the simulator originates a call to it.</summary>
    public void SetContact(string user, SimulatedContact contact)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(contact);
        _contacts[user] = contact;
    }

    /// <summary>The originated call with this uuid (its origination_uuid), once it was answered and its socket
    /// connected to the <c>&amp;socket</c> address.</summary>
    public Task<SimulatedCall> AnsweredCallAsync(string uuid, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(uuid);
        return AnsweredSlot(uuid).Task.WaitAsync(ct);
    }

    internal void ReportAnswered(SimulatedCall call) => AnsweredSlot(call.Uuid).TrySetResult(call);

    private TaskCompletionSource<SimulatedCall> AnsweredSlot(string uuid) =>
        _answered.GetOrAdd(uuid, _ => new TaskCompletionSource<SimulatedCall>(TaskCreationOptions.RunContinuationsAsynchronously));

    internal void AddCall(SimulatedCall call) => _calls[call.Uuid] = call;

    internal void CountSession() => Interlocked.Increment(ref _sessionsSinceStartup);

    /// <summary>Runs originate as FreeSWITCH does: the reply comes when the call was answered ("+OK &lt;uuid&gt;") or
    /// failed ("-ERR &lt;cause&gt;"); <c>after</c> is what the channel does next (the answered leg runs its application, a
    /// failed one is destroyed), to run once the reply is out.</summary>
    internal async Task<(string Reply, Func<Task>? After)> OriginateAsync(string arg)
    {
        if (arg.Length == 0)
        {
            return ($"-USAGE {OriginateSyntax}\n", null);
        }

        var argv = SwitchSeparateString.Separate(arg, ' ', 10).FindAll(a => a.Length > 0);
        if (argv.Count < 2 || argv.Count > 7)
        {
            return ($"-USAGE: {OriginateSyntax}\n", null);
        }

        string? At(int i) => i < argv.Count && !argv[i].Equals("undef", StringComparison.OrdinalIgnoreCase) ? argv[i] : null;
        int first = argv[0].Equals("machine", StringComparison.OrdinalIgnoreCase) ? 1 : 0;
        string aleg = At(first) ?? string.Empty;
        string exten = At(first + 1) ?? string.Empty;
        int timeout = At(6) is { } t && int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out int ts) ? ts : 60;

        var (variables, endpoint) = OriginateDialString.Parse(aleg);
        if (variables.FirstOrDefault(v => v.Key == "originate_timeout").Value is { } vt
            && int.TryParse(vt, NumberStyles.Integer, CultureInfo.InvariantCulture, out int vts))
        {
            timeout = vts;
        }

        if (!endpoint.StartsWith("user/", StringComparison.Ordinal))
        {
            // error/<cause> is FreeSWITCH's own failing endpoint; any other than user/ is not one the simulator has.
            return (endpoint.StartsWith("error/", StringComparison.Ordinal)
                ? $"-ERR {endpoint["error/".Length..].ToUpperInvariant()}\n"
                : "-ERR CHAN_NOT_IMPLEMENTED\n", null);
        }

        string user = endpoint["user/".Length..];
        string domain = Options.IPv4;
        int at = user.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            domain = user[(at + 1)..];
            user = user[..at];
        }

        _dialed.AddOrUpdate(user, 1, (_, n) => n + 1);
        var contact = _contacts.TryGetValue(user, out var c) ? c : Options.Contacts?.Invoke(user);
        if (contact is null)
        {
            // mod_dptools' user endpoint: the directory has no such user.
            return ("-ERR SUBSCRIBER_ABSENT\n", null);
        }

        if (contact.Behaviour == ContactBehaviour.NotRegistered)
        {
            // The directory's dial-string finds no contact (sofia_contact answers error/user_not_registered): no channel.
            return ("-ERR USER_NOT_REGISTERED\n", null);
        }

        var application = OriginateDialString.Application(exten);
        if (application is null)
        {
            return ("-ERR SIMULATOR: only an originate to &socket(host:port ...) is simulated, not " + exten + "\n", null);
        }

        var leg = new OriginatedLeg(user, domain, variables, application.Value.Argument, application.Value.EndPoint,
            application.Value.Async, application.Value.Full);
        var call = new SimulatedCall(this, contact.Script, leg);
        AddCall(call);
        CountSession();
        return await call.RingAsync(contact, TimeSpan.FromSeconds(Math.Max(timeout, 1))).ConfigureAwait(false);
    }
}

/// <summary>What an originate asked for one leg.</summary>
internal sealed record OriginatedLeg(string User, string Domain, IReadOnlyList<KeyValuePair<string, string>> Variables,
    string SocketArgument, IPEndPoint? SocketEndPoint, bool Async, bool Full);

/// <summary>The parts of an originate's arguments that the simulator reads.</summary>
internal static class OriginateDialString
{
    /// <summary>"{a=1,b='x y'}user/1001": the variables in order (single quotes around a value dropped, as
    /// switch_event_create_brackets does) and the endpoint.</summary>
    public static (List<KeyValuePair<string, string>> Variables, string Endpoint) Parse(string aleg)
    {
        var variables = new List<KeyValuePair<string, string>>();
        if (!aleg.StartsWith('{'))
        {
            return (variables, aleg);
        }

        int end = aleg.IndexOf('}', StringComparison.Ordinal);
        if (end < 0)
        {
            return (variables, aleg);
        }

        foreach (var pair in SwitchSeparateString.Separate(aleg[1..end], ','))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                string value = pair[(eq + 1)..];
                if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
                {
                    value = value[1..^1];
                }

                variables.Add(new(pair[..eq], value));
            }
        }

        return (variables, aleg[(end + 1)..]);
    }

    /// <summary>"&amp;socket(127.0.0.1:8084 async full)" as originate_function cuts it: the name up to "(", the argument
    /// up to ")" (an unquoted one was cut at its first space, so its argument is the address alone). Null when it is not
    /// the socket application.</summary>
    public static (string Argument, IPEndPoint? EndPoint, bool Async, bool Full)? Application(string exten)
    {
        if (exten.Length < 2 || exten[0] != '&')
        {
            return null;
        }

        string app = exten[1..];
        int close = app.IndexOf(')', StringComparison.Ordinal);
        if (close >= 0)
        {
            app = app[..close];
        }

        int open = app.IndexOf('(', StringComparison.Ordinal);
        string name = open >= 0 ? app[..open] : app;
        string argument = open >= 0 ? app[(open + 1)..] : string.Empty;
        if (name != "socket")
        {
            return null;
        }

        var words = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        IPEndPoint? endPoint = words.Length > 0 && IPEndPoint.TryParse(words[0], out var ep) ? ep : null;
        return (argument, endPoint, words.Contains("async"), words.Contains("full"));
    }
}
