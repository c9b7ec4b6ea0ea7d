using System.Diagnostics;
using IvrEngine.Calls;
using IvrEngine.Profiles;
using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Runtime;

namespace IvrEngine.Ivr;

/// <summary>The client store as a flow sees it (<see cref="IFlowDirectory"/>): lookups through
/// <see cref="ClientLookup"/>, which classifies the caller, and the "exists" check of a collect step's validation.
/// One per call: it keeps the last lookup's full result (<see cref="LastLookup"/>) for what a flow does not see
/// (the campaign, a caller number new to the client).</summary>
public sealed class StoreFlowDirectory : IFlowDirectory
{
    private readonly ClientLookup _lookup;
    private readonly IClientStore _store;
    private readonly CardFingerprints _cards;

    /// <summary>A directory over the engine's store.</summary>
    public StoreFlowDirectory(ClientLookup lookup, IClientStore store, CardFingerprints cards)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(cards);
        _lookup = lookup;
        _store = store;
        _cards = cards;
    }

    /// <summary>For a call the dialer placed to a contact known as a client: that client, whom the caller lookup finds
    /// (<see cref="ClientLookup.ByClientAsync"/>) whatever number answered. Null for every other call.</summary>
    public Guid? DialedClient { get; init; }

    /// <summary>The last lookup's result; null before the first.</summary>
    public LookupResult? LastLookup { get; private set; }

    /// <inheritdoc />
    public async Task<FlowClientView> ByCallerAsync(string caller, string dialed, CancellationToken cancellationToken)
    {
        using var activity = StartLookup("caller");
        var result = DialedClient is { } client
            ? await _lookup.ByClientAsync(client, caller, dialed, cancellationToken)
            : await _lookup.ByCallerAsync(caller, dialed, cancellationToken);
        LastLookup = result;
        Describe(activity, result);
        return View(result);
    }

    /// <summary>By an account number, else, when the digits make a valid payment-card number, by that card.</summary>
    public async Task<FlowClientView> ByAccountAsync(string account, string caller, string dialed, CancellationToken cancellationToken)
    {
        using var activity = StartLookup("account");
        var result = await _lookup.ByAccountAsync(account, caller, dialed, cancellationToken);
        if (!result.Found && IsCardNumber(account))
        {
            result = await _lookup.ByCardAsync(account, caller, dialed, cancellationToken);
        }

        LastLookup = result;
        Describe(activity, result);
        return View(result);
    }

    /// <summary>The lookup's activity (a child of the step's), null when nothing listens. Its tags say how the caller
    /// was looked for and what was found, never what the caller keyed in.</summary>
    private static Activity? StartLookup(string by)
    {
        var activity = EngineTelemetry.Source.StartActivity("ivr.lookup");
        activity?.SetTag("ivr.lookup.by", by);
        return activity;
    }

    private static void Describe(Activity? activity, LookupResult result)
    {
        if (activity is null) return;
        activity.SetTag("ivr.lookup.code", result.Code.ToString());
        activity.SetTag("ivr.lookup.matched_by", result.MatchedBy);
    }

    /// <summary>True when an account with this number, or a card with these digits, is in the store.</summary>
    public async Task<bool> AccountExistsAsync(string account, CancellationToken cancellationToken)
    {
        var compact = string.Concat((account ?? string.Empty).Where(c => !char.IsWhiteSpace(c) && c != '-'));
        if (compact.Length == 0) return false;
        try
        {
            if (await _store.FindByAccountAsync(compact, cancellationToken) is not null) return true;
            return IsCardNumber(compact) && CardFingerprints.DigitsOf(compact) is { } digits
                && await _store.FindByCardFingerprintAsync(_cards.Fingerprint(digits), cancellationToken) is not null;
        }
        catch (ClientStoreException)
        {
            // The store failed (it logged why): the entry is taken, and the lookup that follows treats the caller as
            // unknown with the reason, rather than asking the caller again for a number that may well be right.
            return true;
        }
    }

    /// <summary>What a flow sees of a lookup.</summary>
    public static FlowClientView View(LookupResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return View(result.Client, result.Code.ToString(), result.Summary, result.MatchedBy);
    }

    /// <summary>What a flow's expressions see of <paramref name="client"/> (none: not found).</summary>
    public static FlowClientView View(ClientCard? client, string code, string reason, string matchedBy) =>
        new()
        {
            Found = client is not null,
            Code = code,
            Reason = reason,
            Id = client?.Id.ToString() ?? string.Empty,
            Name = client?.Name ?? string.Empty,
            Category = client?.Category ?? string.Empty,
            Balance = client?.Balance ?? 0m,
            Overdue = client?.OverdueAmount ?? 0m,
            Language = client?.Language ?? string.Empty,
            Manager = client?.ManagerId ?? string.Empty,
            OpenOrders = client?.OpenOrders.Count ?? 0,
            MatchedBy = matchedBy,
        };

    /// <summary>The engine's context a flow does not carry, attached (exported) before a transfer: the campaign of the
    /// dialed number and a caller number new to the client found by account or card. (The code and reason of a lookup
    /// that found nobody the flow attaches itself.)</summary>
    public IReadOnlyDictionary<string, string> TransferVariables()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (LastLookup is not { } last) return variables;
        if (last.Campaign is { Name.Length: > 0 } campaign) variables[ContextVariables.Campaign] = campaign.Name;
        if (last.Found && last.CallerNumberIsNew && last.CallerNumber is { } number) variables[ContextVariables.NewCallerNumber] = number;
        return variables;
    }

    private static bool IsCardNumber(string? text) =>
        CardFingerprints.DigitsOf(text) is { } digits && CardFingerprints.IsLuhnValid(digits);
}
