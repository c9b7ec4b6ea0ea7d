using IvrEngine.Profiles;
using IvrEngine.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Profiles;

/// <summary>Users and tokens over a store, run on each store by its subclass.</summary>
public abstract class UserAccountsTests<TStorage> : IAsyncLifetime
    where TStorage : IStoreStorage, new()
{
    private static readonly DateTimeOffset Start = new(2026, 5, 4, 9, 30, 0, TimeSpan.Zero);
    private readonly TStorage _storage = new();
    private readonly FakeTimeProvider _time = new(Start);
    private IClientStore _clients = null!;
    private IDeskStore _store = null!;
    private UserAccounts _accounts = null!;

    public async Task InitializeAsync()
    {
        await _storage.InitializeAsync();
        _clients = _storage.Open(_time);
        _store = (IDeskStore)_clients;
        _accounts = new UserAccounts(_store, _time);
    }

    public async Task DisposeAsync()
    {
        _clients.Dispose();
        await _storage.DisposeAsync();
    }

    [StoreFact]
    public async Task A_created_user_signs_in_with_their_password_only()
    {
        var anna = await _accounts.CreateUserAsync("anna", "Anna Petrova (1001)", "Agent", "1001@default", "1001", "correct horse");

        anna.Should().BeEquivalentTo(new { UserName = "anna", DisplayName = "Anna Petrova (1001)", Role = UserRoles.Agent, Agent = "1001@default", Extension = "1001", CreatedAt = Start });
        anna.PasswordHash.Should().NotBeEmpty().And.NotContain("correct horse");

        (await _accounts.VerifyAsync("anna", "correct horse"))!.Id.Should().Be(anna.Id);
        (await _accounts.VerifyAsync("ANNA", "correct horse"))!.Id.Should().Be(anna.Id, "names are case-insensitive");
        (await _accounts.VerifyAsync("anna", "Correct horse")).Should().BeNull();
        (await _accounts.VerifyAsync("anna", string.Empty)).Should().BeNull();
        (await _accounts.VerifyAsync("nobody", "correct horse")).Should().BeNull();
        (await _accounts.VerifyAsync("bad name!", "correct horse")).Should().BeNull();
    }

    [StoreTheory]
    [InlineData("", "agent", "password1", "user name")]
    [InlineData("anna petrova", "agent", "password1", "user name")]
    [InlineData("anna\n", "agent", "password1", "user name")]
    [InlineData("a-65-chars-long-name-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "agent", "password1", "user name")]
    [InlineData("anna", "root", "password1", "role")]
    [InlineData("anna", "agent", "short", "password")]
    public async Task Invalid_users_are_refused_with_what_is_wrong(string name, string role, string password, string what)
    {
        await _accounts.Invoking(a => a.CreateUserAsync(name, null, role, null, null, password)).Should().ThrowAsync<ArgumentException>().WithMessage($"*{what}*");
        (await _store.CountUsersAsync()).Should().Be(0);
    }

    [StoreFact]
    public async Task Names_up_to_64_of_the_allowed_characters_are_accepted()
    {
        var longest = new string('a', 60) + ".@_-";
        var user = await _accounts.CreateUserAsync(longest, " ", UserRoles.Admin, null, null, "12345678");
        user.DisplayName.Should().Be(longest, "a blank display name becomes the user name");
        (await _accounts.CreateUserAsync("x", null, UserRoles.Supervisor, null, null, "12345678")).Role.Should().Be(UserRoles.Supervisor);
        await _accounts.Invoking(a => a.CreateUserAsync("X", null, UserRoles.Agent, null, null, "12345678")).Should().ThrowAsync<DuplicateClientException>();
    }

    [StoreFact]
    public async Task A_hash_made_with_older_settings_is_replaced_at_sign_in()
    {
        var old = new PasswordHasher<UserAccount>(Options.Create(new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV2 }));
        var user = new UserAccount { UserName = "legacy", Role = UserRoles.Agent };
        user.PasswordHash = old.HashPassword(user, "old password");
        var v2Hash = user.PasswordHash;
        await _store.AddUserAsync(user);

        (await _accounts.VerifyAsync("legacy", "old password")).Should().NotBeNull();

        var stored = (await _store.FindUserAsync("legacy"))!;
        stored.PasswordHash.Should().NotBe(v2Hash);
        Convert.FromBase64String(stored.PasswordHash)[0].Should().Be(0x01, "the current format (Identity v3) starts with 0x01");
        (await _accounts.VerifyAsync("legacy", "old password")).Should().NotBeNull();
        (await _store.FindUserAsync("legacy"))!.PasswordHash.Should().Be(stored.PasswordHash, "a current hash is kept");
        (await _accounts.VerifyAsync("legacy", "wrong password")).Should().BeNull();
    }

    [StoreFact]
    public async Task A_new_password_replaces_the_old_one_and_bumps_the_security_stamp()
    {
        var anna = await _accounts.CreateUserAsync("anna", null, UserRoles.Agent, null, null, "first password");

        var changed = await _accounts.SetPasswordAsync("Anna", "second password");

        changed.SecurityStamp.Should().Be(anna.SecurityStamp + 1);
        (await _accounts.VerifyAsync("anna", "first password")).Should().BeNull();
        (await _accounts.VerifyAsync("anna", "second password"))!.SecurityStamp.Should().Be(changed.SecurityStamp);
        await _accounts.Invoking(a => a.SetPasswordAsync("anna", "short")).Should().ThrowAsync<ArgumentException>();
        await _accounts.Invoking(a => a.SetPasswordAsync("nobody", "long enough")).Should().ThrowAsync<KeyNotFoundException>();
    }

    [StoreFact]
    public async Task A_disabled_user_cannot_sign_in_and_their_tokens_stop_working()
    {
        var anna = await _accounts.CreateUserAsync("anna", null, UserRoles.Agent, null, null, "anna's password");
        var (_, plain) = await _accounts.CreateTokenAsync("crm", "anna", ["read"]);

        var disabled = await _accounts.SetDisabledAsync("anna", disabled: true);

        disabled.SecurityStamp.Should().Be(anna.SecurityStamp + 1);
        (await _accounts.VerifyAsync("anna", "anna's password")).Should().BeNull();
        (await _accounts.ValidateTokenAsync(plain)).Should().BeNull();
        await _accounts.Invoking(a => a.CreateTokenAsync("another", "anna", ["read"])).Should().ThrowAsync<ArgumentException>().WithMessage("*disabled*");

        var enabled = await _accounts.SetDisabledAsync("anna", disabled: false);
        enabled.SecurityStamp.Should().Be(anna.SecurityStamp + 2);
        (await _accounts.VerifyAsync("anna", "anna's password")).Should().NotBeNull();
        (await _accounts.ValidateTokenAsync(plain)).Should().NotBeNull();
    }

    [StoreFact]
    public async Task A_token_is_shown_once_stored_as_its_hash_and_works_until_revoked()
    {
        await _accounts.CreateUserAsync("Integrations", null, UserRoles.Supervisor, null, null, "a long password");

        var (token, plain) = await _accounts.CreateTokenAsync(" crm ", "integrations", ["write", "READ", "read"]);

        plain.Should().MatchRegex("^ivr_[A-Za-z0-9_-]{43}$", "ivr_ and 32 bytes in base64url");
        token.Should().BeEquivalentTo(new { Name = "crm", UserName = "Integrations", CreatedAt = Start });
        token.Scopes.Should().Equal("read", "write");
        token.Hash.Should().MatchRegex("^[0-9a-f]{64}$").And.Be(UserAccounts.HashToken(plain));
        (await _store.TokensAsync()).Should().ContainSingle().Which.Hash.Should().NotContain(plain[4..]);

        var valid = await _accounts.ValidateTokenAsync(plain);
        valid!.Value.Token.Id.Should().Be(token.Id);
        valid.Value.User.UserName.Should().Be("Integrations");

        (await _accounts.ValidateTokenAsync(plain[..^1] + (plain[^1] == 'A' ? 'B' : 'A'))).Should().BeNull();
        (await _accounts.ValidateTokenAsync(plain[4..])).Should().BeNull("without its prefix it is not a token");
        (await _accounts.ValidateTokenAsync(string.Empty)).Should().BeNull();

        (await _store.RevokeTokenAsync(token.Id, Start.AddDays(1))).Should().BeTrue();
        (await _accounts.ValidateTokenAsync(plain)).Should().BeNull();
    }

    [StoreFact]
    public async Task Token_scopes_are_read_and_write_only_and_the_user_must_exist()
    {
        await _accounts.CreateUserAsync("anna", null, UserRoles.Agent, null, null, "a long password");

        await _accounts.Invoking(a => a.CreateTokenAsync("crm", "anna", ["admin"])).Should().ThrowAsync<ArgumentException>().WithMessage("*read, write*");
        await _accounts.Invoking(a => a.CreateTokenAsync("crm", "anna", [])).Should().ThrowAsync<ArgumentException>();
        await _accounts.Invoking(a => a.CreateTokenAsync(" ", "anna", ["read"])).Should().ThrowAsync<ArgumentException>();
        await _accounts.Invoking(a => a.CreateTokenAsync("crm", "nobody", ["read"])).Should().ThrowAsync<KeyNotFoundException>();
        (await _store.TokensAsync()).Should().BeEmpty();
    }

    [StoreFact]
    public void Generated_passwords_are_16_readable_characters_and_differ()
    {
        var passwords = Enumerable.Range(0, 50).Select(_ => UserAccounts.GeneratePassword()).ToList();

        passwords.Should().OnlyHaveUniqueItems();
        passwords.Should().AllSatisfy(p => p.Should().MatchRegex("^[A-HJ-NP-Za-km-z2-9]{16}$"));
        UserAccounts.CheckPassword(passwords[0]).Should().BeNull();
    }
}

/// <summary>Users and tokens on a LiteDB file.</summary>
public sealed class LiteDbUserAccountsTests : UserAccountsTests<LiteDbStorage>;

/// <summary>Users and tokens on PostgreSQL.</summary>
public sealed class PostgresUserAccountsTests : UserAccountsTests<PostgresStorage>;
