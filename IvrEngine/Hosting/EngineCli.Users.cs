using System.CommandLine;
using System.Globalization;
using IvrEngine.Profiles;

namespace IvrEngine.Hosting;

/// <summary>The <c>users</c> and <c>tokens</c> commands: the web app's users and API tokens, in the store the
/// engine uses (stop the engine first: one process opens the file).</summary>
public static partial class EngineCli
{
    private static Command UsersCommand(string[] configArgs, TextReader input, TextWriter output, TextWriter error)
    {
        var users = new Command("users", "Manage the web app's users: add, list, passwd, disable.");

        var addName = NameOption("The sign-in name: 1 to 64 of A-Z a-z 0-9 . _ @ -.");
        var role = new Option<string>("--role") { Description = "agent, supervisor or admin.", Required = true };
        var display = new Option<string?>("--display") { Description = "The name shown on the page (default: the sign-in name)." };
        var agent = new Option<string?>("--agent") { Description = "The mod_callcenter agent the user works as, e.g. 1001@default." };
        var extension = new Option<string?>("--extension") { Description = "The agent's extension, e.g. 1001." };
        var addStdin = PasswordStdinOption();
        var add = new Command("add", "Add a user. Without --password-stdin a password is generated and printed once.")
        {
            addName, role, display, agent, extension, addStdin,
        };
        add.SetAction((result, ct) => AddUserAsync(configArgs, new NewUser(result.GetValue(addName)!, result.GetValue(role)!, result.GetValue(display),
            result.GetValue(agent), result.GetValue(extension), result.GetValue(addStdin)), input, output, error, ct));
        users.Subcommands.Add(add);

        var list = new Command("list", "List the users (never their passwords).");
        list.SetAction((_, ct) => ListUsersAsync(configArgs, output, error, ct));
        users.Subcommands.Add(list);

        var passwdName = NameOption("The user.");
        var passwdStdin = PasswordStdinOption();
        var passwd = new Command("passwd", "Set a user's password (their sign-ins end). Without --password-stdin one is generated and printed once.")
        {
            passwdName, passwdStdin,
        };
        passwd.SetAction((result, ct) => SetPasswordAsync(configArgs, result.GetValue(passwdName)!, result.GetValue(passwdStdin), input, output, error, ct));
        users.Subcommands.Add(passwd);

        var disableName = NameOption("The user.");
        var disable = new Command("disable", "Disable a user: no sign-in, their sessions end and their API tokens stop working.") { disableName };
        disable.SetAction((result, ct) => DisableUserAsync(configArgs, result.GetValue(disableName)!, output, error, ct));
        users.Subcommands.Add(disable);
        return users;
    }

    private static Command TokensCommand(string[] configArgs, TextWriter output, TextWriter error)
    {
        var tokens = new Command("tokens", "Manage API tokens (Authorization: Bearer ivr_...): create, list, revoke.");

        var name = NameOption("What the token is for.");
        var user = new Option<string>("--user") { Description = "The user the token acts as.", Required = true };
        var scopes = new Option<string>("--scopes") { Description = "read, write or read,write.", Required = true };
        var create = new Command("create", "Create a token and print it once (only its hash is stored).") { name, user, scopes };
        create.SetAction((result, ct) => CreateTokenAsync(configArgs, result.GetValue(name)!, result.GetValue(user)!, result.GetValue(scopes)!, output, error, ct));
        tokens.Subcommands.Add(create);

        var list = new Command("list", "List the tokens (id, name, user, scopes, created, revoked; never the token or its hash).");
        list.SetAction((_, ct) => ListTokensAsync(configArgs, output, error, ct));
        tokens.Subcommands.Add(list);

        var id = new Option<string>("--id") { Description = "The token's id (from tokens list).", Required = true };
        var revoke = new Command("revoke", "Revoke a token: it stops working at once.") { id };
        revoke.SetAction((result, ct) => RevokeTokenAsync(configArgs, result.GetValue(id)!, output, error, ct));
        tokens.Subcommands.Add(revoke);
        return tokens;
    }

    private static Option<string> NameOption(string description) => new("--name") { Description = description, Required = true };

    private static Option<bool> PasswordStdinOption() =>
        new("--password-stdin") { Description = "Read the password from the first line of standard input (it is not echoed or printed)." };

    private sealed record NewUser(string Name, string Role, string? Display, string? Agent, string? Extension, bool PasswordStdin);

    private static async Task<int> AddUserAsync(string[] configArgs, NewUser user, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        foreach (var problem in new[]
                 {
                     UserAccounts.CheckUserName(user.Name), UserAccounts.CheckRole(user.Role), UserAccounts.CheckAgent(user.Agent),
                     UserAccounts.CheckExtension(user.Extension),
                 })
        {
            if (problem is not null) return await UsageAsync(error, problem);
        }

        var (password, generated) = await PasswordAsync(user.PasswordStdin, input, error);
        if (password is null) return UsageError;

        return await WithDeskAsync(configArgs, error, async (store, accounts) =>
        {
            UserAccount added;
            try
            {
                added = await accounts.CreateUserAsync(user.Name, user.Display, user.Role, user.Agent, user.Extension, password, cancellationToken);
            }
            catch (DuplicateClientException ex)
            {
                return await UsageAsync(error, ex.Message);
            }

            await output.WriteLineAsync($"Added user {added.UserName} ({Describe(added)}).");
            if (generated) await WritePasswordAsync(output, added.UserName, password);
            return Ok;
        });
    }

    private static Task<int> ListUsersAsync(string[] configArgs, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        WithDeskAsync(configArgs, error, async (store, _) =>
        {
            var users = await store.UsersAsync(cancellationToken);
            if (users.Count == 0)
            {
                await output.WriteLineAsync("No users. Add one with: users add --name <name> --role admin");
                return Ok;
            }

            await WriteTableAsync(output, ["NAME", "ROLE", "AGENT", "EXTENSION", "STATE", "DISPLAY NAME"],
                users.Select(u => new[] { u.UserName, u.Role, u.Agent ?? "-", u.Extension ?? "-", u.Disabled ? "disabled" : "active", u.DisplayName }));
            return Ok;
        });

    private static async Task<int> SetPasswordAsync(string[] configArgs, string name, bool fromStdin, TextReader input, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        var (password, generated) = await PasswordAsync(fromStdin, input, error);
        if (password is null) return UsageError;
        return await WithDeskAsync(configArgs, error, async (_, accounts) =>
        {
            UserAccount user;
            try
            {
                user = await accounts.SetPasswordAsync(name, password, cancellationToken);
            }
            catch (KeyNotFoundException ex)
            {
                return await UsageAsync(error, ex.Message);
            }

            await output.WriteLineAsync($"Password of {user.UserName} changed; their sign-ins have ended.");
            if (generated) await WritePasswordAsync(output, user.UserName, password);
            return Ok;
        });
    }

    private static Task<int> DisableUserAsync(string[] configArgs, string name, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        WithDeskAsync(configArgs, error, async (_, accounts) =>
        {
            try
            {
                var user = await accounts.SetDisabledAsync(name, disabled: true, cancellationToken);
                await output.WriteLineAsync($"User {user.UserName} disabled: they cannot sign in, their sessions end and their API tokens stop working.");
                return Ok;
            }
            catch (KeyNotFoundException ex)
            {
                return await UsageAsync(error, ex.Message);
            }
        });

    private static async Task<int> CreateTokenAsync(string[] configArgs, string name, string userName, string scopesText, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        var scopes = scopesText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (UserAccounts.CheckScopes(scopes) is { } badScopes) return await UsageAsync(error, badScopes);
        if (string.IsNullOrWhiteSpace(name)) return await UsageAsync(error, "The token needs a name (what it is for).");

        return await WithDeskAsync(configArgs, error, async (_, accounts) =>
        {
            try
            {
                var (token, plain) = await accounts.CreateTokenAsync(name, userName, scopes, cancellationToken);
                await output.WriteLineAsync($"Token {token.Id} '{token.Name}' for {token.UserName} ({string.Join(", ", token.Scopes)}):");
                await output.WriteLineAsync(plain);
                await output.WriteLineAsync("It is shown only now: only its hash is stored. Keep it secret; revoke it with: tokens revoke --id " + token.Id);
                return Ok;
            }
            catch (Exception ex) when (ex is KeyNotFoundException or ArgumentException)
            {
                return await UsageAsync(error, ex is ArgumentException { ParamName: not null } argument
                    ? argument.Message.Replace($" (Parameter '{argument.ParamName}')", string.Empty, StringComparison.Ordinal)
                    : ex.Message);
            }
        });
    }

    private static Task<int> ListTokensAsync(string[] configArgs, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        WithDeskAsync(configArgs, error, async (store, _) =>
        {
            var tokens = await store.TokensAsync(cancellationToken);
            if (tokens.Count == 0)
            {
                await output.WriteLineAsync("No tokens.");
                return Ok;
            }

            await WriteTableAsync(output, ["ID", "NAME", "USER", "SCOPES", "CREATED", "REVOKED"], tokens.Select(t => new[]
            {
                t.Id.ToString(), t.Name, t.UserName, string.Join(",", t.Scopes), Time(t.CreatedAt), t.RevokedAt is { } revoked ? Time(revoked) : "-",
            }));
            return Ok;
        });

    private static async Task<int> RevokeTokenAsync(string[] configArgs, string idText, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(idText, out var id)) return await UsageAsync(error, $"'{idText}' is not a token id (tokens list shows them).");
        return await WithDeskAsync(configArgs, error, async (store, _) =>
        {
            if (!await store.RevokeTokenAsync(id, TimeProvider.System.GetUtcNow(), cancellationToken))
            {
                return await UsageAsync(error, $"There is no token {id}.");
            }

            await output.WriteLineAsync($"Token {id} revoked.");
            return Ok;
        });
    }

    /// <summary>Opens the store as import and export do (same settings, same messages) and runs <paramref name="work"/> on it.</summary>
    private static async Task<int> WithDeskAsync(string[] configArgs, TextWriter error, Func<IDeskStore, UserAccounts, Task<int>> work)
    {
        var options = await StoreOptionsAsync(configArgs, error);
        if (options is null) return UsageError;
        var (opened, code) = await OpenStoreAsync(options, error);
        if (opened is null) return code;
        using var store = opened;
        var desk = (IDeskStore)store;
        return await work(desk, new UserAccounts(desk));
    }

    /// <summary>The password from the first line of <paramref name="input"/>, or a generated one; null (with the reason
    /// printed) when the one given is too short.</summary>
    private static async Task<(string? Password, bool Generated)> PasswordAsync(bool fromStdin, TextReader input, TextWriter error)
    {
        if (!fromStdin) return (UserAccounts.GeneratePassword(), true);
        var line = await input.ReadLineAsync();
        if (UserAccounts.CheckPassword(line) is { } problem)
        {
            await UsageAsync(error, problem + " (read from the first line of standard input)");
            return (null, false);
        }

        return (line, false);
    }

    private static async Task WritePasswordAsync(TextWriter output, string userName, string password)
    {
        await output.WriteLineAsync($"Password of {userName}: {password}");
        await output.WriteLineAsync("It is shown only now: only its hash is stored.");
    }

    private static async Task<int> UsageAsync(TextWriter error, string message)
    {
        await error.WriteLineAsync("error: " + message);
        return UsageError;
    }

    private static string Describe(UserAccount user) =>
        user.Agent is null ? user.Role : $"{user.Role}, agent {user.Agent}" + (user.Extension is null ? string.Empty : $", extension {user.Extension}");

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static async Task WriteTableAsync(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = header.Select((_, column) => all.Max(row => row[column].Length)).ToArray();
        foreach (var row in all)
        {
            await output.WriteLineAsync(string.Join("  ", row.Select((cell, column) => column == row.Length - 1 ? cell : cell.PadRight(widths[column]))).TrimEnd());
        }
    }
}
