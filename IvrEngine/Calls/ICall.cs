namespace IvrEngine.Calls;

/// <summary>The small call interface the IVR runs against; a FreeSWITCH channel over the event socket is one
/// implementation, a simulated caller can be another. Every operation returns, never hangs, once the caller hangs up.</summary>
public interface ICall
{
    /// <summary>The channel's Unique-ID.</summary>
    string Uuid { get; }

    /// <summary>The caller's number.</summary>
    string Ani { get; }

    /// <summary>The dialed number (selects the flow).</summary>
    string Dnis { get; }

    /// <summary>The caller's name, if presented.</summary>
    string? CallerName { get; }

    /// <summary>The Core-UUID of the FreeSWITCH box that holds the call (from its connect data); null when unknown.</summary>
    string? CoreUuid { get; }

    /// <summary>Where the call is.</summary>
    CallState State { get; }

    /// <summary>Fires when the caller hangs up or the connection is lost.</summary>
    CancellationToken HungUp { get; }

    /// <summary>A channel variable as it was at connect time or as last set through this call.</summary>
    string? GetVariable(string name);

    /// <summary>Answers the call.</summary>
    Task<CallResult> AnswerAsync(CancellationToken cancellationToken = default);

    /// <summary>Plays a prompt to the end.</summary>
    Task<CallResult> PlayAsync(string prompt, CancellationToken cancellationToken = default);

    /// <summary>Plays a prompt and collects digits with retries and validation.</summary>
    Task<CollectResult> PlayAndCollectAsync(CollectRequest request, CancellationToken cancellationToken = default);

    /// <summary>Speaks a number, digits, money... with mod_say.</summary>
    Task<CallResult> SayAsync(SayRequest request, CancellationToken cancellationToken = default);

    /// <summary>Sets channel variables; exported ones survive bridges and transfers.</summary>
    Task<CallResult> SetVariablesAsync(IEnumerable<KeyValuePair<string, string>> variables, bool exported = false, CancellationToken cancellationToken = default);

    /// <summary>Removes channel variables.</summary>
    Task<CallResult> UnsetVariablesAsync(IEnumerable<string> names, CancellationToken cancellationToken = default);

    /// <summary>Transfers to an extension in a dialplan context.</summary>
    Task<CallResult> TransferAsync(string destination, string dialplan = "XML", string context = "default", CancellationToken cancellationToken = default);

    /// <summary>Bridges to a dial string.</summary>
    Task<CallResult> BridgeAsync(string dialString, CancellationToken cancellationToken = default);

    /// <summary>Hangs up with a cause.</summary>
    Task<CallResult> HangupAsync(string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default);

    /// <summary>Waits on the call (FreeSWITCH's sleep: the channel stays in media).</summary>
    Task<CallResult> SleepAsync(TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Stops whatever prompt is playing.</summary>
    Task<CallResult> BreakAsync(CancellationToken cancellationToken = default);
}
