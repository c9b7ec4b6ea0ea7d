namespace IvrEngine.Ivr.Console;

/// <summary>What the simulated caller does when the flow waits for keys.</summary>
public enum CallerActionKind
{
    /// <summary>Presses keys.</summary>
    Keys,
    /// <summary>Says nothing (the wait times out).</summary>
    Silence,
    /// <summary>Hangs up.</summary>
    HangUp,
}

/// <summary>One answer of the simulated caller: keys (<c>0-9 * # A-D</c>), silence or hanging up.</summary>
public readonly record struct CallerAction(CallerActionKind Kind, string Keys)
{
    /// <summary>Silence.</summary>
    public static CallerAction Silence { get; } = new(CallerActionKind.Silence, string.Empty);

    /// <summary>Hanging up.</summary>
    public static CallerAction HangUp { get; } = new(CallerActionKind.HangUp, string.Empty);

    /// <summary>Reads one answer as typed: an empty text is silence, <c>hangup</c> hangs up, else keys (spaces are
    /// ignored). False, with the reason, for anything else.</summary>
    public static bool TryParse(string? text, out CallerAction action, out string? error)
    {
        error = null;
        action = Silence;
        if (text is null)
        {
            action = HangUp;
            return true;
        }

        var trimmed = text.Trim();
        if (trimmed.Length == 0) return true;
        if (string.Equals(trimmed, "hangup", StringComparison.OrdinalIgnoreCase))
        {
            action = HangUp;
            return true;
        }

        var keys = new System.Text.StringBuilder(trimmed.Length);
        foreach (var c in trimmed)
        {
            if (char.IsWhiteSpace(c)) continue;
            var key = char.ToUpperInvariant(c);
            if (!IsKey(key))
            {
                error = $"'{c}' is not a phone key (0-9, *, #, A-D); write an empty item for silence or 'hangup' to hang up";
                return false;
            }

            keys.Append(key);
        }

        action = new CallerAction(CallerActionKind.Keys, keys.ToString());
        return true;
    }

    /// <summary>True for a DTMF key.</summary>
    public static bool IsKey(char c) => c is (>= '0' and <= '9') or '*' or '#' or (>= 'A' and <= 'D');
}

/// <summary>Where the simulated caller's answers come from.</summary>
public interface ISimulatedCaller
{
    /// <summary>The next answer; <paramref name="ask"/> describes what the flow waits for (for a person typing).</summary>
    Task<CallerAction> NextAsync(string ask, CancellationToken cancellationToken);
}

/// <summary>A caller scripted by <c>--keys "1,4111111111111111#,,1"</c>: one comma-separated item per wait, an empty
/// item is silence, <c>hangup</c> hangs up; when the items run out the caller hangs up.</summary>
public sealed class ScriptedCaller : ISimulatedCaller
{
    private readonly Queue<CallerAction> _actions;

    private ScriptedCaller(IEnumerable<CallerAction> actions) => _actions = new Queue<CallerAction>(actions);

    /// <summary>True when nothing is left: the next wait hangs up.</summary>
    public bool Exhausted => _actions.Count == 0;

    /// <summary>Parses a <c>--keys</c> value; false, with the reason, when an item is not keys, empty or hangup.</summary>
    public static bool TryParse(string keys, out ScriptedCaller? caller, out string? error)
    {
        ArgumentNullException.ThrowIfNull(keys);
        caller = null;
        var actions = new List<CallerAction>();
        var items = keys.Split(',');
        for (var i = 0; i < items.Length; i++)
        {
            if (!CallerAction.TryParse(items[i], out var action, out error))
            {
                error = $"--keys item {i + 1} ('{items[i]}'): {error}";
                return false;
            }

            actions.Add(action);
        }

        caller = new ScriptedCaller(actions);
        error = null;
        return true;
    }

    /// <inheritdoc/>
    public Task<CallerAction> NextAsync(string ask, CancellationToken cancellationToken) =>
        Task.FromResult(_actions.TryDequeue(out var action) ? action : CallerAction.HangUp);
}

/// <summary>A person at the terminal: each wait reads a line (empty: silence, <c>hangup</c> or end of input: hang
/// up); a line that is not keys is asked again.</summary>
public sealed class TerminalCaller(TextReader input, TextWriter prompt) : ISimulatedCaller
{
    /// <inheritdoc/>
    public async Task<CallerAction> NextAsync(string ask, CancellationToken cancellationToken)
    {
        while (true)
        {
            await prompt.WriteAsync($"  {ask}> ");
            await prompt.FlushAsync(cancellationToken);
            var line = await input.ReadLineAsync(cancellationToken);
            if (line is null) await prompt.WriteLineAsync();
            if (CallerAction.TryParse(line, out var action, out var error)) return action;
            await prompt.WriteLineAsync($"  {error}");
        }
    }
}
