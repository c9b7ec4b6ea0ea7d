using System.Net;
using IvrEngine.Calls;
using IvrEngine.Hosting;
using IvrEngine.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>The real engine host on a free loopback port, with a FreeSWITCH simulator pointed at it.</summary>
internal sealed class EngineUnderTest : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly DirectoryInfo _storeFolder;

    private EngineUnderTest(IHost host, FreeSwitchSimulator simulator, DirectoryInfo storeFolder)
    {
        _storeFolder = storeFolder;
        Host = host;
        Simulator = simulator;
        Service = host.Services.GetRequiredService<OutboundCallService>();
        Registry = host.Services.GetRequiredService<CallRegistry>();
    }

    public IHost Host { get; }

    public FreeSwitchSimulator Simulator { get; }

    public OutboundCallService Service { get; }

    public CallRegistry Registry { get; }

    public IPEndPoint EndPoint => Service.LocalEndPoint;

    public static async Task<EngineUnderTest> StartAsync(SimulatorOptions? simulator = null, Action<IServiceCollection>? configure = null,
        params string[] settings)
    {
        // Each engine gets its own store file, empty unless a test asks for the demo data.
        var storeFolder = Directory.CreateTempSubdirectory("ivrengine-e2e-");

        // The engine serves the default flow alone unless the test names a flows folder: the shipped samples answer
        // the demo numbers 5000-5002, which the simulated caller dials by default (SampleFlowsEndToEndTests runs them).
        string[] flows = [];
        if (!settings.Any(s => s.StartsWith("--Flows:Path", StringComparison.Ordinal)))
        {
            var defaultOnly = Directory.CreateDirectory(Path.Combine(storeFolder.FullName, "flows"));
            File.Copy(Path.Combine(AppContext.BaseDirectory, "flows", "default.yaml"), Path.Combine(defaultOnly.FullName, "default.yaml"));
            flows = [$"--Flows:Path={defaultOnly.FullName}"];
        }

        string[] args = ["--Engine:ListenPort=0", "--Web:Urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
            $"--Store:Path={Path.Combine(storeFolder.FullName, "clients.db")}", "--Store:SeedDemoData=false", .. flows, .. settings];
        var host = EngineHost.Build(args, configure);
        try
        {
            await host.StartAsync().WaitAsync(Patience);
        }
        catch
        {
            host.Dispose();
            storeFolder.Delete(recursive: true);
            throw;
        }

        return new EngineUnderTest(host, new FreeSwitchSimulator(simulator), storeFolder);
    }

    public Task<SimulatedCall> CallAsync(CallerScript script) => Simulator.StartCallAsync(EndPoint, script);

    public async Task<CallRecord> RunCallAsync(CallerScript script)
    {
        var call = await CallAsync(script);
        return await call.Completion.WaitAsync(Patience);
    }

    public async ValueTask DisposeAsync()
    {
        await Simulator.DisposeAsync();
        await Host.StopAsync().WaitAsync(Patience);
        Host.Dispose();
        _storeFolder.Delete(recursive: true);
    }
}
