using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;

namespace IvrEngine.Profiles;

/// <summary>The web app's users and API tokens over an <see cref="IDeskStore"/>: checks what is given, hashes passwords
/// (ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>: PBKDF2, salted), makes tokens and checks them.
/// Invalid input throws <see cref="ArgumentException"/> (the message says what is wrong; <see cref="CheckUserName"/>,
/// <see cref="CheckPassword"/>, <see cref="CheckRole"/> and <see cref="CheckScopes"/> give the same words without
/// throwing), an unknown user <see cref="KeyNotFoundException"/>, a taken name or agent
/// <see cref="DuplicateClientException"/>.</summary>
public sealed partial class UserAccounts
{
    /// <summary>The shortest password accepted.</summary>
    public const int MinPasswordLength = 8;

    /// <summary>The longest sign-in name.</summary>
    public const int MaxUserNameLength = 64;

    /// <summary>What every API token starts with (so a leaked one is easy to recognise and search for).</summary>
    public const string TokenPrefix = "ivr_";

    /// <summary>Length of <see cref="GeneratePassword"/>'s passwords.</summary>
    public const int GeneratedPasswordLength = 16;

    /// <summary>Token scope: read calls and cards.</summary>
    public const string ReadScope = "read";

    /// <summary>Token scope: edit cards.</summary>
    public const string WriteScope = "write";

    /// <summary>Every scope a token may have.</summary>
    public static readonly IReadOnlyList<string> Scopes = [ReadScope, WriteScope];

    // Letters and digits that cannot be mistaken for one another when read aloud or copied by hand (no 0/O, 1/l/I).
    private const string PasswordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

    private const int MaxDisplayNameLength = 100;
    private const int MaxTokenNameLength = 100;

    private static readonly UserAccount Nobody = new();

    // A hash verified when the user is unknown, so "no such user" takes as long as "wrong password" and the answer
    // time does not tell which names exist. Made once, from a password nobody knows.
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<UserAccount>().HashPassword(Nobody, GeneratePassword()));

    private readonly IDeskStore _store;
    private readonly TimeProvider _time;
    private readonly PasswordHasher<UserAccount> _hasher = new();

    /// <summary>Users and tokens kept in <paramref name="store"/>.</summary>
    public UserAccounts(IDeskStore store, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Adds a user with this password (hashed; the password itself is not kept).</summary>
    /// <param name="userName">1 to 64 of A-Z a-z 0-9 . _ @ -; unique, case-insensitive.</param>
    /// <param name="displayName">Shown on the page and in the audit; the user name when null or blank.</param>
    /// <param name="role">One of <see cref="UserRoles.All"/>.</param>
    /// <param name="agent">The mod_callcenter agent (<c>1001@default</c>), or null.</param>
    /// <param name="extension">The agent's extension (<c>1001</c>), or null.</param>
    /// <param name="password">At least <see cref="MinPasswordLength"/> characters.</param>
    /// <param name="cancellationToken">Cancels the write while it waits.</param>
    public async Task<UserAccount> CreateUserAsync(string userName, string? displayName, string role, string? agent, string? extension, string password,
        CancellationToken cancellationToken = default)
    {
        Throw(CheckUserName(userName), nameof(userName));
        Throw(CheckRole(role), nameof(role));
        Throw(CheckPassword(password), nameof(password));
        Throw(CheckAgent(agent), nameof(agent));
        Throw(CheckExtension(extension), nameof(extension));
        var display = string.IsNullOrWhiteSpace(displayName) ? userName : displayName.Trim();
        if (display.Length > MaxDisplayNameLength) Throw($"The display name is longer than {MaxDisplayNameLength} characters.", nameof(displayName));

        var user = new UserAccount
        {
            Id = Guid.CreateVersion7(),
            UserName = userName,
            DisplayName = display,
            Role = role.ToLowerInvariant(),
            Agent = string.IsNullOrEmpty(agent) ? null : agent,
            Extension = string.IsNullOrEmpty(extension) ? null : extension,
            CreatedAt = _time.GetUtcNow(),
            SecurityStamp = 1,
        };
        user.PasswordHash = _hasher.HashPassword(user, password);
        return await _store.AddUserAsync(user, cancellationToken);
    }

    /// <summary>The user when <paramref name="password"/> is theirs and they are not disabled; null otherwise
    /// (unknown, wrong password, disabled: the caller cannot tell which). A hash made with older settings is
    /// replaced by one made with the current ones.</summary>
    public async Task<UserAccount?> VerifyAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(password);
        var user = CheckUserName(userName) is null ? await _store.FindUserAsync(userName, cancellationToken) : null;
        if (user is null || user.PasswordHash.Length == 0)
        {
            _hasher.VerifyHashedPassword(Nobody, DummyHash.Value, password);
            return null;
        }

        var result = _hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed || user.Disabled) return null;
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = _hasher.HashPassword(user, password);
            await _store.UpdateUserAsync(user, cancellationToken);
        }

        return user;
    }

    /// <summary>Sets a user's password and bumps their security stamp (their sign-ins end).</summary>
    public async Task<UserAccount> SetPasswordAsync(string userName, string password, CancellationToken cancellationToken = default)
    {
        Throw(CheckPassword(password), nameof(password));
        var user = await RequireUserAsync(userName, cancellationToken);
        user.PasswordHash = _hasher.HashPassword(user, password);
        user.SecurityStamp++;
        await _store.UpdateUserAsync(user, cancellationToken);
        return user;
    }

    /// <summary>Disables a user (no sign-in, their tokens stop working) or enables them again; bumps their security
    /// stamp either way.</summary>
    public async Task<UserAccount> SetDisabledAsync(string userName, bool disabled, CancellationToken cancellationToken = default)
    {
        var user = await RequireUserAsync(userName, cancellationToken);
        user.Disabled = disabled;
        user.SecurityStamp++;
        await _store.UpdateUserAsync(user, cancellationToken);
        return user;
    }

    /// <summary>Makes an API token acting as <paramref name="userName"/> with <paramref name="scopes"/> (read, write).
    /// Returns the stored token (its SHA-256 hash only) and the token itself, <c>ivr_</c> and 32 random bytes in
    /// base64url, which is shown once and never kept.</summary>
    public async Task<(ApiToken Token, string PlainToken)> CreateTokenAsync(string name, string userName, IEnumerable<string> scopes,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxTokenNameLength)
        {
            Throw($"The token's name must be 1 to {MaxTokenNameLength} characters.", nameof(name));
        }

        var scopeList = scopes.Select(s => s.Trim().ToLowerInvariant()).Where(s => s.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        Throw(CheckScopes(scopeList), nameof(scopes));
        var user = await RequireUserAsync(userName, cancellationToken);
        if (user.Disabled) Throw($"The user {user.UserName} is disabled.", nameof(userName));

        var plain = TokenPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var token = new ApiToken
        {
            Id = Guid.CreateVersion7(),
            Name = name.Trim(),
            UserName = user.UserName,
            Hash = HashToken(plain),
            Scopes = [.. Scopes.Where(scopeList.Contains)],
            CreatedAt = _time.GetUtcNow(),
        };
        await _store.AddTokenAsync(token, cancellationToken);
        return (token, plain);
    }

    /// <summary>The token and the user it acts as; null when the token is unknown or revoked, or its user is unknown
    /// or disabled.</summary>
    public async Task<(ApiToken Token, UserAccount User)?> ValidateTokenAsync(string plainToken, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(plainToken) || !plainToken.StartsWith(TokenPrefix, StringComparison.Ordinal)) return null;
        var token = await _store.FindTokenAsync(HashToken(plainToken), cancellationToken);
        if (token is null || token.RevokedAt is not null) return null;
        var user = await _store.FindUserAsync(token.UserName, cancellationToken);
        return user is null || user.Disabled ? null : (token, user);
    }

    /// <summary>A random password of <see cref="GeneratedPasswordLength"/> letters and digits that cannot be mistaken
    /// for one another.</summary>
    public static string GeneratePassword() => new(RandomNumberGenerator.GetItems<char>(PasswordAlphabet, GeneratedPasswordLength));

    /// <summary>How a token is stored: SHA-256 of its UTF-8 bytes, lower-case hex. (A token is 32 random bytes, so a
    /// fast hash is enough: there is nothing to guess.)</summary>
    public static string HashToken(string plainToken)
    {
        ArgumentNullException.ThrowIfNull(plainToken);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plainToken)));
    }

    /// <summary>What is wrong with a sign-in name; null when it is fine.</summary>
    public static string? CheckUserName(string? userName) =>
        userName is not null && UserNamePattern().IsMatch(userName)
            ? null
            : $"The user name must be 1 to {MaxUserNameLength} of the letters A-Z and a-z, digits, '.', '_', '@' and '-'.";

    /// <summary>What is wrong with a password; null when it is fine.</summary>
    public static string? CheckPassword(string? password) =>
        password is not null && password.Length >= MinPasswordLength ? null : $"The password must be at least {MinPasswordLength} characters.";

    /// <summary>What is wrong with a role; null when it is one of <see cref="UserRoles.All"/>.</summary>
    public static string? CheckRole(string? role) =>
        role is not null && UserRoles.All.Contains(role.ToLowerInvariant(), StringComparer.Ordinal)
            ? null
            : $"The role must be one of {string.Join(", ", UserRoles.All)}.";

    /// <summary>What is wrong with a token's scopes; null when they are some of <see cref="Scopes"/> (at least one).</summary>
    public static string? CheckScopes(IReadOnlyCollection<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        return scopes.Count > 0 && scopes.All(s => Scopes.Contains(s, StringComparer.Ordinal))
            ? null
            : $"The scopes must be some of {string.Join(", ", Scopes)} (comma-separated).";
    }

    /// <summary>What is wrong with an agent name; null when it is fine or absent.</summary>
    public static string? CheckAgent(string? agent) =>
        string.IsNullOrEmpty(agent) || AgentPattern().IsMatch(agent) ? null : "The agent must look like 1001@default (letters, digits, '.', '_', '-', one '@').";

    /// <summary>What is wrong with an extension; null when it is fine or absent.</summary>
    public static string? CheckExtension(string? extension) =>
        string.IsNullOrEmpty(extension) || ExtensionPattern().IsMatch(extension) ? null : "The extension must be 1 to 32 letters or digits.";

    private async Task<UserAccount> RequireUserAsync(string userName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userName);
        return await _store.FindUserAsync(userName, cancellationToken) ?? throw new KeyNotFoundException($"There is no user {userName}.");
    }

    private static void Throw(string? problem, string parameter)
    {
        if (problem is not null) throw new ArgumentException(problem, parameter);
    }

    [GeneratedRegex(@"^[A-Za-z0-9._@-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex UserNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}@[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex AgentPattern();

    [GeneratedRegex(@"^[A-Za-z0-9]{1,32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ExtensionPattern();
}
