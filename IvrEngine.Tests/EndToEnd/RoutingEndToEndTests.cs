using IvrEngine.Profiles;
using IvrEngine.Simulator;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>A flow with a route step served by the real engine to the FreeSWITCH simulator over TCP, against the
/// demo data and the shipped routing rules (appsettings.json): the rule chosen and why ride on the call, and
/// cc_export_vars names everything attached so mod_callcenter passes it to the agent's leg.</summary>
public sealed class RoutingEndToEndTests : IDisposable
{
    private const string RoutedFlow = """
        flow: routed
        numbers: ["5000"]
        default: true
        steps:
          identify:
            lookup: caller
            found: route
            not_found: ask-account
          ask-account:
            collect:
              into: account
              prompt: enter-account.wav
              min: 4
              max: 10
              validate: { regex: '^\d{4,10}$', exists: true }
            next: by-account
            on_failure: general
          by-account:
            lookup: { by: account, value: 'Vars["account"]' }
            found: route
            not_found: general
          route:
            route: true
            next: menu
          menu:
            play: menu.wav
            next: general
          general:
            transfer: { queue: general }
        """;

    private readonly DirectoryInfo _flows = Directory.CreateTempSubdirectory("ivrengine-routing-");

    public RoutingEndToEndTests() => File.WriteAllText(Path.Combine(_flows.FullName, "routed.yaml"), RoutedFlow);

    public void Dispose() => _flows.Delete(recursive: true);

    private Task<EngineUnderTest> StartAsync() =>
        EngineUnderTest.StartAsync(null, null, "--Store:SeedDemoData=true", "--Flows:Path=" + _flows.FullName);

    private static string Ani(string e164) => e164.TrimStart('+');

    private static string[] ExportList(CallRecord record) =>
        record.ExportedVariables["cc_export_vars"].Split(',');

    [Fact]
    public async Task A_known_VIP_goes_to_the_vip_queue_with_the_rule_and_every_attached_name_in_cc_export_vars()
    {
        await using var engine = await StartAsync();

        var record = await engine.RunCallAsync(new CallerScript { Ani = Ani(DemoDataSeeder.WellKnown.VipPhone), Dnis = "5000" });

        record.ProtocolErrors.Should().BeEmpty();
        record.TransferredTo.Should().Be("queue_vip XML default");
        record.ExportedVariables.Should().Contain("ivr_route_rule", "vip")
            .And.Contain("ivr_route_reason", "vip: CTI code V; queue vip, priority 600")
            .And.Contain("ivr_cti_code", "V")
            .And.Contain("ivr_client_name", "Eleanor Vance")
            .And.Contain("cc_base_score", "600");
        // cc_export_vars lists everything attached (ivr_context_id among it, and the engine's SIP headers);
        // ivr_export_extra only what the shipped dialplan's own list (the contract) lacks, so that no name comes twice.
        var attached = record.ExportedVariables.Keys.Where(k => (k.StartsWith("ivr_", StringComparison.Ordinal) || k.StartsWith("sip_h_", StringComparison.Ordinal))
            && k != IvrEngine.Calls.ContextVariables.ExportExtra);
        ExportList(record).Should().BeEquivalentTo(attached).And.Contain(IvrEngine.Calls.ContextVariables.ContextId);
        record.ExportedVariables[IvrEngine.Calls.ContextVariables.ExportExtra].Should().Be(
            "sip_h_X-IVR-Client-Id,sip_h_X-IVR-Context-Id,sip_h_X-IVR-CTI-Code,sip_h_X-IVR-Flow,sip_h_X-IVR-Priority,ivr_uui,sip_h_User-to-User");
    }

    [Fact]
    public async Task An_overdue_client_goes_to_collections()
    {
        await using var engine = await StartAsync();

        var record = await engine.RunCallAsync(new CallerScript { Ani = Ani(DemoDataSeeder.WellKnown.OverduePhone), Dnis = "5000" });

        record.ProtocolErrors.Should().BeEmpty();
        record.TransferredTo.Should().Be("queue_collections XML default");
        record.ExportedVariables.Should().Contain("ivr_route_rule", "overdue")
            .And.Contain("ivr_route_reason", "overdue: overdue 1250; queue collections, priority 300")
            .And.Contain("cc_base_score", "300");
        ExportList(record).Should().Contain(["ivr_route_rule", "ivr_route_reason", "ivr_overdue"]);
    }

    [Fact]
    public async Task An_unknown_caller_who_enters_a_valid_account_is_identified_and_routed()
    {
        await using var engine = await StartAsync();

        var record = await engine.RunCallAsync(new CallerScript
        {
            Ani = "15559990001",
            Dnis = "5000",
            Inputs = [CallerInput.Keys(DemoDataSeeder.WellKnown.VipAccount + "#")],
        });

        record.ProtocolErrors.Should().BeEmpty();
        record.TransferredTo.Should().Be("queue_vip XML default");
        record.ExportedVariables.Should().Contain("ivr_matched_by", "account")
            .And.Contain("ivr_route_rule", "vip")
            .And.Contain("ivr_account", DemoDataSeeder.WellKnown.VipAccount);
        ExportList(record).Should().Contain("ivr_account");
    }

    [Fact]
    public async Task A_client_with_a_manager_goes_to_the_manager_first_with_the_fallback_queue()
    {
        await using var engine = await StartAsync();

        var record = await engine.RunCallAsync(new CallerScript { Ani = Ani(DemoDataSeeder.WellKnown.ProblemPhone), Dnis = "5000" });

        record.ProtocolErrors.Should().BeEmpty();
        record.TransferredTo.Should().Be("agent_agent-106 XML default");
        record.ExportedVariables.Should().Contain("ivr_fallback_queue", "general")
            .And.Contain("ivr_route_rule", "manager")
            .And.Contain("ivr_manager", "agent-106");
        ExportList(record).Should().Contain(["ivr_fallback_queue", "ivr_manager", "ivr_route_reason"]);
    }
}
