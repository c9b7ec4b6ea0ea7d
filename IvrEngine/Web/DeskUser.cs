using System.Security.Claims;
using IvrEngine.Profiles;

namespace IvrEngine.Web;

/// <summary>Who is asking: a signed-in user (cookie) or an integration (API token acting as its user, within its scopes).</summary>
/// <param name="UserName">Sign-in name.</param>
/// <param name="DisplayName">Name shown and written into audit entries.</param>
/// <param name="Role">agent, supervisor or admin.</param>
/// <param name="Agent">The mod_callcenter agent (<c>1001@default</c>), when the user takes calls.</param>
/// <param name="Extension">The agent's extension.</param>
/// <param name="TokenId">The API token, when the request came with one.</param>
/// <param name="Scopes">What the request may do (a token's scopes; read and write for a signed-in user).</param>
public sealed record DeskUser(string UserName, string DisplayName, string Role, string? Agent, string? Extension, Guid? TokenId,
    IReadOnlySet<string> Scopes)
{
    /// <summary>Claim: the mod_callcenter agent.</summary>
    public const string AgentClaim = "ivr:agent";

    /// <summary>Claim: the extension.</summary>
    public const string ExtensionClaim = "ivr:extension";

    /// <summary>Claim: the display name.</summary>
    public const string DisplayClaim = "ivr:display";

    /// <summary>Claim: the user's security stamp at sign-in (a newer stamp ends the session).</summary>
    public const string StampClaim = "ivr:stamp";

    /// <summary>Claim: the API token's id.</summary>
    public const string TokenClaim = "ivr:token";

    /// <summary>Claim: one scope of a token.</summary>
    public const string ScopeClaim = "ivr:scope";

    /// <summary>Scope: read calls and cards.</summary>
    public const string ReadScope = UserAccounts.ReadScope;

    /// <summary>Scope: edit cards, tickets, wrap-ups, statuses.</summary>
    public const string WriteScope = UserAccounts.WriteScope;

    /// <summary>All scopes.</summary>
    public static readonly IReadOnlySet<string> AllScopes = new HashSet<string>(UserAccounts.Scopes, StringComparer.Ordinal);

    /// <summary>Sees every call and card.</summary>
    public bool SeesAll => Role is UserRoles.Supervisor or UserRoles.Admin;

    /// <summary>Manages users, tokens and campaign cards.</summary>
    public bool IsAdmin => Role == UserRoles.Admin;

    /// <summary>The name written into audit entries: the user, and the token when one was used.</summary>
    public string AuditName => TokenId is { } id ? $"{UserName} (token {id:N})" : UserName;

    /// <summary>The claims of a signed-in user.</summary>
    public static ClaimsPrincipal Principal(UserAccount user, string scheme, ApiToken? token = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, user.UserName),
            new(ClaimTypes.Role, user.Role),
            new(DisplayClaim, string.IsNullOrWhiteSpace(user.DisplayName) ? user.UserName : user.DisplayName),
            new(StampClaim, user.SecurityStamp.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (user.Agent is { Length: > 0 } agent) claims.Add(new(AgentClaim, agent));
        if (user.Extension is { Length: > 0 } extension) claims.Add(new(ExtensionClaim, extension));
        if (token is not null)
        {
            claims.Add(new(TokenClaim, token.Id.ToString("D")));
            claims.AddRange(token.Scopes.Select(s => new Claim(ScopeClaim, s)));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The user of a request; null when not signed in.</summary>
    public static DeskUser? Of(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.Identity?.IsAuthenticated != true || principal.Identity.Name is not { } name) return null;
        var token = principal.FindFirst(TokenClaim)?.Value is { } t && Guid.TryParse(t, out var id) ? id : (Guid?)null;
        IReadOnlySet<string> scopes = token is null
            ? AllScopes
            : new HashSet<string>(principal.FindAll(ScopeClaim).Select(c => c.Value), StringComparer.Ordinal);
        return new DeskUser(name, principal.FindFirst(DisplayClaim)?.Value ?? name, principal.FindFirst(ClaimTypes.Role)?.Value ?? UserRoles.Agent,
            principal.FindFirst(AgentClaim)?.Value, principal.FindFirst(ExtensionClaim)?.Value, token, scopes);
    }
}
