using System.Globalization;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using Xunit.Abstractions;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>No call is lost when the engine is gone, killed or full: what FreeSWITCH itself reports (events, the queue's
/// members, the channels' variables) as the dialplan of freeswitch-conf/dialplan/ivr/entry.xml takes over.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class ResilienceTests(ITestOutputHelper output)
{
    private const string Unavailable = "ivr-engine-unavailable";

    [RealFreeSwitchFact]
    public async Task The_engine_process_killed_in_the_identify_menu_leaves_the_caller_to_the_general_queue_with_the_reason()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Engine = EngineMode.Process, Agents = ["1003"] },
            nameof(The_engine_process_killed_in_the_identify_menu_leaves_the_caller_to_the_general_queue_with_the_reason));
        var call = await lab.CallAsync("5000", DemoDataSeeder.UnknownAnis[0]);

        var menu = await lab.Events.ApplicationAsync(call.Caller, "play_and_get_digits", "identify-menu.wav", RealLab.Patience);
        var killedAt = await KillAsync(lab);

        await ExpectGeneralWithTheReasonAsync(lab, call, menu, killedAt);
    }

    [RealFreeSwitchFact]
    public async Task The_engine_process_killed_while_the_caller_keys_the_account_leaves_the_caller_to_the_general_queue_with_the_reason()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Engine = EngineMode.Process, Agents = ["1003"] },
            nameof(The_engine_process_killed_while_the_caller_keys_the_account_leaves_the_caller_to_the_general_queue_with_the_reason));
        var call = await lab.CallAsync("5000", DemoDataSeeder.UnknownAnis[1]);

        await lab.Events.ApplicationAsync(call.Caller, "play_and_get_digits", "identify-menu.wav", RealLab.Patience);
        await lab.ReceiveDtmfAsync(call.Caller, "2");
        var entry = await lab.Events.ApplicationAsync(call.Caller, "play_and_get_digits", "enter-account.wav", RealLab.Patience);
        await lab.ReceiveDtmfAsync(call.Caller, "400");
        await lab.Events.WaitAsync(e => e.EventName == "DTMF" && e.UniqueId == call.Caller && e["DTMF-Digit"] == "0"
                                        && EventLog.TimeOf(e) > EventLog.TimeOf(entry), RealLab.Patience, "the account's digits");
        var killedAt = await KillAsync(lab);

        await ExpectGeneralWithTheReasonAsync(lab, call, entry, killedAt);
    }

    [RealFreeSwitchFact]
    public async Task With_no_engine_at_all_the_caller_reaches_the_general_queue_at_once_with_the_reason()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Engine = EngineMode.None, Agents = ["1003"] },
            nameof(With_no_engine_at_all_the_caller_reaches_the_general_queue_at_once_with_the_reason));
        var call = await lab.CallAsync("5000", DemoDataSeeder.WellKnown.VipPhone);

        var primary = await lab.Events.ApplicationAsync(call.Caller, "socket", $"127.0.0.1:{lab.EnginePort} ", RealLab.Patience);
        var queued = await lab.Events.CallcenterAsync("member-queue-start", call.Caller, RealLab.Patience);
        var waited = EventLog.TimeOf(queued) - EventLog.TimeOf(primary);
        output.WriteLine($"from the first socket to the general queue: {waited.TotalMilliseconds:0} ms");

        queued["CC-Queue"].Should().Be("general@default");
        waited.Should().BeLessThan(TimeSpan.FromSeconds(3), "both engines refuse the connection, so the dialplan goes on at once");
        await ExpectQueuedWithTheReasonAsync(lab, call, "1003@default");
    }

    [RealFreeSwitchFact]
    public async Task An_engine_over_its_live_call_limit_lets_the_failover_engine_serve_the_call()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions
        {
            EngineSettings = ["--Engine:MaxLiveCalls=1"],
            Failover = EngineMode.InProcess,
            Agents = ["1001", "1002"],
        }, nameof(An_engine_over_its_live_call_limit_lets_the_failover_engine_serve_the_call));
        var held = await HoldTheOnlyPlaceAsync(lab);

        var call = await lab.CallAsync("5000", DemoDataSeeder.WellKnown.VipPhone);

        var primaryStart = await lab.Events.ApplicationAsync(call.Caller, "socket", $"127.0.0.1:{lab.EnginePort} ", RealLab.Patience);
        var primary = await lab.Events.ApplicationAsync(call.Caller, "socket", $"127.0.0.1:{lab.EnginePort} ", RealLab.Patience, complete: true);
        var failover = await lab.Events.ApplicationAsync(call.Caller, "socket", $"127.0.0.1:{lab.FailoverPort} ", RealLab.Patience);
        output.WriteLine($"the primary engine gave the call back after {(EventLog.TimeOf(primary) - EventLog.TimeOf(primaryStart)).TotalMilliseconds:0} ms");
        var queued = await lab.Events.CallcenterAsync("member-queue-start", call.Caller, RealLab.Patience);
        queued["CC-Queue"].Should().Be("vip@default", "the failover engine ran the bank flow and routed the VIP");
        EventLog.TimeOf(failover).Should().BeOnOrAfter(EventLog.TimeOf(primary));

        var (agent, agentLeg) = await lab.AnsweredByAgentAsync(call.Caller);
        agent.Should().BeOneOf("1001@default", "1002@default");
        var caller = await lab.FreeSwitch.DumpAsync(call.Caller);
        var leg = await lab.FreeSwitch.DumpAsync(agentLeg);
        caller.Should().NotContainKey("variable_ivr_fallback_reason", "an engine kept the call");
        caller.Should().NotContainKey("variable_socket_resume", "left set, the failover's socket would reset the channel, out of the queue");
        foreach (var dump in new[] { caller, leg })
        {
            dump["variable_ivr_flow"].Should().Be("bank");
            dump["variable_ivr_cti_code"].Should().Be("V");
            dump["variable_ivr_route_rule"].Should().Be("vip");
            dump["variable_ivr_dnis"].Should().Be("5000");
        }

        leg["variable_ivr_context_id"].Should().Be(caller["variable_ivr_context_id"]);
        (await lab.FreeSwitch.ApiAsync($"uuid_exists {held}")).Trim().Should().Be("true", "the held call is still in the primary engine's menu");
        await lab.FreeSwitch.ApiAsync($"uuid_kill {held}"); // else the engine drains it when the lab stops
    }

    [RealFreeSwitchFact]
    public async Task An_engine_over_its_live_call_limit_without_a_failover_sends_the_caller_to_the_general_queue_with_the_reason()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { EngineSettings = ["--Engine:MaxLiveCalls=1"], Agents = ["1003"] },
            nameof(An_engine_over_its_live_call_limit_without_a_failover_sends_the_caller_to_the_general_queue_with_the_reason));
        var held = await HoldTheOnlyPlaceAsync(lab);

        var call = await lab.CallAsync("5000", DemoDataSeeder.WellKnown.VipPhone);

        var primary = await lab.Events.ApplicationAsync(call.Caller, "socket", $"127.0.0.1:{lab.EnginePort} ", RealLab.Patience);
        var queued = await lab.Events.CallcenterAsync("member-queue-start", call.Caller, RealLab.Patience);
        var waited = EventLog.TimeOf(queued) - EventLog.TimeOf(primary);
        output.WriteLine($"from the refusing engine's socket to the general queue: {waited.TotalMilliseconds:0} ms");
        queued["CC-Queue"].Should().Be("general@default");
        waited.Should().BeLessThan(TimeSpan.FromSeconds(5), "the engine refuses a call over its limit at once");
        var leg = await ExpectQueuedWithTheReasonAsync(lab, call, "1003@default");
        leg.Should().NotContainKey("variable_ivr_cti_code", "no engine ran the flow, the VIP was not identified");
        await lab.FreeSwitch.ApiAsync($"uuid_kill {held}"); // else the engine drains it when the lab stops
    }

    /// <summary>An unknown caller in the primary engine's identify menu: the engine's one place (MaxLiveCalls=1) taken.</summary>
    private static async Task<string> HoldTheOnlyPlaceAsync(RealLab lab)
    {
        var held = await lab.CallAsync("5000", DemoDataSeeder.UnknownAnis[2]);
        await lab.Events.ApplicationAsync(held.Caller, "play_and_get_digits", "identify-menu.wav", RealLab.Patience);
        return held.Caller;
    }

    private async Task<DateTimeOffset> KillAsync(RealLab lab)
    {
        var killedAt = DateTimeOffset.UtcNow;
        await lab.Engine!.KillAsync();
        output.WriteLine($"engine killed at {killedAt:HH:mm:ss.fff}");
        return killedAt;
    }

    /// <summary>After the kill: FreeSWITCH lets the running collect finish by itself, the socket application returns, the
    /// failover (not listening) refuses, and the caller waits in general with the reason.</summary>
    private async Task ExpectGeneralWithTheReasonAsync(RealLab lab, LoopbackCall call, EslEvent running, DateTimeOffset killedAt)
    {
        var applicationUuid = running["Application-UUID"];
        var finished = await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_EXECUTE_COMPLETE" && e.UniqueId == call.Caller
                                                       && e["Application-UUID"] == applicationUuid, RealLab.Patience, "the end of the running collect");
        var socketDone = await lab.Events.ApplicationAsync(call.Caller, "socket", $"127.0.0.1:{lab.EnginePort} ", RealLab.Patience, complete: true);
        var queued = await lab.Events.CallcenterAsync("member-queue-start", call.Caller, RealLab.Patience);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"collect started {EventLog.TimeOf(running):HH:mm:ss.fff}, engine killed {killedAt:HH:mm:ss.fff}, collect finished "
            + $"{EventLog.TimeOf(finished):HH:mm:ss.fff} ({finished.GetVariable("read_result")}), socket returned {EventLog.TimeOf(socketDone):HH:mm:ss.fff}, "
            + $"queued {EventLog.TimeOf(queued):HH:mm:ss.fff}: the caller waited {(EventLog.TimeOf(queued) - killedAt).TotalSeconds:0.0} s after the kill"));

        queued["CC-Queue"].Should().Be("general@default");
        EventLog.TimeOf(finished).Should().BeAfter(killedAt, "FreeSWITCH lets the running collect end by itself");
        EventLog.TimeOf(socketDone).Should().BeOnOrAfter(EventLog.TimeOf(finished), "the socket application returns after the collect");
        (EventLog.TimeOf(queued) - killedAt).Should().BeLessThan(TimeSpan.FromSeconds(30), "the wait is the rest of one collect");
        await ExpectQueuedWithTheReasonAsync(lab, call, "1003@default");
    }

    /// <summary>The caller is a member of general (FreeSWITCH's list), an agent took it, and both the caller's channel and
    /// the agent's leg carry why and which number was dialed. Returns the agent's leg.</summary>
    private static async Task<IReadOnlyDictionary<string, string>> ExpectQueuedWithTheReasonAsync(RealLab lab, LoopbackCall call, string expectedAgent)
    {
        var members = await lab.QueueMembersAsync("general");
        members.Should().Contain(m => m["session_uuid"] == call.Caller, "FreeSWITCH lists the caller in general@default");

        var (agent, agentLeg) = await lab.AnsweredByAgentAsync(call.Caller);
        agent.Should().Be(expectedAgent);
        var caller = await lab.FreeSwitch.DumpAsync(call.Caller);
        var leg = await lab.FreeSwitch.DumpAsync(agentLeg);
        caller["variable_ivr_fallback_reason"].Should().Be(Unavailable);
        leg["variable_ivr_fallback_reason"].Should().Be(Unavailable, "the agent sees why the caller was not identified");
        leg["variable_ivr_dnis"].Should().Be("5000");
        leg["variable_cc_queue"].Should().Be("general@default");
        return leg;
    }
}
