using IvrEngine.Calls;
using IvrEngine.Hosting;
using IvrEngine.Ivr;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>Calls the engine cannot serve are refused at once, so FreeSWITCH continues its dialplan to the fallback.</summary>
public sealed class AdmissionTests
{
    [Fact]
    public async Task A_call_over_the_live_call_limit_is_refused_and_FreeSWITCH_continues_its_dialplan()
    {
        await using var engine = await EngineUnderTest.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) },
            null, "--Engine:MaxLiveCalls=1");
        var first = await engine.CallAsync(new CallerScript { Ani = "15550000001" });
        await first.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);

        var refused = await engine.RunCallAsync(new CallerScript { Ani = "15550000002" });

        refused.Connected.Should().BeTrue("FreeSWITCH 1.10 leaves a channel stuck when the socket closes before connect");
        refused.Commands.Select(c => c.Line).Should().Equal(["connect", "resume", $"api uuid_setvar {refused.Uuid} socket_resume"],
            "a close before the socket application parked the channel would leave it parked; resume lets it go on");
        refused.Variables.Should().NotContainKey("socket_resume", "the next engine's socket must not reset the channel when it closes");
        refused.DialplanContinued.Should().BeTrue();
        refused.Answered.Should().BeFalse();
        engine.Service.RefusedCalls.Should().Be(1);

        await first.HangUpAsync();
        (await first.Completion.WaitAsync(EngineUnderTest.Patience)).ProtocolErrors.Should().BeEmpty();
    }

    [Fact]
    public async Task A_call_arriving_while_the_engine_is_still_starting_is_refused()
    {
        var options = Options.Create(new EngineOptions { ListenPort = 0 });
        using var store = new Profiles.InMemoryClientStore();
        var cards = new CardFingerprints("test-key");
        var lookup = new ClientLookup(store, new PhoneNormalizer(), cards,
            new ClientClassifier(Options.Create(new ClassificationOptions()), TimeProvider.System));
        var flowsOptions = Options.Create(new FlowsOptions());
        using var catalog = new FlowCatalog(flowsOptions, NullLogger<FlowCatalog>.Instance, TimeProvider.System); // never loaded: no call is served
        var flows = new ScriptedCallHandler(catalog, lookup, store, cards, flowsOptions, NullLogger<ScriptedCallHandler>.Instance, TimeProvider.System);
        await using var service = new OutboundCallService(options, flows, new CallRegistry(), NullLoggerFactory.Instance, TimeProvider.System);
        await service.StartingAsync(CancellationToken.None); // bound, not yet started
        await using var simulator = new FreeSwitchSimulator();

        var call = await simulator.StartCallAsync(service.LocalEndPoint, new CallerScript());
        var record = await call.Completion.WaitAsync(EngineUnderTest.Patience);

        record.Commands.Select(c => c.Line).Should().Equal("connect", "resume", $"api uuid_setvar {record.Uuid} socket_resume");
        record.DialplanContinued.Should().BeTrue();
        service.RefusedCalls.Should().Be(1);
        service.ServedCalls.Should().Be(0);
    }

    [Fact]
    public async Task Shutdown_stops_accepting_lets_live_calls_finish_within_the_drain_time_then_lets_go()
    {
        var clock = new TimerWatchingTimeProvider(DateTimeOffset.UtcNow);
        var engine = await EngineUnderTest.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) },
            services => services.AddSingleton<TimeProvider>(clock), "--Engine:DrainSeconds=10");
        await using var simulator = engine.Simulator;
        var live = await engine.CallAsync(new CallerScript());
        await live.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);
        var endPoint = engine.EndPoint;

        var stopping = engine.Host.StopAsync();

        // New calls find the port closed (FreeSWITCH's socket app fails and the dialplan goes on).
        await WaitForPortClosedAsync(endPoint);
        live.Completion.IsCompleted.Should().BeFalse("a live call may go on during the drain time");
        stopping.IsCompleted.Should().BeFalse();

        // Advance once the drain timer exists: the live call is closed when it fires, not before.
        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(10));
        live.Completion.IsCompleted.Should().BeFalse();
        clock.Advance(TimeSpan.FromSeconds(11));
        await stopping.WaitAsync(EngineUnderTest.Patience);
        var record = await live.Completion.WaitAsync(EngineUnderTest.Patience);
        record.DialplanContinued.Should().BeTrue("after the drain time the socket closes and FreeSWITCH continues the dialplan");
        await engine.DisposeAsync();
    }

    private static async Task WaitForPortClosedAsync(System.Net.IPEndPoint endPoint)
    {
        using var timeout = new CancellationTokenSource(EngineUnderTest.Patience);
        while (true)
        {
            using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(endPoint, timeout.Token);
            }
            catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused)
            {
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Accepted just as the listener closed, then reset: try again.
            }

            await Task.Yield();
        }
    }
}
