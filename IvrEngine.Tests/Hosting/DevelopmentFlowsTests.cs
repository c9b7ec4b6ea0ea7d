using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.Hosting;
using IvrEngine.Ivr;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IvrEngine.Tests.Hosting;

/// <summary>In Development (<c>dotnet run --project IvrEngine</c>) the engine's content root is the project folder:
/// it reads and watches the project's <c>flows/</c>, where the README says to edit, not the build output's copy.</summary>
public sealed class DevelopmentFlowsTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("ivrengine-dev-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public void In_Development_the_engine_reads_the_project_folders_flows()
    {
        var project = Path.Combine(RealFreeSwitch.RealFreeSwitchEnvironment.RepositoryRoot(), "IvrEngine");

        using var host = EngineHost.Build(["--environment=Development", .. Common()]);

        host.Services.GetRequiredService<IHostEnvironment>().ContentRootPath.TrimEnd(Path.DirectorySeparatorChar).Should().Be(project);
        host.Services.GetRequiredService<FlowCatalog>().Folder.Should().Be(Path.Combine(project, "flows"));
    }

    [Fact]
    public void Outside_Development_the_engine_reads_the_flows_next_to_it()
    {
        using var host = EngineHost.Build(["--environment=Production", .. Common()]);

        host.Services.GetRequiredService<FlowCatalog>().Folder.Should().Be(Path.Combine(AppContext.BaseDirectory, "flows"));
    }

    [Fact]
    public async Task A_flow_edited_under_the_content_root_is_reloaded_by_the_running_engine()
    {
        // A copy of the project folder's layout, so the test edits no file of the repository.
        var root = Directory.CreateDirectory(Path.Combine(_temp.FullName, "project"));
        var flows = Directory.CreateDirectory(Path.Combine(root.FullName, "flows"));
        var flow = Path.Combine(flows.FullName, "default.yaml");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "flows", "default.yaml"), flow);
        using var host = EngineHost.Build(["--environment=Development", "--contentRoot=" + root.FullName, .. Common(), "--Flows:ReloadQuietMilliseconds=0"]);
        await host.StartAsync().WaitAsync(EngineProcess.Patience);
        try
        {
            var catalog = host.Services.GetRequiredService<FlowCatalog>();
            catalog.Folder.Should().Be(flows.FullName);
            var reloaded = catalog.Reloads.FirstAsync(r => r.Succeeded).ToTask();

            await File.WriteAllTextAsync(flow, (await File.ReadAllTextAsync(flow)).Replace("description: ", "description: Edited. ", StringComparison.Ordinal));

            await reloaded.WaitAsync(EngineProcess.Patience);
            catalog.Current.ByName("default")!.Description.Should().StartWith("Edited.");
        }
        finally
        {
            await host.StopAsync().WaitAsync(EngineProcess.Patience);
        }
    }

    private string[] Common() =>
    [
        "--Store:Path=" + Path.Combine(_temp.FullName, "clients.db"), "--Store:SeedDemoData=false", "--Engine:ListenPort=0",
        "--Web:Enabled=false", "--Logging:LogLevel:Default=Warning",
    ];
}
