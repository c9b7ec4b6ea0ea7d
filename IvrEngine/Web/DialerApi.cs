using System.Globalization;
using System.Text.Json;
using IvrEngine.Dialer;
using IvrEngine.Profiles;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Web;

/// <summary>Outgoing campaigns over HTTP, for admins (the page <c>/campaigns</c>, docs/dialer.md): list, read and save
/// campaigns, add their contacts from a query over clients or a CSV file, start, pause, resume and stop them, read
/// their contacts and download their results; and the do-not-call list. The same checks as the command line
/// (<see cref="CampaignEdits"/>). Only the store is written: nothing here dials, the engine's dialer follows a
/// campaign's state within seconds.</summary>
public sealed partial class DialerApi(IClientStore clients, PhoneNormalizer phones, Func<IReadOnlyCollection<string>?> flows, TimeProvider time,
    ILogger<DialerApi> logger)
{
    /// <summary>The largest contact file taken, in bytes (10 MB: some 200,000 rows).</summary>
    public const int MaxContactFileBytes = 10 * 1024 * 1024;

    /// <summary>The longest contact query, in characters.</summary>
    public const int MaxQueryChars = 2000;

    /// <summary>The most contacts one page of <c>GET .../contacts</c> gives.</summary>
    public const int MaxContactsPage = 500;

    private readonly IDialerStore? _dialer = clients as IDialerStore;

    /// <summary>A campaign with its figures.</summary>
    public sealed record CampaignBody(OutboundCampaign Campaign, CampaignTotals Totals);

    /// <summary>A saved campaign, with a note when its card is not marked outgoing.</summary>
    public sealed record SavedBody(OutboundCampaign Campaign, bool Added, string? Note);

    /// <summary>A refused save: every problem, and all of them in one sentence.</summary>
    public sealed record ProblemsBody(string Error, IReadOnlyList<string> Problems);

    /// <summary>Contacts from a query.</summary>
    public sealed record QueryInput(string? Query);

    /// <summary>What adding contacts came to.</summary>
    public sealed record ContactsBody(int Found, int Added, int Already, IReadOnlyList<ContactRejection> Rejected, string Summary);

    /// <summary>One page of a campaign's contacts.</summary>
    public sealed record ContactsPage(int Total, int Skip, int Take, IReadOnlyList<ContactView> Contacts);

    /// <summary>A contact as the page lists it.</summary>
    public sealed record ContactView(Guid Id, string Phone, string? Name, Guid? ClientId, string TimeZone, string Status, int Attempts,
        DateTimeOffset? NextAttemptAt, DateTimeOffset? LastAttemptAt, string? LastOutcome, string? LastHangupCause, string? Result, string? Agent,
        IReadOnlyDictionary<string, string> Answers);

    /// <summary>A number to put on the do-not-call list.</summary>
    public sealed record DoNotCallInput(string? Phone, string? Reason);

    /// <summary>One page of the do-not-call list, in the order of the numbers.</summary>
    public sealed record DoNotCallPage(int Skip, int Take, IReadOnlyList<DoNotCallEntry> Entries);

    /// <summary>A number's place on the do-not-call list.</summary>
    public sealed record DoNotCallBody(string Phone, bool Listed, string? Reason, DateTimeOffset? At);

    /// <summary>Maps the endpoints under <c>/api/dialer</c>, admins only.</summary>
    public void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api/dialer").RequireAuthorization(WebSecurity.Admins);
        api.MapGet("/flows", () => Results.Ok(flows()?.Order(StringComparer.Ordinal).ToList() ?? []));
        api.MapGet("/campaigns", (Delegate)((HttpContext c) => WithStore(store => ListAsync(store, c.RequestAborted))));
        api.MapGet("/campaigns/{id}", (string id, HttpContext c) => WithStore(store => GetAsync(store, id, c.RequestAborted)));
        api.MapPut("/campaigns/{id}", (string id, HttpContext c) => Guard(c, store => SaveAsync(store, id, c)));
        api.MapPost("/campaigns/{id}/contacts", (string id, HttpContext c) => Guard(c, store => AddContactsAsync(store, id, c)));
        api.MapGet("/campaigns/{id}/contacts", (string id, HttpContext c) => WithStore(store => ContactsAsync(store, id, c)));
        api.MapGet("/campaigns/{id}/results.csv", (string id, HttpContext c) => WithStore(store => ResultsAsync(store, id, c)));
        foreach (var action in CampaignStates.Actions)
        {
            api.MapPost($"/campaigns/{{id}}/{action}", (string id, HttpContext c) => Guard(c, store => ChangeAsync(store, id, action, c)));
        }

        api.MapGet("/dnc", (Delegate)((HttpContext c) => WithStore(store => DoNotCallListAsync(store, c))));
        api.MapGet("/dnc/{phone}", (string phone, HttpContext c) => WithStore(store => CheckAsync(store, phone, c.RequestAborted)));
        api.MapPost("/dnc", (Delegate)((HttpContext c) => Guard(c, store => AddDoNotCallAsync(store, c))));
        api.MapDelete("/dnc/{phone}", (string phone, HttpContext c) => Guard(c, store => RemoveDoNotCallAsync(store, phone, c)));
    }

    private static async Task<IResult> ListAsync(IDialerStore store, CancellationToken cancellationToken)
    {
        var list = new List<CampaignBody>();
        foreach (var campaign in await store.ListCampaignsAsync(cancellationToken))
        {
            list.Add(new CampaignBody(campaign, await store.TotalsAsync(campaign.Id, cancellationToken)));
        }

        return Json(list);
    }

    private static async Task<IResult> GetAsync(IDialerStore store, string id, CancellationToken cancellationToken) =>
        await store.GetCampaignAsync(id, cancellationToken) is { } campaign
            ? Json(new CampaignBody(campaign, await store.TotalsAsync(id, cancellationToken)))
            : NoCampaign(id);

    /// <summary>Adds or replaces a campaign's settings. The body's <c>version</c> is the one the admin edited (0 for a
    /// new campaign): a save over another one in between is a 409.</summary>
    private async Task<IResult> SaveAsync(IDialerStore store, string id, HttpContext context)
    {
        var body = await ContextApi.ReadBodyAsync(context.Request, context.RequestAborted);
        if (body is null) return ContextApi.Problem(413, $"the body is larger than {ContextPatchRules.MaxBodyBytes / 1024} KB");
        OutboundCampaign? campaign;
        try
        {
            campaign = body.Length == 0 ? null : JsonSerializer.Deserialize<OutboundCampaign>(body, CampaignJson.Options);
        }
        catch (JsonException ex)
        {
            return ContextApi.Problem(400, "the body is not a campaign: " + ex.Message);
        }

        if (campaign is null) return ContextApi.Problem(400, "the body is empty; send the campaign as JSON");
        if (!string.IsNullOrEmpty(campaign.Id) && !string.Equals(campaign.Id, id, StringComparison.Ordinal))
        {
            return ContextApi.Problem(400, $"id: the body's id '{campaign.Id}' is not the address's '{id}'");
        }

        campaign.Id = id;
        var save = await CampaignEdits.SaveAsync(clients, store, campaign, campaign.Version, flows(), context.RequestAborted);
        if (save.Saved is not { } saved)
        {
            return Results.Json(new ProblemsBody(string.Join("; ", save.Problems), save.Problems), statusCode: save.Conflict ? 409 : 400);
        }

        LogSaved(logger, saved.Id, save.Added ? "added" : "saved", WebSecurity.Require(context.User).UserName);
        return Json(new SavedBody(saved, save.Added, save.Note), save.Added ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    /// <summary>Contacts from a query (<c>application/json</c> <c>{"query": "..."}</c>) or a CSV file (the file as the
    /// body, <c>text/csv</c>).</summary>
    private async Task<IResult> AddContactsAsync(IDialerStore store, string id, HttpContext context)
    {
        var request = context.Request;
        if (await store.GetCampaignAsync(id, context.RequestAborted) is not { } campaign) return NoCampaign(id);
        var type = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        IReadOnlyList<CampaignContact> found;
        IReadOnlyList<ContactRejection> rejected = [];
        string source;
        try
        {
            if (type == "application/json")
            {
                var (input, bad) = await CardApi.ReadAsync<QueryInput>(context);
                if (input is null) return bad!;
                if (input.Query?.Trim() is not { Length: > 0 and <= MaxQueryChars } query)
                {
                    return ContextApi.Problem(400, $"query: a condition over Client, 1 to {MaxQueryChars} characters (e.g. Client.Overdue > 0)");
                }

                found = await ContactSources.FromQueryAsync(clients, query, campaign, time.GetUtcNow(), context.RequestAborted);
                source = "query";
            }
            else if (type is "text/csv" or "text/plain" or "application/vnd.ms-excel" or "application/octet-stream")
            {
                if (request.ContentLength > MaxContactFileBytes) return TooLarge();
                using var file = new MemoryStream();
                if (!await CopyAsync(request.Body, file, context.RequestAborted)) return TooLarge();
                file.Position = 0;
                (found, rejected) = await ContactSources.FromCsvAsync(file, campaign, phones, clients, context.RequestAborted);
                source = "file";
            }
            else
            {
                return ContextApi.Problem(415, "send a CSV file (text/csv: phone,name,timezone) or a query (application/json {\"query\": \"...\"})");
            }
        }
        catch (FormatException ex)
        {
            return ContextApi.Problem(400, ex.Message);
        }

        var added = await CampaignEdits.AddContactsAsync(store, campaign, found, rejected, context.RequestAborted);
        LogContacts(logger, campaign.Id, added.Added, source, WebSecurity.Require(context.User).UserName);
        return Results.Ok(new ContactsBody(added.Found, added.Added, added.Found - added.Added, added.Rejected, added.Summary));
    }

    private static async Task<IResult> ContactsAsync(IDialerStore store, string id, HttpContext context)
    {
        var query = context.Request.Query;
        if (!Number(query["skip"], 0, int.MaxValue, 0, out var skip)) return ContextApi.Problem(400, "skip: a number, 0 or more");
        if (!Number(query["take"], 1, MaxContactsPage, 50, out var take)) return ContextApi.Problem(400, $"take: a number from 1 to {MaxContactsPage}");
        if (await store.GetCampaignAsync(id, context.RequestAborted) is null) return NoCampaign(id);
        var totals = await store.TotalsAsync(id, context.RequestAborted);
        var page = await store.ContactsAsync(id, skip, take, context.RequestAborted);
        return Json(new ContactsPage(totals.Contacts, skip, take, [.. page.Select(c => new ContactView(c.Id, c.Phone, c.Name, c.ClientId, c.TimeZone,
            c.Status.ToString().ToLowerInvariant(), c.Attempts, c.NextAttemptAt, c.LastAttemptAt, c.LastOutcome, c.LastHangupCause, c.Result, c.Agent,
            new SortedDictionary<string, string>(c.Answers, StringComparer.Ordinal)))]));
    }

    private static async Task<IResult> ResultsAsync(IDialerStore store, string id, HttpContext context)
    {
        if (await store.GetCampaignAsync(id, context.RequestAborted) is null) return NoCampaign(id);
        var response = context.Response;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        // The id is letters, digits, '-' and '_' (the campaign's rules): nothing to quote in the file name.
        response.Headers.ContentDisposition = $"attachment; filename=\"campaign-{id}-results.csv\"";
        await CampaignResults.WriteCsvAsync(response.Body, store, id, context.RequestAborted);
        return Results.Empty;
    }

    private async Task<IResult> ChangeAsync(IDialerStore store, string id, string action, HttpContext context)
    {
        CampaignChange change;
        try
        {
            change = await CampaignEdits.ChangeStateAsync(store, id, action, context.RequestAborted);
        }
        catch (InvalidOperationException)
        {
            return ContextApi.Problem(409, $"campaign {id} keeps changing (the dialer is saving it); try again");
        }

        if (!change.Found) return NoCampaign(id);
        if (change.Campaign is not { } changed) return ContextApi.Problem(409, $"campaign {id}: {change.Refusal}");
        LogSaved(logger, id, CampaignStates.Word(changed.State) + " (" + action + ")", WebSecurity.Require(context.User).UserName);
        return Json(new CampaignBody(changed, await store.TotalsAsync(id, context.RequestAborted)));
    }

    private static async Task<IResult> DoNotCallListAsync(IDialerStore store, HttpContext context)
    {
        var query = context.Request.Query;
        if (!Number(query["skip"], 0, int.MaxValue, 0, out var skip)) return ContextApi.Problem(400, "skip: a number, 0 or more");
        if (!Number(query["take"], 1, MaxContactsPage, 50, out var take)) return ContextApi.Problem(400, $"take: a number from 1 to {MaxContactsPage}");
        return Json(new DoNotCallPage(skip, take, await store.DoNotCallAsync(skip, take, context.RequestAborted)));
    }

    private async Task<IResult> CheckAsync(IDialerStore store, string raw, CancellationToken cancellationToken)
    {
        if (!ContactSources.TryReadNumber(raw, phones, out var phone, out var problem)) return NotANumber(raw, problem);
        var entry = await store.FindDoNotCallAsync(phone, cancellationToken);
        return Results.Ok(new DoNotCallBody(phone, entry is not null, entry?.Reason, entry?.At));
    }

    private async Task<IResult> AddDoNotCallAsync(IDialerStore store, HttpContext context)
    {
        var (input, bad) = await CardApi.ReadAsync<DoNotCallInput>(context);
        if (input is null) return bad!;
        if (!ContactSources.TryReadNumber(input.Phone ?? string.Empty, phones, out var phone, out var problem)) return NotANumber(input.Phone ?? string.Empty, problem);
        if (input.Reason is { Length: > 200 }) return ContextApi.Problem(400, "reason: at most 200 characters");
        var by = WebSecurity.Require(context.User).UserName;
        var reason = string.IsNullOrWhiteSpace(input.Reason) ? $"added by {by}" : input.Reason.Trim();
        await store.AddDoNotCallAsync(new DoNotCallEntry(phone, reason, time.GetUtcNow()), context.RequestAborted);
        var entry = await store.FindDoNotCallAsync(phone, context.RequestAborted);
        LogDoNotCall(logger, phone, "added to", by);
        return Results.Ok(new DoNotCallBody(phone, true, entry?.Reason ?? reason, entry?.At));
    }

    private async Task<IResult> RemoveDoNotCallAsync(IDialerStore store, string raw, HttpContext context)
    {
        if (!ContactSources.TryReadNumber(raw, phones, out var phone, out var problem)) return NotANumber(raw, problem);
        if (!await store.RemoveDoNotCallAsync(phone, context.RequestAborted)) return ContextApi.Problem(404, $"{phone} is not on the do-not-call list");
        LogDoNotCall(logger, phone, "taken off", WebSecurity.Require(context.User).UserName);
        return Results.NoContent();
    }

    private Task<IResult> WithStore(Func<IDialerStore, Task<IResult>> work) =>
        _dialer is { } store ? work(store) : Task.FromResult(ContextApi.Problem(501, "this engine's store keeps no campaigns"));

    private Task<IResult> Guard(HttpContext context, Func<IDialerStore, Task<IResult>> work) => WebSecurity.WhenWriting(context, () => WithStore(work));

    private static IResult Json<T>(T value, int status = StatusCodes.Status200OK) => Results.Json(value, CampaignJson.Options, statusCode: status);

    private static IResult NoCampaign(string id) => ContextApi.Problem(404, $"there is no campaign {Printable(id)}");

    private static IResult NotANumber(string raw, string? problem) => ContextApi.Problem(400, $"'{Printable(raw)}' is not a phone number ({problem})");

    private static IResult TooLarge() => ContextApi.Problem(413, $"the contact file is larger than {MaxContactFileBytes / 1024 / 1024} MB; split it");

    private static string Printable(string text) => string.Concat(text.Take(64).Select(c => char.IsControl(c) ? '?' : c));

    private static bool Number(string? text, int min, int max, int fallback, out int value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    /// <summary>Copies at most <see cref="MaxContactFileBytes"/>; false when there is more (also when the server's own
    /// body limit stops a chunked body first).</summary>
    private static async Task<bool> CopyAsync(Stream from, MemoryStream to, CancellationToken cancellationToken)
    {
        var chunk = new byte[64 * 1024];
        int read;
        try
        {
            while ((read = await from.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (to.Length + read > MaxContactFileBytes) return false;
                to.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return false;
        }

        return true;
    }

    [LoggerMessage(EventId = 640, Level = LogLevel.Information, Message = "Campaign {CampaignId} {What} by {By}")]
    private static partial void LogSaved(ILogger logger, string campaignId, string what, string by);

    [LoggerMessage(EventId = 641, Level = LogLevel.Information, Message = "Campaign {CampaignId}: {Added} contacts added from a {Source} by {By}")]
    private static partial void LogContacts(ILogger logger, string campaignId, int added, string source, string by);

    [LoggerMessage(EventId = 642, Level = LogLevel.Information, Message = "{Phone} {What} the do-not-call list by {By}")]
    private static partial void LogDoNotCall(ILogger logger, string phone, string what, string by);
}
