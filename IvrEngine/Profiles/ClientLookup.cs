namespace IvrEngine.Profiles;

/// <summary>Finds the caller's card by caller number (ANI), account number or payment card, finds the campaign of the
/// dialed number (DNIS), and classifies the caller (<see cref="ClientClassifier"/>). Run it before the current call
/// is recorded with <see cref="IClientStore.AddInteractionAsync"/>, or the call counts as its own repeat contact.
/// Thread-safe; one per engine.</summary>
public sealed class ClientLookup
{
    /// <summary>The reason given when the caller's number is withheld, anonymous or not a phone number.</summary>
    public const string WithheldReason = "caller number withheld or invalid";

    /// <summary>The reason given when a card number fails the Luhn check.</summary>
    public const string LuhnReason = "card number fails the Luhn check";

    /// <summary>The reason given when a card number is not 12 to 19 digits.</summary>
    public const string CardLengthReason = "card number is not 12 to 19 digits";

    /// <summary>The reason given when no account number was entered.</summary>
    public const string NoAccountReason = "no account number given";

    /// <summary>The reason given when the store failed during the lookup (a damaged page): the caller is treated as
    /// unknown, so the call goes on (the flow's not-found branch, the general queue); the store logs the error.</summary>
    public const string StoreFailedReason = "client store failed, caller treated as unknown";

    private readonly IClientStore _store;
    private readonly PhoneNormalizer _phones;
    private readonly CardFingerprints _cards;
    private readonly ClientClassifier _classifier;

    /// <summary>Creates the lookup.</summary>
    public ClientLookup(IClientStore store, PhoneNormalizer phones, CardFingerprints cards, ClientClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(phones);
        ArgumentNullException.ThrowIfNull(cards);
        ArgumentNullException.ThrowIfNull(classifier);
        _store = store;
        _phones = phones;
        _cards = cards;
        _classifier = classifier;
    }

    /// <summary>Looks the caller up by their number (ANI). A withheld or invalid number gives N with
    /// <see cref="WithheldReason"/>; the flow may still ask for an account (<see cref="ByAccountAsync"/>).</summary>
    public async Task<LookupResult> ByCallerAsync(string ani, string dnis, CancellationToken cancellationToken = default)
    {
        try
        {
            return await ByCallerCore(ani, dnis, cancellationToken);
        }
        catch (ClientStoreException)
        {
            return StoreFailed(ani);
        }
    }

    private async Task<LookupResult> ByCallerCore(string ani, string dnis, CancellationToken cancellationToken)
    {
        var campaign = await CampaignAsync(dnis, cancellationToken);
        if (CallerNumber(ani) is not string e164)
        {
            return NotFound(_classifier.Unknown(WithheldReason), campaign, null);
        }

        var card = await _store.FindByPhoneAsync(e164, cancellationToken);
        return card is null
            ? NotFound(_classifier.Unknown(), campaign, e164)
            : await FoundAsync(card, LookupMatch.Phone, e164, dnis, campaign, cancellationToken);
    }

    /// <summary>The client a dialed contact is known as (<paramref name="clientId"/>, from the campaign's list): found by
    /// <see cref="LookupMatch.Contact"/>, classified as any caller; a card that is gone since the list was made falls back
    /// to the number (<see cref="ByCallerAsync"/>).</summary>
    public async Task<LookupResult> ByClientAsync(Guid clientId, string ani, string dnis, CancellationToken cancellationToken = default)
    {
        try
        {
            var card = await _store.GetAsync(clientId, cancellationToken);
            if (card is null) return await ByCallerCore(ani, dnis, cancellationToken);
            return await FoundAsync(card, LookupMatch.Contact, CallerNumber(ani), dnis, await CampaignAsync(dnis, cancellationToken), cancellationToken);
        }
        catch (ClientStoreException)
        {
            return StoreFailed(ani);
        }
    }

    /// <summary>Looks the caller up by an account number (spaces and dashes ignored). A client found by account but
    /// calling from a number not on the card has <see cref="LookupResult.CallerNumberIsNew"/> set.</summary>
    public async Task<LookupResult> ByAccountAsync(string account, string ani, string dnis, CancellationToken cancellationToken = default)
    {
        try
        {
            return await ByAccountCore(account, ani, dnis, cancellationToken);
        }
        catch (ClientStoreException)
        {
            return StoreFailed(ani);
        }
    }

    private async Task<LookupResult> ByAccountCore(string account, string ani, string dnis, CancellationToken cancellationToken)
    {
        var campaign = await CampaignAsync(dnis, cancellationToken);
        var e164 = CallerNumber(ani);
        var accountNumber = Compact(account);
        if (accountNumber.Length == 0)
        {
            return NotFound(_classifier.Unknown(NoAccountReason), campaign, e164);
        }

        var card = await _store.FindByAccountAsync(accountNumber, cancellationToken);
        return card is null
            ? NotFound(_classifier.Unknown(), campaign, e164)
            : await FoundAsync(card, LookupMatch.Account, e164, dnis, campaign, cancellationToken);
    }

    /// <summary>Looks the caller up by a payment-card number (spaces and dashes ignored) through its fingerprint
    /// (<see cref="CardFingerprints"/>). A number that is not 12 to 19 digits or fails the Luhn check is not looked up:
    /// the result is N with <see cref="CardLengthReason"/> or <see cref="LuhnReason"/>. The number is never kept.</summary>
    public async Task<LookupResult> ByCardAsync(string cardDigits, string ani, string dnis, CancellationToken cancellationToken = default)
    {
        try
        {
            return await ByCardCore(cardDigits, ani, dnis, cancellationToken);
        }
        catch (ClientStoreException)
        {
            return StoreFailed(ani);
        }
    }

    private async Task<LookupResult> ByCardCore(string cardDigits, string ani, string dnis, CancellationToken cancellationToken)
    {
        var campaign = await CampaignAsync(dnis, cancellationToken);
        var e164 = CallerNumber(ani);
        var digits = CardFingerprints.DigitsOf(cardDigits);
        if (digits is null)
        {
            return NotFound(_classifier.Unknown(CardLengthReason), campaign, e164);
        }

        if (!CardFingerprints.IsLuhnValid(digits))
        {
            return NotFound(_classifier.Unknown(LuhnReason), campaign, e164);
        }

        var card = await _store.FindByCardFingerprintAsync(_cards.Fingerprint(digits), cancellationToken);
        return card is null
            ? NotFound(_classifier.Unknown(), campaign, e164)
            : await FoundAsync(card, LookupMatch.Card, e164, dnis, campaign, cancellationToken);
    }

    /// <summary>The caller's number in E.164, or null when it is withheld, anonymous, all zeros or not a number.</summary>
    internal string? CallerNumber(string? ani)
    {
        if (string.IsNullOrWhiteSpace(ani))
        {
            return null;
        }

        var anyDigit = false;
        var allZero = true;
        foreach (var c in ani)
        {
            if (char.IsAsciiDigit(c))
            {
                anyDigit = true;
                allZero &= c == '0';
            }
        }

        return anyDigit && !allZero && _phones.TryNormalize(ani, out var e164) ? e164 : null;
    }

    private async Task<LookupResult> FoundAsync(ClientCard card, string matchedBy, string? e164, string? dnis, Campaign? campaign, CancellationToken cancellationToken)
    {
        var last = _classifier.UsesLastContact ? await _store.LastContactAtAsync(card.Id, e164, cancellationToken) : null;
        var classification = _classifier.ClassifyLastContactAt(card, last, NullIfBlank(dnis));
        var isNew = e164 is not null && !card.Phones.Contains(e164, StringComparer.Ordinal);
        return new LookupResult(card, classification.Code, classification.Reason, matchedBy, campaign, isNew)
        {
            CallerNumber = e164,
            RuleName = classification.RuleName,
            AlsoMatched = classification.AlsoMatched,
        };
    }

    private async Task<Campaign?> CampaignAsync(string? dnis, CancellationToken cancellationToken) =>
        NullIfBlank(dnis) is string number ? await _store.FindCampaignAsync(number, cancellationToken) : null;

    /// <summary>The result of a lookup the store failed: an unknown caller, with <see cref="StoreFailedReason"/>.</summary>
    private LookupResult StoreFailed(string? ani) => NotFound(_classifier.Unknown(StoreFailedReason), null, CallerNumber(ani));

    private static LookupResult NotFound(Classification unknown, Campaign? campaign, string? e164) =>
        new(null, unknown.Code, unknown.Reason, LookupMatch.None, campaign, false) { CallerNumber = e164, RuleName = unknown.RuleName };

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string Compact(string? text) =>
        text is null ? string.Empty : string.Concat(text.Where(c => !char.IsWhiteSpace(c) && c != '-'));
}
