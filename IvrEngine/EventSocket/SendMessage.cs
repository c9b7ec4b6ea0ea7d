using System.Globalization;

namespace IvrEngine.EventSocket;

/// <summary>A <c>sendmsg</c>: a call-command with headers and an optional body. Build it with the factories; every
/// header is checked for line breaks, and an application argument that holds one travels as the body, which
/// FreeSWITCH reads as the argument (content-type text/plain).</summary>
public sealed class SendMessage
{
    // call-command, the application, its argument, event-lock and Event-UUID: an execute fits without growing.
    private readonly List<KeyValuePair<string, string>> _headers = new(6);

    private SendMessage(string callCommand, string? uuid)
    {
        if (uuid is not null) Uuid = EslCommandWriter.EnsureToken(uuid, nameof(uuid));
        Add("call-command", callCommand);
    }

    /// <summary>The channel, for <c>sendmsg &lt;uuid&gt;</c> (inbound connections); null on an outbound socket.</summary>
    public string? Uuid { get; }

    /// <summary>Headers in the order written.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _headers;

    /// <summary>The body, when the argument travels as one.</summary>
    public string? Body { get; private set; }

    /// <summary>The Event-UUID the execute carries (FreeSWITCH echoes it as Application-UUID).</summary>
    public string? EventUuid { get; private set; }

    /// <summary><c>call-command: execute</c>.</summary>
    public static SendMessage Execute(string application, string? argument = null, bool eventLock = true, string? eventUuid = null,
        int loops = 1, string? uuid = null)
    {
        var message = new SendMessage("execute", uuid);
        message.Add("execute-app-name", EslCommandWriter.EnsureToken(application, nameof(application)));
        if (argument is not null)
        {
            if (argument.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0 || argument.Length > 1024)
            {
                if (argument.Contains('\0', StringComparison.Ordinal))
                {
                    throw new ArgumentException("An application argument cannot hold NUL.", nameof(argument));
                }

                message.Body = argument;
            }
            else
            {
                message.Add("execute-app-arg", argument);
            }
        }

        if (loops != 1) message.Add("loops", loops.ToString(CultureInfo.InvariantCulture));
        if (eventLock) message.Add("event-lock", "true");
        if (eventUuid is not null)
        {
            message.EventUuid = EslCommandWriter.EnsureToken(eventUuid, nameof(eventUuid));
            message.Add("Event-UUID", eventUuid);
        }

        return message;
    }

    /// <summary><c>call-command: hangup</c> with a cause (e.g. NORMAL_CLEARING).</summary>
    public static SendMessage Hangup(string cause = "NORMAL_CLEARING", string? uuid = null)
    {
        var message = new SendMessage("hangup", uuid);
        message.Add("hangup-cause", EslCommandWriter.EnsureToken(cause, nameof(cause)));
        return message;
    }

    /// <summary>Any other call-command (unicast, nomedia, ...), with headers.</summary>
    public static SendMessage Custom(string callCommand, IEnumerable<KeyValuePair<string, string>> headers, string? uuid = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var message = new SendMessage(EslCommandWriter.EnsureToken(callCommand, nameof(callCommand)), uuid);
        foreach (var (name, value) in headers) message.Add(EslCommandWriter.EnsureToken(name, nameof(headers)), value);
        return message;
    }

    private void Add(string name, string value) =>
        _headers.Add(new(name, EslCommandWriter.EnsureSingleLine(value, name)));
}
