using System.Net;
using IvrEngine.Simulator;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IvrEngine.Tests.Web;

/// <summary>/health while the engine drains.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task Health_answers_503_draining_while_live_calls_finish_and_counts_them()
    {
        await using var engine = await EngineUnderTest.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) });
        using var http = new HttpClient
        {
            BaseAddress = engine.Host.Services.GetRequiredService<WebEndpointService>().Addresses[0],
            Timeout = EngineUnderTest.Patience,
        };
        var call = await engine.CallAsync(new CallerScript { Dnis = "5999" });
        await call.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = engine.Host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());

        var stop = engine.Host.StopAsync();
        await stopping.Task.WaitAsync(EngineUnderTest.Patience);
        var response = await http.GetAsync(new Uri("/health", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience);

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var body = await response.Content.ReadAsStringAsync();
        body.Should().Contain("\"status\":\"draining\"").And.Contain("\"liveCalls\":1");
        await call.HangUpAsync();
        await stop.WaitAsync(EngineUnderTest.Patience);
    }
}
