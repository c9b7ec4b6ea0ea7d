using IvrEngine.Calls;
using IvrEngine.Simulator;

namespace IvrEngine.Tests.Conf;

/// <summary>
/// The dialplan hands calls to the engine, falls back when no engine keeps a call, and puts callers in queues with the
/// context contract exported to the agent. Calls are followed through the model of the XML dialplan
/// (<see cref="XmlDialplan"/>): each test says what the outside world does (the engine is down, the agent does not
/// answer, the queue lets the caller go) and checks where the call ends up.
/// </summary>
public sealed class DialplanTests
{
    private static readonly FreeSwitchConf Conf = FreeSwitchConf.Load();
    private static readonly XmlDialplan Dialplan = Conf.Dialplan;

    /// <summary>Runs a call through the dialplan (<see cref="DialplanCall"/>): every socket returns at once (no engine
    /// kept the call), a bridge fails when <paramref name="bridgeFails"/>.</summary>
    private static Task<DialplanRun> FollowAsync(string context, string destination, Dictionary<string, string>? variables = null, bool bridgeFails = false) =>
        new DialplanCall(Dialplan, bridgeFails: bridgeFails).RunAsync(context, new CallerScript { Dnis = destination, Variables = variables ?? [] });

    [Theory]
    [InlineData("default", "5000")]
    [InlineData("default", "5001")]
    [InlineData("default", "5002")]
    [InlineData("default", "+18005550100")]
    [InlineData("public", "5000")]
    [InlineData("public", "18005550100")]
    public async Task A_call_goes_to_the_engine_then_the_failover_engine_then_the_general_queue(string context, string dialed)
    {
        var call = await FollowAsync(context, dialed);

        var sockets = call.Ran.Where(a => a.Application == "socket").Select(a => a.Data).ToList();
        sockets.Should().Equal("127.0.0.1:8084 async full", "127.0.0.1:8085 async full");
        call.Last.Application.Should().Be("callcenter");
        call.Last.Data.Should().Be("general@default");
        call.Variables.Should().Contain(ContextVariables.Dnis, dialed).And.Contain(ContextVariables.FallbackReason, "ivr-engine-unavailable");
        var applications = call.Applications.ToList();
        applications.IndexOf("answer").Should().BeGreaterThan(applications.LastIndexOf("socket"),
            "the engine answers; only the queue answers a call no engine kept");
    }

    [Theory]
    [InlineData("default", "5000")]
    [InlineData("default", "+18005550100")]
    [InlineData("public", "5001")]
    [InlineData("public", "18005550100")]
    public void Each_socket_comes_right_after_set_socket_resume_true(string context, string dialed)
    {
        // mod_event_socket reads socket_resume as the socket's listener ends: set, a socket closed before connect
        // resumes the dialplan (FreeSWITCH 1.10.12 otherwise leaves the call in the socket application). It is set
        // again before the failover's socket because the first engine unsets it once it has the call.
        var actions = Dialplan.Hunt(context, dialed);
        var sockets = actions.Select((a, i) => (a, i)).Where(x => x.a.Application == "socket").ToList();

        sockets.Should().HaveCount(2);
        sockets.Should().OnlyContain(x => x.i > 0 && actions[x.i - 1].Application == "set" && actions[x.i - 1].Data == "socket_resume=true");
    }

    [Fact]
    public void The_engine_hosts_come_from_the_environment()
    {
        var conf = FreeSwitchConf.Load(new Dictionary<string, string>
        {
            ["IVR_ENGINE_HOST"] = "10.0.0.10:8084",
            ["IVR_ENGINE_FAILOVER"] = "10.0.0.11:9000",
        });

        conf.Dialplan.Hunt("default", "5000").Where(a => a.Application == "socket").Select(a => a.Data)
            .Should().Equal("10.0.0.10:8084 async full", "10.0.0.11:9000 async full");
    }

    [Theory]
    [InlineData("1001")]
    [InlineData("queue_vip")]
    [InlineData("agent_1001")]
    [InlineData("*8vip")]
    [InlineData("*11")]
    [InlineData("ivr_queue_overflow")]
    public void An_unauthenticated_caller_reaches_nothing_but_the_engine(string dialed)
    {
        var actions = Dialplan.Hunt("public", dialed, new Dictionary<string, string> { ["callcenter_agent"] = "1001@default" });

        actions.Select(a => a.Application).Should().NotContain(["bridge", "callcenter"]);
        // The one set such a caller runs: socket_resume=true before each socket, so that a socket closed before
        // connect (an engine that died in its handshake) resumes the dialplan instead of leaving the call silent. It
        // reaches nothing: it tells FreeSWITCH what to do when that socket ends, and the engine unsets it.
        actions.Where(a => a.Application == "set").Select(a => a.Data).Should().NotContain(d => d != "socket_resume=true");
        if (actions.Count > 0) actions.Should().Contain(a => a.Application == "socket");
    }

    [Fact]
    public async Task A_queue_puts_the_caller_in_the_callcenter_queue_with_the_context_contract_exported_to_the_agent()
    {
        var call = await FollowAsync("default", "queue_vip", new()
        {
            ["ivr_flow"] = "bank",
            ["sip_h_X-IVR-Flow"] = "bank",
            ["ivr_export_extra"] = "ivr_pickup,ivr_self_service,sip_h_X-IVR-Flow",
        });

        call.Last.Application.Should().Be("callcenter");
        call.Last.Data.Should().Be("vip@default");
        call.Applications.Should().Contain("answer");
        call.Variables["sip_h_X-IVR-Flow"].Should().Be("bank", "the engine's header stays on the caller's channel");
        call.Variables["cc_export_vars"].Split(',').Should().Contain(ContextVariables.All)
            .And.Contain(["ivr_pickup", "ivr_self_service", "sip_h_X-IVR-Flow"], "the engine names its headers in ivr_export_extra");
        Dialplan.Hunt("default", "queue_vip").Select(a => a.Application).Should().ContainInOrder("callcenter", "transfer");
    }

    [Fact]
    public void The_queue_extension_exports_every_contract_variable_once_and_appends_the_engine_s_own_list()
    {
        var set = Dialplan.Hunt("default", "queue_general").Single(a => a.Application == "set" && a.Data.StartsWith("cc_export_vars=", StringComparison.Ordinal));
        var names = set.Data["cc_export_vars=".Length..].Split(',');

        names.Should().OnlyHaveUniqueItems();
        names.Should().Contain(ContextVariables.All).And.Contain(ContextVariables.SetByDialplan);
        names.Take(ContextVariables.All.Count).Should().Equal(ContextVariables.All, "the dialplan lists the contract in its order");
        names[^1].Should().Be("${" + ContextVariables.ExportExtra + "}");
        names.Should().NotContain(n => n.StartsWith("sip_h_", StringComparison.Ordinal),
            "the engine names the headers it set, within its budget, in ivr_export_extra");
    }

    [Fact]
    public void The_contract_is_eighteen_ivr_names_and_two_more_set_by_the_dialplan()
    {
        ContextVariables.All.Should().HaveCount(18).And.OnlyHaveUniqueItems().And.OnlyContain(n => n.StartsWith("ivr_", StringComparison.Ordinal));
        ContextVariables.All.Should().Contain(["ivr_context_id", "ivr_account", "ivr_route_rule", "ivr_route_reason", "ivr_new_caller_number"]);
        ContextVariables.SetByDialplan.Should().Equal("ivr_dnis", "ivr_fallback_reason");
        ContextVariables.All.Concat(ContextVariables.SetByDialplan).Should().NotContain([ContextVariables.ExportExtra, ContextVariables.FallbackQueue]);
    }

    [Fact]
    public async Task Every_queue_a_flow_transfers_to_reaches_its_callcenter_queue()
    {
        var queues = Conf.Configuration("callcenter.conf").Element("queues")!.Elements("queue").Select(q => (string)q.Attribute("name")!).ToList();
        var targets = FlowTransfers.Queues().Select(q => q.Target).Append("general").Distinct();

        foreach (var queue in targets)
        {
            var call = await FollowAsync("default", $"queue_{queue}");
            call.Last.Data.Should().Be($"{queue}@default");
            queues.Should().Contain(call.Last.Data);
        }
    }

    [Fact]
    public async Task An_agent_transfer_rings_the_agent_for_20_seconds_and_hangs_up_after_the_conversation()
    {
        var call = await FollowAsync("default", "agent_1003", new() { ["ivr_client_id"] = "42" });

        call.Last.Application.Should().Be("bridge");
        call.Last.Data.Should().Be("[leg_timeout=20]user/1003@127.0.0.1");
        call.Variables.Should().Contain("continue_on_fail", "true").And.Contain("hangup_after_bridge", "true");
        call.Variables.Keys.Should().NotContain(k => k.StartsWith("sip_h_", StringComparison.Ordinal),
            "the headers are the engine's, set before the transfer; mod_sofia copies the caller's sip_h_* to the agent's INVITE");
    }

    [Fact]
    public async Task An_agent_who_does_not_answer_sends_the_caller_to_the_queue_the_engine_named()
    {
        var call = await FollowAsync("default", "agent_1004", new() { [ContextVariables.FallbackQueue] = "collections" }, bridgeFails: true);

        call.Last.Data.Should().Be("collections@default");
        call.Variables[ContextVariables.FallbackReason].Should().Be("agent 1004 NO_ANSWER");
    }

    [Fact]
    public async Task An_agent_who_does_not_answer_sends_the_caller_to_general_when_the_engine_named_no_queue()
    {
        var call = await FollowAsync("default", "agent_1004", bridgeFails: true);

        call.Last.Application.Should().Be("callcenter");
        call.Last.Data.Should().Be("general@default");
    }

    [Fact]
    public async Task After_an_agent_served_the_caller_the_call_ends()
    {
        var call = await FollowAsync("default", "ivr_queue_exit", new() { ["cc_cause"] = "answered", ["ivr_queue_tried"] = "vip" });

        call.Last.Application.Should().Be("hangup");
        call.Last.Data.Should().Be("NORMAL_CLEARING");
    }

    [Theory]
    [InlineData("vip", "NO_AGENT_TIMEOUT")]
    [InlineData("spanish", "TIMEOUT")]
    [InlineData("nonexistent", "")]
    public async Task A_caller_a_queue_let_go_unserved_moves_to_general(string queue, string reason)
    {
        var vars = new Dictionary<string, string> { ["ivr_queue_tried"] = queue };
        if (reason.Length > 0)
        {
            vars["cc_cause"] = "cancel";
            vars["cc_cancel_reason"] = reason;
        }

        var call = await FollowAsync("default", "ivr_queue_exit", vars);

        call.Last.Data.Should().Be("general@default");
        call.Variables[ContextVariables.FallbackReason].TrimEnd().Should().Be($"queue {queue} {reason}".TrimEnd());
    }

    [Fact]
    public async Task A_caller_general_let_go_hears_a_busy_tone_instead_of_looping()
    {
        var call = await FollowAsync("default", "ivr_queue_exit", new() { ["cc_cause"] = "cancel", ["ivr_queue_tried"] = "general" });

        call.Last.Application.Should().Be("hangup");
        call.Applications.Should().NotContain("callcenter");
        call.Ran.Where(a => a.Application == "transfer").Select(a => a.Data).Should().Equal("ivr_queue_overflow XML default");
    }

    [Fact]
    public async Task An_agent_can_send_a_caller_to_another_queue_with_star_8_and_the_queue_sets_the_exports_again()
    {
        var vars = new Dictionary<string, string> { ["ivr_client_id"] = "42", ["cc_export_vars"] = "something_else", ["cc_cause"] = "answered" };
        var call = await FollowAsync("default", "*8collections", vars);

        call.Last.Data.Should().Be("collections@default");
        call.Variables["ivr_client_id"].Should().Be("42");
        call.Variables["cc_export_vars"].Split(',').Should().Contain(ContextVariables.All).And.NotContain("something_else");
        call.Variables.Should().NotContainKey("cc_cause", "a stale 'answered' from the last queue must not end the call");
    }

    [Theory]
    [InlineData("*11", "Available")]
    [InlineData("*12", "Logged Out")]
    public void An_agent_signs_in_and_out_from_the_phone(string code, string status)
    {
        var actions = Dialplan.Hunt("default", code, new Dictionary<string, string> { ["callcenter_agent"] = "1003@default" });

        actions.Should().Contain(a => a.Application == "set"
            && a.Data == $"ivr_cc_result=${{callcenter_config(agent set status 1003@default '{status}')}}");
        Dialplan.Hunt("default", code).Should().BeEmpty("a phone that is not an agent's has nothing to sign in to");
    }

    [Fact]
    public async Task The_phones_call_each_other()
    {
        var call = await FollowAsync("default", "1005");

        call.Last.Data.Should().Be("user/1005@127.0.0.1");
        call.Variables.Should().Contain("hangup_after_bridge", "true");
    }

    [Fact]
    public void Every_transfer_in_the_dialplan_reaches_an_extension()
    {
        var transfers = Conf.Section("dialplan").Descendants()
            .Where(e => e.Name.LocalName is "action" or "anti-action" && (string?)e.Attribute("application") == "transfer")
            .Select(e => ((string)e.Attribute("data")!).Split(' '))
            .Where(parts => !parts[0].Contains('$', StringComparison.Ordinal))
            .ToList();

        transfers.Should().NotBeEmpty();
        foreach (var parts in transfers)
        {
            parts.Should().HaveCount(3).And.Subject.Skip(1).Should().Equal("XML", "default");
            Dialplan.Hunt("default", parts[0]).Should().NotBeEmpty($"transfer {parts[0]} leads somewhere");
        }
    }

    [Fact]
    public void The_dialplan_uses_only_applications_of_the_loaded_modules()
    {
        // mod_dptools, mod_event_socket (socket) and mod_callcenter (callcenter).
        string[] known = ["answer", "set", "export", "unset", "log", "transfer", "bridge", "hangup", "playback", "echo", "socket", "callcenter"];

        Conf.Section("dialplan").Descendants().Where(e => e.Name.LocalName is "action" or "anti-action")
            .Select(e => (string)e.Attribute("application")!).Distinct().Should().OnlyContain(a => known.Contains(a));
    }
}
