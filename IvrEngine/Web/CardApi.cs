using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using IvrEngine.Calls;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using IvrEngine.Web.Desk;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Web;

/// <summary>The cards of the agent desktop: a call's card, the client's card, and every edit an agent makes (fields,
/// phones, notes, tickets, photo, a new caller made a client or attached to one, the wrap-up). Edits are versioned,
/// audited and, while the call lives, put on its channel.</summary>
public sealed partial class CardApi(
    CallContextRegistry contexts,
    IClientStore store,
    IDeskStore desk,
    DeskService live,
    PhoneNormalizer phones,
    FreeSwitchBoxes boxes,
    WebOptions options,
    TimeProvider time,
    ILogger<CardApi> logger,
    Statistics.StatisticsCollector? statistics = null)
{
    /// <summary>The most characters of a note an agent may write.</summary>
    public const int MaxNoteChars = 4000;
    private static readonly TimeSpan ReachFor = TimeSpan.FromHours(24);

    /// <summary>The cards each agent reached through a call offered to them (or made/attached on one): what they may open.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, DateTimeOffset>> _reached = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Request bodies.</summary>
    public sealed record ClientEdit(int? Version, string? Name, string? Company, string? Language, string? Category, string? City,
        string? Country, string? TimeZone, string? CallUuid);

    /// <summary>Add a phone.</summary>
    public sealed record PhoneAdd(string? Phone, string? CallUuid);

    /// <summary>Add a note.</summary>
    public sealed record NoteAdd(string? Text, string? CallUuid);

    /// <summary>Create a ticket.</summary>
    public sealed record TicketAdd(string? Subject, string? Status, string? Owner, string? CallUuid);

    /// <summary>Change a ticket.</summary>
    public sealed record TicketEdit(int? Version, string? Status, string? Owner, string? CallUuid);

    /// <summary>Make a new caller a client.</summary>
    public sealed record NewClient(string? Name, string? Company, string? Language);

    /// <summary>Attach the call's number to a client.</summary>
    public sealed record Attach(Guid? ClientId, int? Version);

    /// <summary>The wrap-up.</summary>
    public sealed record WrapUpInput(string? Disposition, string? Note);

    /// <summary>Maps the card endpoints.</summary>
    public void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api").RequireAuthorization(WebSecurity.SignedIn);
        api.MapGet("/calls/{uuid}/card", (string uuid, HttpContext c) => CardAsync(uuid, Me(c), c.RequestAborted));
        api.MapGet("/clients/search", (string? q, HttpContext c) => SearchAsync(q, Me(c), c.RequestAborted));
        api.MapGet("/clients/{id:guid}", (Guid id, HttpContext c) => ClientAsync(id, Me(c), c.RequestAborted));
        api.MapGet("/clients/{id:guid}/photo", (Guid id, HttpContext c) => PhotoAsync(id, Me(c), c));
        api.MapGet("/clients/{id:guid}/audit", (Guid id, HttpContext c) => AuditAsync(id, c.RequestAborted)).RequireAuthorization(WebSecurity.Supervisors);
        api.MapPost("/calls/{uuid}/client", (string uuid, HttpContext c) => Write(c, () => CreateForCallAsync(uuid, Me(c), c)));
        api.MapPost("/calls/{uuid}/attach", (string uuid, HttpContext c) => Write(c, () => AttachToCallAsync(uuid, Me(c), c)));
        api.MapPost("/calls/{uuid}/wrapup", (string uuid, HttpContext c) => Write(c, () => WrapUpAsync(uuid, Me(c), c)));
        api.MapMethods("/clients/{id:guid}", ["PATCH"], (Guid id, HttpContext c) => Write(c, () => EditAsync(id, Me(c), c)));
        api.MapPost("/clients/{id:guid}/phones", (Guid id, HttpContext c) => Write(c, () => AddPhoneAsync(id, Me(c), c)));
        api.MapPost("/clients/{id:guid}/notes", (Guid id, HttpContext c) => Write(c, () => AddNoteAsync(id, Me(c), c)));
        api.MapPost("/clients/{id:guid}/tickets", (Guid id, HttpContext c) => Write(c, () => AddTicketAsync(id, Me(c), c)));
        api.MapMethods("/tickets/{id:guid}", ["PATCH"], (Guid id, HttpContext c) => Write(c, () => EditTicketAsync(id, Me(c), c)));
        api.MapPut("/clients/{id:guid}/photo", (Guid id, HttpContext c) => Write(c, () => SetPhotoAsync(id, Me(c), c)));
    }

    /// <summary>The agent may open this call: it was offered to them (supervisors and admins open any).</summary>
    public bool CanSeeCall(DeskUser user, string callUuid)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.SeesAll || (user.Agent is { } agent && live.WasOffered(agent, callUuid));
    }

    /// <summary>The agent may open this card: they reached it through a call offered to them.</summary>
    public bool CanSeeClient(DeskUser user, Guid clientId)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.SeesAll) return true;
        return _reached.TryGetValue(user.UserName, out var cards) && cards.TryGetValue(clientId, out var at) && time.GetUtcNow() - at < ReachFor;
    }

    /// <summary>The card of a call.</summary>
    public async Task<IResult> CardAsync(string uuid, DeskUser user, CancellationToken cancellationToken)
    {
        if (!IsCallId(uuid)) return Problem(400, "the call id is not a FreeSWITCH Unique-ID");
        if (!CanSeeCall(user, uuid)) return NoCall(uuid);
        var card = await BuildAsync(uuid, cancellationToken);
        if (card is null) return NoCall(uuid);
        if (card.Client is { } client) Reach(user, client.Id);
        return Results.Ok(card);
    }

    /// <summary>Builds a call's card from what this engine knows: the live context (while the call lives), the desk
    /// (offer, queue, agent) and the interaction record (after the call ended). Null when nothing is known.</summary>
    internal async Task<CardBody?> BuildAsync(string uuid, CancellationToken cancellationToken)
    {
        var entry = contexts.Find(uuid);
        var deskCall = live.Find(uuid);
        var record = await desk.FindInteractionAsync(uuid, cancellationToken);
        if (entry is null && deskCall is null && record is null) return null;

        var variables = entry?.Variables ?? new Dictionary<string, string>();
        var who = entry?.Client;
        var clientId = who?.ClientId ?? record?.ClientId;
        var dnis = entry?.Dnis ?? record?.DialedNumber ?? string.Empty;
        var now = time.GetUtcNow();
        var campaign = dnis.Length > 0 ? await store.FindCampaignAsync(dnis, cancellationToken) : null;
        var card = clientId is { } id ? await store.GetAsync(id, cancellationToken) : null;
        var agentUser = deskCall?.Agent is { } agentName ? await desk.FindUserByAgentAsync(agentName, cancellationToken) : null;
        var queue = deskCall?.Queue ?? record?.Queue;
        int? wait = deskCall?.QueuedAt is { } queued ? (int)((deskCall.AnsweredAt ?? deskCall.EndedAt ?? now) - queued).TotalSeconds : null;
        var direction = string.Equals(campaign?.Direction, "outgoing", StringComparison.OrdinalIgnoreCase)
            || string.Equals(record?.Direction, "outbound", StringComparison.OrdinalIgnoreCase) ? "OUTGOING" : "INCOMING";
        var call = new CardCall(uuid, entry?.StartedAt ?? record?.At ?? deskCall?.OfferedAt ?? now, direction,
            entry?.Ani ?? record?.CallerNumber ?? string.Empty, dnis, deskCall is null ? null : DeskApi.StateName(deskCall.State), queue, wait,
            deskCall is null ? null : new CardAgent(deskCall.Agent, agentUser?.Extension ?? AgentExtension(deskCall.Agent), agentUser?.DisplayName),
            entry is not null && deskCall?.State != DeskCallState.WrapUp);
        var ivr = new CardIvr(variables.GetValueOrDefault(ContextVariables.Flow) ?? record?.Flow,
            record?.Steps is { Count: > 0 } steps ? [.. steps]
                : entry?.Trail is { Steps.Count: > 0 } trail ? trail.Steps
                : variables.TryGetValue(ContextVariables.LastStep, out var last) ? [last] : [],
            record?.Collected ?? entry?.Trail?.Keyed ?? new Dictionary<string, string>(),
            variables.GetValueOrDefault(ContextVariables.RouteRule), variables.GetValueOrDefault(ContextVariables.RouteReason),
            variables.GetValueOrDefault(ContextVariables.LastStep) ?? record?.Steps.LastOrDefault(), record?.Outcome);
        var cti = new CardCti(who?.Code ?? variables.GetValueOrDefault(ContextVariables.CtiCode),
            who?.Reason is { Length: > 0 } reason ? reason : variables.GetValueOrDefault(ContextVariables.CtiReason));
        var client = card is null ? null : await ClientPartAsync(card, uuid, cancellationToken);
        var wrapUp = record?.Disposition is { } disposition ? new CardWrapUp(disposition, record.WrapUpNote, record.WrapUpAt) : null;
        return new CardBody(call,
            campaign is null ? null : new CardCampaign(campaign.Dnis, campaign.Name, campaign.Service, campaign.Language, campaign.Hints, campaign.Direction),
            ivr, cti, client, card is null, wrapUp);
    }

    private async Task<CardClient> ClientPartAsync(ClientCard card, string? currentCall, CancellationToken cancellationToken)
    {
        var tickets = await store.GetTicketsAsync(card.Id, cancellationToken);
        var history = await store.GetInteractionsAsync(card.Id, 8, cancellationToken);
        var contacts = new List<CardContact>();
        var campaigns = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var h in history.Where(h => h.CallUuid != currentCall).Take(5))
        {
            if (!campaigns.TryGetValue(h.DialedNumber, out var name))
            {
                name = (await store.FindCampaignAsync(h.DialedNumber, cancellationToken))?.Name ?? h.DialedNumber;
                campaigns[h.DialedNumber] = name;
            }

            contacts.Add(new CardContact(h.At, name, h.Outcome, h.Agent, h.Queue, h.Disposition));
        }

        return CardViews.Client(card, tickets, contacts, time.GetUtcNow(), options.CardNotes, options.CardNoteChars);
    }

    private async Task<IResult> ClientAsync(Guid id, DeskUser user, CancellationToken cancellationToken)
    {
        if (!CanSeeClient(user, id)) return NoClient(id);
        var card = await store.GetAsync(id, cancellationToken);
        return card is null ? NoClient(id) : Results.Ok(await ClientPartAsync(card, null, cancellationToken));
    }

    private async Task<IResult> SearchAsync(string? q, DeskUser user, CancellationToken cancellationToken)
    {
        var text = q?.Trim() ?? string.Empty;
        if (text.Length is < 2 or > 100) return Problem(400, "search for 2 to 100 characters of a name, company, phone or account");
        var found = new List<ClientCard>(await desk.SearchClientsAsync(text, 20, cancellationToken));
        if (phones.TryNormalize(text, out var e164) && await store.FindByPhoneAsync(e164, cancellationToken) is { } byPhone && found.TrueForAll(c => c.Id != byPhone.Id))
        {
            found.Insert(0, byPhone);
        }

        // An agent who searched may open what they found only by attaching a call to it.
        return Results.Ok(found.Take(20).Select(CardViews.Hit).ToList());
    }

    private async Task<IResult> PhotoAsync(Guid id, DeskUser user, HttpContext context)
    {
        if (!CanSeeClient(user, id)) return NoClient(id);
        context.Response.Headers.CacheControl = "private, max-age=300";
        var buffer = new MemoryStream();
        if (!await store.ReadPhotoAsync(id, buffer, context.RequestAborted))
        {
            return Results.File(Path.Combine(AppContext.BaseDirectory, "wwwroot", "assets", "img", "placeholder.svg"), "image/svg+xml");
        }

        var bytes = buffer.ToArray();
        return Results.File(bytes, PhotoType(bytes) ?? "application/octet-stream");
    }

    private async Task<IResult> AuditAsync(Guid id, CancellationToken cancellationToken) =>
        Results.Ok((await desk.AuditAsync(id, 200, cancellationToken)).Select(a => new AuditView(a.At, a.By, a.What, a.Old, a.New, a.CallUuid, a.Version)).ToList());

    private async Task<IResult> EditAsync(Guid id, DeskUser user, HttpContext context)
    {
        var (edit, bad) = await ReadAsync<ClientEdit>(context);
        if (edit is null) return bad!;
        if (edit.Version is not { } version) return Problem(400, "give the version of the card you edited");
        // A form sends every field; a card always has a name and a category, so blank ones mean "unchanged".
        edit = edit with { Name = string.IsNullOrWhiteSpace(edit.Name) ? null : edit.Name, Category = string.IsNullOrWhiteSpace(edit.Category) ? null : edit.Category };
        var errors = new List<string>();
        Check(errors, edit.Name, "name", 1, 200);
        Check(errors, edit.Company, "company", 0, 200);
        Check(errors, edit.City, "city", 0, 100);
        if (edit.Language is { Length: > 0 } language && !ContextPatchRules.IsLanguage(language)) errors.Add("language: a code like en, ru, ka or pt-BR");
        if (edit.Category is { } category && !CategoryPattern().IsMatch(category)) errors.Add("category: lower-case letters and dashes, up to 32");
        if (edit.Country is { Length: > 0 } country && !CountryPattern().IsMatch(country)) errors.Add("country: two capital letters (ISO 3166), e.g. GE");
        if (edit.TimeZone is { Length: > 0 } zone && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _)) errors.Add($"timeZone: {zone} is not a known time zone (e.g. Asia/Tbilisi)");
        if (errors.Count > 0) return Problem(400, string.Join("; ", errors));
        if (!CanSeeClient(user, id) || !CanUseCall(user, edit.CallUuid)) return NoClient(id);

        var card = await store.GetAsync(id, cancellationToken: context.RequestAborted);
        if (card is null) return NoClient(id);
        if (card.Version != version) return await ConflictAsync(card, version, context.RequestAborted);
        var changes = new List<(string What, string? Old, string? New)>();
        var channel = new List<KeyValuePair<string, string>>();
        void Set(string what, string? old, string? value, Action<string?> apply, string? variable = null)
        {
            if (value is null) return;
            var next = value.Trim().Length == 0 ? null : value.Trim();
            if (string.Equals(old, next, StringComparison.Ordinal)) return;
            apply(next);
            changes.Add((what, old, next));
            if (variable is not null) channel.Add(new(variable, next ?? string.Empty));
        }

        Set("name", card.Name, edit.Name, v => card.Name = v ?? card.Name, ContextVariables.ClientName);
        Set("company", card.Company, edit.Company, v => card.Company = v);
        Set("language", card.Language, edit.Language, v => card.Language = v, ContextVariables.Language);
        Set("category", card.Category, edit.Category, v => card.Category = v ?? ClientCategories.Regular, ContextVariables.Category);
        var location = card.Location ?? new ClientLocation();
        Set("city", location.City, edit.City, v => location.City = v);
        Set("country", location.Country, edit.Country, v => location.Country = v);
        Set("timeZone", location.TimeZone, edit.TimeZone, v => location.TimeZone = v);
        if (changes.Count == 0) return Results.Ok(await ClientPartAsync(card, edit.CallUuid, context.RequestAborted));
        card.Location = location;
        return await SaveAsync(card, version, user, edit.CallUuid, changes, channel, context);
    }

    private async Task<IResult> AddPhoneAsync(Guid id, DeskUser user, HttpContext context)
    {
        var (add, bad) = await ReadAsync<PhoneAdd>(context);
        if (add is null) return bad!;
        var normalized = phones.Normalize(add.Phone);
        if (!normalized.Success) return Problem(400, "phone: " + normalized.Error);
        if (!CanSeeClient(user, id) || !CanUseCall(user, add.CallUuid)) return NoClient(id);
        return await AppendAsync(id, user, add.CallUuid, context, card =>
        {
            if (card.Phones.Contains(normalized.E164, StringComparer.Ordinal)) return null;
            card.Phones.Add(normalized.E164);
            return ([("phone", null, normalized.E164)], [new(ContextVariables.PhoneAdded, normalized.E164)]);
        });
    }

    private async Task<IResult> AddNoteAsync(Guid id, DeskUser user, HttpContext context)
    {
        var (add, bad) = await ReadAsync<NoteAdd>(context);
        if (add is null) return bad!;
        if (add.Text?.Trim() is not { Length: > 0 and <= MaxNoteChars } text) return Problem(400, $"note: 1 to {MaxNoteChars} characters");
        if (!CanSeeClient(user, id) || !CanUseCall(user, add.CallUuid)) return NoClient(id);
        return await AppendAsync(id, user, add.CallUuid, context, card =>
        {
            card.Notes.Add(new ClientNote { Text = text, Author = user.DisplayName, At = time.GetUtcNow() });
            return ([("note", null, text)], [new(ContextVariables.NoteLast, text), new(ContextVariables.NoteAuthor, user.DisplayName)]);
        });
    }

    private async Task<IResult> AddTicketAsync(Guid id, DeskUser user, HttpContext context)
    {
        var (add, bad) = await ReadAsync<TicketAdd>(context);
        if (add is null) return bad!;
        var status = add.Status?.Trim() is { Length: > 0 } s ? s : "open";
        if (add.Subject?.Trim() is not { Length: > 0 and <= 200 } subject) return Problem(400, "subject: 1 to 200 characters");
        if (!CardViews.TicketStatuses.Contains(status)) return Problem(400, "status: one of " + string.Join(", ", CardViews.TicketStatuses));
        if (add.Owner is { Length: > 64 }) return Problem(400, "owner: up to 64 characters");
        if (!CanSeeClient(user, id) || !CanUseCall(user, add.CallUuid)) return NoClient(id);
        var card = await store.GetAsync(id, context.RequestAborted);
        if (card is null) return NoClient(id);
        var now = time.GetUtcNow();
        var ticket = new Ticket
        {
            Id = Guid.NewGuid(), ClientId = id, CallUuid = add.CallUuid, Subject = subject, Status = status,
            Owner = add.Owner?.Trim() is { Length: > 0 } owner ? owner : user.DisplayName, CreatedAt = now, Version = 1,
        };
        await store.AddTicketAsync(ticket, context.RequestAborted);
        if (add.CallUuid is { Length: > 0 } ticketCall) statistics?.RequestCreated(ticketCall);
        await desk.AddAuditAsync(Audit(id, user, "ticket", null, $"{subject} [{status}]", add.CallUuid, card.Version), context.RequestAborted);
        var why = await PushAsync(add.CallUuid, [new(ContextVariables.TicketLast, $"{subject} [{status}]")], context.RequestAborted);
        LogEdit(logger, add.CallUuid ?? "-", id, user.AuditName, "ticket", why ?? "live channel updated");
        Live(context, why);
        return Results.Json(CardViews.Ticket(ticket), statusCode: StatusCodes.Status201Created);
    }

    private async Task<IResult> EditTicketAsync(Guid id, DeskUser user, HttpContext context)
    {
        var (edit, bad) = await ReadAsync<TicketEdit>(context);
        if (edit is null) return bad!;
        if (edit.Version is not { } version) return Problem(400, "give the version of the ticket you edited");
        if (edit.Status is { } status && !CardViews.TicketStatuses.Contains(status)) return Problem(400, "status: one of " + string.Join(", ", CardViews.TicketStatuses));
        if (edit.Owner is { Length: > 64 }) return Problem(400, "owner: up to 64 characters");
        var ticket = await desk.GetTicketAsync(id, context.RequestAborted);
        if (ticket is null || !CanSeeClient(user, ticket.ClientId)) return Problem(404, $"no ticket {id} you may see");
        var old = $"{ticket.Subject} [{ticket.Status}]";
        ticket.Status = edit.Status ?? ticket.Status;
        ticket.Owner = edit.Owner ?? ticket.Owner;
        ticket.UpdatedAt = time.GetUtcNow();
        ticket.Version = version;
        try
        {
            ticket = await desk.UpdateTicketAsync(ticket, context.RequestAborted);
        }
        catch (ConcurrencyConflictException)
        {
            var current = await desk.GetTicketAsync(id, context.RequestAborted);
            return Results.Json(new { error = $"Someone else changed this ticket since you opened it (you had version {version}). Your change is not saved; look at theirs and apply yours again.",
                current = current is null ? null : CardViews.Ticket(current) }, statusCode: StatusCodes.Status409Conflict);
        }

        var now = $"{ticket.Subject} [{ticket.Status}]";
        await desk.AddAuditAsync(Audit(ticket.ClientId, user, "ticket", old, now, edit.CallUuid, 0), context.RequestAborted);
        Live(context, await PushAsync(edit.CallUuid, [new(ContextVariables.TicketLast, now)], context.RequestAborted));
        return Results.Ok(CardViews.Ticket(ticket));
    }

    private async Task<IResult> SetPhotoAsync(Guid id, DeskUser user, HttpContext context)
    {
        if (!CanSeeClient(user, id)) return NoClient(id);
        var declared = context.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (declared is not ("image/png" or "image/jpeg" or "image/webp" or "image/gif")) return Problem(415, "the photo must be PNG, JPEG, WebP or GIF (Content-Type)");
        if (context.Request.ContentLength > options.MaxPhotoBytes) return TooLarge(context);
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > options.MaxPhotoBytes) return TooLarge(context);
            buffer.Write(chunk, 0, read);
        }

        var bytes = buffer.ToArray();
        if (PhotoType(bytes) != declared) return Problem(415, $"the bytes are not a {declared} image");
        for (var attempt = 0; ; attempt++)
        {
            var card = await store.GetAsync(id, context.RequestAborted);
            if (card is null) return NoClient(id);
            try
            {
                buffer.Position = 0;
                var saved = await store.SetPhotoAsync(id, card.Version, buffer, "photo" + Extension(declared), context.RequestAborted);
                await desk.AddAuditAsync(Audit(id, user, "photo", card.PhotoId is null ? null : "photo", $"{declared}, {bytes.Length} bytes", null, saved.Version), context.RequestAborted);
                return Results.Ok(await ClientPartAsync(saved, null, context.RequestAborted));
            }
            catch (ConcurrencyConflictException) when (attempt < 3)
            {
                // A photo replaces the photo only: another agent's edit in between is no reason to refuse it.
            }
        }
    }

    private async Task<IResult> CreateForCallAsync(string uuid, DeskUser user, HttpContext context)
    {
        var (input, bad) = await ReadAsync<NewClient>(context);
        if (input is null) return bad!;
        if (input.Name?.Trim() is not { Length: > 0 and <= 200 } name) return Problem(400, "name: 1 to 200 characters");
        if (input.Company is { Length: > 200 }) return Problem(400, "company: up to 200 characters");
        if (input.Language is { Length: > 0 } language && !ContextPatchRules.IsLanguage(language)) return Problem(400, "language: a code like en, ru, ka or pt-BR");
        if (!IsCallId(uuid) || !CanSeeCall(user, uuid)) return NoCall(uuid);
        var (ani, current) = await CallerOfAsync(uuid, context.RequestAborted);
        if (ani is null) return NoCall(uuid);
        if (current is not null) return Problem(409, "this call already has a client; open its card");
        if (!phones.TryNormalize(ani, out var e164)) return Problem(400, $"the caller's number {ani} is not a phone number a card can keep");
        ClientCard saved;
        try
        {
            saved = await store.InsertAsync(new ClientCard
            {
                Id = Guid.NewGuid(), Name = name, Company = input.Company?.Trim() is { Length: > 0 } company ? company : null,
                Language = input.Language is { Length: > 0 } l ? l : null, Phones = [e164], Category = ClientCategories.Regular, CreatedAt = time.GetUtcNow(),
            }, context.RequestAborted);
        }
        catch (DuplicateClientException ex)
        {
            return Problem(409, ex.Message);
        }

        await desk.AddAuditAsync(Audit(saved.Id, user, "created", null, $"{saved.Name} from {e164}", uuid, saved.Version), context.RequestAborted);
        return await IdentifiedAsync(uuid, saved, user, "created by agent from the caller's number", context);
    }

    private async Task<IResult> AttachToCallAsync(string uuid, DeskUser user, HttpContext context)
    {
        var (input, bad) = await ReadAsync<Attach>(context);
        if (input is null) return bad!;
        if (input.ClientId is not { } clientId || input.Version is not { } version) return Problem(400, "give clientId and the version you saw");
        if (!IsCallId(uuid) || !CanSeeCall(user, uuid)) return NoCall(uuid);
        var (ani, current) = await CallerOfAsync(uuid, context.RequestAborted);
        if (ani is null) return NoCall(uuid);
        if (current is not null && current != clientId) return Problem(409, "this call already has another client");
        if (!phones.TryNormalize(ani, out var e164)) return Problem(400, $"the caller's number {ani} is not a phone number a card can keep");
        var card = await store.GetAsync(clientId, context.RequestAborted);
        if (card is null) return NoClient(clientId);
        if (card.Version != version) return await ConflictAsync(card, version, context.RequestAborted);
        if (!card.Phones.Contains(e164, StringComparer.Ordinal)) card.Phones.Add(e164);
        ClientCard saved;
        try
        {
            saved = await store.UpdateAsync(card, context.RequestAborted);
        }
        catch (ConcurrencyConflictException)
        {
            return await ConflictAsync((await store.GetAsync(clientId, context.RequestAborted))!, version, context.RequestAborted);
        }
        catch (DuplicateClientException ex)
        {
            return Problem(409, ex.Message);
        }

        await desk.AddAuditAsync(Audit(saved.Id, user, "phone", null, e164, uuid, saved.Version), context.RequestAborted);
        return await IdentifiedAsync(uuid, saved, user, "number attached by agent", context);
    }

    private async Task<IResult> IdentifiedAsync(string uuid, ClientCard saved, DeskUser user, string reason, HttpContext context)
    {
        Reach(user, saved.Id);
        await desk.SetInteractionClientAsync(uuid, saved.Id, context.RequestAborted);
        var entry = contexts.Find(uuid);
        if (entry is not null) contexts.Identify(entry, new CallClientContext(saved.Id, entry.Client?.Code ?? "N", reason, "agent"));
        var why = await PushAsync(uuid, [new(ContextVariables.ClientId, saved.Id.ToString("D")), new(ContextVariables.ClientName, saved.Name),
            new(ContextVariables.ClientVersion, saved.Version.ToString(CultureInfo.InvariantCulture))], context.RequestAborted);
        LogEdit(logger, uuid, saved.Id, user.AuditName, "identified", why ?? "live channel updated");
        Live(context, why);
        return Results.Ok(await ClientPartAsync(saved, uuid, context.RequestAborted));
    }

    private async Task<IResult> WrapUpAsync(string uuid, DeskUser user, HttpContext context)
    {
        var (input, bad) = await ReadAsync<WrapUpInput>(context);
        if (input is null) return bad!;
        if (input.Disposition is not { } disposition || !CardViews.Dispositions.Contains(disposition)) return Problem(400, "disposition: one of " + string.Join(", ", CardViews.Dispositions));
        if (input.Note is { Length: > MaxNoteChars }) return Problem(400, $"note: up to {MaxNoteChars} characters");
        if (!IsCallId(uuid) || !CanSeeCall(user, uuid)) return NoCall(uuid);
        var wrappedAt = time.GetUtcNow();
        var record = await desk.SetWrapUpAsync(uuid, new WrapUp(disposition, input.Note?.Trim(), user.Agent ?? user.UserName, wrappedAt), context.RequestAborted);
        statistics?.WrapUp(uuid, wrappedAt, disposition);
        if (record.ClientId is { } clientId)
        {
            await desk.AddAuditAsync(Audit(clientId, user, "wrap-up", null, input.Note is { Length: > 0 } n ? $"{disposition}: {n}" : disposition, uuid, 0), context.RequestAborted);
        }

        Live(context, await PushAsync(uuid, [new(ContextVariables.Disposition, disposition)], context.RequestAborted));
        if (user.Agent is { } agent) live.WrapUpDone(uuid, agent);
        return Results.Ok(new CardWrapUp(disposition, record.WrapUpNote, record.WrapUpAt));
    }

    /// <summary>Appends to a card (a phone, a note): such edits cannot lose anyone's work, so a concurrent save is
    /// retried on the fresh card rather than refused.</summary>
    private async Task<IResult> AppendAsync(Guid id, DeskUser user, string? callUuid, HttpContext context,
        Func<ClientCard, (List<(string What, string? Old, string? New)> Changes, List<KeyValuePair<string, string>> Channel)?> apply)
    {
        for (var attempt = 0; ; attempt++)
        {
            var card = await store.GetAsync(id, context.RequestAborted);
            if (card is null) return NoClient(id);
            var read = card.Version;
            if (apply(card) is not { } change) return Results.Ok(await ClientPartAsync(card, callUuid, context.RequestAborted));
            try
            {
                return await SaveAsync(card, read, user, callUuid, change.Changes, change.Channel, context, retrying: attempt < 3);
            }
            catch (ConcurrencyConflictException) when (attempt < 3)
            {
            }
        }
    }

    private async Task<IResult> SaveAsync(ClientCard card, int version, DeskUser user, string? callUuid, List<(string What, string? Old, string? New)> changes,
        List<KeyValuePair<string, string>> channel, HttpContext context, bool retrying = false)
    {
        card.Version = version;
        ClientCard saved;
        try
        {
            saved = await store.UpdateAsync(card, context.RequestAborted);
        }
        catch (ConcurrencyConflictException) when (!retrying)
        {
            LogConflict(logger, card.Id, version, user.AuditName);
            return await ConflictAsync((await store.GetAsync(card.Id, context.RequestAborted))!, version, context.RequestAborted);
        }
        catch (DuplicateClientException ex)
        {
            return Problem(409, ex.Message);
        }

        foreach (var (what, old, value) in changes)
        {
            await desk.AddAuditAsync(Audit(saved.Id, user, what, old, value, callUuid, saved.Version), context.RequestAborted);
        }

        channel.Add(new(ContextVariables.ClientVersion, saved.Version.ToString(CultureInfo.InvariantCulture)));
        var why = await PushAsync(callUuid, channel, context.RequestAborted);
        LogEdit(logger, callUuid ?? "-", saved.Id, user.AuditName, string.Join(", ", changes.Select(c => c.What)), why ?? "live channel updated");
        Live(context, why);
        return Results.Ok(await ClientPartAsync(saved, callUuid, context.RequestAborted));
    }

    private async Task<IResult> ConflictAsync(ClientCard current, int version, CancellationToken cancellationToken) =>
        Results.Json(new
        {
            error = $"Someone else changed this card since you opened it (you edited version {version}, it is now version {current.Version}). "
                + "Your changes are not saved: look at theirs, then apply yours again.",
            current = await ClientPartAsync(current, null, cancellationToken),
        }, statusCode: StatusCodes.Status409Conflict);

    /// <summary>Puts an edit on the call's channel while it lives; returns why not, or null when it is there.</summary>
    private async Task<string?> PushAsync(string? callUuid, List<KeyValuePair<string, string>> variables, CancellationToken cancellationToken)
    {
        if (callUuid is null) return "no call given";
        var entry = contexts.Find(callUuid);
        var onDesk = live.Find(callUuid);
        if (entry is null || onDesk?.State == DeskCallState.WrapUp) return "the call has ended";
        if (onDesk?.How == "demo") return "a demo call has no channel";
        return (await LiveChannel.PutOnCallAsync(boxes, contexts, entry, variables, cancellationToken)).Why;
    }

    private async Task<(string? Ani, Guid? Client)> CallerOfAsync(string uuid, CancellationToken cancellationToken)
    {
        if (contexts.Find(uuid) is { } entry) return (entry.Ani, entry.Client?.ClientId);
        var record = await desk.FindInteractionAsync(uuid, cancellationToken);
        return (record?.CallerNumber, record?.ClientId);
    }

    private bool CanUseCall(DeskUser user, string? callUuid) => callUuid is null || (IsCallId(callUuid) && CanSeeCall(user, callUuid));

    /// <summary>Records that an agent reached a card through a call of theirs.</summary>
    internal void Reach(DeskUser user, Guid clientId)
    {
        if (user.SeesAll) return;
        var cards = _reached.GetOrAdd(user.UserName, _ => new ConcurrentDictionary<Guid, DateTimeOffset>());
        var now = time.GetUtcNow();
        cards[clientId] = now;
        if (cards.Count > 1000)
        {
            foreach (var old in cards.Where(c => now - c.Value > ReachFor).Select(c => c.Key).ToList()) cards.TryRemove(old, out _);
        }
    }

    private CardAuditEntry Audit(Guid clientId, DeskUser user, string what, string? old, string? value, string? callUuid, int version) => new()
    {
        Id = Guid.NewGuid(), ClientId = clientId, At = time.GetUtcNow(), By = user.AuditName, What = what, Old = old, New = value, CallUuid = callUuid, Version = version,
    };

    private static string? AgentExtension(string agent) => agent.Split('@')[0];

    private static void Check(List<string> errors, string? value, string field, int min, int max)
    {
        if (value is null) return;
        if (value.Trim().Length < min || value.Length > max) errors.Add($"{field}: {min} to {max} characters");
    }

    /// <summary>What an image's first bytes say it is.</summary>
    internal static string? PhotoType(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, ..] => "image/png",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x47, 0x49, 0x46, 0x38, ..] => "image/gif",
        [0x52, 0x49, 0x46, 0x46, _, _, _, _, 0x57, 0x45, 0x42, 0x50, ..] => "image/webp",
        _ => null,
    };

    private static string Extension(string type) => type switch { "image/png" => ".png", "image/jpeg" => ".jpg", "image/gif" => ".gif", _ => ".webp" };

    private IResult TooLarge(HttpContext context)
    {
        context.Response.Headers.Connection = "close";
        return Problem(413, $"the photo is larger than {options.MaxPhotoBytes / 1024 / 1024} MB");
    }

    private static void Live(HttpContext context, string? why) => context.Response.Headers["X-Ivr-Live-Channel"] = why ?? "updated";

    private static DeskUser Me(HttpContext context) => WebSecurity.Require(context.User);

    private static Task<IResult> Write(HttpContext context, Func<Task<IResult>> edit) => WebSecurity.WhenWriting(context, edit);

    /// <summary>Reads a JSON body of at most 256 KB (<see cref="ContextPatchRules.MaxBodyBytes"/>).</summary>
    internal static async Task<(T? Value, IResult? Error)> ReadAsync<T>(HttpContext context) where T : class
    {
        var body = await ContextApi.ReadBodyAsync(context.Request, context.RequestAborted);
        if (body is null) return (null, Problem(413, $"the body is larger than {ContextPatchRules.MaxBodyBytes / 1024} KB"));
        try
        {
            var value = body.Length == 0 ? null : JsonSerializer.Deserialize<T>(body, JsonSerializerOptions.Web);
            return value is null ? (null, Problem(400, "the body is empty; send JSON")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Problem(400, "the body is not valid JSON for this request: " + ex.Message));
        }
    }

    internal static bool IsCallId(string uuid) => ContextApi.IsUuid(uuid);

    private static IResult Problem(int status, string message) => ContextApi.Problem(status, message);

    private static IResult NoCall(string uuid) => Problem(404, $"no call {uuid} offered to you is known to this engine");

    private static IResult NoClient(Guid id) => Problem(404, $"no client {id} reached through your calls");

    [GeneratedRegex(@"^[a-z][a-z-]{0,31}\z")]
    private static partial Regex CategoryPattern();

    [GeneratedRegex(@"^[A-Z]{2}\z")]
    private static partial Regex CountryPattern();

    [LoggerMessage(EventId = 630, Level = LogLevel.Information, Message = "Call {CallUuid}: client {ClientId} edited by {By} ({What}): {Live}")]
    private static partial void LogEdit(ILogger logger, string callUuid, Guid clientId, string by, string what, string live);

    [LoggerMessage(EventId = 631, Level = LogLevel.Information, Message = "Client {ClientId}: edit by {By} refused, version {Version} is stale")]
    private static partial void LogConflict(ILogger logger, Guid clientId, int version, string by);
}
