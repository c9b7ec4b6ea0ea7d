namespace IvrEngine.Profiles;

/// <summary>What the agent desktop keeps beside the client cards: users and API tokens, the audit of every card edit,
/// tickets' status, wrap-ups and the campaign cards admins write. LiteDB (the same file as the cards) by default.
/// Every method is safe to call from many requests at once.</summary>
public interface IDeskStore
{
    /// <summary>A user by sign-in name (case-insensitive); null when unknown.</summary>
    Task<UserAccount?> FindUserAsync(string userName, CancellationToken cancellationToken = default);

    /// <summary>The user signed in as this mod_callcenter agent (e.g. <c>1001@default</c>); null when none.</summary>
    Task<UserAccount?> FindUserByAgentAsync(string agent, CancellationToken cancellationToken = default);

    /// <summary>Every user, by name.</summary>
    Task<IReadOnlyList<UserAccount>> UsersAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a user; throws <see cref="DuplicateClientException"/> when the name (or the agent) is taken.</summary>
    Task<UserAccount> AddUserAsync(UserAccount user, CancellationToken cancellationToken = default);

    /// <summary>Replaces a user (password hash, role, agent, disabled).</summary>
    Task UpdateUserAsync(UserAccount user, CancellationToken cancellationToken = default);

    /// <summary>How many users there are.</summary>
    Task<int> CountUsersAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds an API token (only its hash is stored).</summary>
    Task AddTokenAsync(ApiToken token, CancellationToken cancellationToken = default);

    /// <summary>The token with this SHA-256 hash (hex); null when unknown. Revoked tokens are returned too (check RevokedAt).</summary>
    Task<ApiToken?> FindTokenAsync(string hash, CancellationToken cancellationToken = default);

    /// <summary>Every token (hashes included; never shown).</summary>
    Task<IReadOnlyList<ApiToken>> TokensAsync(CancellationToken cancellationToken = default);

    /// <summary>Revokes a token; false when unknown.</summary>
    Task<bool> RevokeTokenAsync(Guid id, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Records an edit of a card.</summary>
    Task AddAuditAsync(CardAuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>A card's edits, newest first.</summary>
    Task<IReadOnlyList<CardAuditEntry>> AuditAsync(Guid clientId, int max = 100, CancellationToken cancellationToken = default);

    /// <summary>A ticket by id.</summary>
    Task<Ticket?> GetTicketAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Stores a ticket's new status/owner/subject. <paramref name="ticket"/>.Version must be the version read;
    /// bumped on success; throws <see cref="ConcurrencyConflictException"/> (ClientId = the ticket id) when stale.</summary>
    Task<Ticket> UpdateTicketAsync(Ticket ticket, CancellationToken cancellationToken = default);

    /// <summary>Clients whose name or company contains <paramref name="text"/> (case-insensitive), whose phone (E.164 or
    /// its digits) or account is <paramref name="text"/>; at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<ClientCard>> SearchClientsAsync(string text, int max = 20, CancellationToken cancellationToken = default);

    /// <summary>The interaction record of a call; null when none was written.</summary>
    Task<InteractionRecord?> FindInteractionAsync(string callUuid, CancellationToken cancellationToken = default);

    /// <summary>Stores the disposition and wrap-up note (and the agent) on a call's interaction record, creating a
    /// minimal record when the IVR wrote none; returns it.</summary>
    Task<InteractionRecord> SetWrapUpAsync(string callUuid, WrapUp wrapUp, CancellationToken cancellationToken = default);

    /// <summary>Names the client on a call's record that names none (a new caller an agent made a client, or whose
    /// number they attached to one during the call), so the call is in the client's history. False when the call has
    /// no record or its record names another client.</summary>
    Task<bool> SetInteractionClientAsync(string callUuid, Guid clientId, CancellationToken cancellationToken = default);

    /// <summary>Every campaign, by dialed number.</summary>
    Task<IReadOnlyList<Campaign>> CampaignsAsync(CancellationToken cancellationToken = default);
}

/// <summary>The roles of the web app.</summary>
public static class UserRoles
{
    /// <summary>Sees the calls offered to them and the cards reached through them.</summary>
    public const string Agent = "agent";

    /// <summary>Sees every call, agent and card.</summary>
    public const string Supervisor = "supervisor";

    /// <summary>Everything a supervisor does, and manages users, tokens and campaign cards.</summary>
    public const string Admin = "admin";

    /// <summary>All roles.</summary>
    public static readonly IReadOnlyList<string> All = [Agent, Supervisor, Admin];
}

/// <summary>A person who signs in to the web app.</summary>
public sealed class UserAccount
{
    /// <summary>Identity.</summary>
    public Guid Id { get; set; }

    /// <summary>Sign-in name (unique, case-insensitive; stored as typed).</summary>
    public string UserName { get; set; } = string.Empty;

    /// <summary>Name shown on the page and in audit entries.</summary>
    public string DisplayName { get; set; } = string.Empty;

    /// <summary>agent, supervisor or admin (<see cref="UserRoles"/>).</summary>
    public string Role { get; set; } = UserRoles.Agent;

    /// <summary>ASP.NET Core PasswordHasher's hash (never the password).</summary>
    public string PasswordHash { get; set; } = string.Empty;

    /// <summary>The mod_callcenter agent this user works as (<c>1001@default</c>); null for users who take no calls.</summary>
    public string? Agent { get; set; }

    /// <summary>The agent's phone extension (<c>1001</c>).</summary>
    public string? Extension { get; set; }

    /// <summary>A disabled user cannot sign in; their tokens stop working.</summary>
    public bool Disabled { get; set; }

    /// <summary>When the user was added.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Bumped when the password changes or the user is disabled: older sign-ins end.</summary>
    public int SecurityStamp { get; set; }
}

/// <summary>An API token for an integration: acts as its user, limited to its scopes.</summary>
public sealed class ApiToken
{
    /// <summary>Identity (shown, so it can be revoked).</summary>
    public Guid Id { get; set; }

    /// <summary>What it is for.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The user it acts as.</summary>
    public string UserName { get; set; } = string.Empty;

    /// <summary>SHA-256 of the token, hex (the token itself is shown once and never stored).</summary>
    public string Hash { get; set; } = string.Empty;

    /// <summary>What it may do: <c>read</c> (calls, cards), <c>write</c> (edits).</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>When it was made.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it was revoked; null while it works.</summary>
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>One change to a card: who, when, what (field, old and new value), through which call.</summary>
public sealed class CardAuditEntry
{
    /// <summary>Identity.</summary>
    public Guid Id { get; set; }

    /// <summary>The card.</summary>
    public Guid ClientId { get; set; }

    /// <summary>When.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>The user (sign-in name) or token that made it.</summary>
    public string By { get; set; } = string.Empty;

    /// <summary>What changed: a field name, <c>phone</c>, <c>note</c>, <c>ticket</c>, <c>photo</c>, <c>created</c>, <c>wrap-up</c>.</summary>
    public string What { get; set; } = string.Empty;

    /// <summary>The value before (null when added).</summary>
    public string? Old { get; set; }

    /// <summary>The value after.</summary>
    public string? New { get; set; }

    /// <summary>The call it was made on, when any.</summary>
    public string? CallUuid { get; set; }

    /// <summary>The card's version after the change.</summary>
    public int Version { get; set; }
}

/// <summary>How a call ended for the agent.</summary>
/// <param name="Disposition">A short code (resolved, callback, escalated, ...).</param>
/// <param name="Note">Free text.</param>
/// <param name="Agent">Who set it.</param>
/// <param name="At">When.</param>
public sealed record WrapUp(string Disposition, string? Note, string Agent, DateTimeOffset At);
