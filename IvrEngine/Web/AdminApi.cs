using System.Text.RegularExpressions;
using IvrEngine.Calls;
using IvrEngine.Profiles;
using IvrEngine.Web.Desk;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace IvrEngine.Web;

/// <summary>What admins manage: users, API tokens, campaign cards; and the demo calls that let a newcomer see a screen
/// pop without FreeSWITCH (<c>Web:DemoCalls</c>).</summary>
public sealed partial class AdminApi(UserAccounts accounts, IDeskStore desk, IClientStore store, ClientLookup lookup, DeskService live,
    CallContextRegistry contexts, WebOptions options, TimeProvider time)
{
    /// <summary>A user as listed (never the hash).</summary>
    public sealed record UserView(string UserName, string DisplayName, string Role, string? Agent, string? Extension, bool Disabled, DateTimeOffset CreatedAt);

    /// <summary>A new user.</summary>
    public sealed record UserInput(string? UserName, string? DisplayName, string? Role, string? Agent, string? Extension, string? Password, bool? Disabled);

    /// <summary>A token as listed.</summary>
    public sealed record TokenView(Guid Id, string Name, string UserName, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

    /// <summary>A new token.</summary>
    public sealed record TokenInput(string? Name, string? UserName, IReadOnlyList<string>? Scopes);

    /// <summary>A campaign card.</summary>
    public sealed record CampaignInput(string? Name, string? Service, string? Language, string? Hints, string? Direction);

    /// <summary>A demo call.</summary>
    public sealed record DemoCall(string? Ani, string? Dnis, string? Agent);

    /// <summary>Maps the admin endpoints.</summary>
    public void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var admin = app.MapGroup("/api/admin").RequireAuthorization(WebSecurity.Admins);
        admin.MapGet("/users", async (CancellationToken ct) => Results.Ok((await desk.UsersAsync(ct)).Select(View).ToList()));
        admin.MapPost("/users", (Delegate)((HttpContext c) => Guard(c, () => AddUserAsync(c))));
        admin.MapMethods("/users/{userName}", ["PATCH"], (string userName, HttpContext c) => Guard(c, () => EditUserAsync(userName, c)));
        admin.MapGet("/tokens", async (CancellationToken ct) => Results.Ok((await desk.TokensAsync(ct))
            .Select(t => new TokenView(t.Id, t.Name, t.UserName, t.Scopes, t.CreatedAt, t.RevokedAt)).ToList()));
        admin.MapPost("/tokens", (Delegate)((HttpContext c) => Guard(c, () => AddTokenAsync(c))));
        admin.MapDelete("/tokens/{id:guid}", (Guid id, HttpContext c) => Guard(c, async () =>
            await desk.RevokeTokenAsync(id, time.GetUtcNow(), c.RequestAborted) ? Results.NoContent() : ContextApi.Problem(404, $"no token {id}")));
        admin.MapGet("/campaigns", async (CancellationToken ct) => Results.Ok(await desk.CampaignsAsync(ct)));
        admin.MapPut("/campaigns/{dnis}", (string dnis, HttpContext c) => Guard(c, () => PutCampaignAsync(dnis, c)));

        var demo = app.MapGroup("/api/demo/calls").RequireAuthorization(WebSecurity.Admins);
        demo.MapPost("/", (Delegate)((HttpContext c) => Guard(c, () => DemoCallAsync(c))));
        demo.MapPost("/{uuid}/answer", (string uuid, HttpContext c) => Guard(c, () => Task.FromResult(DemoStep(uuid, live.Answer))));
        demo.MapPost("/{uuid}/end", (string uuid, HttpContext c) => Guard(c, () => Task.FromResult(DemoStep(uuid, live.End))));
    }

    private async Task<IResult> AddUserAsync(HttpContext context)
    {
        var (input, bad) = await CardApi.ReadAsync<UserInput>(context);
        if (input is null) return bad!;
        if (input.Agent is { Length: > 0 } agent && UserAccounts.CheckAgent(agent) is { } badAgent) return ContextApi.Problem(400, badAgent);
        try
        {
            var user = await accounts.CreateUserAsync(input.UserName ?? string.Empty, input.DisplayName ?? input.UserName ?? string.Empty,
                input.Role ?? UserRoles.Agent, NullIfEmpty(input.Agent), NullIfEmpty(input.Extension), input.Password ?? string.Empty, context.RequestAborted);
            return Results.Json(View(user), statusCode: StatusCodes.Status201Created);
        }
        catch (ArgumentException ex)
        {
            return ContextApi.Problem(400, ex.Message);
        }
        catch (DuplicateClientException ex)
        {
            return ContextApi.Problem(409, ex.Message);
        }
    }

    private async Task<IResult> EditUserAsync(string userName, HttpContext context)
    {
        var (input, bad) = await CardApi.ReadAsync<UserInput>(context);
        if (input is null) return bad!;
        var user = await desk.FindUserAsync(userName, context.RequestAborted);
        if (user is null) return ContextApi.Problem(404, $"no user {userName}");
        if (input.Role is { } role && !UserRoles.All.Contains(role)) return ContextApi.Problem(400, "role: one of " + string.Join(", ", UserRoles.All));
        if (input.Agent is { Length: > 0 } agent && UserAccounts.CheckAgent(agent) is { } badAgent) return ContextApi.Problem(400, badAgent);
        if (string.Equals(user.UserName, WebSecurity.Require(context.User).UserName, StringComparison.OrdinalIgnoreCase)
            && (input.Disabled == true || (input.Role is { } r && r != UserRoles.Admin)))
        {
            return ContextApi.Problem(409, "you cannot disable yourself or take away your own admin role");
        }

        try
        {
            if (input.Password is { Length: > 0 } password) await accounts.SetPasswordAsync(user.UserName, password, context.RequestAborted);
            if (input.Disabled is { } disabled) await accounts.SetDisabledAsync(user.UserName, disabled, context.RequestAborted);
            user = (await desk.FindUserAsync(userName, context.RequestAborted))!;
            user.DisplayName = input.DisplayName ?? user.DisplayName;
            user.Role = input.Role ?? user.Role;
            user.Agent = input.Agent is null ? user.Agent : NullIfEmpty(input.Agent);
            user.Extension = input.Extension is null ? user.Extension : NullIfEmpty(input.Extension);
            if (input.Role is not null && input.Role != user.Role) user.SecurityStamp++;
            await desk.UpdateUserAsync(user, context.RequestAborted);
            return Results.Ok(View(user));
        }
        catch (ArgumentException ex)
        {
            return ContextApi.Problem(400, ex.Message);
        }
        catch (DuplicateClientException ex)
        {
            return ContextApi.Problem(409, ex.Message);
        }
    }

    private async Task<IResult> AddTokenAsync(HttpContext context)
    {
        var (input, bad) = await CardApi.ReadAsync<TokenInput>(context);
        if (input is null) return bad!;
        try
        {
            var (token, plain) = await accounts.CreateTokenAsync(input.Name ?? string.Empty, input.UserName ?? string.Empty,
                input.Scopes ?? [DeskUser.ReadScope], context.RequestAborted);
            return Results.Json(new { id = token.Id, token = plain }, statusCode: StatusCodes.Status201Created);
        }
        catch (ArgumentException ex)
        {
            return ContextApi.Problem(400, ex.Message);
        }
    }

    private async Task<IResult> PutCampaignAsync(string dnis, HttpContext context)
    {
        var (input, bad) = await CardApi.ReadAsync<CampaignInput>(context);
        if (input is null) return bad!;
        if (!DnisPattern().IsMatch(dnis)) return ContextApi.Problem(400, "the dialed number: digits, + or *, up to 32");
        if (input.Name?.Trim() is not { Length: > 0 and <= 100 } name) return ContextApi.Problem(400, "name: 1 to 100 characters");
        if (input.Hints is { Length: > 4000 }) return ContextApi.Problem(400, "hints: up to 4000 characters");
        if (input.Direction is { } d && d is not ("incoming" or "outgoing")) return ContextApi.Problem(400, "direction: incoming or outgoing");
        var campaign = await store.FindCampaignAsync(dnis, context.RequestAborted) ?? new Campaign { Dnis = dnis };
        campaign.Name = name;
        campaign.Service = input.Service ?? campaign.Service;
        campaign.Language = input.Language ?? campaign.Language;
        campaign.Hints = input.Hints ?? campaign.Hints;
        campaign.Direction = input.Direction ?? campaign.Direction;
        await store.UpsertCampaignAsync(campaign, context.RequestAborted);
        return Results.Ok(campaign);
    }

    /// <summary>A simulated call: the caller is looked up and classified as the IVR would, the context is kept as for
    /// a real call, and the call is offered to the agent: their page pops the card. Answer and end move it on.</summary>
    private async Task<IResult> DemoCallAsync(HttpContext context)
    {
        if (!options.DemoCalls) return ContextApi.Problem(404, "demo calls are off (Web:DemoCalls)");
        var (input, bad) = await CardApi.ReadAsync<DemoCall>(context);
        if (input is null) return bad!;
        if (input.Ani?.Trim() is not { Length: > 0 and <= 32 } ani) return ContextApi.Problem(400, "ani: the caller's number");
        var dnis = input.Dnis?.Trim() is { Length: > 0 } d ? d : "5000";
        if (!DnisPattern().IsMatch(dnis)) return ContextApi.Problem(400, "dnis: digits, + or *, up to 32");
        if (input.Agent?.Trim() is not { Length: > 0 } agent) return ContextApi.Problem(400, "agent: e.g. 1001@default");
        if (!agent.Contains('@', StringComparison.Ordinal)) agent += "@default";
        if (UserAccounts.CheckAgent(agent) is { } badAgent) return ContextApi.Problem(400, badAgent);
        var found = await lookup.ByCallerAsync(ani, dnis, context.RequestAborted);
        var uuid = Guid.NewGuid().ToString("D");
        var client = new CallClientContext(found.Client?.Id, found.Code.ToString(), found.Reason, found.MatchedBy);
        var entry = contexts.Open(uuid, ani, dnis, () => client);
        var by = WebSecurity.Require(context.User).UserName;
        var variables = new List<KeyValuePair<string, string>>
        {
            new(ContextVariables.Flow, "demo"),
            new(ContextVariables.CtiCode, client.Code),
            new(ContextVariables.CtiReason, client.Reason),
            new(ContextVariables.RouteReason, $"demo call placed by {by}"),
        };
        if (found.Client is { } card)
        {
            variables.Add(new(ContextVariables.ClientId, card.Id.ToString("D")));
            variables.Add(new(ContextVariables.ClientName, card.Name));
            variables.Add(new(ContextVariables.Category, card.Category));
        }

        if (found.Campaign is { } campaign) variables.Add(new(ContextVariables.Campaign, campaign.Name));
        contexts.Attach(entry, variables);
        await store.AddInteractionAsync(new InteractionRecord
        {
            Id = entry.ContextId, ClientId = found.Client?.Id, CallUuid = uuid, At = time.GetUtcNow(), Direction = "inbound",
            CallerNumber = found.CallerNumber ?? ani, DialedNumber = dnis, Flow = "demo", Steps = ["demo: no IVR ran"], Outcome = "demo", Agent = agent,
        }, context.RequestAborted);
        live.OfferDemo(uuid, agent);
        return Results.Json(new { callUuid = uuid, agent, ctiCode = client.Code }, statusCode: StatusCodes.Status201Created);
    }

    private IResult DemoStep(string uuid, Action<string> step)
    {
        if (!options.DemoCalls) return ContextApi.Problem(404, "demo calls are off (Web:DemoCalls)");
        if (live.Find(uuid) is not { How: "demo" }) return ContextApi.Problem(404, $"no demo call {uuid}");
        step(uuid);
        return Results.NoContent();
    }

    private static Task<IResult> Guard(HttpContext context, Func<Task<IResult>> action) => WebSecurity.WhenWriting(context, action);

    private static UserView View(UserAccount u) => new(u.UserName, u.DisplayName, u.Role, u.Agent, u.Extension, u.Disabled, u.CreatedAt);

    private static string? NullIfEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    [GeneratedRegex(@"^[0-9+*#]{1,32}\z")]
    private static partial Regex DnisPattern();
}
