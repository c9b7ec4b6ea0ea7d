namespace IvrEngine.Scripts.Runtime;

/// <summary>The small call interface a flow runs against: a FreeSWITCH call in the engine, a console in
/// <c>simulate</c>, a fake in tests. Every operation returns <see cref="FlowCallStatus.HungUp"/> once the caller is
/// gone instead of throwing.</summary>
public interface IFlowCall
{
    /// <summary>The call's id (FreeSWITCH's Unique-ID), for logs.</summary>
    string Id { get; }

    /// <summary>The caller's number (ANI).</summary>
    string Caller { get; }

    /// <summary>The dialed number (DNIS).</summary>
    string Dialed { get; }

    /// <summary>Answers (a no-op when already answered).</summary>
    Task<FlowCallStatus> AnswerAsync(CancellationToken cancellationToken);

    /// <summary>Plays prompts in order to the end (a key press does not stop them).</summary>
    Task<FlowCallStatus> PlayAsync(IReadOnlyList<FlowPlayable> prompts, CancellationToken cancellationToken);

    /// <summary>Plays prompts (a key press stops them) and collects digits once: no retries, no validation beyond
    /// length and terminators; the flow does the rest.</summary>
    Task<FlowDigits> CollectAsync(FlowDigitsRequest request, CancellationToken cancellationToken);

    /// <summary>Sets channel variables; exported ones survive bridges and transfers.</summary>
    Task<FlowCallStatus> SetVariablesAsync(IReadOnlyDictionary<string, string> variables, bool exported, CancellationToken cancellationToken);

    /// <summary>Hands the call on (queue, extension, agent).</summary>
    Task<FlowCallStatus> TransferAsync(FlowTransfer transfer, CancellationToken cancellationToken);

    /// <summary>Hands the call on carrying <paramref name="attached"/> (exported, as
    /// <see cref="SetVariablesAsync"/> would set them): what the flow attaches at its end goes with the transfer. A call
    /// may put both on the switch in one step (the engine's adapter sends them with its own values in one command);
    /// by default it sets them, then transfers, unless the caller hung up meanwhile.</summary>
    async Task<FlowCallStatus> TransferAsync(FlowTransfer transfer, IReadOnlyDictionary<string, string> attached, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attached);
        if (await SetVariablesAsync(attached, exported: true, cancellationToken) == FlowCallStatus.HungUp)
        {
            return FlowCallStatus.HungUp;
        }

        return await TransferAsync(transfer, cancellationToken);
    }

    /// <summary>Hangs up with a Q.850 cause name.</summary>
    Task<FlowCallStatus> HangupAsync(string cause, CancellationToken cancellationToken);
}

/// <summary>How a call operation ended.</summary>
public enum FlowCallStatus
{
    /// <summary>Done.</summary>
    Ok,
    /// <summary>The caller hung up.</summary>
    HungUp,
    /// <summary>The switch refused or failed the operation.</summary>
    Failed,
}

/// <summary>Something concrete to play: a file (absolute path on the engine's machine, or as written when the flow
/// names no prompts folder), a FreeSWITCH stream URI, or a say.</summary>
public abstract record FlowPlayable;

/// <summary>A sound file.</summary>
public sealed record FlowFile(string Path) : FlowPlayable;

/// <summary><c>tone_stream://</c> or <c>silence_stream://</c>.</summary>
public sealed record FlowStreamUri(string Uri) : FlowPlayable;

/// <summary>mod_say: language module, type, method and the text (already evaluated).</summary>
public sealed record FlowSay(string Language, string Type, string Method, string Text) : FlowPlayable;

/// <summary>One collection attempt.</summary>
public sealed record FlowDigitsRequest
{
    /// <summary>Played first; a key press stops it.</summary>
    public IReadOnlyList<FlowPlayable> Prompts { get; init; } = [];

    /// <summary>Fewest digits.</summary>
    public int MinDigits { get; init; } = 1;

    /// <summary>Most digits.</summary>
    public int MaxDigits { get; init; } = 1;

    /// <summary>Keys that end the entry.</summary>
    public string Terminators { get; init; } = string.Empty;

    /// <summary>Wait for the first digit after the prompts.</summary>
    public TimeSpan FirstDigitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Wait between digits.</summary>
    public TimeSpan InterDigitTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Mask the digits in logs and traces.</summary>
    public bool Sensitive { get; init; }
}

/// <summary>What one attempt collected.</summary>
public enum FlowInput
{
    /// <summary>Digits (possibly fewer than asked for: the flow validates).</summary>
    Digits,
    /// <summary>Silence.</summary>
    NoInput,
    /// <summary>The caller hung up.</summary>
    HungUp,
}

/// <summary>The result of one attempt.</summary>
public sealed record FlowDigits(FlowInput Input, string Digits, char? Terminator = null);

/// <summary>Where a call is handed.</summary>
/// <param name="Kind">queue, extension or agent.</param>
/// <param name="Target">Queue name, extension or agent id.</param>
/// <param name="Priority">Queue priority chosen by the flow; null for the default.</param>
public sealed record FlowTransfer(Model.TransferKind Kind, string Target, int? Priority);
