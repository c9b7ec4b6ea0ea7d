using IvrEngine.Hosting;
using IvrEngine.Profiles;

namespace IvrEngine.Tests.Profiles;

public sealed class CliTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ivrengine-cli-" + Guid.NewGuid().ToString("N"));

    public CliTests() => Directory.CreateDirectory(_folder);

    private string Db => Path.Combine(_folder, "store", "clients.db");

    private string StoreArg => "--Store:Path=" + Db;

    [Fact]
    public async Task Import_prints_the_report_and_export_writes_the_clients()
    {
        var csv = Path.Combine(_folder, "clients.csv");
        await File.WriteAllTextAsync(csv, ImportText.Csv(
            "Anna Smith,,+15551234567,1001,4111111111111111,vip,en,,,,,,,,",
            "Bad Phone,,abc,1002,,,,,,,,,,,",
            "Bob Jones,,+15551234568,1003,,,,,,,,,,,"));

        var (code, output, error) = await RunAsync("import", csv, StoreArg);

        code.Should().Be(0, error);
        output.Should().Contain("read 3, imported 2, rejected 1");
        output.Should().Contain("line 3 (Bad Phone): phone 'abc' is not a phone number");

        var json = Path.Combine(_folder, "out.json");
        (code, output, error) = await RunAsync("export", json, StoreArg);
        code.Should().Be(0, error);
        output.Should().Contain("Exported 2 clients");
        var text = await File.ReadAllTextAsync(json);
        text.Should().Contain("Anna Smith").And.Contain("****1111").And.NotContain("4111111111111111");

        // The export imports again: into a new store everything goes in, into the same one every row clashes.
        (code, output, _) = await RunAsync("import", json, "--Store:Path", Path.Combine(_folder, "copy.db"));
        code.Should().Be(0);
        output.Should().Contain("read 2, imported 2, rejected 0");
        (code, output, _) = await RunAsync(StoreArg, "import", "--format", "json", json);
        code.Should().Be(0);
        output.Should().Contain("read 2, imported 0, rejected 2");
        output.Should().MatchRegex(@"item [12] \(Anna Smith\): phone \+15551234567 already belongs to client Anna Smith");
    }

    [Fact]
    public async Task An_unreadable_file_exits_1_with_a_plain_message()
    {
        var (code, _, error) = await RunAsync("import", Path.Combine(_folder, "missing.csv"), StoreArg);
        code.Should().Be(1);
        error.Should().Contain("missing.csv").And.Contain("no such file");

        var bad = Path.Combine(_folder, "bad.json");
        await File.WriteAllTextAsync(bad, "{ \"name\": \"not an array\" }");
        (code, _, error) = await RunAsync("import", bad, StoreArg);
        code.Should().Be(1);
        error.Should().Contain("array of client objects");
    }

    [Fact]
    public async Task Usage_errors_exit_2()
    {
        var file = Path.Combine(_folder, "clients.txt");
        await File.WriteAllTextAsync(file, "name\nA\n");

        (await RunAsync("import", file, StoreArg)).Code.Should().Be(2, "the format cannot be told from .txt");
        (await RunAsync("import", file, "--format", "xml", StoreArg)).Code.Should().Be(2);
        (await RunAsync("import", StoreArg)).Code.Should().Be(2);
        (await RunAsync("import", file, "--format", "csv", "--Store:DefaultRegion=usa", StoreArg)).Error.Should().Contain("DefaultRegion");
        var badCache = await RunAsync("import", file, "--format", "csv", "--Store:CacheClients=-5", StoreArg);
        badCache.Code.Should().Be(2);
        badCache.Error.Should().Contain("Store:CacheClients must be a whole number from 0");

        var (code, output, _) = await RunAsync("import", file, "--format", "csv", StoreArg);
        code.Should().Be(0);
        output.Should().Contain("imported 1");
    }

    [Fact]
    public async Task Help_lists_the_commands_but_not_the_hidden_one()
    {
        var (code, output, _) = await RunAsync("--help");
        code.Should().Be(0);
        output.Should().Contain("import").And.Contain("export").And.NotContain("store-burst");
    }

    [Fact]
    public void Configuration_arguments_are_split_from_the_command_line()
    {
        var (command, config) = EngineCli.SplitConfigurationArgs(["import", "--Store:Path=/x.db", "a.csv", "--Store:DefaultRegion", "GE", "--format", "csv"]);
        command.Should().Equal("import", "a.csv", "--format", "csv");
        config.Should().Equal("--Store:Path=/x.db", "--Store:DefaultRegion", "GE");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await EngineCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
