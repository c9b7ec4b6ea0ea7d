using System.Text.Json;
using System.Text.Json.Serialization;
using IvrEngine.Dialer;
using IvrEngine.Profiles;
using IvrEngine.Statistics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace IvrEngine.Web;

/// <summary>The contact center's reports over HTTP, for supervisors and admins (docs/statistics.md): the figures of a
/// period cut by a dimension, as JSON or CSV. What it counts is the engine's <see cref="StatisticsCollector"/>, added
/// to the store every few seconds. The outgoing campaigns' figures come from the client store's dialer part
/// (<paramref name="dialer"/>; null: a store that keeps no campaigns, none listed).</summary>
public sealed partial class StatisticsApi(IStatisticsStore store, TimeProvider time, IDialerStore? dialer = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // The 90th percentile of waits longer than the last bucket is +infinity.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A report as JSON.</summary>
    /// <param name="Since">The first moment counted.</param>
    /// <param name="Until">The first moment not counted.</param>
    /// <param name="By">How the rows are cut.</param>
    /// <param name="ServiceLevelSeconds">The service level's threshold.</param>
    /// <param name="TimeZone">The zone of the hour and day rows.</param>
    /// <param name="Rows">The rows, in their key's order.</param>
    /// <param name="Where">The filter (<c>campaign=5000</c>), or null for all calls.</param>
    /// <param name="WholeDays">True when the figures count the whole UTC days the period touches (a filter on one
    /// dimension and rows by another), not its hours.</param>
    public sealed record ReportBody(DateTimeOffset Since, DateTimeOffset Until, string By, int ServiceLevelSeconds, string TimeZone, IReadOnlyList<ReportRowBody> Rows,
        string? Where, bool WholeDays);

    /// <summary>One row: its key and its figures.</summary>
    public sealed record ReportRowBody(string Key, ReportFigures Figures);

    /// <summary>Maps <c>GET /api/statistics/report?from=&amp;to=&amp;by=&amp;where=&amp;serviceLevel=&amp;timeZone=&amp;format=json|csv</c>,
    /// the funnel, and the outgoing campaigns' figures and results.</summary>
    public void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/statistics/report", (Func<HttpContext, Task<IResult>>)ReportAsync).RequireAuthorization(WebSecurity.Supervisors);
        app.MapGet("/api/statistics/funnel", (Func<HttpContext, Task<IResult>>)FunnelAsync).RequireAuthorization(WebSecurity.Supervisors);
        app.MapGet("/api/statistics/campaigns", (Func<HttpContext, Task<IResult>>)CampaignsAsync).RequireAuthorization(WebSecurity.Supervisors);
        app.MapGet("/api/statistics/campaigns/{id}/results", (Func<HttpContext, Task<IResult>>)CampaignResultsAsync).RequireAuthorization(WebSecurity.Supervisors);
    }

    /// <summary>A flow's funnel as JSON.</summary>
    /// <param name="Flow">The flow.</param>
    /// <param name="Since">The first moment asked for (whole UTC days are counted).</param>
    /// <param name="Until">The first moment not asked for.</param>
    /// <param name="Steps">The steps, the most entered first.</param>
    public sealed record FunnelBody(string Flow, DateTimeOffset Since, DateTimeOffset Until, IReadOnlyList<FunnelStepBody> Steps);

    /// <summary>One step of a funnel.</summary>
    public sealed record FunnelStepBody(string Step, long Entered, long WentOn, long TimedOut, long Invalid, long HungUp, long Ended, long Left,
        IReadOnlyDictionary<string, long> LeftTo);

    /// <summary><c>GET /api/statistics/funnel?flow=&amp;from=&amp;to=&amp;timeZone=&amp;format=json|csv</c>.</summary>
    private async Task<IResult> FunnelAsync(HttpContext context)
    {
        var q = context.Request.Query;
        var format = q["format"].ToString();
        var flow = q["flow"].ToString();
        if (flow.Length == 0) return ContextApi.Problem(400, "flow is required (the flow's name, e.g. bank)");
        if (BadFormat(format) is { } badFormat) return badFormat;
        if (ReportQuery.TryParse(q["from"], q["to"], null, null, q["timeZone"], time.GetUtcNow(), out var problem) is not { } query)
        {
            return ContextApi.Problem(400, problem!);
        }

        var steps = StatisticsReport.Funnel(await store.ReadStepsAsync(flow, query.Since, query.Until, context.RequestAborted));
        context.Response.Headers.CacheControl = "no-store";
        if (format == "csv")
        {
            return await CsvAsync(context, $"ivrengine-funnel-{query.Since:yyyyMMdd}-{query.Until:yyyyMMdd}.csv",
                body => StatisticsReport.WriteFunnelCsvAsync(body, steps, context.RequestAborted));
        }

        return Results.Json(new FunnelBody(flow, query.Since, query.Until, [.. steps.Select(s => new FunnelStepBody(s.Step, s.Totals.Entered, s.Totals.WentOn,
            s.Totals.TimedOut, s.Totals.Invalid, s.Totals.HungUp, s.Totals.Ended, s.Totals.Left, s.Totals.LeftTo))]), Json);
    }

    private async Task<IResult> ReportAsync(HttpContext context)
    {
        var q = context.Request.Query;
        var format = q["format"].ToString();
        if (BadFormat(format) is { } badFormat) return badFormat;
        if (ReportQuery.TryParse(q["from"], q["to"], q["by"], q["serviceLevel"], q["timeZone"], q["where"], time.GetUtcNow(), out var problem) is not { } query)
        {
            return ContextApi.Problem(400, problem!);
        }

        var rows = await StatisticsReport.RunAsync(store, query, context.RequestAborted);
        context.Response.Headers.CacheControl = "no-store";
        var by = query.By.ToString().ToLowerInvariant();
        if (format == "csv")
        {
            return await CsvAsync(context, $"ivrengine-{by}-{query.Since:yyyyMMdd'T'HHmm}-{query.Until:yyyyMMdd'T'HHmm}.csv",
                body => StatisticsReport.WriteCsvAsync(body, rows, query.By, query.ServiceLevelSeconds, context.RequestAborted));
        }

        return Results.Json(new ReportBody(query.Since, query.Until, by, query.ServiceLevelSeconds, query.Zone.Id,
            [.. rows.Select(r => new ReportRowBody(r.Key, r.Figures))], query.Where?.ToString(), StatisticsReport.CountsWholeDays(query)), Json);
    }

    /// <summary>The answer to a <c>format</c> that is neither json nor csv (empty is json); null when it is one.</summary>
    private static IResult? BadFormat(string format) =>
        format.Length > 0 && format is not ("json" or "csv") ? ContextApi.Problem(400, $"format must be json or csv, not '{format}'") : null;

    /// <summary>Writes a CSV download (<paramref name="fileName"/>) to the response.</summary>
    private static async Task<IResult> CsvAsync(HttpContext context, string fileName, Func<Stream, Task> write)
    {
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        await write(context.Response.Body);
        return Results.Empty;
    }
}
