using IvrEngine.Hosting;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Tests.Profiles;
using IvrEngine.Tests.Support;
using Npgsql;

namespace IvrEngine.Tests.Postgres;

/// <summary>The commands against a PostgreSQL store: <c>migrate</c>, and import, export and users as on a LiteDB file.</summary>
public sealed class PostgresCliTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ivrengine-pgcli-" + Guid.NewGuid().ToString("N"));

    public PostgresCliTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [PostgresFact]
    public async Task Migrate_check_lists_what_is_pending_then_migrate_applies_it_once()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        string[] store = ["--Store:Provider=PostgreSQL", "--Store:ConnectionString=" + database];

        var (code, output, error) = await RunAsync(["migrate", "--check", .. store]);
        code.Should().Be(EngineCli.Failed, error);
        output.Should().Contain("Pending in database ").And.Contain("V001 (store)");

        (code, output, error) = await RunAsync(["migrate", .. store]);
        code.Should().Be(EngineCli.Ok, error);
        output.Should().Contain("Applied V001 (store)").And.Contain($"is current (version {PostgresMigrations.LatestVersion})");

        (code, output, _) = await RunAsync(["migrate", .. store]);
        code.Should().Be(EngineCli.Ok);
        output.Should().NotContain("Applied");
        (code, _, _) = await RunAsync(["migrate", "--check", .. store]);
        code.Should().Be(EngineCli.Ok);
    }

    [PostgresFact]
    public async Task Migrate_refuses_a_litedb_store_and_says_plainly_when_the_server_cannot_be_reached()
    {
        var (code, _, error) = await RunAsync(["migrate", "--Store:Path=" + Path.Combine(_folder, "x.db")]);
        code.Should().Be(EngineCli.UsageError);
        error.Should().Contain("migrate is for Store:Provider=PostgreSQL");

        var nowhere = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = 1, Username = "u", Password = "secret-pw", Database = "d" }.ConnectionString;
        (code, _, error) = await RunAsync(["migrate", "--Store:Provider=PostgreSQL", "--Store:ConnectionString=" + nowhere]);
        code.Should().Be(EngineCli.Failed);
        error.Should().Contain("cannot be used: Failed to connect").And.NotContain("secret-pw");
    }

    [PostgresFact]
    public async Task Import_export_and_users_work_on_postgresql_as_on_a_file()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        string[] store = ["--Store:Provider=PostgreSQL", "--Store:ConnectionString=" + database];
        var csv = Path.Combine(_folder, "clients.csv");
        await File.WriteAllTextAsync(csv, ImportText.Csv(
            "Anna Smith,,+15551234567,1001,4111111111111111,vip,en,,,,,,,,",
            "Bad Phone,,abc,1002,,,,,,,,,,,",
            "Bob Jones,,+15551234568,1003,,,,,,,,,,,"));

        var (code, output, error) = await RunAsync(["import", csv, .. store]);
        code.Should().Be(EngineCli.Ok, error);
        output.Should().Contain("into PostgreSQL database ").And.Contain("read 3, imported 2, rejected 1");
        output.Should().Contain("line 3 (Bad Phone): phone 'abc' is not a phone number");

        var json = Path.Combine(_folder, "out.json");
        (code, output, error) = await RunAsync(["export", json, .. store]);
        code.Should().Be(EngineCli.Ok, error);
        output.Should().Contain("Exported 2 clients");
        (await File.ReadAllTextAsync(json)).Should().Contain("Anna Smith").And.Contain("****1111");

        (code, output, _) = await RunAsync(["import", json, .. store]);
        code.Should().Be(EngineCli.Ok);
        output.Should().Contain("read 2, imported 0, rejected 2");
        output.Should().MatchRegex(@"item [12] \(Anna Smith\): phone \+15551234567 already belongs to client Anna Smith");

        (code, output, error) = await RunAsync(["users", "add", "--name", "root", "--role", "admin", .. store]);
        code.Should().Be(EngineCli.Ok, error);
        (code, output, _) = await RunAsync(["users", "list", .. store]);
        code.Should().Be(EngineCli.Ok);
        output.Should().Contain("root");
        (code, _, error) = await RunAsync(["users", "add", "--name", "ROOT", "--role", "agent", .. store]);
        code.Should().Be(EngineCli.UsageError);
        error.Should().Contain("taken");
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await EngineCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
