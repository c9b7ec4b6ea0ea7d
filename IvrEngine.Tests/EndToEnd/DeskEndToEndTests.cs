using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.EventSocket;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Tests.Support;
using IvrEngine.Tests.Web.Desk;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>The live desk through real TCP: the engine's inbound connection to the simulator's event socket, the desk
/// fed by AddDesk's hosted service, a call the engine's flow sent to a queue, and mod_callcenter's events as the
/// simulator plays them (the sequence recorded from a real FreeSWITCH).</summary>
public sealed class DeskEndToEndTests
{
    private const string Agent = "1001@default";

    [Fact]
    public async Task A_call_the_flow_queued_rings_on_the_desk_is_taken_ends_in_wrap_up_and_the_agents_status_is_set_over_the_connection()
    {
        await using var freeSwitch = new FreeSwitchSimulator(new SimulatorOptions
        {
            HangUpAfterTransfer = false,
            CallcenterAgents = [Agent, "1002@default"],
            Dialplan = QueueDialplan.Of,
        });
        await using var server = await freeSwitch.StartInboundServerAsync("pw");
        await using var engine = await EngineUnderTest.StartAsync(null, s => s.AddDesk().AddDesk(),
            "--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port}", "--Engine:Inbound:Password=pw",
            "--Store:SeedDemoData=true");
        var desk = engine.Host.Services.GetRequiredService<DeskService>();
        var client = engine.Host.Services.GetRequiredService<InboundClientService>().Client!;
        await desk.WaitForAsync(d => d.Agents().Count == 2, EngineUnderTest.Patience, "the agents from callcenter_config agent list");
        await client.SubscribeAsync(DeskServices.Events).WaitAsync(EngineUnderTest.Patience);
        server.Commands.Should().Contain(c => c.Line.EndsWith("CUSTOM callcenter::info", StringComparison.Ordinal),
            "CUSTOM and its subclass come last, whatever else was subscribed");

        var call = await freeSwitch.StartCallAsync(engine.EndPoint, new CallerScript { Ani = DemoDataSeeder.WellKnown.VipPhone, CallerName = string.Empty });
        await call.WaitForApplicationAsync("callcenter").WaitAsync(EngineUnderTest.Patience);
        await desk.WaitForAsync(d => d.Waiting().Any(w => w.CallUuid == call.Uuid), EngineUnderTest.Patience, "the caller waiting");
        var queue = desk.Waiting().Single().Queue;

        await call.OfferToAgentAsync("1002@default", answer: false);
        await call.OfferToAgentAsync(Agent, answer: false);
        await desk.WaitForAsync(d => d.WasOffered(Agent, call.Uuid) && d.Find(call.Uuid) is null && d.Waiting().Count == 1,
            EngineUnderTest.Patience, "both offers withdrawn and the caller waiting again");
        desk.WasOffered("1002@default", call.Uuid).Should().BeTrue();

        var leg = await call.OfferToAgentAsync(Agent, answer: true);
        await desk.WaitForAsync(d => d.Find(call.Uuid) is { State: DeskCallState.OnCall, Agent: Agent, How: "queue" }, EngineUnderTest.Patience, "on call");
        leg.Should().NotBeNull();
        desk.Find(call.Uuid)!.Queue.Should().Be(queue);
        desk.Waiting().Should().BeEmpty();

        await call.AgentEndsAsync();
        await desk.WaitForAsync(d => d.Find(call.Uuid) is { State: DeskCallState.WrapUp }, EngineUnderTest.Patience, "wrap-up");
        await call.Completion.WaitAsync(EngineUnderTest.Patience);

        var commands = engine.Host.Services.GetRequiredService<DeskCommands>();
        (await commands.SetAgentStatusAsync(Agent, "On Break")).Should().BeNull();
        await desk.WaitForAsync(d => d.AgentOf(Agent) is { Status: "On Break" }, EngineUnderTest.Patience, "the agent on break");
        (await commands.SetAgentStatusAsync("9999@default", "Available")).Should().Be("FreeSWITCH refused: -ERR Agent not found!");
        (await commands.SetAgentStatusAsync(Agent, "Sleeping")).Should().StartWith("the status must be one of");
        (await commands.SetAgentStatusAsync("1001@default' 'x", "Available")).Should().StartWith("the agent name");
        server.Commands.Count(c => c.Line.StartsWith("api callcenter_config agent set status", StringComparison.Ordinal)).Should().Be(2,
            "a bad name or status never reaches FreeSWITCH");
    }

    [Fact]
    public async Task The_agents_are_loaded_again_after_the_connection_comes_back()
    {
        await using var freeSwitch = new FreeSwitchSimulator(new SimulatorOptions { CallcenterAgents = [Agent] });
        await using var server = await freeSwitch.StartInboundServerAsync("pw");
        await using var engine = await EngineUnderTest.StartAsync(null, s => s.AddDesk(),
            "--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port}", "--Engine:Inbound:Password=pw");
        var desk = engine.Host.Services.GetRequiredService<DeskService>();
        await desk.WaitForAsync(d => d.AgentOf(Agent) is { Status: "Available" }, EngineUnderTest.Patience, "the agent");

        // Changed while the engine is cut off: only the list read after the reconnect can tell.
        var client = engine.Host.Services.GetRequiredService<InboundClientService>().Client!;
        var cut = client.States.Where(s => !s.Connected).FirstAsync().ToTask();
        server.RejectNewConnections = true;
        await server.DropAllConnectionsAsync();
        await cut.WaitAsync(EngineUnderTest.Patience);
        freeSwitch.SetAgentStatus(Agent, "On Break").Should().Be("+OK\n");
        server.RejectNewConnections = false;

        await desk.WaitForAsync(d => d.AgentOf(Agent) is { Status: "On Break" }, EngineUnderTest.Patience, "the agent's status after the reconnect");
        server.Commands.Count(c => c.Line == "api callcenter_config agent list").Should().BeGreaterThanOrEqualTo(2);
    }
}
