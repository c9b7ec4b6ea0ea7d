using IvrEngine.Profiles;

namespace IvrEngine.Dialer;

/// <summary>What a campaign save came to: the campaign as stored, or the problems that kept it from being saved.</summary>
/// <param name="Saved">The campaign as stored (its new version); null when it was not saved.</param>
/// <param name="Added">True when the campaign is new.</param>
/// <param name="Card">The campaign card agents see (<see cref="OutboundCampaign.CardDnis"/>'s card).</param>
/// <param name="Problems">Why it was not saved, in plain words (empty when saved).</param>
/// <param name="Conflict">True when the problem is another save in between (a stale version), not the campaign itself.</param>
public sealed record CampaignSave(OutboundCampaign? Saved, bool Added, Campaign? Card, IReadOnlyList<string> Problems, bool Conflict = false)
{
    /// <summary>A note for a card that is not marked outgoing (agents see OUTGOING only on an outgoing card); null
    /// otherwise.</summary>
    public string? Note => Card is { } card && !string.Equals(card.Direction, "outgoing", StringComparison.OrdinalIgnoreCase)
        ? $"the card of {card.Dnis} is marked {card.Direction}; agents see OUTGOING only on an outgoing card."
        : null;
}

/// <summary>What a state action came to.</summary>
/// <param name="Campaign">The campaign as stored after the action; null when it does not exist or was not changed.</param>
/// <param name="Found">False when there is no such campaign.</param>
/// <param name="Refusal">Why the action is not allowed from the campaign's state (or is not an action); null when done.</param>
public sealed record CampaignChange(OutboundCampaign? Campaign, bool Found, string? Refusal);

/// <summary>Contacts added to a campaign.</summary>
/// <param name="Found">Contacts the query or file gave.</param>
/// <param name="Added">Of those, the ones added (a number the campaign has already is skipped).</param>
/// <param name="Rejected">The file's rows not taken, with their line and why.</param>
public sealed record ContactsAdded(int Found, int Added, IReadOnlyList<ContactRejection> Rejected)
{
    /// <summary>The figures in one sentence, as the command line prints them.</summary>
    public string Summary => $"{Found} contacts found, {Added} added, {Found - Added} already in the campaign, {Rejected.Count} rejected";
}

/// <summary>The campaign changes the command line and the admin page make, in one place so that both check the same
/// things: a save is checked by <see cref="CampaignRules"/>, its card must exist (and should be outgoing), a flow it
/// names must be one the engine has; a state action goes through <see cref="CampaignStates"/>. Only the store is
/// written: a running engine's dialer follows the campaign's state within seconds.</summary>
public static class CampaignEdits
{
    /// <summary>How often a state action reads the campaign again when a save of the dialer came in between.</summary>
    private const int StateAttempts = 3;

    /// <summary>Checks and saves <paramref name="campaign"/>; its state and creation time are kept from the stored one.
    /// With <paramref name="expectedVersion"/> null the save replaces whatever is stored (the command line); with a
    /// version it is refused as a conflict unless the stored campaign is that version (0: a new one, none stored).
    /// With <paramref name="flows"/> (the engine's flow names), a <see cref="OutboundCampaign.Flow"/> not among them is
    /// a problem.</summary>
    public static async Task<CampaignSave> SaveAsync(IClientStore clients, IDialerStore dialer, OutboundCampaign campaign, int? expectedVersion,
        IReadOnlyCollection<string>? flows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(dialer);
        ArgumentNullException.ThrowIfNull(campaign);
        var problems = new List<string>(CampaignRules.Problems(campaign));
        if (flows is not null && campaign.Flow is { Length: > 0 } flow && !flows.Contains(flow, StringComparer.Ordinal))
        {
            problems.Add($"flow: the engine has no flow named '{flow}'" + (flows.Count == 0 ? string.Empty : $" (it has {string.Join(", ", flows.Order(StringComparer.Ordinal))})"));
        }

        var card = string.IsNullOrWhiteSpace(campaign.CardDnis) ? null : await clients.FindCampaignAsync(campaign.CardDnis, cancellationToken);
        if (card is null && !string.IsNullOrWhiteSpace(campaign.CardDnis))
        {
            problems.Add($"card: there is no campaign card for number {campaign.CardDnis} (add it on the admin page, direction outgoing)");
        }

        if (problems.Count > 0) return new CampaignSave(null, false, card, problems);
        var existing = await dialer.GetCampaignAsync(campaign.Id, cancellationToken);
        if (expectedVersion is { } expected && expected != (existing?.Version ?? 0))
        {
            return new CampaignSave(null, false, card, [existing is null
                ? $"there is no campaign {campaign.Id} any more; save it as a new one"
                : expected == 0
                    ? $"there is a campaign {campaign.Id} already; open it to change it, or choose another id"
                    : $"campaign {campaign.Id} was changed meanwhile (it is {CampaignStates.Word(existing.State)} now); open it again and make your change"], Conflict: true);
        }

        campaign.State = existing?.State ?? OutboundCampaignState.Draft;
        campaign.Version = existing?.Version ?? 0;
        campaign.CreatedAt = existing?.CreatedAt ?? default;
        try
        {
            return new CampaignSave(await dialer.SaveCampaignAsync(campaign, cancellationToken), existing is null, card, []);
        }
        catch (InvalidOperationException ex)
        {
            return new CampaignSave(null, false, card, [ex.Message], Conflict: true);
        }
    }

    /// <summary>Applies <paramref name="action"/> (start, pause, resume, stop) to campaign <paramref name="id"/>, from
    /// the state it is in when written (read again when the dialer saved it in between).</summary>
    public static async Task<CampaignChange> ChangeStateAsync(IDialerStore dialer, string id, string action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dialer);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(action);
        for (var attempt = 1; ; attempt++)
        {
            if (await dialer.GetCampaignAsync(id, cancellationToken) is not { } campaign) return new CampaignChange(null, false, null);
            var (to, refusal) = CampaignStates.After(campaign.State, action);
            if (to is null) return new CampaignChange(null, true, refusal);
            campaign.State = to.Value;
            try
            {
                return new CampaignChange(await dialer.SaveCampaignAsync(campaign, cancellationToken), true, null);
            }
            catch (InvalidOperationException) when (attempt < StateAttempts)
            {
                // Saved by the dialer (completed, say) since it was read: decide again from what is stored now.
            }
        }
    }

    /// <summary>Adds <paramref name="found"/> to the campaign and says how many were new.</summary>
    public static async Task<ContactsAdded> AddContactsAsync(IDialerStore dialer, OutboundCampaign campaign, IReadOnlyList<CampaignContact> found,
        IReadOnlyList<ContactRejection> rejected, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dialer);
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(found);
        var added = await dialer.AddContactsAsync(campaign.Id, found, cancellationToken);
        return new ContactsAdded(found.Count, added, rejected);
    }
}
