using System.Text.RegularExpressions;
using IvrEngine.Hosting;
using IvrEngine.Profiles;

namespace IvrEngine.Tests.Profiles;

/// <summary>The users and tokens commands, run as the engine runs them, on a store file checked afterwards.</summary>
public sealed partial class UsersCliTests : IDisposable
{
    private readonly StoreTempFolder _temp = new();

    private string StoreArg => "--Store:Path=" + _temp.DbPath;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Users_add_list_passwd_and_disable()
    {
        var (code, output, error) = await RunAsync(null, "users", "add", "--name", "agent1001", "--role", "agent", "--display", "Anna Petrova (1001)",
            "--agent", "1001@default", "--extension", "1001", StoreArg);
        code.Should().Be(0, error);
        output.Should().Contain("Added user agent1001").And.Contain("shown only now");
        var generated = PasswordLine().Match(output).Groups[1].Value;
        generated.Should().HaveLength(UserAccounts.GeneratedPasswordLength);

        (code, output, error) = await RunAsync("typed password\n", "users", "add", "--name", "Boss", "--role", "admin", "--password-stdin", StoreArg);
        code.Should().Be(0, error);
        output.Should().NotContain("typed password", "a password given is not printed back");

        (code, output, _) = await RunAsync(null, "users", "list", StoreArg);
        code.Should().Be(0);
        output.Should().MatchRegex(@"agent1001\s+agent\s+1001@default\s+1001\s+active\s+Anna Petrova \(1001\)");
        output.Should().MatchRegex(@"Boss\s+admin\s+-\s+-\s+active");
        output.Should().NotContain("AQAAAA", "no hash is listed");

        await WithAccountsAsync(async accounts =>
        {
            (await accounts.VerifyAsync("agent1001", generated)).Should().NotBeNull();
            (await accounts.VerifyAsync("boss", "typed password")).Should().NotBeNull();
        });

        (code, output, error) = await RunAsync("new password\n", "users", "passwd", "--name", "AGENT1001", "--password-stdin", StoreArg);
        code.Should().Be(0, error);
        (code, output, error) = await RunAsync(null, "users", "passwd", "--name", "boss", StoreArg);
        code.Should().Be(0, error);
        var regenerated = PasswordLine().Match(output).Groups[1].Value;
        (code, output, error) = await RunAsync(null, "users", "disable", "--name", "agent1001", StoreArg);
        code.Should().Be(0, error);
        output.Should().Contain("agent1001 disabled");

        await WithAccountsAsync(async accounts =>
        {
            (await accounts.VerifyAsync("agent1001", "new password")).Should().BeNull("disabled");
            (await accounts.VerifyAsync("boss", "typed password")).Should().BeNull();
            (await accounts.VerifyAsync("boss", regenerated)).Should().NotBeNull();
        });
        (await RunAsync(null, "users", "list", StoreArg)).Output.Should().MatchRegex(@"agent1001\s.*\sdisabled\s");
    }

    [Theory]
    [InlineData(null, "users", "add", "--name", "anna petrova", "--role", "agent")]
    [InlineData(null, "users", "add", "--name", "anna", "--role", "root")]
    [InlineData(null, "users", "add", "--name", "anna", "--role", "agent", "--agent", "not an agent")]
    [InlineData("short\n", "users", "add", "--name", "anna", "--role", "agent", "--password-stdin")]
    [InlineData("", "users", "add", "--name", "anna", "--role", "agent", "--password-stdin")]
    [InlineData(null, "users", "add", "--role", "agent")]
    [InlineData(null, "users", "passwd", "--name", "nobody")]
    [InlineData(null, "users", "disable", "--name", "nobody")]
    [InlineData(null, "users", "frobnicate")]
    [InlineData(null, "tokens", "create", "--name", "crm", "--user", "nobody", "--scopes", "read")]
    [InlineData(null, "tokens", "create", "--name", "crm", "--user", "admin", "--scopes", "read,admin")]
    [InlineData(null, "tokens", "create", "--name", "crm", "--user", "admin")]
    [InlineData(null, "tokens", "revoke", "--id", "not-a-guid")]
    [InlineData(null, "tokens", "revoke", "--id", "6f9619ff-8b86-d011-b42d-00cf4fc964ff")]
    public async Task Bad_input_exits_2_with_a_plain_message(string? stdin, params string[] args)
    {
        var (code, _, error) = await RunAsync("a long password\n", "users", "add", "--name", "admin", "--role", "admin", "--password-stdin", StoreArg);
        code.Should().Be(0, error);

        (code, var output, error) = await RunAsync(stdin, [.. args, StoreArg]);

        code.Should().Be(2, output);
        error.Should().StartWith("error: ").And.NotContain("   at ", "no stack trace");
        await WithAccountsAsync(async accounts => (await accounts.VerifyAsync("anna", "a long password")).Should().BeNull());
    }

    [Fact]
    public async Task A_taken_name_exits_2()
    {
        (await RunAsync(null, "users", "add", "--name", "anna", "--role", "agent", StoreArg)).Code.Should().Be(0);

        var (code, _, error) = await RunAsync(null, "users", "add", "--name", "Anna", "--role", "agent", StoreArg);

        code.Should().Be(2);
        error.Should().Contain("taken");
    }

    [Fact]
    public async Task Tokens_create_list_and_revoke()
    {
        (await RunAsync(null, "users", "add", "--name", "crm-bot", "--role", "supervisor", StoreArg)).Code.Should().Be(0);

        var (code, output, error) = await RunAsync(null, "tokens", "create", "--name", "CRM sync", "--user", "crm-bot", "--scopes", "read, write", StoreArg);
        code.Should().Be(0, error);
        var plain = TokenLine().Match(output).Value;
        plain.Should().NotBeEmpty(output);
        output.Should().Contain("shown only now");
        var id = IdLine().Match(output).Groups[1].Value;

        (code, output, _) = await RunAsync(null, "tokens", "list", StoreArg);
        code.Should().Be(0);
        output.Should().MatchRegex($@"{id}\s+CRM sync\s+crm-bot\s+read,write\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+-");
        output.Should().NotContain(plain[4..]).And.NotContain(UserAccounts.HashToken(plain));

        await WithAccountsAsync(async accounts => (await accounts.ValidateTokenAsync(plain))!.Value.User.UserName.Should().Be("crm-bot"));

        (code, output, error) = await RunAsync(null, "tokens", "revoke", "--id", id, StoreArg);
        code.Should().Be(0, error);
        output.Should().Contain($"Token {id} revoked");
        (await RunAsync(null, "tokens", "list", StoreArg)).Output.Should().MatchRegex($@"{id}.*Z\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ");
        await WithAccountsAsync(async accounts => (await accounts.ValidateTokenAsync(plain)).Should().BeNull());
    }

    [Fact]
    public async Task Empty_lists_say_so_and_help_names_the_commands()
    {
        (await RunAsync(null, "users", "list", StoreArg)).Output.Should().Contain("No users");
        (await RunAsync(null, "tokens", "list", StoreArg)).Output.Should().Contain("No tokens");
        var (code, output, _) = await RunAsync(null, "--help");
        code.Should().Be(0);
        output.Should().Contain("users").And.Contain("tokens");
        (await RunAsync(null, "users", "add", "--help")).Output.Should().Contain("--password-stdin").And.Contain("--extension");
    }

    private async Task WithAccountsAsync(Func<UserAccounts, Task> check)
    {
        using var store = _temp.Open();
        await check(new UserAccounts(store));
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string? stdin, params string[] args)
    {
        using var input = new StringReader(stdin ?? string.Empty);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await EngineCli.RunAsync(args, input, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [GeneratedRegex(@"Password of \S+: (\S+)")]
    private static partial Regex PasswordLine();

    [GeneratedRegex(@"^ivr_\S+", RegexOptions.Multiline)]
    private static partial Regex TokenLine();

    [GeneratedRegex(@"^Token ([0-9a-f-]{36}) ", RegexOptions.Multiline)]
    private static partial Regex IdLine();
}
