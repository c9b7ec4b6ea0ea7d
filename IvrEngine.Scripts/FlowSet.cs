using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts;

/// <summary>Options for loading flows.</summary>
public sealed record FlowLoadOptions
{
    /// <summary>Check that every file prompt exists in the flow's prompts folder.</summary>
    public bool CheckPromptFiles { get; init; } = true;

    /// <summary>The size a set value without a known bound (an expression without <c>max</c>) may have on the call,
    /// in UTF-8 bytes: it is cut to this when attached.</summary>
    public int UnboundedValueBytes { get; init; } = FlowSet.DefaultUnboundedValueBytes;

    /// <summary>The transports' budgets: each flow's worst case is checked against them; null checks none.</summary>
    public IFlowBudget? Budget { get; init; }
}

/// <summary>The outcome of loading: a set when there is no error, and every problem found (all at once).</summary>
public sealed record FlowLoadResult(FlowSet? Set, IReadOnlyList<FlowDiagnostic> Diagnostics)
{
    /// <summary>True when the set loaded without a single problem.</summary>
    public bool Succeeded => Set is not null && Diagnostics.Count == 0;
}

/// <summary>A validated, immutable set of flows: one per file of a folder (or one file). Selects the flow for a
/// dialed number.</summary>
public sealed partial class FlowSet
{
    /// <summary>The flows, by file name order.</summary>
    public IReadOnlyList<FlowDefinition> Flows { get; }

    /// <summary>The flow for numbers no flow lists; null when the set has none.</summary>
    public FlowDefinition? Default { get; }

    /// <summary>The size of a set value without a known bound when no other is given (UTF-8 bytes).</summary>
    public const int DefaultUnboundedValueBytes = 64;

    /// <summary>A set of already validated flows.</summary>
    internal FlowSet(IReadOnlyList<FlowDefinition> flows, int unboundedValueBytes = DefaultUnboundedValueBytes)
    {
        Flows = flows;
        Default = flows.FirstOrDefault(f => f.IsDefault);
        UnboundedValueBytes = unboundedValueBytes;
        foreach (var flow in flows)
        {
            foreach (var number in flow.Numbers)
            {
                // The validator refused a number that is no number and one listed twice; the first flow wins anyway.
                if (NumberKey(number) is { } key) _byNumber.TryAdd(key, flow);
            }
        }
    }

    private readonly Dictionary<string, FlowDefinition> _byNumber = new(StringComparer.Ordinal);

    /// <summary>The size a set value without a known bound (an expression without <c>max</c>) is cut to when it is
    /// attached to a call, in UTF-8 bytes (<see cref="FlowLoadOptions.UnboundedValueBytes"/>).</summary>
    public int UnboundedValueBytes { get; }

    /// <summary>The flow serving this dialed number, else the default flow, else null.</summary>
    public FlowDefinition? ForDialedNumber(string dialed)
    {
        ArgumentNullException.ThrowIfNull(dialed);
        return NumberKey(dialed) is { } key && _byNumber.TryGetValue(key, out var flow) ? flow : Default;
    }

    /// <summary>The flow with this name, or null.</summary>
    public FlowDefinition? ByName(string name) => Flows.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));

    /// <summary>Dialed numbers compare by their digits and a leading +: "+1 800 555-0100" serves "+18005550100". Only
    /// the way numbers are written may surround the digits (spaces, '-', '.', '(' and ')'): text with anything else
    /// ("$${x}5000", "sip:5000") is no dialed number and has no key (null), so it reaches the default flow.</summary>
    internal static string? NumberKey(string number)
    {
        var text = number.AsSpan().Trim();
        var plus = text.StartsWith('+');
        if (plus) text = text[1..];
        var digits = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c)) digits++;
            else if (c is not (' ' or '-' or '.' or '(' or ')')) return null;
        }

        if (digits == 0) return null;
        if (digits == text.Length && !plus) return text.Length == number.Length ? number : text.ToString();
        return string.Create(digits + (plus ? 1 : 0), (number, plus), static (span, state) =>
        {
            var at = 0;
            if (state.plus) span[at++] = '+';
            foreach (var c in state.number)
            {
                if (char.IsAsciiDigit(c)) span[at++] = c;
            }
        });
    }
}
