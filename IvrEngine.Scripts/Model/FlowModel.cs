namespace IvrEngine.Scripts.Model;

/// <summary>Where something is written in a flow file (1-based line and column), for messages an admin can act on.</summary>
public readonly record struct SourceSpan(string File, int Line, int Column)
{
    /// <summary>No position (a flow built in code).</summary>
    public static SourceSpan None { get; } = new(string.Empty, 0, 0);

    /// <summary><c>file:line:column</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>One flow: the menu an admin wrote for the numbers it serves. Immutable: a call keeps the version it
/// started with while a reload replaces the set.</summary>
public sealed record FlowDefinition
{
    /// <summary>The flow's name (<c>flow:</c>), unique in its set; sub-flows are called by it.</summary>
    public required string Name { get; init; }

    /// <summary>The file it came from (empty for flows built in code).</summary>
    public string File { get; init; } = string.Empty;

    /// <summary>Where <c>flow:</c> is written.</summary>
    public SourceSpan Span { get; init; } = SourceSpan.None;

    /// <summary>Free text for admins.</summary>
    public string? Description { get; init; }

    /// <summary>The dialed numbers (DNIS) it serves, as written (digits, optionally a leading +).</summary>
    public IReadOnlyList<string> Numbers { get; init; } = [];

    /// <summary>The flow for every dialed number no other flow lists (one per set).</summary>
    public bool IsDefault { get; init; }

    /// <summary>The folder prompt files live in, absolute, resolved against the flow file's folder; null when the
    /// flow names no folder (then file prompts are passed to FreeSWITCH as written and not checked).</summary>
    public string? PromptsDirectory { get; init; }

    /// <summary>The caller's language until a <see cref="LanguageStep"/> or the client's profile changes it.</summary>
    public string Language { get; init; } = "en";

    /// <summary>IANA time zone for <see cref="HoursStep"/> and <c>Now</c> in conditions; UTC when null.</summary>
    public string? TimeZone { get; init; }

    /// <summary>The first step's id.</summary>
    public required string Start { get; init; }

    /// <summary>The steps in the order written; ids are unique.</summary>
    public required IReadOnlyList<FlowStep> Steps { get; init; }

    /// <summary>The step with this id, or null.</summary>
    public FlowStep? Step(string id) => Steps.FirstOrDefault(s => string.Equals(s.Id, id, StringComparison.Ordinal));
}

/// <summary>Something a caller hears.</summary>
public abstract record Prompt
{
    /// <summary>Where it is written.</summary>
    public SourceSpan Span { get; init; } = SourceSpan.None;
}

/// <summary>A sound file, relative to the flow's prompts folder (a language subfolder is tried first).</summary>
public sealed record FilePrompt(string Path) : Prompt;

/// <summary>A FreeSWITCH stream played as is: <c>tone_stream://...</c> or <c>silence_stream://...</c>.</summary>
public sealed record StreamPrompt(string Uri) : Prompt;

/// <summary>FreeSWITCH's <c>say</c>: <paramref name="Value"/> is an expression (see <see cref="Expressions.FlowScope"/>);
/// <paramref name="Type"/> is a mod_say type (number, digits, currency, items, ...);
/// <paramref name="Method"/> pronounced, iterated or counted.</summary>
public sealed record SayPrompt(string Value, string Type, string Method) : Prompt;

/// <summary>One step. <see cref="Next"/> is where the flow goes after a step that does not choose by itself.</summary>
public abstract record FlowStep
{
    /// <summary>The step's id (its key under <c>steps:</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Where the id is written.</summary>
    public SourceSpan Span { get; init; } = SourceSpan.None;

    /// <summary>The step after this one; null means the following step in the file (for the steps that continue).</summary>
    public string? Next { get; init; }
}

/// <summary>Plays prompts, then goes on.</summary>
public sealed record PlayStep : FlowStep
{
    /// <summary>What is played, in order.</summary>
    public required IReadOnlyList<Prompt> Prompts { get; init; }

    /// <summary>True: a key press stops the prompt (and is the first key of the next collect or menu).</summary>
    public bool Interruptible { get; init; }
}

/// <summary>A keypad menu: one key chooses an option.</summary>
public sealed record MenuStep : FlowStep
{
    /// <summary>Played the first time.</summary>
    public required IReadOnlyList<Prompt> Greeting { get; init; }

    /// <summary>Played on every repeat; the greeting when empty.</summary>
    public IReadOnlyList<Prompt> ShortGreeting { get; init; } = [];

    /// <summary>Key to step.</summary>
    public required IReadOnlyList<MenuOption> Options { get; init; }

    /// <summary>Played after a key that is no option.</summary>
    public IReadOnlyList<Prompt> InvalidPrompt { get; init; } = [];

    /// <summary>Played after silence.</summary>
    public IReadOnlyList<Prompt> TimeoutPrompt { get; init; } = [];

    /// <summary>Wait for a key after the greeting.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Wrong keys allowed before <see cref="OnMaxFailures"/>.</summary>
    public int MaxFailures { get; init; } = 3;

    /// <summary>Silences allowed before <see cref="OnMaxTimeouts"/>.</summary>
    public int MaxTimeouts { get; init; } = 3;

    /// <summary>Where to go after too many wrong keys.</summary>
    public required string OnMaxFailures { get; init; }

    /// <summary>Where to go after too many silences.</summary>
    public required string OnMaxTimeouts { get; init; }
}

/// <summary>One menu option.</summary>
/// <param name="Key">0-9, * or #.</param>
/// <param name="Goto">The step it leads to.</param>
/// <param name="Span">Where it is written.</param>
public sealed record MenuOption(char Key, string Goto, SourceSpan Span);

/// <summary>How collected digits are checked.</summary>
public sealed record DigitValidation
{
    /// <summary>A .NET regular expression the whole entry must match.</summary>
    public string? Regex { get; init; }

    /// <summary>The entry must pass the Luhn check (card numbers).</summary>
    public bool Luhn { get; init; }

    /// <summary>The entry must be a known account or card number in the client store.</summary>
    public bool ExistsInStore { get; init; }

    /// <summary>Where <see cref="Regex"/> is written.</summary>
    public SourceSpan RegexSpan { get; init; } = SourceSpan.None;
}

/// <summary>Read-back: "you entered 1 2 3 4, press 1 to confirm, 2 to enter again".</summary>
public sealed record ConfirmSpec
{
    /// <summary>Played before the digits are read back.</summary>
    public IReadOnlyList<Prompt> Before { get; init; } = [];

    /// <summary>Played after them ("press 1 to confirm, 2 to try again").</summary>
    public required IReadOnlyList<Prompt> After { get; init; }

    /// <summary>The key that confirms.</summary>
    public char ConfirmKey { get; init; } = '1';

    /// <summary>The key that starts the entry again.</summary>
    public char RetryKey { get; init; } = '2';
}

/// <summary>Collects digits into a variable, with retries, validation and read-back.</summary>
public sealed record CollectStep : FlowStep
{
    /// <summary>The variable that receives the entry (a name: letters, digits, underscore).</summary>
    public required string Into { get; init; }

    /// <summary>Asks for the entry.</summary>
    public required IReadOnlyList<Prompt> Prompt { get; init; }

    /// <summary>Fewest digits.</summary>
    public int MinLength { get; init; } = 1;

    /// <summary>Most digits; the entry ends when reached.</summary>
    public int MaxLength { get; init; } = 20;

    /// <summary>Keys that end the entry.</summary>
    public string Terminators { get; init; } = "#";

    /// <summary>Wait for the first digit.</summary>
    public TimeSpan FirstDigitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Wait between digits.</summary>
    public TimeSpan InterDigitTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Silences allowed (counted on their own) before <see cref="OnFailure"/>.</summary>
    public int MaxNoInput { get; init; } = 3;

    /// <summary>Invalid entries allowed (counted on their own) before <see cref="OnFailure"/>.</summary>
    public int MaxInvalid { get; init; } = 3;

    /// <summary>Played after silence, before asking again.</summary>
    public IReadOnlyList<Prompt> NoInputPrompt { get; init; } = [];

    /// <summary>Played after an invalid entry, before asking again.</summary>
    public IReadOnlyList<Prompt> InvalidPrompt { get; init; } = [];

    /// <summary>Checks on the entry.</summary>
    public DigitValidation Validation { get; init; } = new();

    /// <summary>Read-back confirmation; null for none.</summary>
    public ConfirmSpec? Confirm { get; init; }

    /// <summary>A secret (PIN): masked everywhere and never attached to the call.</summary>
    public bool Secret { get; init; }

    /// <summary>Where to go when the entry could not be collected (too many silences or invalid entries).</summary>
    public required string OnFailure { get; init; }
}

/// <summary>What a <see cref="LookupStep"/> looks up by.</summary>
public enum LookupBy
{
    /// <summary>The caller's number (ANI).</summary>
    Caller,
    /// <summary>An account or card number: <see cref="LookupStep.Value"/>.</summary>
    Account,
}

/// <summary>Looks the client up in the store; the result is <c>Client</c> in conditions and rides on the call.</summary>
public sealed record LookupStep : FlowStep
{
    /// <summary>By caller number or by account.</summary>
    public LookupBy By { get; init; } = LookupBy.Caller;

    /// <summary>For <see cref="LookupBy.Account"/>: an expression giving the number, e.g. <c>Vars["account"]</c>.</summary>
    public string? Value { get; init; }

    /// <summary>Where to go when the client is found.</summary>
    public required string Found { get; init; }

    /// <summary>Where to go when not.</summary>
    public required string NotFound { get; init; }
}

/// <summary>Sets variables, then goes on.</summary>
public sealed record SetStep : FlowStep
{
    /// <summary>In order; later ones see earlier ones.</summary>
    public required IReadOnlyList<Assignment> Assignments { get; init; }
}

/// <summary>One variable assignment: a literal, or an expression when written with a leading <c>=</c>.</summary>
/// <param name="Name">Variable name.</param>
/// <param name="Value">The literal, or the expression without its <c>=</c>.</param>
/// <param name="IsExpression">True for an expression.</param>
/// <param name="Span">Where the value is written.</param>
public sealed record Assignment(string Name, string Value, bool IsExpression, SourceSpan Span)
{
    /// <summary>The most UTF-8 bytes the value may have on the call (written <c>max</c>); a longer value is cut when
    /// attached. Null: a literal's own length, or <see cref="FlowSet.UnboundedValueBytes"/> for an expression.</summary>
    public int? MaxBytes { get; init; }
}

/// <summary>Goes to the first case whose condition holds, else to <see cref="Else"/>.</summary>
public sealed record BranchStep : FlowStep
{
    /// <summary>In order.</summary>
    public required IReadOnlyList<BranchCase> Cases { get; init; }

    /// <summary>When no case holds.</summary>
    public required string Else { get; init; }
}

/// <summary>A condition (a boolean expression) and where it leads.</summary>
public sealed record BranchCase(string When, string Goto, SourceSpan Span);

/// <summary>Business hours: open, closed or a holiday, in a time zone.</summary>
public sealed record HoursStep : FlowStep
{
    /// <summary>IANA zone; the flow's when null.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Opening ranges; a day with none is closed.</summary>
    public required IReadOnlyList<OpeningRange> Week { get; init; }

    /// <summary>Whole days closed.</summary>
    public IReadOnlyList<DateOnly> Holidays { get; init; } = [];

    /// <summary>Where to go when open.</summary>
    public required string Open { get; init; }

    /// <summary>Where to go when closed.</summary>
    public required string Closed { get; init; }

    /// <summary>Where to go on a holiday; <see cref="Closed"/> when null.</summary>
    public string? Holiday { get; init; }

    /// <summary>Where the time zone is written.</summary>
    public SourceSpan TimeZoneSpan { get; init; } = SourceSpan.None;
}

/// <summary>Open from <paramref name="From"/> (inclusive) to <paramref name="To"/> (exclusive) on these days.</summary>
public sealed record OpeningRange(IReadOnlySet<DayOfWeek> Days, TimeOnly From, TimeOnly To, SourceSpan Span);

/// <summary>Lets the caller choose a language: a one-key menu whose options are language codes.</summary>
public sealed record LanguageStep : FlowStep
{
    /// <summary>"For English press 1...".</summary>
    public required IReadOnlyList<Prompt> Prompt { get; init; }

    /// <summary>Key to language code (en, es, ru, ka, ...).</summary>
    public required IReadOnlyList<LanguageOption> Options { get; init; }

    /// <summary>Wait for a key.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Tries before the flow keeps its current language and goes on.</summary>
    public int MaxTries { get; init; } = 2;
}

/// <summary>One language option.</summary>
public sealed record LanguageOption(char Key, string Language, SourceSpan Span);

/// <summary>Where a transfer goes.</summary>
public enum TransferKind
{
    /// <summary>A mod_callcenter queue.</summary>
    Queue,
    /// <summary>An extension in the dialplan.</summary>
    Extension,
    /// <summary>A specific agent.</summary>
    Agent,
}

/// <summary>Hands the call on (the flow ends here). Variables are attached (exported) first.</summary>
public sealed record TransferStep : FlowStep
{
    /// <summary>Queue, extension or agent.</summary>
    public TransferKind Kind { get; init; }

    /// <summary>The queue, extension or agent: a literal, or an expression with a leading <c>=</c>.</summary>
    public required string Target { get; init; }

    /// <summary>Queue priority (higher is served first): a literal number or an expression with a leading
    /// <c>=</c>; null for the queue's default.</summary>
    public string? Priority { get; init; }
}

/// <summary>Asks the engine's routing rules where the call goes: a transfer (queue with a priority, or an agent with a
/// fallback queue) that ends the flow, or self-service, after which the flow goes on at <see cref="FlowStep.Next"/>.
/// The rule chosen and why ride on the call (<c>ivr_route_rule</c>, <c>ivr_route_reason</c>).</summary>
public sealed record RouteStep : FlowStep;

/// <summary>Ends the call (the flow ends here).</summary>
public sealed record HangupStep : FlowStep
{
    /// <summary>A Q.850 cause name.</summary>
    public string Cause { get; init; } = "NORMAL_CLEARING";
}

/// <summary>Jumps to <see cref="FlowStep.Next"/> (written <c>goto: step</c>).</summary>
public sealed record GotoStep : FlowStep;

/// <summary>Runs another flow of the set from its start; when it reaches a <see cref="ReturnStep"/> this flow goes
/// on at <see cref="FlowStep.Next"/>. A transfer or hangup inside it ends the call as usual.</summary>
public sealed record SubflowStep : FlowStep
{
    /// <summary>The flow's name.</summary>
    public required string Flow { get; init; }
}

/// <summary>Returns from a sub-flow (in a flow run directly, it ends the flow like a hangup would not: the call
/// is handed back to the dialplan).</summary>
public sealed record ReturnStep : FlowStep;
