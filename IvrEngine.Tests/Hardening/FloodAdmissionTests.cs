using System.Text.Json;
using IvrEngine.Simulator;

namespace IvrEngine.Tests.Hardening;

/// <summary>A flood that reconnects as fast as the engine closes its sockets, against the engine run as a child process,
/// all on loopback: the real calls that arrive meanwhile are served. The flood is larger than the listen backlog, so an
/// engine that lets the kernel's backlog queue its connections loses the real callers' connection attempts.</summary>
[Collection(FloodTests.Name)]
public sealed class FloodAdmissionTests
{
    // Within the 4,096 open files many machines allow at most (prlimit cannot go above the hard limit); the flood
    // needs about 1,600.
    private const int FileLimit = 4096;

    /// <summary>More than the listen backlog the engine asked for before (1,024) and its handshake places.</summary>
    private const int Flood = 1500;

    private const int Calls = 10;

    /// <summary>How long the real calls may take, all of them, with the flood open. A real FreeSWITCH gives up on an
    /// outbound socket that does not connect long before this.</summary>
    private static readonly TimeSpan CallPatience = TimeSpan.FromSeconds(20);

    [ChildProcessFact]
    public async Task A_flood_that_keeps_reconnecting_does_not_keep_real_calls_out()
    {
        await using var engine = await ChildEngine.StartAsync(FileLimit, "--Engine:MaxHandshakes=64", "--Engine:ConnectTimeoutSeconds=5");
        await using var flood = await HostilePeers.ReconnectingAsync(engine.Outbound, Flood, TimeSpan.FromSeconds(20));
        var served = (await RealCallsAsync(engine)).Count(c => c.Commands.Any(x => x.Line == "myevents"));
        var health = await HealthAsync(engine);

        served.Should().Be(Calls, "every real call is served within {0} s while {1:N0} sockets reconnect as fast as they are closed " +
            "({2:N0} attempts so far; /health {3}; {4})", CallPatience.TotalSeconds, Flood, flood.Attempts, health, engine.Describe());
        engine.HasExited.Should().BeFalse("{0}", engine.Describe());
        health.GetProperty("status").GetString().Should().Be("degraded", "the flood shows: {0}", health);
    }

    [ChildProcessFact]
    public async Task A_wrong_allowed_peer_stops_the_start_with_exit_2()
    {
        var (exitCode, output) = await ChildEngine.RunToExitAsync(FileLimit, TimeSpan.FromSeconds(30), "--Engine:AllowedPeers:0=10.0.0.0/33");

        exitCode.Should().Be(2, "{0}", output);
        output.Should().Contain("Engine:AllowedPeers:0 \"10.0.0.0/33\" is not an address or a network");
    }

    [ChildProcessFact]
    public async Task A_flood_that_answers_connect_then_goes_silent_does_not_take_the_live_call_places()
    {
        // Fewer live-call places than the flood: a socket that answers connect and then not even its first command
        // must not hold one.
        await using var engine = await ChildEngine.StartAsync(FileLimit, "--Engine:MaxHandshakes=64", "--Engine:MaxLiveCalls=1000");
        await using var flood = await HostilePeers.ReconnectingAsync(engine.Outbound, Flood, TimeSpan.FromSeconds(20), answerConnect: true);
        var served = (await RealCallsAsync(engine)).Count(c => c.Commands.Any(x => x.Line == "myevents") && !c.DialplanContinued);
        var health = await HealthAsync(engine);

        served.Should().Be(Calls, "every real call is served within {0} s while {1:N0} sockets answer connect and go silent, reconnecting " +
            "as fast as they are closed ({2:N0} attempts so far; /health {3}; {4})", CallPatience.TotalSeconds, Flood, flood.Attempts, health, engine.Describe());
        engine.HasExited.Should().BeFalse("{0}", engine.Describe());
    }

    /// <summary>Runs <see cref="Calls"/> real calls at once through the simulator; the records of those that ended within
    /// <see cref="CallPatience"/>.</summary>
    private static async Task<List<CallRecord>> RealCallsAsync(ChildEngine engine)
    {
        await using var simulator = new FreeSwitchSimulator();
        var calls = Enumerable.Range(0, Calls).Select(async _ =>
        {
            var call = await simulator.StartCallAsync(engine.Outbound, new CallerScript { Dnis = "5999" });
            return await call.Completion;
        }).ToList();
        await ((Task)Task.WhenAll(calls).WaitAsync(CallPatience)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return [.. calls.Where(c => c.IsCompletedSuccessfully).Select(c => c.Result)];
    }

    private static async Task<JsonElement> HealthAsync(ChildEngine engine)
    {
        using var http = new HttpClient { BaseAddress = engine.Web, Timeout = ChildEngine.Patience };
        var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
