using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Runtime;

/// <summary>What the runner keeps per <see cref="FlowDefinition"/> (the instance, not its value): where each step
/// is, and the flow's expressions, regexes and time zones, each compiled the first time a call needs it and shared
/// by every later call. Thread-safe; dropped with the flow when a reload replaces it.</summary>
internal sealed class FlowPlan
{
    /// <summary>How long a validation regex may run on one entry.</summary>
    internal static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(250);

    private static readonly ConditionalWeakTable<FlowDefinition, FlowPlan> Plans = [];

    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Text, bool Condition), Compiled<FlowExpression>> _expressions = new();
    private readonly ConcurrentDictionary<string, Compiled<Regex>> _regexes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Compiled<TimeZoneInfo>> _zones = new(StringComparer.Ordinal);

    private FlowPlan(FlowDefinition flow)
    {
        Flow = flow;
        for (var i = 0; i < flow.Steps.Count; i++)
        {
            _index.TryAdd(flow.Steps[i].Id, i);
        }
    }

    /// <summary>The flow.</summary>
    public FlowDefinition Flow { get; }

    /// <summary>The plan of this flow instance.</summary>
    public static FlowPlan For(FlowDefinition flow) => Plans.GetValue(flow, static f => new FlowPlan(f));

    /// <summary>The step with this id, or null.</summary>
    public FlowStep? Step(string id) => _index.TryGetValue(id, out var i) ? Flow.Steps[i] : null;

    /// <summary>The step written after <paramref name="step"/>, or null when it is the last.</summary>
    public FlowStep? After(FlowStep step) =>
        _index.TryGetValue(step.Id, out var i) && i + 1 < Flow.Steps.Count ? Flow.Steps[i + 1] : null;

    /// <summary>The compiled expression; <see cref="FlowRunException"/> when it does not compile.</summary>
    public FlowExpression Expression(string text, bool condition)
    {
        var compiled = _expressions.GetOrAdd((text, condition), static key =>
            FlowExpression.TryCompile(key.Text, key.Condition, out var expression, out var error, out var position)
                ? new(expression, null)
                : new(null, $"{(key.Condition ? "the condition" : "the expression")} '{key.Text}' does not compile: {error} (at character {position + 1})"));
        return compiled.Value ?? throw new FlowRunException(compiled.Error!);
    }

    /// <summary>The validation regex, anchored so the whole entry must match; <see cref="FlowRunException"/> when it
    /// is not a valid pattern.</summary>
    public Regex Regex(string pattern)
    {
        var compiled = _regexes.GetOrAdd(pattern, static p =>
        {
            try
            {
                return new(new Regex($@"\A(?:{p})\z", RegexOptions.CultureInvariant, RegexTimeout), null);
            }
            catch (ArgumentException ex)
            {
                return new(null, $"the regex '{p}' is not valid: {ex.Message}");
            }
        });
        return compiled.Value ?? throw new FlowRunException(compiled.Error!);
    }

    /// <summary>The IANA zone (UTC for null); <see cref="FlowRunException"/> when the machine does not know it.</summary>
    public TimeZoneInfo Zone(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return TimeZoneInfo.Utc;
        }

        var compiled = _zones.GetOrAdd(id, static zone =>
        {
            try
            {
                return new(TimeZoneInfo.FindSystemTimeZoneById(zone), null);
            }
            catch (TimeZoneNotFoundException)
            {
                return new(null, $"the time zone '{zone}' is not known on this machine");
            }
            catch (InvalidTimeZoneException ex)
            {
                return new(null, $"the time zone '{zone}' cannot be read: {ex.Message}");
            }
        });
        return compiled.Value ?? throw new FlowRunException(compiled.Error!);
    }

    /// <summary>A compiled thing, or why it could not be compiled (kept, so a broken one is not retried per call).</summary>
    private sealed record Compiled<T>(T? Value, string? Error) where T : class;
}

/// <summary>A problem in the flow found while running it (a missing step, an expression that throws, ...): the run
/// ends with <see cref="FlowOutcome.Failed"/> and this message.</summary>
internal sealed class FlowRunException : Exception
{
    public FlowRunException(string message) : base(message)
    {
    }

    public FlowRunException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public FlowRunException()
    {
    }
}
