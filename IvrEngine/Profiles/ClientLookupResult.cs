namespace IvrEngine.Profiles;

/// <summary>What a lookup found: the client (or none), the customer-type code and why, how the client was found,
/// the campaign of the dialed number, and whether the caller's number is new to the client.</summary>
/// <param name="Client">The card; null for a caller without a record.</param>
/// <param name="Code">N, E, R, V, T or a letter the deployment adds.</param>
/// <param name="Reason">Why, for the agent.</param>
/// <param name="MatchedBy"><c>phone</c>, <c>account</c>, <c>card</c> or <c>none</c> (see <see cref="LookupMatch"/>).</param>
/// <param name="Campaign">The campaign of the dialed number, when there is one.</param>
/// <param name="CallerNumberIsNew">The client was found by account or card and the caller's number is not among
/// its phones: offer the agent to add <see cref="CallerNumber"/>.</param>
public sealed record LookupResult(ClientCard? Client, char Code, string Reason, string MatchedBy, Campaign? Campaign, bool CallerNumberIsNew)
{
    /// <summary>The caller's number in E.164; null when withheld or invalid.</summary>
    public string? CallerNumber { get; init; }

    /// <summary>The rule that gave <see cref="LookupResult.Code"/> (<c>unknown</c> when there is no client).</summary>
    public string RuleName { get; init; } = "unknown";

    /// <summary>Other rules that also held (see <see cref="Classification.AlsoMatched"/>).</summary>
    public IReadOnlyList<ClassificationMatch> AlsoMatched { get; init; } = [];

    /// <summary>True when a client was found.</summary>
    public bool Found => Client is not null;

    /// <summary>One line for the agent: <c>V: category VIP; also R: called again within 24 h</c>.</summary>
    public string Summary => AlsoMatched.Count == 0
        ? $"{Code}: {Reason}"
        : $"{Code}: {Reason}; also " + string.Join("; ", AlsoMatched.Select(m => $"{m.Code}: {m.Reason}"));
}

/// <summary>The values of <see cref="LookupResult.MatchedBy"/>.</summary>
public static class LookupMatch
{
    /// <summary>Found by the caller's number.</summary>
    public const string Phone = "phone";

    /// <summary>Found by an account number.</summary>
    public const string Account = "account";

    /// <summary>Found by a payment card.</summary>
    public const string Card = "card";

    /// <summary>A call the dialer placed to a campaign contact known as this client (the contact's card).</summary>
    public const string Contact = "contact";

    /// <summary>Not found.</summary>
    public const string None = "none";
}
