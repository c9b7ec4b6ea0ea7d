namespace IvrEngine.Profiles;

/// <summary>How a caller gets their customer-type code (CTI): section <c>Classification</c> of appsettings.json.
/// The rules are tried in order and the first whose conditions all hold gives the code; a caller without a record
/// gets <see cref="UnknownCode"/>. With no rules configured, <see cref="DefaultRules"/> apply.</summary>
public sealed class ClassificationOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Classification";

    /// <summary>How recent a previous call must be for the default repeat-contact rule (R).</summary>
    public TimeSpan RepeatWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The rules, first match wins. Empty: <see cref="DefaultRules"/>.</summary>
    public List<ClassificationRule> Rules { get; set; } = [];

    /// <summary>The code of a caller without a record.</summary>
    public string UnknownCode { get; set; } = "N";

    /// <summary>The reason given with <see cref="UnknownCode"/>.</summary>
    public string UnknownReason { get; set; } = "no record for this number or account";

    /// <summary>The rules in force: the configured ones, or the defaults when none are configured.</summary>
    public IReadOnlyList<ClassificationRule> EffectiveRules => Rules.Count > 0 ? Rules : DefaultRules(RepeatWindow);

    /// <summary>The rules used when the configuration gives none: V for a VIP, R for a call within
    /// <paramref name="repeatWindow"/> of the previous one, T for a prospect (no contract, no open orders), E for
    /// everyone else.</summary>
    public static IReadOnlyList<ClassificationRule> DefaultRules(TimeSpan repeatWindow) =>
    [
        new() { Name = "vip", Code = "V", Reason = "category VIP", Categories = [ClientCategories.Vip] },
        new() { Name = "repeat", Code = "R", Reason = "called again within {window}", ContactedWithin = repeatWindow },
        new() { Name = "prospect", Code = "T", Reason = "prospect: no contract or orders", HasContract = false, HasOpenOrders = false },
        new() { Name = "existing", Code = "E", Reason = "existing client" },
    ];
}

/// <summary>One classification rule: a code, the reason shown with it, and conditions that must all hold.
/// A condition left out does not matter; a rule without conditions matches every known client.</summary>
public sealed class ClassificationRule
{
    /// <summary>A name for logs and results (default: the code and the rule's position, e.g. <c>P#1</c>).</summary>
    public string? Name { get; set; }

    /// <summary>The code: one uppercase letter (N, E, R, V, T, or a letter the deployment adds).</summary>
    public string Code { get; set; } = string.Empty;

    /// <summary>Why, for the agent. May hold placeholders: <c>{category}</c>, <c>{overdue}</c>, <c>{balance}</c>,
    /// <c>{openOrders}</c>, <c>{language}</c>, <c>{dnis}</c>, <c>{lastContactHours}</c>, <c>{window}</c>.</summary>
    public string Reason { get; set; } = string.Empty;

    /// <summary>The card's category is one of these (case-insensitive).</summary>
    public List<string>? Categories { get; set; }

    /// <summary>The card's overdue amount is at least this.</summary>
    public decimal? MinOverdue { get; set; }

    /// <summary>The card has (true) or has no (false) signed contract.</summary>
    public bool? HasContract { get; set; }

    /// <summary>The card has (true) or has no (false) open orders.</summary>
    public bool? HasOpenOrders { get; set; }

    /// <summary>The previous call from this number or this client was at most this long ago.</summary>
    public TimeSpan? ContactedWithin { get; set; }

    /// <summary>The card's preferred language is one of these (case-insensitive).</summary>
    public List<string>? Languages { get; set; }

    /// <summary>The dialed number is one of these.</summary>
    public List<string>? Dnis { get; set; }

    /// <summary>True when the rule has no conditions (it matches every known client).</summary>
    public bool IsCatchAll =>
        Categories is null && MinOverdue is null && HasContract is null && HasOpenOrders is null
        && ContactedWithin is null && Languages is null && Dnis is null;
}
