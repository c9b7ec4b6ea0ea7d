using IvrEngine.Calls;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Tests.Conf;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>
/// When the engine is down or refuses a call, what happens is what freeswitch-conf says: the dialplan of the repository,
/// with its engine hosts pointed at ports this test chose, drives each call (<see cref="ConfiguredFreeSwitch"/>); a
/// socket application connects over real TCP, so a live engine host really runs its flow, and a port where nothing
/// listens really refuses.
/// </summary>
public sealed class FallbackEndToEndTests
{
    private static readonly string ShippedFlows = Path.Combine(AppContext.BaseDirectory, "flows");

    [Theory]
    [InlineData("public")]
    [InlineData("default")]
    public async Task With_no_engine_listening_the_call_waits_in_the_general_queue_and_the_agent_learns_why(string context)
    {
        using var primary = new RefusingPort();
        using var failover = new RefusingPort();
        await using var freeSwitch = new ConfiguredFreeSwitch(primary.EndPoint, failover.EndPoint);
        var caller = new CallerScript { Ani = "15559990001", Dnis = "5000" };

        var run = await freeSwitch.CallAsync(caller, context);

        run.Sockets.Select(s => (s.Data, s.End)).Should().Equal(
            (ConfiguredFreeSwitch.SocketData(primary.EndPoint), SocketEnd.Refused),
            (ConfiguredFreeSwitch.SocketData(failover.EndPoint), SocketEnd.Refused));
        run.Logs.Should().Equal(
            $"WARNING IVR engine {primary.EndPoint} did not keep call {caller.Uuid} to 5000, trying {failover.EndPoint}",
            $"ERR no IVR engine kept call {caller.Uuid} to 5000, sending it to the general queue");
        run.Queue.Should().Be("general@default");
        run.Answered.Should().BeTrue("the queue answers a call no engine took");
        run.AgentLeg.Should().Contain(ContextVariables.FallbackReason, "ivr-engine-unavailable")
            .And.Contain(ContextVariables.Dnis, "5000")
            .And.Contain("cc_queue", "general@default");
        run.AgentLeg!.Keys.Intersect(ContextVariables.All).Should().BeEmpty("no engine identified the caller");
    }

    [Fact]
    public async Task With_the_engine_down_the_failover_engine_runs_the_bank_flow_and_the_call_reaches_the_queue_it_chose()
    {
        using var primary = new RefusingPort();
        await using var failover = await EngineUnderTest.StartAsync(null, null, "--Store:SeedDemoData=true", "--Flows:Path=" + ShippedFlows);
        await using var freeSwitch = new ConfiguredFreeSwitch(primary.EndPoint, failover.EndPoint);
        var caller = new CallerScript { Ani = DemoDataSeeder.WellKnown.VipPhone.TrimStart('+'), Dnis = "5000" };

        var run = await freeSwitch.CallAsync(caller);

        run.Sockets.Select(s => (s.Data, s.End)).Should().Equal(
            (ConfiguredFreeSwitch.SocketData(primary.EndPoint), SocketEnd.Refused),
            (ConfiguredFreeSwitch.SocketData(failover.EndPoint), SocketEnd.Transferred));
        var session = run.Sockets[1].Session!;
        session.ProtocolErrors.Should().BeEmpty();
        session.Answered.Should().BeTrue();
        session.TransferredTo.Should().Be("queue_vip XML default");
        failover.Service.ServedCalls.Should().Be(1);

        run.Queue.Should().Be("vip@default");
        run.Logs.Should().ContainSingle().Which.Should().StartWith("WARNING", "the transfer replaced the rest of the entry extension");
        run.Ran.Should().NotContain(a => a.Application == "transfer", "the engine transferred the call, not the dialplan's fallback");
        run.Variables.Should().Contain("cc_base_score", "600", "mod_callcenter reads the priority from the caller's channel");
        run.AgentLeg.Should().Contain(ContextVariables.Flow, "bank")
            .And.Contain(ContextVariables.CtiCode, "V")
            .And.Contain(ContextVariables.MatchedBy, "phone")
            .And.Contain(ContextVariables.ClientName, "Eleanor Vance")
            .And.Contain(ContextVariables.TransferPriority, "600")
            .And.Contain(ContextVariables.Dnis, "5000")
            .And.ContainKey(ContextVariables.ContextId)
            .And.Contain("sip_h_X-IVR-Flow", "bank")
            .And.NotContainKey(ContextVariables.FallbackReason);
    }

    [Fact]
    public async Task With_the_engine_dying_before_connect_the_failover_engine_takes_the_call_and_unsets_socket_resume()
    {
        using var dying = new ClosingPort();
        await using var failover = await EngineUnderTest.StartAsync(null, null, "--Store:SeedDemoData=true", "--Flows:Path=" + ShippedFlows);
        await using var freeSwitch = new ConfiguredFreeSwitch(dying.EndPoint, failover.EndPoint);
        var caller = new CallerScript { Ani = DemoDataSeeder.WellKnown.VipPhone.TrimStart('+'), Dnis = "5000" };

        var run = await freeSwitch.CallAsync(caller);

        run.Sockets.Select(s => s.End).Should().Equal([SocketEnd.Returned, SocketEnd.Transferred],
            "the dialplan's socket_resume makes a socket closed before connect resume the dialplan, to the failover");
        run.Sockets[0].Session!.ClosedBeforeConnect.Should().BeTrue();
        dying.Closed.Should().Be(1);
        var served = run.Sockets[1].Session!;
        served.Commands.Select(c => c.Line).Should().Contain($"api uuid_setvar {caller.Uuid} socket_resume",
            "once the engine has the call, closing its socket after the transfer must not pull the caller out of the queue");
        served.Variables.Should().NotContainKey("socket_resume");
        served.ProtocolErrors.Should().BeEmpty();
        run.Queue.Should().Be("vip@default");
        run.AgentLeg.Should().Contain(ContextVariables.Flow, "bank").And.NotContainKey(ContextVariables.FallbackReason);
    }

    [Fact]
    public async Task With_the_engine_refusing_calls_over_its_limit_and_no_failover_the_call_waits_in_the_general_queue()
    {
        await using var primary = await StartFullEngineAsync();
        var holding = await HoldTheOnlyPlaceAsync(primary);
        using var failover = new RefusingPort();
        await using var freeSwitch = new ConfiguredFreeSwitch(primary.EndPoint, failover.EndPoint);

        var run = await freeSwitch.CallAsync(new CallerScript { Ani = "15559990001", Dnis = "5001" });

        run.Sockets.Select(s => s.End).Should().Equal(SocketEnd.Returned, SocketEnd.Refused);
        run.Sockets[0].Session!.Commands.Select(c => c.Line.Split(' ')[0]).Should().Equal(["connect", "resume", "api"], "the engine answers connect and resume, unsets socket_resume, then closes");
        primary.Service.RefusedCalls.Should().Be(1);
        run.Queue.Should().Be("general@default");
        run.AgentLeg.Should().Contain(ContextVariables.FallbackReason, "ivr-engine-unavailable").And.Contain(ContextVariables.Dnis, "5001");

        await holding.HangUpAsync();
        (await holding.Completion.WaitAsync(EngineUnderTest.Patience)).ProtocolErrors.Should().BeEmpty();
    }

    [Fact]
    public async Task With_the_engine_refusing_calls_over_its_limit_the_failover_engine_takes_the_call()
    {
        await using var primary = await StartFullEngineAsync();
        var holding = await HoldTheOnlyPlaceAsync(primary);
        await using var failover = await EngineUnderTest.StartAsync(null, null, "--Store:SeedDemoData=true", "--Flows:Path=" + ShippedFlows);
        await using var freeSwitch = new ConfiguredFreeSwitch(primary.EndPoint, failover.EndPoint);

        var run = await freeSwitch.CallAsync(new CallerScript { Ani = DemoDataSeeder.WellKnown.OverduePhone.TrimStart('+'), Dnis = "5000" });

        run.Sockets.Select(s => s.End).Should().Equal(SocketEnd.Returned, SocketEnd.Transferred);
        primary.Service.RefusedCalls.Should().Be(1);
        failover.Service.ServedCalls.Should().Be(1);
        run.Queue.Should().Be("collections@default");
        run.AgentLeg.Should().Contain(ContextVariables.Flow, "bank")
            .And.Contain(ContextVariables.Overdue, "true")
            .And.Contain(ContextVariables.Dnis, "5000")
            .And.NotContainKey(ContextVariables.FallbackReason);

        await holding.HangUpAsync();
        await holding.Completion.WaitAsync(EngineUnderTest.Patience);
    }

    /// <summary>An engine that serves one call at a time, serving the default flow with long prompts.</summary>
    private static Task<EngineUnderTest> StartFullEngineAsync() =>
        EngineUnderTest.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) }, null, "--Engine:MaxLiveCalls=1");

    /// <summary>A call through the engine's own simulator that takes its one place and keeps it (a five-minute prompt).</summary>
    private static async Task<SimulatedCall> HoldTheOnlyPlaceAsync(EngineUnderTest engine)
    {
        var holding = await engine.CallAsync(new CallerScript { Ani = "15550000001" });
        await holding.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);
        engine.Service.LiveCalls.Should().Be(1);
        return holding;
    }
}
