using IvrEngine.Profiles;
using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Runtime;

namespace IvrEngine.Ivr.Console;

/// <summary>The client store as a flow sees it, over <see cref="ClientLookup"/>: what <c>simulate</c> runs its flow
/// against. An entry of 12 to 19 digits that passes the Luhn check is tried as a payment card first, then as an
/// account; anything else is an account number.</summary>
public sealed class ClientLookupFlowDirectory : IFlowDirectory
{
    private readonly ClientLookup _lookup;
    private readonly IClientStore _store;
    private readonly CardFingerprints _cards;

    /// <summary>A directory over this lookup; <paramref name="store"/> and <paramref name="cards"/> answer the
    /// "exists" check of a collect.</summary>
    public ClientLookupFlowDirectory(ClientLookup lookup, IClientStore store, CardFingerprints cards)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(cards);
        _lookup = lookup;
        _store = store;
        _cards = cards;
    }

    /// <inheritdoc/>
    public async Task<FlowClientView> ByCallerAsync(string caller, string dialed, CancellationToken cancellationToken) =>
        ToView(await _lookup.ByCallerAsync(caller, dialed, cancellationToken));

    /// <inheritdoc/>
    public async Task<FlowClientView> ByAccountAsync(string account, string caller, string dialed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (AsCard(account) is not null)
        {
            var byCard = await _lookup.ByCardAsync(account, caller, dialed, cancellationToken);
            if (byCard.Found) return ToView(byCard);
        }

        return ToView(await _lookup.ByAccountAsync(account, caller, dialed, cancellationToken));
    }

    /// <inheritdoc/>
    public async Task<bool> AccountExistsAsync(string account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (AsCard(account) is string digits
            && await _store.FindByCardFingerprintAsync(_cards.Fingerprint(digits), cancellationToken) is not null)
        {
            return true;
        }

        var compact = string.Concat(account.Where(c => !char.IsWhiteSpace(c) && c != '-'));
        return compact.Length > 0 && await _store.FindByAccountAsync(compact, cancellationToken) is not null;
    }

    /// <summary>What a flow's expressions see of a lookup.</summary>
    public static FlowClientView ToView(LookupResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var card = result.Client;
        return new FlowClientView
        {
            Found = card is not null,
            Code = result.Code.ToString(),
            Reason = result.Summary,
            MatchedBy = result.MatchedBy,
            Id = card?.Id.ToString() ?? string.Empty,
            Name = card?.Name ?? string.Empty,
            Category = card?.Category ?? string.Empty,
            Balance = card?.Balance ?? 0m,
            Overdue = card?.OverdueAmount ?? 0m,
            Language = card?.Language ?? string.Empty,
            Manager = card?.ManagerId ?? string.Empty,
            OpenOrders = card?.OpenOrders.Count ?? 0,
        };
    }

    /// <summary>The digits when the entry reads as a payment card (12-19 digits, Luhn), else null.</summary>
    private static string? AsCard(string entry) =>
        CardFingerprints.DigitsOf(entry) is string digits && CardFingerprints.IsLuhnValid(digits) ? digits : null;
}
