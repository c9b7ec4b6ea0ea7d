using IvrEngine.Hosting;

namespace IvrEngine.Tests.Hosting;

/// <summary>A wrong setting stops the engine's start with a plain message naming it and exit code 2, never a crash
/// with a stack trace: the built engine run as a child process.</summary>
public sealed class StartRefusalTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("ivrengine-refusal-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Theory]
    [InlineData("--Engine:ListenPort=abc", "Engine:ListenPort")]
    [InlineData("Engine:ListenPort=abc", "Engine:ListenPort")]
    [InlineData("/Engine:ListenPort=abc", "Engine:ListenPort")]
    [InlineData("--Engine:MaxLiveCalls=", "Engine:MaxLiveCalls")]
    [InlineData("--Web:Urls=garbage", "Web:Urls")]
    [InlineData("--Web:SessionMinutes=1.5", "Web:SessionMinutes")]
    [InlineData("--Routing:Rules:0:Priority=high", "Routing:Rules:0:Priority")]
    [InlineData("--Classification:Rules:0:MinOverdue=lots", "Classification:Rules:0:MinOverdue")]
    [InlineData("--Flows:Budgets:ChannelVariables:ValueBytes=big", "Flows:Budgets:ChannelVariables:ValueBytes")]
    [InlineData("--Store:SeedDemoData=yes please", "Store:SeedDemoData")]
    [InlineData("--Store:CacheClients=lots", "Store:CacheClients")]
    [InlineData("--Store:GroupCommitMilliseconds=soon", "Store:GroupCommitMilliseconds")]
    [InlineData("--Statistics:FlushSeconds=soon", "Statistics:FlushSeconds")]
    [InlineData("--Web:Admin:UserName:First=x", "Web:Admin:UserName")]
    public async Task A_value_that_does_not_bind_stops_the_start_naming_the_setting(string setting, string named)
    {
        var run = await EngineProcess.RunAsync([.. Common(), setting]);

        AssertRefused(run, named);
    }

    [Fact]
    public async Task A_bad_value_in_the_environment_stops_the_start_naming_the_setting()
    {
        var run = await EngineProcess.RunAsync(Common(), new Dictionary<string, string> { ["Engine__Inbound__Enabled"] = "maybe" });

        AssertRefused(run, "Engine:Inbound:Enabled");
        run.Error.Should().Contain("maybe");
    }

    [Theory]
    [InlineData("--Engine:ListenPrt=9000", "Engine:ListenPrt", "Engine:ListenPort")]
    [InlineData("--Routing:Rules:1:Queues=vip", "Routing:Rules:1:Queues", "Routing:Rules:1:Queue")]
    [InlineData("--Web:Url=http://127.0.0.1:0", "Web:Url", "Web:Urls")]
    public async Task An_unknown_key_in_a_section_of_the_engine_stops_the_start_with_a_suggestion(string setting, string named, string suggested)
    {
        var run = await EngineProcess.RunAsync([.. Common(), setting]);

        AssertRefused(run, named);
        run.Error.Should().Contain("did you mean " + suggested);
    }

    [Theory]
    [InlineData("Store:CacheClients", "-1", "Store:CacheClients must be a whole number from 0")]
    [InlineData("Store:CacheClients", "10000001", "Store:CacheClients must be a whole number from 0")]
    [InlineData("Store:GroupCommitMilliseconds", "-1", "Store:GroupCommitMilliseconds must be a whole number of milliseconds from 0")]
    [InlineData("Store:GroupCommitMilliseconds", "1001", "Store:GroupCommitMilliseconds must be a whole number of milliseconds from 0")]
    public async Task A_store_setting_out_of_range_stops_the_start_with_exit_2(string setting, string value, string message)
    {
        var run = await EngineProcess.RunAsync([.. Common(), $"--{setting}={value}"]);

        AssertRefused(run, message);
    }

    [Theory]
    [InlineData("Statistics:FlushSeconds", "0", "Statistics:FlushSeconds must be a whole number of seconds from 1 to 300")]
    [InlineData("Statistics:PairFlushSeconds", "7200", "Statistics:PairFlushSeconds must be a whole number of seconds from 1 to 3600")]
    [InlineData("Statistics:MaxCalls", "5", "Statistics:MaxCalls must be a whole number from 100 to 1000000")]
    public async Task A_statistics_setting_out_of_range_stops_the_start_with_exit_2(string setting, string value, string message)
    {
        var run = await EngineProcess.RunAsync([.. Common(), $"--{setting}={value}"]);

        AssertRefused(run, message);
    }

    [Theory]
    [InlineData("not a uri")]
    [InlineData("collector:4317")]
    [InlineData("ftp://127.0.0.1:4317")]
    [InlineData("/v1/metrics")]
    public async Task An_OTLP_endpoint_that_is_not_an_http_address_stops_the_start_with_exit_2(string endpoint)
    {
        var run = await EngineProcess.RunAsync([.. Common(), $"--Telemetry:Otlp:Endpoint={endpoint}"]);

        AssertRefused(run, $"Telemetry:Otlp:Endpoint \"{endpoint}\" is not an absolute http:// or https:// address");
    }

    [Fact]
    public async Task An_unknown_OTLP_protocol_stops_the_start_naming_the_setting()
    {
        var run = await EngineProcess.RunAsync([.. Common(), "--Telemetry:Otlp:Protocol=udp"]);

        AssertRefused(run, "Telemetry:Otlp:Protocol");
        run.Error.Should().Contain("Grpc, HttpProtobuf");
    }

    [Fact]
    public async Task A_missing_flows_folder_stops_the_start_with_exit_2()
    {
        var run = await EngineProcess.RunAsync([.. Common(), "--Flows:Path=" + Path.Combine(_temp.FullName, "no-such-folder")]);

        AssertRefused(run, "Flows:Path");
        run.Error.Should().Contain("no-such-folder");
        File.Exists(Path.Combine(_temp.FullName, "clients.db")).Should().BeFalse("a start refused for its flows makes no store");
    }

    [Fact]
    public async Task A_broken_flow_at_start_stops_it_with_exit_2_and_every_problem()
    {
        var flows = Directory.CreateDirectory(Path.Combine(_temp.FullName, "flows"));
        await File.WriteAllTextAsync(Path.Combine(flows.FullName, "broken.yaml"), "flow: broken\ndefault: true\nstart: welcome\nsteps:\n  welcome:\n    play: ivr/ivr-welcome.wav\n    next: nowhere\n");

        var run = await EngineProcess.RunAsync([.. Common(), "--Flows:Path=" + flows.FullName]);

        AssertRefused(run, "broken.yaml:");
        run.Error.Should().Contain("nowhere");
        File.Exists(Path.Combine(_temp.FullName, "clients.db")).Should().BeFalse("a start refused for its flows makes no store");
    }

    [Fact]
    public async Task An_appsettings_json_with_a_syntax_error_stops_the_start_naming_the_file()
    {
        // A content root of its own: the engine reads appsettings.json there.
        var root = Directory.CreateDirectory(Path.Combine(_temp.FullName, "root"));
        await File.WriteAllTextAsync(Path.Combine(root.FullName, "appsettings.json"), "{ \"Engine\": { \"ListenPort\": 8084, }\n  \"Web\": ");

        var run = await EngineProcess.RunAsync([.. Common(), "--contentRoot=" + root.FullName]);

        AssertRefused(run, "appsettings.json");
    }

    private string[] Common() =>
    [
        "--Store:Path=" + Path.Combine(_temp.FullName, "clients.db"), "--Store:SeedDemoData=false",
        "--Engine:ListenPort=" + EngineProcess.FreePort(), "--Web:Urls=http://127.0.0.1:" + EngineProcess.FreePort(),
        "--Flows:Path=" + Path.Combine(AppContext.BaseDirectory, "flows"),
    ];

    private static void AssertRefused(ProcessRun run, string named)
    {
        run.ExitCode.Should().Be(EngineCli.UsageError, run.All);
        run.Error.Should().StartWith("IvrEngine cannot start").And.Contain(named);
        run.HasStackTrace.Should().BeFalse(run.All);
    }
}
