using System.Text.RegularExpressions;
using IvrEngine.Dialer;
using IvrEngine.Profiles;
using Microsoft.AspNetCore.Http;

namespace IvrEngine.Web;

/// <summary>The outgoing campaigns' part of the statistics (docs/statistics.md, "Outgoing campaigns"): each campaign's
/// figures over its whole life, and its results per contact, the same CSV as the command line's
/// <c>campaign results</c>.</summary>
public sealed partial class StatisticsApi
{
    /// <summary>The campaigns' figures as JSON.</summary>
    /// <param name="Campaigns">Every campaign, newest first.</param>
    public sealed record CampaignsBody(IReadOnlyList<CampaignRowBody> Campaigns);

    /// <summary>One campaign: what it is and its figures since it was made (not per period).</summary>
    /// <param name="Id">The campaign's id.</param>
    /// <param name="Name">Its name.</param>
    /// <param name="State">draft, running, paused, stopped or completed.</param>
    /// <param name="Card">The campaign card's number.</param>
    /// <param name="CreatedAt">When it was made.</param>
    /// <param name="Totals">Its figures (with the answer rate).</param>
    public sealed record CampaignRowBody(string Id, string Name, string State, string Card, DateTimeOffset CreatedAt, CampaignTotals Totals);

    /// <summary><c>GET /api/statistics/campaigns?format=json|csv</c>: every outgoing campaign with its figures.</summary>
    private async Task<IResult> CampaignsAsync(HttpContext context)
    {
        var format = context.Request.Query["format"].ToString();
        if (BadFormat(format) is { } badFormat) return badFormat;
        var campaigns = dialer is null ? [] : await CampaignFigures.ReadAsync(dialer, context.RequestAborted);
        context.Response.Headers.CacheControl = "no-store";
        if (format == "csv")
        {
            return await CsvAsync(context, $"ivrengine-campaigns-{time.GetUtcNow():yyyyMMdd'T'HHmm}.csv",
                body => CampaignFigures.WriteCsvAsync(body, campaigns, context.RequestAborted));
        }

        return Results.Json(new CampaignsBody([.. campaigns.Select(c =>
            new CampaignRowBody(c.Campaign.Id, c.Campaign.Name, CampaignStates.Word(c.Campaign.State), c.Campaign.CardDnis, c.Campaign.CreatedAt, c.Totals))]), Json);
    }

    /// <summary><c>GET /api/statistics/campaigns/{id}/results</c>: the campaign's results per contact as CSV
    /// (<see cref="CampaignResults"/>).</summary>
    private async Task<IResult> CampaignResultsAsync(HttpContext context)
    {
        var id = context.Request.RouteValues["id"] as string ?? string.Empty;
        if (!CampaignId().IsMatch(id)) return ContextApi.Problem(400, "the campaign id is 1 to 64 letters, digits, '-' and '_'");
        if (dialer is null || await dialer.GetCampaignAsync(id, context.RequestAborted) is null) return ContextApi.Problem(404, $"there is no campaign {id}");
        context.Response.Headers.CacheControl = "no-store";
        return await CsvAsync(context, $"ivrengine-campaign-{id}-{time.GetUtcNow():yyyyMMdd'T'HHmm}.csv",
            body => CampaignResults.WriteCsvAsync(body, dialer, id, context.RequestAborted));
    }

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CampaignId();
}
