using System.Collections.Concurrent;
using IvrEngine.EventSocket;
using IvrEngine.Simulator;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>What FreeSWITCH (the simulator's inbound server) replies to the dialer's originates, seen by a control
/// connection of the test's own: every BACKGROUND_JOB, in order.</summary>
internal sealed class JobWatch : IAsyncDisposable
{
    private readonly EslInboundClient _client;
    private readonly IDisposable _subscription;

    private JobWatch(EslInboundClient client)
    {
        _client = client;
        _subscription = client.Events.BackgroundJobs().Subscribe(Jobs.Add);
    }

    /// <summary>The replies so far and to come.</summary>
    public BlockingCollection<BackgroundJobResult> Jobs { get; } = [];

    /// <summary>Connects to <paramref name="server"/> and subscribes to BACKGROUND_JOB.</summary>
    public static async Task<JobWatch> StartAsync(InboundServer server, string password)
    {
        var watch = new JobWatch(new EslInboundClient(new EslInboundOptions { Port = server.EndPoint.Port, Password = password }));
        await watch._client.StartAsync().WaitAsync(EngineUnderTest.Patience);
        await watch._client.SubscribeAsync(["BACKGROUND_JOB"]).WaitAsync(EngineUnderTest.Patience);
        return watch;
    }

    /// <summary>The next reply, within the tests' patience.</summary>
    public BackgroundJobResult Next()
    {
        using var limit = new CancellationTokenSource(EngineUnderTest.Patience);
        return Jobs.Take(limit.Token);
    }

    /// <summary>The engine's settings for a dialer on <paramref name="server"/> under the name <paramref name="engine"/>,
    /// with the shipped flows, then <paramref name="more"/>.</summary>
    public static string[] DialerSettings(InboundServer server, string password, string engine, params string[] more) =>
    [
        $"--Engine:Name={engine}", "--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port}", $"--Engine:Inbound:Password={password}",
        "--Dialer:Enabled=true", "--Dialer:ScanSeconds=1", $"--Flows:Path={Path.Combine(AppContext.BaseDirectory, "flows")}", .. more,
    ];

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        await _client.DisposeAsync();
        Jobs.Dispose();
    }
}
