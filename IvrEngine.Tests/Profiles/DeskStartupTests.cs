using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Tests.Ivr;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Tests.Profiles;

/// <summary>What the engine's start does for the desk: the first admin of <c>Web:Admin</c>, the demo users printed
/// once with a new demo store, and a start refused for a first admin that cannot be made.</summary>
public sealed class DeskStartupTests : IDisposable
{
    private readonly StoreTempFolder _temp = new();

    private string StoreArg => "--Store:Path=" + _temp.DbPath;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_first_admin_of_the_configuration_is_made_in_a_store_without_users_and_never_again()
    {
        var logs = new LogCapture();
        await using (var engine = await StartAsync(logs, new StringWriter(), "--Web:Admin:UserName=root.admin", "--Web:Admin:Password=first-secret",
                         "--Web:Admin:DisplayName=Root Admin"))
        {
            var accounts = engine.Host.Services.GetRequiredService<UserAccounts>();
            var admin = await accounts.VerifyAsync("root.admin", "first-secret");
            admin.Should().NotBeNull();
            admin!.Role.Should().Be(UserRoles.Admin);
            admin.DisplayName.Should().Be("Root Admin");
            (await engine.Host.Services.GetRequiredService<IDeskStore>().CountUsersAsync()).Should().Be(1, "demo data is off: no demo users");
        }

        logs.Messages(LogLevel.Information).Should().Contain(m => m.Contains("First admin root.admin created", StringComparison.Ordinal));
        logs.Lines.Should().NotContain(l => l.Message.Contains("first-secret", StringComparison.Ordinal));

        // Once the store has a user the setting is not applied again: a changed password there changes nothing.
        await using (var engine = await StartAsync(new LogCapture(), new StringWriter(), "--Web:Admin:UserName=root.admin", "--Web:Admin:Password=second-secret"))
        {
            var accounts = engine.Host.Services.GetRequiredService<UserAccounts>();
            (await accounts.VerifyAsync("root.admin", "first-secret")).Should().NotBeNull();
            (await accounts.VerifyAsync("root.admin", "second-secret")).Should().BeNull();
        }
    }

    [Theory]
    [InlineData("--Web:Admin:UserName=admin", "--Web:Admin:Password=pw12345", "Web:Admin:Password")]
    [InlineData("--Web:Admin:UserName=bad name", "--Web:Admin:Password=long enough", "Web:Admin:UserName")]
    [InlineData("--Web:Admin:UserName=admin", "--Web:Admin:Password=", "set together")]
    public async Task A_first_admin_that_cannot_be_made_stops_the_start_with_exit_2(string name, string password, string expected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await EngineCli.RunAsync(
            [name, password, StoreArg, "--Store:SeedDemoData=false", "--Engine:ListenPort=0", "--Web:Urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=None"],
            output, error).WaitAsync(EngineUnderTest.Patience);

        code.Should().Be(EngineCli.UsageError, error.ToString());
        error.ToString().Should().Contain("configuration is invalid").And.Contain(expected).And.NotContain("pw12345").And.NotContain("long enough");
        using var store = _temp.Open();
        (await store.CountUsersAsync()).Should().Be(0);
    }

    [Fact]
    public async Task Demo_users_come_with_a_new_demo_store_printed_once_and_never_logged()
    {
        var logs = new LogCapture();
        var console = new StringWriter();
        IReadOnlyDictionary<string, string> passwords;
        await using (var engine = await StartAsync(logs, console, "--Store:SeedDemoData=true"))
        {
            var printed = console.ToString();
            printed.Should().Contain("Demo sign-in (shown once");
            passwords = DemoUsers.All.ToDictionary(d => d.UserName, d => PasswordOf(printed, d.UserName));

            var desk = engine.Host.Services.GetRequiredService<IDeskStore>();
            (await desk.CountUsersAsync()).Should().Be(8);
            var agent = (await desk.FindUserByAgentAsync("1003@default"))!;
            agent.Should().BeEquivalentTo(new { UserName = "agent1003", Role = UserRoles.Agent, Extension = "1003" });
            agent.DisplayName.Should().EndWith("(1003)");
            (await desk.FindUserAsync("supervisor"))!.Role.Should().Be(UserRoles.Supervisor);
            (await desk.FindUserAsync("admin"))!.Role.Should().Be(UserRoles.Admin);

            var accounts = engine.Host.Services.GetRequiredService<UserAccounts>();
            foreach (var (user, password) in passwords) (await accounts.VerifyAsync(user, password)).Should().NotBeNull(user);
        }

        logs.Lines.Should().NotContain(l => passwords.Values.Any(p => l.Message.Contains(p, StringComparison.Ordinal)));
        logs.Messages(LogLevel.Information).Should().Contain(m => m.Contains("Demo users added: 8", StringComparison.Ordinal));

        var again = new StringWriter();
        await using (var engine = await StartAsync(new LogCapture(), again, "--Store:SeedDemoData=true"))
        {
            again.ToString().Should().BeEmpty("the passwords are shown once");
            var accounts = engine.Host.Services.GetRequiredService<UserAccounts>();
            (await accounts.VerifyAsync("agent1001", passwords["agent1001"])).Should().NotBeNull("a restart changes nothing");
            (await engine.Host.Services.GetRequiredService<IDeskStore>().CountUsersAsync()).Should().Be(8);
        }
    }

    [Fact]
    public async Task A_configured_admin_named_admin_keeps_its_password_beside_the_demo_users()
    {
        var console = new StringWriter();
        await using var engine = await StartAsync(new LogCapture(), console, "--Store:SeedDemoData=true", "--Web:Admin:UserName=admin",
            "--Web:Admin:Password=configured-password");

        var accounts = engine.Host.Services.GetRequiredService<UserAccounts>();
        (await accounts.VerifyAsync("admin", "configured-password")).Should().NotBeNull();
        console.ToString().Should().Contain("agent1001").And.NotMatchRegex(@"\n\s*admin\s+/");
        (await engine.Host.Services.GetRequiredService<IDeskStore>().CountUsersAsync()).Should().Be(8);
    }

    private static string PasswordOf(string printed, string userName)
    {
        var line = printed.Split('\n').Single(l => l.TrimStart().StartsWith(userName + " ", StringComparison.Ordinal));
        return line.Split('/', 2)[1].Trim().Split(' ')[0];
    }

    private Task<EngineUnderTest> StartAsync(LogCapture logs, StringWriter console, params string[] settings) =>
        EngineUnderTest.StartAsync(null, services =>
        {
            services.AddSingleton<ILoggerProvider>(logs);
            services.AddSingleton(new StartupConsole(console));
        }, [StoreArg, "--Logging:LogLevel:Default=Information", .. settings]);
}
