using System.Globalization;
using IvrEngine.Calls;
using IvrEngine.EventSocket;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>Callers the bank flow (5000) does not know by their number identify with an account number keyed on the
/// real FreeSWITCH: by <c>uuid_recv_dtmf</c> and from a real SIP phone (RFC 2833), with wrong keys and silence until
/// the flow gives up, and hanging up midway. Each key is pressed when FreeSWITCH shows the engine asking for it (the
/// CHANNEL_EXECUTE of its play_and_get_digits).</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class IdentificationTests
{
    /// <summary>A number that belongs to no demo client.</summary>
    private static readonly string s_unknownCaller = DemoDataSeeder.UnknownAnis[0];

    [RealFreeSwitchFact]
    public async Task An_unknown_caller_who_keys_an_account_is_identified_and_routed_by_the_rules_with_the_context_on_the_agents_leg()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Agents = ["1003", "1004"] },
            nameof(An_unknown_caller_who_keys_an_account_is_identified_and_routed_by_the_rules_with_the_context_on_the_agents_leg));
        var client = await ClientOfAccountAsync(lab, DemoDataSeeder.WellKnown.OverdueAccount);

        var call = await lab.CallAsync("5000", s_unknownCaller);
        var prompts = new Prompts(lab.Events, call.Caller);
        await prompts.NextAsync("identify-menu.wav");
        await lab.ReceiveDtmfAsync(call.Caller, "2");
        await prompts.NextAsync("enter-account.wav");
        await lab.ReceiveDtmfAsync(call.Caller, DemoDataSeeder.WellKnown.OverdueAccount + "#");
        await prompts.NextAsync("confirm-or-retry.wav");
        await lab.ReceiveDtmfAsync(call.Caller, "1");

        // The routing rules send an overdue account to collections (appsettings.json, Routing: rule "overdue").
        var queued = await lab.Events.CallcenterAsync("member-queue-start", call.Caller, RealLab.Patience);
        queued["CC-Queue"].Should().Be("collections@default");
        var (agent, agentLeg) = await lab.AnsweredByAgentAsync(call.Caller);
        agent.Should().BeOneOf("1003@default", "1004@default");
        DigitsOf(lab.Events, call.Caller).Should().Be("2" + DemoDataSeeder.WellKnown.OverdueAccount + "#1", "FreeSWITCH reports each key on the caller's channel");

        // The account was read back before the confirmation: FreeSWITCH's say found its language and spoke the digits
        // (its recordings, played or missing from this install, are named in the log either way).
        lab.FreeSwitch.LogLines("languages and phrases").Should().BeEmpty();
        lab.FreeSwitch.LogLines("Can't find").Should().BeEmpty();
        lab.FreeSwitch.LogLines("/en/us/callie/digits/4.").Should().NotBeEmpty("the say read the account back digit by digit");

        var leg = await lab.FreeSwitch.DumpAsync(agentLeg);
        var caller = await lab.FreeSwitch.DumpAsync(call.Caller);
        AssertContextReachedTheAgent(caller, leg);
        leg["variable_ivr_matched_by"].Should().Be("account");
        leg["variable_ivr_client_id"].Should().Be(client.Id.ToString());
        leg["variable_ivr_client_name"].Should().Be(client.Name);
        leg["variable_ivr_cti_code"].Should().Be("E");
        leg["variable_ivr_cti_reason"].Should().Be("E: existing client");
        leg["variable_ivr_account"].Should().Be(DemoDataSeeder.WellKnown.OverdueAccount, "the agent gets the account the caller keyed");
        leg["variable_ivr_new_caller_number"].Should().Be(s_unknownCaller, "the caller's number is not on the client's card");
        leg["variable_ivr_overdue"].Should().Be("true");
        leg["variable_ivr_route_rule"].Should().Be("overdue");
        leg["variable_ivr_route_reason"].Should().Be("overdue: overdue 1250; queue collections, priority 300");
        leg["variable_ivr_transfer_priority"].Should().Be("300");
        leg["variable_ivr_last_step"].Should().Be("bank/route");
        leg["variable_ivr_flow"].Should().Be("bank");
        leg["variable_ivr_dnis"].Should().Be("5000");
        leg["variable_cc_queue"].Should().Be("collections@default");
        leg["variable_cc_side"].Should().Be("agent");
        caller["variable_cc_base_score"].Should().Be("300", "the rule's priority is the caller's base score in the queue");
    }

    [RealFreeSwitchFact]
    public async Task An_unknown_caller_on_a_SIP_phone_keys_the_account_in_RFC_2833_and_is_identified_and_routed()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Agents = ["1001", "1002"], Caller = true },
            nameof(An_unknown_caller_on_a_SIP_phone_keys_the_account_in_RFC_2833_and_is_identified_and_routed));
        var client = await ClientOfAccountAsync(lab, DemoDataSeeder.WellKnown.VipAccount);
        var phone = lab.CallerPhone!;
        var sipPort = lab.FreeSwitch.SipPort.ToString(CultureInfo.InvariantCulture);

        await phone.UseAsync("1000", lab.FreeSwitch.SipPort);
        await phone.CommandAsync("dial", $"sip:5000@127.0.0.1:{sipPort}");
        var created = await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_CREATE" && e["Call-Direction"] == "inbound"
            && e["Caller-Username"] == "1000" && e["Caller-Destination-Number"] == "5000", RealLab.Patience, "the phone 1000's call to 5000");
        var callerUuid = created.UniqueId!;
        await phone.WaitForEventAsync(e => (string?)e["type"] == "CALL_ESTABLISHED", RealLab.Patience, "answer of the call to 5000");

        var prompts = new Prompts(lab.Events, callerUuid);
        await prompts.NextAsync("identify-menu.wav");
        await phone.KeyAsync("2");
        await prompts.NextAsync("enter-account.wav");
        await phone.KeyAsync(DemoDataSeeder.WellKnown.VipAccount + "#");
        await prompts.NextAsync("confirm-or-retry.wav");
        await phone.KeyAsync("1");

        var queued = await lab.Events.CallcenterAsync("member-queue-start", callerUuid, RealLab.Patience);
        queued["CC-Queue"].Should().Be("vip@default");
        var (agent, agentLeg) = await lab.AnsweredByAgentAsync(callerUuid);
        agent.Should().BeOneOf("1001@default", "1002@default");

        var keys = lab.Events.Of(callerUuid).Where(e => e.EventName == "DTMF").ToList();
        string.Concat(keys.Select(e => e["DTMF-Digit"])).Should().Be("2" + DemoDataSeeder.WellKnown.VipAccount + "#1");
        keys.Should().OnlyContain(e => e["DTMF-Source"] == "RTP", "a SIP phone's keys arrive as RFC 2833 telephone events");

        var leg = await lab.FreeSwitch.DumpAsync(agentLeg);
        var caller = await lab.FreeSwitch.DumpAsync(callerUuid);
        caller["variable_sip_from_user"].Should().Be("1000");
        AssertContextReachedTheAgent(caller, leg);
        leg["variable_ivr_matched_by"].Should().Be("account");
        leg["variable_ivr_client_id"].Should().Be(client.Id.ToString());
        leg["variable_ivr_cti_code"].Should().Be("V");
        leg["variable_ivr_account"].Should().Be(DemoDataSeeder.WellKnown.VipAccount);
        leg["variable_ivr_route_rule"].Should().Be("vip");
        leg["variable_ivr_route_reason"].Should().Be("vip: CTI code V; queue vip, priority 600");
        leg["variable_ivr_transfer_priority"].Should().Be("600");
        leg["variable_ivr_dnis"].Should().Be("5000");
        leg["variable_cc_queue"].Should().Be("vip@default");
        leg.Should().NotContainKey("variable_ivr_new_caller_number", "1000 is not a phone number the engine can offer to add");
    }

    [RealFreeSwitchFact]
    public async Task A_caller_who_keys_a_wrong_option_then_accounts_that_do_not_exist_lands_in_general_and_the_agent_sees_why()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Agents = ["1003"] },
            nameof(A_caller_who_keys_a_wrong_option_then_accounts_that_do_not_exist_lands_in_general_and_the_agent_sees_why));

        var call = await lab.CallAsync("5000", s_unknownCaller);
        var prompts = new Prompts(lab.Events, call.Caller);
        await prompts.NextAsync("identify-menu.wav");
        await lab.ReceiveDtmfAsync(call.Caller, "9");
        (await prompts.NextAsync("identify-menu.wav"))["Application-Data"].Should().Contain("invalid.wav", "a wrong option is told so, then asked again");
        await lab.ReceiveDtmfAsync(call.Caller, "2");
        await prompts.NextAsync("enter-account.wav");
        await lab.ReceiveDtmfAsync(call.Caller, DemoDataSeeder.UnknownAccount + "#");
        (await prompts.NextAsync("enter-account.wav"))["Application-Data"].Should().Contain("invalid-account.wav");
        await lab.ReceiveDtmfAsync(call.Caller, DemoDataSeeder.UnknownAccount + "#");
        await prompts.NextAsync("enter-account.wav");
        await lab.ReceiveDtmfAsync(call.Caller, "12#");

        var queued = await lab.Events.CallcenterAsync("member-queue-start", call.Caller, RealLab.Patience);
        queued["CC-Queue"].Should().Be("general@default", "after the third invalid account the flow gives up to the general queue");
        var (_, agentLeg) = await lab.AnsweredByAgentAsync(call.Caller);
        lab.Events.Of(call.Caller).Count(e => e.EventName == "CHANNEL_EXECUTE" && e["Application"] == "play_and_get_digits")
            .Should().Be(5, "the flow asked nothing more after the third invalid account");
        DigitsOf(lab.Events, call.Caller).Should().Be("92" + DemoDataSeeder.UnknownAccount + "#" + DemoDataSeeder.UnknownAccount + "#12#");

        var leg = await lab.FreeSwitch.DumpAsync(agentLeg);
        var caller = await lab.FreeSwitch.DumpAsync(call.Caller);
        AssertContextReachedTheAgent(caller, leg);
        foreach (var dump in new[] { caller, leg })
        {
            dump["variable_ivr_account_status"].Should().Be("invalid", "the account step gave up on invalid entries");
            dump["variable_ivr_route_reason"].Should().Be("bank/ask-account: 3 invalid entries, gave up", "the agent sees why");
            dump["variable_ivr_cti_code"].Should().Be("N");
            dump["variable_ivr_cti_reason"].Should().Be("N: " + new ClassificationOptions().UnknownReason);
            dump["variable_ivr_matched_by"].Should().Be("none");
            dump["variable_ivr_last_step"].Should().Be("bank/general");
            dump.Should().NotContainKey("variable_ivr_client_id");
            dump.Should().NotContainKey("variable_ivr_account", "no account was accepted");
            dump.Should().NotContainKey("variable_ivr_route_rule", "the routing rules never ran");
        }

        leg["variable_cc_queue"].Should().Be("general@default");
    }

    [RealFreeSwitchFact]
    public async Task A_caller_who_keys_nothing_lands_in_general_after_three_silences_and_the_agent_sees_an_unidentified_caller()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Agents = ["1003"] },
            nameof(A_caller_who_keys_nothing_lands_in_general_after_three_silences_and_the_agent_sees_an_unidentified_caller));

        var call = await lab.CallAsync("5000", s_unknownCaller);
        var queued = await lab.Events.CallcenterAsync("member-queue-start", call.Caller, RealLab.Patience);
        queued["CC-Queue"].Should().Be("general@default");
        var (_, agentLeg) = await lab.AnsweredByAgentAsync(call.Caller);

        var asked = lab.Events.Of(call.Caller).Where(e => e.EventName == "CHANNEL_EXECUTE" && e["Application"] == "play_and_get_digits").ToList();
        asked.Should().HaveCount(3, "the menu asks three times (max_timeouts 3)");
        asked.Should().OnlyContain(e => e["Application-Data"]!.Contains("identify-menu.wav", StringComparison.Ordinal));
        asked.Skip(1).Should().OnlyContain(e => e["Application-Data"]!.Contains("no-input.wav", StringComparison.Ordinal), "each silence is told so");
        foreach (var start in asked)
        {
            var done = lab.Events.Of(call.Caller).Single(e => e.EventName == "CHANNEL_EXECUTE_COMPLETE" && e["Application-UUID"] == start["Application-UUID"]);
            // With at least one key asked for, FreeSWITCH ends a silent attempt as a failure with nothing typed.
            done.GetVariable("read_result").Should().Be("failure");
            done.GetVariable("ivrflow_entry").Should().BeNullOrEmpty();
            var waited = TimeSpan.FromMicroseconds(Timestamp(done) - Timestamp(start));
            waited.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(5), "FreeSWITCH waited out the menu's 5 s timeout");
        }

        lab.Events.Of(call.Caller).Should().NotContain(e => e.EventName == "DTMF");

        var leg = await lab.FreeSwitch.DumpAsync(agentLeg);
        var caller = await lab.FreeSwitch.DumpAsync(call.Caller);
        AssertContextReachedTheAgent(caller, leg);
        foreach (var dump in new[] { caller, leg })
        {
            dump["variable_ivr_cti_code"].Should().Be("N");
            dump["variable_ivr_cti_reason"].Should().Be("N: " + new ClassificationOptions().UnknownReason);
            dump["variable_ivr_matched_by"].Should().Be("none");
            dump["variable_ivr_last_step"].Should().Be("bank/general");
            dump.Should().NotContainKey("variable_ivr_account_status", "the caller never reached the account step");
            dump["variable_ivr_route_reason"].Should().Be("bank/how-identify: no key pressed 3 times, gave up", "the agent sees why");
            dump.Should().NotContainKey("variable_ivr_client_id");
            dump.Should().NotContainKey("variable_ivr_route_rule");
        }

        leg["variable_cc_queue"].Should().Be("general@default");
    }

    [RealFreeSwitchFact]
    public async Task A_caller_who_hangs_up_while_keying_the_account_is_recorded_as_hung_up_at_that_step()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions(),
            nameof(A_caller_who_hangs_up_while_keying_the_account_is_recorded_as_hung_up_at_that_step));

        var call = await lab.CallAsync("5000", s_unknownCaller);
        var prompts = new Prompts(lab.Events, call.Caller);
        await prompts.NextAsync("identify-menu.wav");
        await lab.ReceiveDtmfAsync(call.Caller, "2");
        await prompts.NextAsync("enter-account.wav");
        await lab.ReceiveDtmfAsync(call.Caller, "400");
        await lab.Events.WaitAsync(e => e.EventName == "DTMF" && e.UniqueId == call.Caller && DigitsOf(lab.Events, call.Caller) == "2400",
            RealLab.Patience, "the caller's first account digits");
        await lab.FreeSwitch.ApiAsync($"uuid_kill {call.Caller}");
        var ended = await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_HANGUP_COMPLETE" && e.UniqueId == call.Caller,
            RealLab.Patience, "the end of the caller's channel");
        ended["Hangup-Cause"].Should().Be("NORMAL_CLEARING");

        // The engine records the call once its flow has seen the hang-up.
        var services = lab.Engine!.Services!;
        await services.GetRequiredService<OutboundCallService>().WhenLiveCallsAtMostAsync(0).WaitAsync(RealLab.Patience);
        var saved = await services.GetRequiredService<IClientStore>().LastInteractionFromAsync(s_unknownCaller);
        saved.Should().NotBeNull("every call is recorded, a call cut short too");
        saved!.CallUuid.Should().Be(call.Caller);
        saved.Outcome.Should().Be("hung-up");
        saved.Flow.Should().Be("bank");
        saved.DialedNumber.Should().Be("5000");
        saved.Steps.Should().Equal("bank/identify", "bank/welcome", "bank/known", "bank/how-identify", "bank/ask-account");
        saved.ClientId.Should().BeNull();
        saved.Queue.Should().BeNull("the caller left before the flow chose a queue");
        saved.Collected.Should().NotContainKey("account", "nothing was entered in full");
        lab.Events.Of(call.Caller).Should().NotContain(e => e.EventSubclass == "callcenter::info");
    }

    /// <summary>The demo client holding <paramref name="account"/>, from the engine's store (what the test expects).</summary>
    private static async Task<ClientCard> ClientOfAccountAsync(RealLab lab, string account)
    {
        var store = lab.Engine!.Services!.GetRequiredService<IClientStore>();
        return await store.FindByAccountAsync(account) ?? throw new InvalidOperationException($"no demo client has account {account}");
    }

    /// <summary>When FreeSWITCH sent an event (Event-Date-Timestamp, microseconds).</summary>
    private static long Timestamp(EslEvent e) => long.Parse(e["Event-Date-Timestamp"]!, CultureInfo.InvariantCulture);

    /// <summary>The keys FreeSWITCH reported (DTMF events) on a channel so far, in order.</summary>
    private static string DigitsOf(EventLog events, string uuid) =>
        string.Concat(events.Of(uuid).Where(e => e.EventName == "DTMF").Select(e => e["DTMF-Digit"]));

    /// <summary>Every context variable on the caller's channel reached the agent's leg unchanged, and so did what the
    /// engine listed in ivr_export_extra.</summary>
    private static void AssertContextReachedTheAgent(IReadOnlyDictionary<string, string> caller, IReadOnlyDictionary<string, string> leg)
    {
        var names = ContextVariables.All.Append(ContextVariables.Dnis)
            .Concat(caller["variable_" + ContextVariables.ExportExtra].Split(',', StringSplitOptions.RemoveEmptyEntries))
            .Where(n => caller.ContainsKey("variable_" + n))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        names.Should().Contain(["ivr_context_id", "ivr_flow", "ivr_last_step", "ivr_cti_code", "ivr_cti_reason", "ivr_matched_by", "ivr_dnis"]);
        foreach (var name in names)
        {
            leg.Should().ContainKey("variable_" + name, $"{name} is on the caller's channel and listed for the agent");
            leg["variable_" + name].Should().Be(caller["variable_" + name], $"{name} reaches the agent unchanged");
        }
    }

    /// <summary>The engine's requests for keys on one channel, in order: each wait returns the next play_and_get_digits
    /// FreeSWITCH started on it (after the one before), which must play <c>prompt</c>.</summary>
    private sealed class Prompts(EventLog events, string uuid)
    {
        private long _after = -1;

        public async Task<EslEvent> NextAsync(string prompt)
        {
            var after = _after;
            var started = await events.WaitAsync(e => e.EventName == "CHANNEL_EXECUTE" && e.UniqueId == uuid && e["Application"] == "play_and_get_digits"
                && Sequence(e) > after, RealLab.Patience, $"play_and_get_digits of {prompt} on {uuid}");
            _after = Sequence(started);
            started["Application-Data"].Should().Contain(prompt, "the engine asks for the expected entry");
            return started;
        }

        private static long Sequence(EslEvent e) => long.Parse(e["Event-Sequence"]!, CultureInfo.InvariantCulture);
    }
}
