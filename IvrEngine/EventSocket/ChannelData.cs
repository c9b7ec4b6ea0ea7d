namespace IvrEngine.EventSocket;

/// <summary>What FreeSWITCH says about the channel in its reply to <c>connect</c>.</summary>
public sealed class ChannelData
{
    private readonly EslEvent _data;
    private IReadOnlyDictionary<string, string>? _variables;

    internal ChannelData(EslEvent data)
    {
        _data = data;
        UniqueId = data.GetHeader("Unique-ID") ?? data.GetHeader("Channel-Unique-ID") ?? string.Empty;
        Ani = data.GetHeader("Caller-Caller-ID-Number") ?? data.GetHeader("Caller-ANI") ?? string.Empty;
        Dnis = data.GetHeader("Caller-Destination-Number") ?? string.Empty;
        CallerName = data.GetHeader("Caller-Caller-ID-Name");
        SocketMode = data.GetHeader("Socket-Mode");
        Control = data.GetHeader("Control");
        CoreUuid = data.GetHeader("Core-UUID");
    }

    /// <summary>The channel's Unique-ID.</summary>
    public string UniqueId { get; }

    /// <summary>The caller's number (Caller-Caller-ID-Number).</summary>
    public string Ani { get; }

    /// <summary>The dialed number (Caller-Destination-Number).</summary>
    public string Dnis { get; }

    /// <summary>Caller-Caller-ID-Name.</summary>
    public string? CallerName { get; }

    /// <summary><c>async</c> or <c>static</c>; the engine expects async.</summary>
    public string? SocketMode { get; }

    /// <summary><c>full</c> or <c>single-channel</c>.</summary>
    public string? Control { get; }

    /// <summary>The Core-UUID of the FreeSWITCH that holds the channel: which box the call is on (the same one the
    /// box's inbound connection reports, <see cref="EslInboundClient.CoreUuid"/>).</summary>
    public string? CoreUuid { get; }

    /// <summary>Whether the channel's <c>socket_resume</c> variable is true (as FreeSWITCH's <c>switch_true</c> reads it):
    /// the shipped dialplan sets it before each <c>socket</c>, so that a socket closed before <c>connect</c> resumes the
    /// dialplan; the engine unsets it once it has the call (<see cref="EslOutboundSession.UnsetSocketResumeAsync"/>).</summary>
    public bool SocketResume => IsTrue(GetVariable("socket_resume"));

    /// <summary>Any header of the channel data, decoded.</summary>
    public string? GetHeader(string name) => _data.GetHeader(name);

    /// <summary>A channel variable at connect time.</summary>
    public string? GetVariable(string name) => _data.GetVariable(name);

    /// <summary>Every <c>variable_*</c>, decoded, by name without the prefix.</summary>
    public IReadOnlyDictionary<string, string> Variables => _variables ??= _data.GetAllHeaders()
        .Where(h => h.Key.StartsWith("variable_", StringComparison.Ordinal))
        .GroupBy(h => h.Key["variable_".Length..], StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);

    /// <summary>Every header of the channel data, decoded.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers => _data.GetAllHeaders();

    /// <summary>FreeSWITCH's <c>switch_true</c>: yes, on, true, t, enabled, active, allow (any case), or a non-zero
    /// number.</summary>
    internal static bool IsTrue(string? value) =>
        value is not null
        && (value.Equals("yes", StringComparison.OrdinalIgnoreCase) || value.Equals("on", StringComparison.OrdinalIgnoreCase)
            || value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("t", StringComparison.OrdinalIgnoreCase)
            || value.Equals("enabled", StringComparison.OrdinalIgnoreCase) || value.Equals("active", StringComparison.OrdinalIgnoreCase)
            || value.Equals("allow", StringComparison.OrdinalIgnoreCase)
            || (int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number) && number != 0));
}
