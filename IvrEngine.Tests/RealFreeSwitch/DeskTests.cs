using IvrEngine.EventSocket;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Tests.Web.Desk;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The live desk against a real FreeSWITCH: a queue call offered to an agent whose phone rings until told to
/// accept, and the direct route to an agent (agent_X). With IVR_AGREEMENT_RECORD=1 they write the callcenter::info
/// references (Agreement/Callcenter*.txt) that the fast SimulatorCallcenterAgreementTests hold the simulator to;
/// otherwise they hold those references to FreeSWITCH.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class DeskTests
{
    private const string Agent = "1001@default";

    [RealFreeSwitchFact]
    public async Task A_VIP_call_rings_on_the_agents_desk_before_the_phone_accepts_then_is_on_call_then_in_wrap_up()
    {
        await using var lab = await StartAsync(nameof(A_VIP_call_rings_on_the_agents_desk_before_the_phone_accepts_then_is_on_call_then_in_wrap_up));
        var desk = lab.Engine!.Services!.GetRequiredService<DeskService>();
        await desk.WaitForAsync(d => d.AgentOf(Agent) is { Status: "Available" }, RealLab.Patience, "the agents from callcenter_config agent list");

        var call = await lab.CallAsync("5000", DemoDataSeeder.WellKnown.VipPhone);

        await desk.WaitForAsync(d => d.Find(call.Caller) is { State: DeskCallState.Ringing, Agent: Agent }, RealLab.Patience, "the VIP call ringing");
        var ringing = desk.Find(call.Caller)!;
        ringing.Should().BeEquivalentTo(new { How = "queue", Queue = "vip@default", AnsweredAt = (DateTimeOffset?)null });
        ringing.QueuedAt.Should().NotBeNull();
        desk.WasOffered(Agent, call.Caller).Should().BeTrue();
        await lab.Agents!.WaitForEventAsync(e => (string?)e["type"] == "CALL_INCOMING", RealLab.Patience, "the agent's phone ringing");
        desk.Find(call.Caller)!.State.Should().Be(DeskCallState.Ringing, "the phone has not been told to accept");

        await lab.Agents.CommandAsync("accept");
        await desk.WaitForAsync(d => d.Find(call.Caller) is { State: DeskCallState.OnCall }, RealLab.Patience, "the call on call");
        await desk.WaitForAsync(d => d.AgentOf(Agent) is { State: "In a queue call" }, RealLab.Patience, "the agent in a queue call");

        await lab.FreeSwitch.ApiAsync($"uuid_kill {call.Caller}");
        await desk.WaitForAsync(d => d.Find(call.Caller) is { State: DeskCallState.WrapUp, EndedAt: not null }, RealLab.Patience, "the call in wrap-up");
        await lab.Events.CallcenterAsync("member-queue-end", call.Caller, RealLab.Patience);
        await desk.WaitForAsync(d => d.Waiting().Count == 0, RealLab.Patience, "nobody waiting");

        var commands = lab.Engine.Services!.GetRequiredService<DeskCommands>();
        (await commands.SetAgentStatusAsync(Agent, "On Break")).Should().BeNull();
        await desk.WaitForAsync(d => d.AgentOf(Agent) is { Status: "On Break" }, RealLab.Patience, "the agent on break");
        (await commands.SetAgentStatusAsync("9999@default", "Available")).Should().Be("FreeSWITCH refused: -ERR Agent not found!");
        // The simulator answers callcenter_config as FreeSWITCH does.
        await using (var simulator = new IvrEngine.Simulator.FreeSwitchSimulator(new IvrEngine.Simulator.SimulatorOptions { CallcenterAgents = [Agent] }))
        {
            foreach (var (agent, status) in new[] { ("9999@default", "Available"), (Agent, "Sleeping"), (Agent, "Available") })
            {
                simulator.SetAgentStatus(agent, status).Should().Be((await lab.FreeSwitch.Client.ApiAsync($"callcenter_config agent set status {agent} '{status}'")).Body,
                    $"{agent} '{status}'");
            }
        }

        desk.WrapUpDone(call.Caller, Agent);
        desk.CallsOf(Agent).Should().BeEmpty();

        var statusChange = await lab.Events.WaitAsync(e => e.EventSubclass == "callcenter::info" && e["CC-Action"] == "agent-status-change",
            RealLab.Patience, "agent-status-change");
        var events = lab.Events.Snapshot().Where(e => e.EventSubclass == "callcenter::info"
            && (e["CC-Member-Session-UUID"] == call.Caller || e["CC-Agent"] == Agent && e["CC-Member-Session-UUID"] is null)
            && e["CC-Action"] != "agent-status-change").Append(statusChange);
        Agree("CallcenterQueueCall", events,
            "A VIP call (RealLab.CallAsync 5000 from the demo VIP) offered by queue vip to agent 1001 (manual answer), accepted,\n"
            + "the caller hung up; then 'callcenter_config agent set status 1001@default 'On Break''. Real FreeSWITCH 1.10.12,\n"
            + "written by RealFreeSwitch/DeskTests with IVR_AGREEMENT_RECORD=1; SimulatorCallcenterAgreementTests holds the simulator to it.");
    }

    [RealFreeSwitchFact]
    public async Task The_direct_route_to_an_agent_rings_then_is_on_call_and_a_rejected_direct_call_leaves_the_desk()
    {
        await using var lab = await StartAsync(nameof(The_direct_route_to_an_agent_rings_then_is_on_call_and_a_rejected_direct_call_leaves_the_desk));
        var desk = lab.Engine!.Services!.GetRequiredService<DeskService>();

        // The caller's phone (user 1000) dials agent_1001, the extension the engine transfers a client's manager to.
        var first = await DialAgentAsync(lab, null);
        await desk.WaitForAsync(d => d.Find(first.Caller) is { State: DeskCallState.Ringing, Agent: Agent, How: "direct" }, RealLab.Patience,
            "the direct call ringing");
        desk.WasOffered(Agent, first.Caller).Should().BeTrue();
        await lab.Agents!.CommandAsync("accept");
        await desk.WaitForAsync(d => d.Find(first.Caller) is { State: DeskCallState.OnCall, How: "direct" }, RealLab.Patience, "the direct call on call");
        await lab.FreeSwitch.ApiAsync($"uuid_kill {first.Caller}");
        await desk.WaitForAsync(d => d.Find(first.Caller) is { State: DeskCallState.WrapUp }, RealLab.Patience, "the direct call in wrap-up");

        // The phone turns the second one down: the offer leaves the desk (the dialplan goes on to the general queue,
        // whose level-1 agent 1003 has no phone: mod_callcenter's bridge-agent-fail).
        var second = await DialAgentAsync(lab, first);
        await desk.WaitForAsync(d => d.Find(second.Caller) is { State: DeskCallState.Ringing }, RealLab.Patience, "the second direct call ringing");
        await lab.Agents.CommandAsync("hangup");
        await desk.WaitForAsync(d => d.Find(second.Caller) is null, RealLab.Patience, "the rejected call off the desk");
        desk.WasOffered(Agent, second.Caller).Should().BeTrue("it rang there");
        var failed = await lab.Events.CallcenterAsync("bridge-agent-fail", second.Caller, RealLab.Patience);
        await desk.WaitForAsync(d => d.Waiting().Any(w => w.CallUuid == second.Caller), RealLab.Patience, "the caller waiting in the general queue");
        await lab.FreeSwitch.ApiAsync($"uuid_kill {second.Caller}");
        await lab.Events.CallcenterAsync("member-queue-end", second.Caller, RealLab.Patience);
        await desk.WaitForAsync(d => d.Waiting().All(w => w.CallUuid != second.Caller), RealLab.Patience, "the caller gone");

        var events = lab.Events.Snapshot().Where(e => e.EventSubclass == "callcenter::info" && e["CC-Member-Session-UUID"] == second.Caller)
            .GroupBy(e => e["CC-Action"]).Select(g => g.First());
        failed["CC-Agent"].Should().Be("1003@default");
        Agree("CallcenterAgentFails", events,
            "A caller in queue general (the dialplan's fallback after agent_1001 was turned down) offered to agent 1003, whose\n"
            + "phone is not registered, then hung up. Real FreeSWITCH 1.10.12, written by RealFreeSwitch/DeskTests with\n"
            + "IVR_AGREEMENT_RECORD=1; SimulatorCallcenterAgreementTests holds the simulator to it.");
    }

    /// <summary>The caller's phone dials agent_1001 (a loopback caller would offer the agent's phone only L16); returns the
    /// caller's channel (the agent leg's Other-Leg-Unique-ID) once the agent's phone rings, and that ring's phone call id.</summary>
    private static async Task<(string Caller, string PhoneCallId)> DialAgentAsync(RealLab lab, (string Caller, string PhoneCallId)? previous)
    {
        var sipPort = lab.FreeSwitch.SipPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await lab.CallerPhone!.UseAsync("1000", lab.FreeSwitch.SipPort);
        await lab.CallerPhone.CommandAsync("dial", $"sip:agent_1001@127.0.0.1:{sipPort}");
        var leg = await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_ORIGINATE" && e.GetVariable("dialed_user") == "1001"
            && e.GetVariable("cc_side") is null && e["Other-Leg-Unique-ID"] != previous?.Caller, RealLab.Patience, "the leg to agent 1001");
        var ringing = await lab.Agents!.WaitForEventAsync(e => (string?)e["type"] == "CALL_INCOMING" && (string?)e["id"] != previous?.PhoneCallId,
            RealLab.Patience, "the agent's phone ringing");
        return (leg["Other-Leg-Unique-ID"]!, (string)ringing["id"]!);
    }

    private static async Task<RealLab> StartAsync(string testName)
    {
        var lab = await RealLab.StartAsync(new LabOptions
        {
            Agents = ["1001"], ManualAnswer = ["1001"], Caller = true, ConfigureEngine = s => s.AddDesk(),
            FreeSwitchEvents = [.. FreeSwitchInstance.AllEvents.Where(e => e != "CUSTOM" && !e.Contains("::", StringComparison.Ordinal)),
                "CHANNEL_ORIGINATE", "CUSTOM", "callcenter::info", "sofia::register", "sofia::unregister", "sofia::profile_start"],
        }, testName);
        try
        {
            // The desk subscribes at start without waiting; this returns once the events are on (one connection, in order).
            var client = lab.Engine!.Services!.GetRequiredService<InboundClientService>().Client!;
            await client.SubscribeAsync(DeskServices.Events).WaitAsync(RealLab.Patience);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes the reference (IVR_AGREEMENT_RECORD=1) or checks that FreeSWITCH still sends each recorded action
    /// with the same headers.</summary>
    private static void Agree(string name, IEnumerable<EslEvent> events, string comment)
    {
        var real = events.Select(DeskTestKit.Normalise).GroupBy(e => e.Value("CC-Action") + "|" + e.Value("CC-Agent-State")).Select(g => g.First()).ToList();
        var path = DeskTestKit.ReferencePath(name);
        if (Environment.GetEnvironmentVariable("IVR_AGREEMENT_RECORD") == "1")
        {
            File.WriteAllText(path, DeskTestKit.Render(comment, real));
            return;
        }

        foreach (var recorded in DeskTestKit.Parse(File.ReadAllText(path)))
        {
            var action = recorded.Value("CC-Action");
            var same = real.FirstOrDefault(e => e.Value("CC-Action") == action);
            same.Should().NotBeNull($"FreeSWITCH sent {action} when {name} was recorded");
            same!.Select(h => h.Key).Should().Equal(recorded.Select(h => h.Key), $"{action} carries the recorded headers");
        }
    }
}
