using Microsoft.Extensions.Options;

namespace IvrEngine.Profiles;

/// <summary>A caller's customer-type code, why, and which rule gave it.</summary>
/// <param name="Code">N, E, R, V, T or a letter the deployment adds.</param>
/// <param name="Reason">Why, for the agent (placeholders filled).</param>
/// <param name="RuleName">The rule that matched (<c>unknown</c> for a caller without a record).</param>
public sealed record Classification(char Code, string Reason, string RuleName)
{
    /// <summary>Other rules with conditions that also held, in rule order, with a code other than
    /// <see cref="Code"/> (a rule without conditions is a fallback and never listed here).</summary>
    public IReadOnlyList<ClassificationMatch> AlsoMatched { get; init; } = [];

    /// <summary>One line for the agent: <c>V: category VIP; also R: called again within 24 h</c>.</summary>
    public string Summary => AlsoMatched.Count == 0
        ? $"{Code}: {Reason}"
        : $"{Code}: {Reason}; also " + string.Join("; ", AlsoMatched.Select(m => $"{m.Code}: {m.Reason}"));
}

/// <summary>A rule that held.</summary>
public sealed record ClassificationMatch(char Code, string Reason, string RuleName);

/// <summary>Gives a caller their customer-type code from the configured rules. Thread-safe; one per engine.</summary>
public sealed class ClientClassifier
{
    private readonly TimeProvider _time;
    private readonly ClassificationOptions _options;
    private readonly CompiledRule[] _rules;
    private readonly char _unknownCode;

    /// <summary>Creates the classifier; throws <see cref="OptionsValidationException"/> when the options are invalid.</summary>
    public ClientClassifier(IOptions<ClassificationOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options.Value;
        _time = timeProvider;
        var failures = ClassificationOptionsValidator.Check(_options);
        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(ClassificationOptions), failures);
        }

        _unknownCode = _options.UnknownCode[0];
        _rules = [.. _options.EffectiveRules.Select((r, i) => new CompiledRule(r, i, _options.RepeatWindow))];
        UsesLastContact = _rules.Any(r => r.Rule.ContactedWithin is not null);
    }

    /// <summary>True when some rule looks at the previous call, so a lookup must fetch it.</summary>
    public bool UsesLastContact { get; }

    /// <summary>The rules in force, in order.</summary>
    public IReadOnlyList<ClassificationRule> Rules => [.. _rules.Select(r => r.Rule)];

    /// <summary>The code for a caller without a record, with the given reason (or the configured one).</summary>
    public Classification Unknown(string? reason = null) =>
        new(_unknownCode, reason ?? _options.UnknownReason, "unknown");

    /// <summary>Classifies a caller. <paramref name="lastInteraction"/> is the newest earlier call from this number or
    /// this client (not the current call: classify before the current call is recorded); the card's
    /// <see cref="ClientCard.LastContactAt"/> counts as well, whichever is newer.</summary>
    public Classification Classify(ClientCard? card, InteractionRecord? lastInteraction, string? dnis) =>
        ClassifyLastContactAt(card, lastInteraction?.At, dnis);

    /// <summary>Classifies a caller by the time of their newest earlier call (<see cref="IClientStore.LastContactAtAsync"/>),
    /// as <see cref="Classify"/>: the rules read no more of that call than its time.</summary>
    public Classification ClassifyLastContactAt(ClientCard? card, DateTimeOffset? lastContactAt, string? dnis)
    {
        if (card is null)
        {
            return Unknown();
        }

        var last = Newest(lastContactAt, card.LastContactAt);
        TimeSpan? since = last is DateTimeOffset at ? _time.GetUtcNow() - at : null;

        CompiledRule? primary = null;
        string? primaryReason = null;
        List<ClassificationMatch>? also = null;
        foreach (var rule in _rules)
        {
            if (!rule.Matches(card, since, dnis))
            {
                continue;
            }

            var reason = ClassificationReasons.Format(rule.Rule.Reason, new ReasonContext(card, dnis, since, rule.Window));
            if (primary is null)
            {
                primary = rule;
                primaryReason = reason;
            }
            else if (!rule.Rule.IsCatchAll && rule.Code != primary.Code && (also is null || also.TrueForAll(m => m.Code != rule.Code)))
            {
                (also ??= []).Add(new ClassificationMatch(rule.Code, reason, rule.Name));
            }
        }

        if (primary is null)
        {
            // No rule held (a configuration without a catch-all): the card is known, so say so plainly.
            return new Classification('E', "existing client (no rule matched)", "none");
        }

        return new Classification(primary.Code, primaryReason!, primary.Name) { AlsoMatched = also ?? [] };
    }

    private static DateTimeOffset? Newest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a > b ? a : b;

    private sealed class CompiledRule
    {
        public CompiledRule(ClassificationRule rule, int index, TimeSpan repeatWindow)
        {
            Rule = rule;
            Code = rule.Code[0];
            Name = string.IsNullOrWhiteSpace(rule.Name) ? $"{rule.Code}#{index + 1}" : rule.Name;
            Window = rule.ContactedWithin ?? repeatWindow;
            Categories = rule.Categories is null ? null : new HashSet<string>(rule.Categories.Select(c => c.Trim()), StringComparer.OrdinalIgnoreCase);
            Languages = rule.Languages is null ? null : new HashSet<string>(rule.Languages.Select(c => c.Trim()), StringComparer.OrdinalIgnoreCase);
            Dnis = rule.Dnis is null ? null : new HashSet<string>(rule.Dnis.Select(c => c.Trim()), StringComparer.Ordinal);
        }

        public ClassificationRule Rule { get; }

        public char Code { get; }

        public string Name { get; }

        public TimeSpan Window { get; }

        private HashSet<string>? Categories { get; }

        private HashSet<string>? Languages { get; }

        private HashSet<string>? Dnis { get; }

        public bool Matches(ClientCard card, TimeSpan? sinceLastContact, string? dnis)
        {
            if (Categories is not null && !Categories.Contains(card.Category?.Trim() ?? string.Empty))
            {
                return false;
            }

            if (Rule.MinOverdue is decimal minOverdue && card.OverdueAmount < minOverdue)
            {
                return false;
            }

            if (Rule.HasContract is bool hasContract && card.HasContract != hasContract)
            {
                return false;
            }

            if (Rule.HasOpenOrders is bool hasOrders && (card.OpenOrders?.Count > 0) != hasOrders)
            {
                return false;
            }

            if (Rule.ContactedWithin is TimeSpan within && (sinceLastContact is not TimeSpan since || since > within))
            {
                return false;
            }

            if (Languages is not null && (card.Language is null || !Languages.Contains(card.Language.Trim())))
            {
                return false;
            }

            return Dnis is null || (dnis is not null && Dnis.Contains(dnis.Trim()));
        }
    }
}
