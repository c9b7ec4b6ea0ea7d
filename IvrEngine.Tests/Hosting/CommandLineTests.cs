using IvrEngine.Hosting;

namespace IvrEngine.Tests.Hosting;

/// <summary>Words on the engine's command line that are not a setting: <c>--version</c> prints and exits, a mistyped
/// command is refused with a suggestion; neither starts the engine.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("ivrengine-cli-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Version_prints_the_version_and_exits_0_without_starting()
    {
        var run = await EngineProcess.RunAsync(["--version", .. Common()]);

        run.ExitCode.Should().Be(EngineCli.Ok, run.All);
        run.Output.Trim().Should().MatchRegex(@"^\d+\.\d+\.\d+\S*$");
        run.Error.Should().BeEmpty();
        File.Exists(Path.Combine(_temp.FullName, "clients.db")).Should().BeFalse("the store is not opened");
    }

    [Theory]
    [InlineData("simualte", "simulate")]
    [InlineData("valdate", "validate")]
    [InlineData("imprt", "import")]
    public async Task A_mistyped_command_prints_the_usage_with_a_suggestion_and_exits_2(string typed, string meant)
    {
        var run = await EngineProcess.RunAsync([typed, "bank", .. Common()]);

        run.ExitCode.Should().Be(EngineCli.UsageError, run.All);
        run.Error.Should().Contain($"'{typed}'").And.Contain("Did you mean").And.Contain(meant).And.Contain("Usage:");
        run.HasStackTrace.Should().BeFalse(run.All);
        File.Exists(Path.Combine(_temp.FullName, "clients.db")).Should().BeFalse("the store is not opened");
    }

    [Theory]
    [InlineData("--Engine:ListenPort=abc", "Engine:ListenPort \"abc\" is not a whole number")]
    [InlineData("--Routing:Rules:0:Priority=high", "Routing:Rules:0:Priority \"high\" is not a whole number")]
    [InlineData("--Flows:Budgets:Uui:MaxByte=100", "did you mean Flows:Budgets:Uui:MaxBytes?")]
    public async Task A_command_refuses_the_configuration_the_engine_would_refuse(string setting, string message)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await EngineCli.RunAsync(["validate", Path.Combine(AppContext.BaseDirectory, "flows"), setting], TextReader.Null, output, error);

        code.Should().Be(EngineCli.UsageError, error.ToString());
        error.ToString().Should().StartWith("error: the configuration is invalid:").And.Contain(message);
        output.ToString().Should().BeEmpty();
    }

    private string[] Common() =>
    [
        "--Store:Path=" + Path.Combine(_temp.FullName, "clients.db"), "--Store:SeedDemoData=false",
        "--Engine:ListenPort=" + EngineProcess.FreePort(), "--Web:Urls=http://127.0.0.1:" + EngineProcess.FreePort(),
    ];
}
