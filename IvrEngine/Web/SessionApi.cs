using System.Text.Json;
using IvrEngine.Profiles;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Web;

/// <summary>Sign-in, sign-out, the session and the pages.</summary>
public static partial class SessionApi
{
    /// <summary>The session answer.</summary>
    public sealed record SessionBody(SessionUser User, string Csrf);

    /// <summary>The signed-in user as the pages see it.</summary>
    public sealed record SessionUser(string UserName, string DisplayName, string Role, string? Agent, string? Extension);

    /// <summary>The sign-in request.</summary>
    public sealed record SignInRequest(string? UserName, string? Password);

    /// <summary>Maps the session endpoints and the pages.</summary>
    public static void MapSession(this WebApplication app, string webRoot)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/antiforgery", (HttpContext context, IAntiforgery antiforgery) =>
            Results.Ok(new { csrf = antiforgery.GetAndStoreTokens(context).RequestToken })).AllowAnonymous();
        app.MapPost("/api/signin", SignInAsync).AllowAnonymous().RequireRateLimiting(WebSecurity.SignInLimit);
        app.MapPost("/api/signout", async (HttpContext context) =>
        {
            await context.SignOutAsync(WebSecurity.CookieScheme);
            return Results.NoContent();
        }).RequireAuthorization(WebSecurity.SignedIn);
        app.MapGet("/api/session", (HttpContext context, IAntiforgery antiforgery) =>
        {
            var user = WebSecurity.Require(context.User);
            return Results.Ok(new SessionBody(View(user), antiforgery.GetAndStoreTokens(context).RequestToken ?? string.Empty));
        }).RequireAuthorization(WebSecurity.SignedIn);

        app.MapGet("/signin", () => Page(webRoot, "signin.html")).AllowAnonymous();
        app.MapGet("/", (HttpContext context) => WebSecurity.Require(context.User) switch
        {
            { IsAdmin: true } => Results.Redirect("/admin"),
            { SeesAll: true } => Results.Redirect("/supervisor"),
            _ => Results.Redirect("/agent"),
        }).RequireAuthorization(WebSecurity.SignedIn);
        app.MapGet("/agent", () => Page(webRoot, "agent.html")).RequireAuthorization(WebSecurity.SignedIn);
        app.MapGet("/supervisor", () => Page(webRoot, "supervisor.html")).RequireAuthorization(WebSecurity.Supervisors);
        app.MapGet("/statistics", () => Page(webRoot, "statistics.html")).RequireAuthorization(WebSecurity.Supervisors);
        app.MapGet("/admin", () => Page(webRoot, "admin.html")).RequireAuthorization(WebSecurity.Admins);
        app.MapGet("/campaigns", () => Page(webRoot, "campaigns.html")).RequireAuthorization(WebSecurity.Admins);
    }

    private static async Task<IResult> SignInAsync(HttpContext context, UserAccounts accounts, IAntiforgery antiforgery, ILoggerFactory loggers)
    {
        SignInRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<SignInRequest>(context.RequestAborted);
        }
        catch (JsonException)
        {
            return ContextApi.Problem(400, "the body is not the JSON {\"userName\", \"password\"}");
        }

        var logger = loggers.CreateLogger(typeof(SessionApi));
        if (request?.UserName is not { Length: > 0 and <= 64 } name || request.Password is not { Length: > 0 and <= 256 } password)
        {
            return ContextApi.Problem(400, "give a user name and a password");
        }

        var user = await accounts.VerifyAsync(name, password, context.RequestAborted);
        if (user is null)
        {
            LogSignInFailed(logger, Printable(name), context.Connection.RemoteIpAddress?.ToString() ?? "?");
            return ContextApi.Problem(401, "wrong user name or password");
        }

        var principal = DeskUser.Principal(user, WebSecurity.CookieScheme);
        await context.SignInAsync(WebSecurity.CookieScheme, principal, new AuthenticationProperties { IsPersistent = false });
        // The antiforgery token is bound to the user: the one the sign-in form used is for nobody.
        context.User = principal;
        LogSignedIn(logger, user.UserName, user.Role);
        return Results.Ok(new SessionBody(View(DeskUser.Of(principal)!), antiforgery.GetAndStoreTokens(context).RequestToken ?? string.Empty));
    }

    private static SessionUser View(DeskUser user) => new(user.UserName, user.DisplayName, user.Role, user.Agent, user.Extension);

    private static IResult Page(string webRoot, string file)
    {
        var path = Path.Combine(webRoot, file);
        return File.Exists(path)
            ? Results.File(path, "text/html; charset=utf-8")
            : ContextApi.Problem(500, $"the page {file} is missing from the engine's wwwroot folder");
    }

    private static string Printable(string text) => string.Concat(text.Take(64).Select(c => char.IsControl(c) ? '?' : c));

    [LoggerMessage(EventId = 620, Level = LogLevel.Information, Message = "Web: {UserName} signed in ({Role})")]
    private static partial void LogSignedIn(ILogger logger, string userName, string role);

    [LoggerMessage(EventId = 621, Level = LogLevel.Warning, Message = "Web: sign-in as {UserName} from {Address} refused (wrong user name or password)")]
    private static partial void LogSignInFailed(ILogger logger, string userName, string address);
}
