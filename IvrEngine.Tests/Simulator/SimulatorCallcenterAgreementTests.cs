using IvrEngine.EventSocket;
using IvrEngine.Simulator;
using IvrEngine.Tests.Web.Desk;

namespace IvrEngine.Tests.Simulator;

/// <summary>The simulator's mod_callcenter sequence (OfferToAgentAsync, AgentEndsAsync, the caller hanging up in the queue,
/// agent set status) carries the headers real FreeSWITCH sent (RealFreeSwitch/Agreement/Callcenter*.txt, recorded by
/// RealFreeSwitch/DeskTests): the same events in the same order, the same header names in the same order, the same values
/// but for ids and times. The scenario's data (queue, agent, caller, number dialled, cause) is read from the reference.</summary>
public sealed class SimulatorCallcenterAgreementTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_queue_call_offered_answered_and_ended_then_the_agent_on_break_carries_the_recorded_headers()
    {
        var reference = DeskTestKit.Parse(File.ReadAllText(DeskTestKit.ReferencePath("CallcenterQueueCall")));
        var offering = reference.Single(e => e.Value("CC-Action") == "agent-offering");
        var agent = offering.Value("CC-Agent");

        var simulated = await PlayAsync(offering, agent, expected: reference.Count, async (call, client) =>
        {
            await call.OfferToAgentAsync(agent, answer: true);
            await call.HangUpAsync();
            await call.Completion.WaitAsync(Patience);
            (await client.ApiAsync($"callcenter_config agent set status {agent} 'On Break'")).Body.Should().Be("+OK\n");
        });

        Compare(simulated, reference);
    }

    [Fact]
    public async Task An_offer_that_fails_then_the_caller_hanging_up_in_the_queue_carries_the_recorded_headers()
    {
        var reference = DeskTestKit.Parse(File.ReadAllText(DeskTestKit.ReferencePath("CallcenterAgentFails")));
        var offering = reference.Single(e => e.Value("CC-Action") == "agent-offering");
        var agent = offering.Value("CC-Agent");
        var cause = reference.Single(e => e.Value("CC-Action") == "bridge-agent-fail").Value("CC-Hangup-Cause");

        var simulated = await PlayAsync(offering, agent, expected: reference.Count + 2, async (call, _) =>
        {
            await call.OfferToAgentAsync(agent, answer: false, cause);
            await call.HangUpAsync();
        });

        // The reference kept the caller's events only; the agent's own state changes are held to CallcenterQueueCall.
        Compare(simulated.Where(e => e.Value("CC-Action") != "agent-state-change").ToList(), reference);
    }

    /// <summary>A call that reaches "callcenter &lt;queue&gt;" on the simulator, watched over a real inbound connection
    /// subscribed to CUSTOM callcenter::info; returns the normalised events once <paramref name="expected"/> came.</summary>
    private static async Task<List<List<KeyValuePair<string, string>>>> PlayAsync(List<KeyValuePair<string, string>> offering, string agent,
        int expected, Func<SimulatedCall, EslInboundClient, Task> scenario)
    {
        await using var sim = new FreeSwitchSimulator(new SimulatorOptions { CallcenterAgents = [agent] });
        await using var server = await sim.StartInboundServerAsync("pw");
        await using var client = new EslInboundClient(new EslInboundOptions { Port = server.EndPoint.Port, Password = "pw" });
        await client.StartAsync().WaitAsync(Patience);
        var events = new List<EslEvent>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = client.Events.Subscribe(e =>
        {
            if (e.EventSubclass != "callcenter::info") return;
            lock (events)
            {
                events.Add(e.Detach());
                if (events.Count >= expected) all.TrySetResult();
            }
        }, ex => all.TrySetException(ex));
        await client.SubscribeAsync(["CUSTOM", "callcenter::info"]).WaitAsync(Patience);

        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript
        {
            Ani = offering.Value("CC-Member-CID-Number"),
            CallerName = offering.Value("CC-Member-CID-Name") ?? string.Empty,
            Dnis = offering.Value("CC-Member-DNIS"),
        });
        await using var socket = await engine.AcceptAsync();
        await socket.SendAsync("connect\n\n");
        await socket.ExpectAsync();
        await socket.SendAsync($"sendmsg\ncall-command: execute\nexecute-app-name: callcenter\nexecute-app-arg: {offering.Value("CC-Queue")}\n\n");
        await call.WaitForApplicationAsync("callcenter").WaitAsync(Patience);

        await scenario(call, client);

        await all.Task.WaitAsync(Patience);
        lock (events) return [.. events.Select(DeskTestKit.Normalise)];
    }

    private static void Compare(List<List<KeyValuePair<string, string>>> simulated, List<List<KeyValuePair<string, string>>> reference)
    {
        simulated.Select(e => e.Value("CC-Action")).Should().Equal(reference.Select(e => e.Value("CC-Action")), "the same events in the same order");
        foreach (var (sim, real) in simulated.Zip(reference))
        {
            sim.Should().Equal(real, $"{real.Value("CC-Action")} carries the headers FreeSWITCH sent");
        }
    }
}
