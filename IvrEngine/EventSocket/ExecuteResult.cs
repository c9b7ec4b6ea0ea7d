namespace IvrEngine.EventSocket;

/// <summary>How an executed application ended.</summary>
public enum ExecuteOutcome
{
    /// <summary>CHANNEL_EXECUTE_COMPLETE arrived.</summary>
    Completed,
    /// <summary>The channel hung up first (or already had).</summary>
    HungUp,
    /// <summary>The socket closed first.</summary>
    Disconnected,
}

/// <summary>The end of an application run with <c>sendmsg execute</c>.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Application">The application's name.</param>
/// <param name="CompleteEvent">The CHANNEL_EXECUTE_COMPLETE (owned), with the channel's variables after the run; null
/// when the application did not complete or the caller did not ask to keep it.</param>
/// <param name="HangupCause">The hangup cause when <see cref="ExecuteOutcome.HungUp"/>.</param>
public sealed record ExecuteResult(ExecuteOutcome Outcome, string Application, EslEvent? CompleteEvent, string? HangupCause)
{
    private readonly string? _response;
    private readonly IReadOnlyDictionary<string, string?>? _variables;

    internal ExecuteResult(string application, string? response, IReadOnlyDictionary<string, string?>? variables = null)
        : this(ExecuteOutcome.Completed, application, null, null)
    {
        _response = response;
        _variables = variables;
    }

    /// <summary>Application-Response (e.g. <c>FILE PLAYED</c>, <c>_none_</c>).</summary>
    public string? Response => _response ?? CompleteEvent?.GetHeader("Application-Response");

    /// <summary>A channel variable as it stood when the application completed: from the kept event, or one of the
    /// variables asked for when it was run.</summary>
    public string? GetVariable(string name) =>
        _variables is not null && _variables.TryGetValue(name, out var value) ? value : CompleteEvent?.GetVariable(name);

    /// <summary>True when the application ran to its end.</summary>
    public bool IsCompleted => Outcome == ExecuteOutcome.Completed;
}

/// <summary>A DTMF digit pressed on the channel.</summary>
public sealed record DtmfDigit(string UniqueId, char Digit, int? DurationMs, string? Source);

/// <summary>The channel hung up.</summary>
public sealed record HangupInfo(string Cause, bool Disconnected)
{
    /// <summary>Used when the socket closed with no CHANNEL_HANGUP seen.</summary>
    public static HangupInfo SocketClosed { get; } = new("SOCKET_CLOSED", Disconnected: true);
}
