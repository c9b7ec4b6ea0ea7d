using IvrEngine.Scripts;

namespace IvrEngine.Calls;

/// <summary>How a call operation ended.</summary>
public enum CallOutcome
{
    /// <summary>Done.</summary>
    Success,
    /// <summary>The caller hung up (or FreeSWITCH went away) before or during the operation.</summary>
    HungUp,
    /// <summary>FreeSWITCH ran the operation but reported a failure (see the message).</summary>
    Failed,
}

/// <summary>The result of an operation on a call.</summary>
public sealed record CallResult(CallOutcome Outcome, string? Detail = null)
{
    /// <summary>A success.</summary>
    public static CallResult Ok { get; } = new(CallOutcome.Success);

    /// <summary>True on success.</summary>
    public bool IsSuccess => Outcome == CallOutcome.Success;
}

/// <summary>How a play-and-collect ended.</summary>
public enum CollectOutcome
{
    /// <summary>Digits were collected and matched the validation.</summary>
    Success,
    /// <summary>The caller pressed nothing, on every try.</summary>
    Timeout,
    /// <summary>The caller pressed digits that never matched the validation.</summary>
    Invalid,
    /// <summary>The caller hung up.</summary>
    HungUp,
}

/// <summary>What a play-and-collect collected.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Digits">The digits (terminator excluded); empty unless something was keyed.</param>
/// <param name="Terminator">The terminator pressed, if any.</param>
public sealed record CollectResult(CollectOutcome Outcome, string Digits, char? Terminator);

/// <summary>A play-and-collect (FreeSWITCH's play_and_get_digits).</summary>
public sealed record CollectRequest
{
    /// <summary>The prompt: a sound file, <c>say:</c>, <c>tone_stream://</c>, <c>silence_stream://</c>...</summary>
    public required string Prompt { get; init; }

    /// <summary>Played after a wrong entry before trying again; <c>silence_stream://250</c> when none.</summary>
    public string? InvalidPrompt { get; init; }

    /// <summary>Fewest digits accepted.</summary>
    public int MinDigits { get; init; } = 1;

    /// <summary>Most digits; collection ends when reached.</summary>
    public int MaxDigits { get; init; } = 1;

    /// <summary>How many times the prompt is played before giving up.</summary>
    public int Tries { get; init; } = 3;

    /// <summary>Wait for the first digit after the prompt.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Wait between digits; FreeSWITCH uses <see cref="Timeout"/> when null.</summary>
    public TimeSpan? InterDigitTimeout { get; init; }

    /// <summary>Keys that end the entry (e.g. <c>#</c>); empty for none.</summary>
    public string Terminators { get; init; } = "#";

    /// <summary>A regular expression the digits must match (FreeSWITCH checks it and replays on mismatch).</summary>
    public string? ValidDigitsRegex { get; init; }

    /// <summary>The channel variable that receives the digits.</summary>
    public string VariableName { get; init; } = ContextContract.DefaultCollectVariable;
}

/// <summary>What <c>say</c> speaks.</summary>
/// <param name="Module">Language module, e.g. <c>en</c>.</param>
/// <param name="Type">NUMBER, ITEMS, CURRENCY, DIGITS... (mod_say types).</param>
/// <param name="Method">pronounced, iterated, counted.</param>
/// <param name="Text">What to say.</param>
public sealed record SayRequest(string Module, string Type, string Method, string Text);

/// <summary>Where the call is.</summary>
public enum CallState
{
    /// <summary>Connected to the engine, not answered.</summary>
    Ringing,
    /// <summary>Answered.</summary>
    Answered,
    /// <summary>Handed on (transfer, bridge, queue).</summary>
    Transferred,
    /// <summary>Hung up or the socket closed.</summary>
    Ended,
}
