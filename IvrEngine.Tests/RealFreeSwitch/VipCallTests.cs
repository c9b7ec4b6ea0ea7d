using IvrEngine.Calls;
using IvrEngine.Profiles;

namespace IvrEngine.Tests.RealFreeSwitch;

[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class VipCallTests
{
    [RealFreeSwitchFact]
    public async Task A_known_VIP_calling_the_bank_reaches_the_vip_queue_and_the_agents_leg_carries_the_whole_context()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Agents = ["1001", "1002"] }, nameof(A_known_VIP_calling_the_bank_reaches_the_vip_queue_and_the_agents_leg_carries_the_whole_context));

        var call = await lab.CallAsync("5000", DemoDataSeeder.WellKnown.VipPhone);

        var queued = await lab.Events.CallcenterAsync("member-queue-start", call.Caller, RealLab.Patience);
        queued["CC-Queue"].Should().Be("vip@default");
        var (agent, agentLeg) = await lab.AnsweredByAgentAsync(call.Caller);
        agent.Should().BeOneOf("1001@default", "1002@default");

        var leg = await lab.FreeSwitch.DumpAsync(agentLeg);
        var caller = await lab.FreeSwitch.DumpAsync(call.Caller);
        var attached = ContextVariables.All.Where(n => caller.ContainsKey("variable_" + n)).ToList();
        attached.Should().Contain(["ivr_context_id", "ivr_flow", "ivr_last_step", "ivr_language", "ivr_cti_code", "ivr_cti_reason",
            "ivr_matched_by", "ivr_client_id", "ivr_client_name", "ivr_category", "ivr_overdue", "ivr_manager", "ivr_transfer_priority",
            "ivr_route_rule", "ivr_route_reason"], "the engine attaches what it knows of an identified VIP");
        foreach (var name in attached.Append("ivr_dnis"))
        {
            leg.Should().ContainKey("variable_" + name, $"{name} is on the caller's channel and in the context contract");
            leg["variable_" + name].Should().Be(caller["variable_" + name], $"{name} reaches the agent unchanged");
        }

        // The queue extension's list (the contract, then the engine's ivr_export_extra) names each variable once.
        caller["variable_cc_export_vars"].Split(',').Should().OnlyHaveUniqueItems().And.Contain(ContextVariables.All);

        // The engine's SIP headers and UUI form, listed in ivr_export_extra, ride along too.
        var extra = caller["variable_ivr_export_extra"].Split(',', StringSplitOptions.RemoveEmptyEntries);
        extra.Should().Contain(n => n.StartsWith("sip_h_X-IVR-", StringComparison.Ordinal));
        foreach (var name in extra.Where(n => caller.ContainsKey("variable_" + n)))
        {
            leg["variable_" + name].Should().Be(caller["variable_" + name], $"{name} is listed for the agent's leg");
        }

        leg["variable_ivr_cti_code"].Should().Be("V");
        leg["variable_ivr_category"].Should().Be("vip");
        leg["variable_ivr_matched_by"].Should().Be("phone");
        leg["variable_ivr_route_rule"].Should().Be("vip");
        leg["variable_ivr_flow"].Should().Be("bank");
        leg["variable_ivr_dnis"].Should().Be("5000");
        leg["variable_cc_queue"].Should().Be("vip@default");
        leg["variable_cc_side"].Should().Be("agent");
    }
}
