namespace IvrEngine.Profiles;

/// <summary>The demo's users, added with the demo clients to a new store: six agents <c>agent1001</c> ..
/// <c>agent1006</c> (mod_callcenter agents <c>1001@default</c> .. <c>1006@default</c>, extensions 1001 ..), a
/// <c>supervisor</c> and an <c>admin</c>, each with a generated password that is printed once and kept nowhere.</summary>
public static class DemoUsers
{
    /// <summary>A demo user: name, display name, role, agent and extension.</summary>
    /// <param name="UserName">Sign-in name.</param>
    /// <param name="DisplayName">Shown on the page.</param>
    /// <param name="Role">One of <see cref="UserRoles"/>.</param>
    /// <param name="Agent">The mod_callcenter agent, for agents.</param>
    /// <param name="Extension">The agent's extension, for agents.</param>
    public sealed record Definition(string UserName, string DisplayName, string Role, string? Agent, string? Extension);

    /// <summary>A user added, with its password (shown once).</summary>
    /// <param name="User">The stored user.</param>
    /// <param name="Password">The generated password.</param>
    public sealed record Created(UserAccount User, string Password);

    /// <summary>Every demo user, in the order they are printed. The names mix the demo's languages, as its clients do.</summary>
    public static IReadOnlyList<Definition> All { get; } =
    [
        Agent(1001, "Anna Petrova"),
        Agent(1002, "Giorgi Beridze"),
        Agent(1003, "John Miller"),
        Agent(1004, "Nino Kapanadze"),
        Agent(1005, "Dmitry Sokolov"),
        Agent(1006, "Maria Garcia"),
        new("supervisor", "Elena Volkova (supervisor)", UserRoles.Supervisor, null, null),
        new("admin", "Administrator", UserRoles.Admin, null, null),
    ];

    /// <summary>Adds the demo users whose name (and agent) is free, each with a generated password; returns those added.
    /// The passwords are hashed in parallel (each hash takes tens of milliseconds by design).</summary>
    public static async Task<IReadOnlyList<Created>> SeedAsync(UserAccounts accounts, IDeskStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentNullException.ThrowIfNull(store);
        var free = new List<Definition>();
        foreach (var definition in All)
        {
            if (await store.FindUserAsync(definition.UserName, cancellationToken) is not null) continue;
            if (definition.Agent is { } agent && await store.FindUserByAgentAsync(agent, cancellationToken) is not null) continue;
            free.Add(definition);
        }

        var created = await Task.WhenAll(free.Select(definition => Task.Run(async () =>
        {
            var password = UserAccounts.GeneratePassword();
            var user = await accounts.CreateUserAsync(definition.UserName, definition.DisplayName, definition.Role, definition.Agent,
                definition.Extension, password, cancellationToken);
            return new Created(user, password);
        }, cancellationToken)));

        // Printed in the order of All, whatever order the hashes finished in.
        return [.. created.OrderBy(c => free.FindIndex(d => d.UserName == c.User.UserName))];
    }

    /// <summary>The sign-in block printed once when the demo users are added.</summary>
    public static async Task WriteAsync(TextWriter output, IReadOnlyList<Created> created)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(created);
        if (created.Count == 0) return;
        var width = created.Max(c => c.User.UserName.Length);
        await output.WriteLineAsync("Demo sign-in (shown once; not stored anywhere, reset with 'users passwd --name <user>'):");
        foreach (var (user, password) in created)
        {
            var what = user.Agent is null ? user.Role : $"{user.Role}, {user.Agent}";
            await output.WriteLineAsync($"  {user.UserName.PadRight(width)} / {password}   ({what})");
        }

        await output.FlushAsync();
    }

    private static Definition Agent(int extension, string name)
    {
        var number = extension.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new("agent" + number, $"{name} ({number})", UserRoles.Agent, number + "@default", number);
    }
}

/// <summary>Where the engine prints what must be seen once at start and must not go to the logs (the demo users'
/// passwords): the console by default; tests give a writer of their own.</summary>
/// <param name="Out">The writer.</param>
public sealed record StartupConsole(TextWriter Out);
