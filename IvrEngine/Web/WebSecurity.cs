using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using IvrEngine.Profiles;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Web;

/// <summary>Everything that guards the web app, in one place: cookie sign-in and API tokens, the roles' policies,
/// antiforgery on every state-changing request made with the cookie, sign-in rate limiting, host filtering and the
/// security headers (a CSP without inline script). All of it is ASP.NET Core's own middleware.</summary>
public static class WebSecurity
{
    /// <summary>The sign-in cookie's scheme.</summary>
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;

    /// <summary>The API token's scheme (<c>Authorization: Bearer ivr_...</c>).</summary>
    public const string TokenScheme = "ApiToken";

    /// <summary>Picks the token scheme when the request carries a bearer token, else the cookie.</summary>
    public const string DefaultScheme = "Desk";

    /// <summary>Policy: any signed-in user or token.</summary>
    public const string SignedIn = "signed-in";

    /// <summary>Policy: supervisors and admins.</summary>
    public const string Supervisors = "supervisors";

    /// <summary>Policy: admins.</summary>
    public const string Admins = "admins";

    /// <summary>The rate-limiter policy of sign-in.</summary>
    public const string SignInLimit = "sign-in";

    /// <summary>The header carrying the antiforgery token.</summary>
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    /// <summary>The CSP: scripts, styles, fonts and connections only from the app itself; no inline script or style.</summary>
    public const string ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        + "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

    /// <summary>Registers authentication, authorization, antiforgery, rate limiting and host filtering.</summary>
    public static void AddWebSecurity(this IServiceCollection services, WebOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, "cookie or API token", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? TokenScheme : CookieScheme)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = "ivr.session";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = options.SecureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromMinutes(options.SessionMinutes);
                o.SlidingExpiration = true;
                o.LoginPath = "/signin";
                o.Events.OnRedirectToLogin = context => Refuse(context, StatusCodes.Status401Unauthorized, "sign in first");
                o.Events.OnRedirectToAccessDenied = context => Refuse(context, StatusCodes.Status403Forbidden, "your role may not do this");
                o.Events.OnValidatePrincipal = ValidateSessionAsync;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(TokenScheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(SignedIn, p => p.RequireAuthenticatedUser())
            .AddPolicy(Supervisors, p => p.RequireRole(UserRoles.Supervisor, UserRoles.Admin))
            .AddPolicy(Admins, p => p.RequireRole(UserRoles.Admin));
        services.AddAntiforgery(o =>
        {
            o.HeaderName = AntiforgeryHeader;
            o.Cookie.Name = "ivr.af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = options.SecureCookies ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        });
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, ct) => new ValueTask(ContextApi.Problem(StatusCodes.Status429TooManyRequests,
                "too many sign-in attempts from this address; wait a minute and try again").ExecuteAsync(context.HttpContext));
            o.AddPolicy(SignInLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.SignInPermitsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        services.Configure<HostFilteringOptions>(o =>
        {
            o.AllowedHosts = [.. options.AllowedHosts.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            o.IncludeFailureMessage = false;
        });
    }

    /// <summary>The guards, in order: host filter, headers, authentication, antiforgery, authorization, rate limits.</summary>
    public static void UseWebSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseHostFiltering();
        app.Use(static (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            return next(context);
        });
        app.UseAuthentication();
        app.Use(ValidateAntiforgeryAsync);
        app.UseAuthorization();
        app.UseRateLimiter();
    }

    /// <summary>Every POST, PUT, PATCH and DELETE that relies on the sign-in cookie (or on nothing) must carry the
    /// antiforgery token; a request authenticated by an API token cannot be forged by a page and needs none.</summary>
    private static async Task ValidateAntiforgeryAsync(HttpContext context, RequestDelegate next)
    {
        var method = context.Request.Method;
        var changes = HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);
        if (changes && DeskUser.Of(context.User)?.TokenId is null)
        {
            try
            {
                await context.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(context);
            }
            catch (AntiforgeryValidationException)
            {
                await ContextApi.Problem(StatusCodes.Status400BadRequest,
                    "the antiforgery token is missing or stale; reload the page and try again").ExecuteAsync(context);
                return;
            }
        }

        await next(context);
    }

    /// <summary>A session ends when its user is disabled, removed or changed password since signing in.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var name = context.Principal?.Identity?.Name;
        var stamp = context.Principal?.FindFirst(DeskUser.StampClaim)?.Value;
        var store = context.HttpContext.RequestServices.GetRequiredService<IDeskStore>();
        var user = name is null ? null : await store.FindUserAsync(name, context.HttpContext.RequestAborted);
        if (user is null || user.Disabled || stamp != user.SecurityStamp.ToString(CultureInfo.InvariantCulture))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
        }
    }

    /// <summary>An API request gets its status and a plain error; a page request goes to the sign-in page.</summary>
    private static Task Refuse(RedirectContext<CookieAuthenticationOptions> context, int status, string message)
    {
        if (IsApi(context.Request) || status != StatusCodes.Status401Unauthorized)
        {
            return ContextApi.Problem(status, message).ExecuteAsync(context.HttpContext);
        }

        var back = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
        context.Response.Redirect("/signin?return=" + Uri.EscapeDataString(back));
        return Task.CompletedTask;
    }

    /// <summary>Requests that want JSON: everything but the pages.</summary>
    internal static bool IsApi(HttpRequest request) =>
        !(request.Path == "/" || request.Path == "/agent" || request.Path == "/supervisor" || request.Path == "/admin" || request.Path == "/campaigns"
          || request.Path == "/statistics");

    /// <summary><c>Authorization: Bearer ivr_...</c>: the token's user, limited to the token's scopes.</summary>
    private sealed class ApiTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
        UserAccounts accounts) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
            var found = await accounts.ValidateTokenAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
            if (found is not { } valid) return AuthenticateResult.Fail("unknown or revoked API token");
            return AuthenticateResult.Success(new AuthenticationTicket(DeskUser.Principal(valid.User, TokenScheme, valid.Token), TokenScheme));
        }

        protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
            ContextApi.Problem(StatusCodes.Status401Unauthorized, "sign in first, or send a valid API token").ExecuteAsync(Context);

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
            ContextApi.Problem(StatusCodes.Status403Forbidden, "your role may not do this").ExecuteAsync(Context);
    }

    /// <summary>Runs a state-changing request only for users whose scopes include write (a read-only API token gets 403).</summary>
    internal static Task<IResult> WhenWriting(HttpContext context, Func<Task<IResult>> change) =>
        Require(context.User).Scopes.Contains(DeskUser.WriteScope) ? change() : Task.FromResult(ContextApi.Problem(403, "this API token may only read"));

    /// <summary>The user of the request, as <see cref="DeskUser"/>; throws when the endpoint was not guarded.</summary>
    internal static DeskUser Require(ClaimsPrincipal principal) =>
        DeskUser.Of(principal) ?? throw new InvalidOperationException("the endpoint is not guarded by sign-in");
}
