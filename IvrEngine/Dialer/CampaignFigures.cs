using System.Globalization;
using IvrEngine.Profiles;
using IvrEngine.Statistics;

namespace IvrEngine.Dialer;

/// <summary>One outgoing campaign and its figures (<see cref="IDialerStore.TotalsAsync"/>), over its whole life.</summary>
/// <param name="Campaign">The campaign.</param>
/// <param name="Totals">Its figures.</param>
public sealed record CampaignFigures(OutboundCampaign Campaign, CampaignTotals Totals)
{
    /// <summary>The columns of the campaigns' CSV (the statistics page's campaign table).</summary>
    public static readonly IReadOnlyList<string> Columns =
    [
        "campaign", "name", "state", "card", "created_at", "contacts", "dialed", "attempts", "answered", "answer_percent", "completed", "transferred",
        "opted_out", "busy", "no_answer", "failed", "exhausted", "do_not_call", "unknown", "pending", "dialing",
    ];

    /// <summary>Every campaign, newest first, with its figures.</summary>
    public static async Task<IReadOnlyList<CampaignFigures>> ReadAsync(IDialerStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var figures = new List<CampaignFigures>();
        foreach (var campaign in await store.ListCampaignsAsync(cancellationToken))
        {
            figures.Add(new CampaignFigures(campaign, await store.TotalsAsync(campaign.Id, cancellationToken)));
        }

        return figures;
    }

    /// <summary>Writes the campaigns' figures as CSV, a campaign a line: a value a spreadsheet would run as a formula
    /// (a campaign's name) is escaped.</summary>
    public static Task WriteCsvAsync(Stream output, IEnumerable<CampaignFigures> campaigns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaigns);
        return StatisticsReport.WriteCsvAsync(output, Columns, campaigns.Select(c => c.Cells()), cancellationToken);
    }

    /// <summary>The campaign's line.</summary>
    public string[] Cells()
    {
        var t = Totals;
        return
        [
            Campaign.Id, Campaign.Name, CampaignStates.Word(Campaign.State), Campaign.CardDnis,
            Campaign.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            N(t.Contacts), N(t.Dialed), N(t.Attempts), N(t.Answered),
            t.AnswerPercent is { } percent ? percent.ToString("0.0", CultureInfo.InvariantCulture) : string.Empty,
            N(t.Completed), N(t.Transferred), N(t.OptedOut), N(t.Busy), N(t.NoAnswer), N(t.Failed), N(t.Exhausted), N(t.DoNotCall), N(t.Unknown),
            N(t.Pending), N(t.Dialing),
        ];
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
