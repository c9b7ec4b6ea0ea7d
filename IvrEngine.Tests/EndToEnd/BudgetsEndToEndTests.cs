using System.Text;
using IvrEngine.Calls;
using IvrEngine.Ivr;
using IvrEngine.Profiles;
using IvrEngine.Scripts;
using IvrEngine.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>The real engine over TCP, the shipped bank flow and the demo data: the SIP headers and the UUI form reach
/// the channel exported and named in cc_export_vars, the UUI reads back to the call's context, and what a real call
/// sends stays within the worst case the flow was checked against.</summary>
public sealed class BudgetsEndToEndTests
{
    private static Task<EngineUnderTest> StartAsync(params string[] settings) =>
        EngineUnderTest.StartAsync(null, null, ["--Store:SeedDemoData=true", "--Flows:Path=" + Path.Combine(AppContext.BaseDirectory, "flows"), .. settings]);

    private static string VipAni => DemoDataSeeder.WellKnown.VipPhone.TrimStart('+');

    [Fact]
    public async Task A_VIP_reaches_the_queue_with_the_headers_and_the_uui_exported_and_named_for_the_agent_s_leg()
    {
        await using var engine = await StartAsync();

        var record = await engine.RunCallAsync(new CallerScript { Ani = VipAni, Dnis = "5000" });

        record.ProtocolErrors.Should().BeEmpty();
        record.TransferredTo.Should().Be("queue_vip XML default");
        var exported = record.ExportedVariables;
        var contextId = exported[ContextVariables.ContextId];
        Guid.TryParse(contextId, out _).Should().BeTrue();
        exported.Should().Contain("sip_h_X-IVR-Context-Id", contextId)
            .And.Contain("sip_h_X-IVR-Flow", "bank")
            .And.Contain("sip_h_X-IVR-CTI-Code", "V")
            .And.Contain("sip_h_X-IVR-Client-Id", exported[ContextVariables.ClientId])
            .And.Contain("sip_h_X-IVR-Priority", "600");

        UuiForm.TryParse(exported[ContextVariables.Uui], out var uui).Should().BeTrue();
        uui.Should().Equal(new Dictionary<string, string>
        {
            ["c"] = contextId,
            ["f"] = "bank",
            ["i"] = exported[ContextVariables.ClientId],
            ["p"] = "600",
            ["t"] = "V",
        });
        exported[ContextVariables.Uui].Length.Should().BeLessThanOrEqualTo(128);
        UuiForm.TryFromHeader(exported["sip_h_User-to-User"], out var fromHeader).Should().BeTrue();
        fromHeader.Should().Be(exported[ContextVariables.Uui]);

        var listed = exported["cc_export_vars"].Split(',');
        listed.Should().Contain(["sip_h_X-IVR-Context-Id", "sip_h_X-IVR-Flow", "sip_h_X-IVR-CTI-Code", "sip_h_X-IVR-Client-Id",
            "sip_h_X-IVR-Priority", "sip_h_User-to-User", ContextVariables.Uui, ContextVariables.ContextId]);
        listed.Should().BeEquivalentTo(exported.Keys.Where(k => !k.StartsWith("cc_", StringComparison.Ordinal) && k != ContextVariables.ExportExtra));
        exported[ContextVariables.ExportExtra].Split(',').Should().Equal(listed.Where(n => !ContextVariables.All.Contains(n)),
            "the dialplan's own list names the contract: ivr_export_extra adds only what it lacks, in the same order")
            .And.Contain(["sip_h_X-IVR-Context-Id", "sip_h_User-to-User", ContextVariables.Uui]);
    }

    [Fact]
    public async Task What_a_real_call_sends_is_within_the_worst_case_the_flow_was_checked_against()
    {
        await using var engine = await StartAsync();
        var record = await engine.RunCallAsync(new CallerScript { Ani = VipAni, Dnis = "5000" });
        var sent = record.ExportedVariables.Sum(v => v.Key.Length + Encoding.UTF8.GetByteCount(v.Value));
        var headers = record.ExportedVariables.Where(v => v.Key.StartsWith(CallBudget.HeaderVariablePrefix, StringComparison.Ordinal))
            .Sum(v => CallBudget.LineBytes(v.Key, v.Value));
        var bank = Path.Combine(AppContext.BaseDirectory, "flows", "bank.yaml");

        // Checked against budgets just below what this call sent, the flow must not fit: its worst case is at least that.
        var tight = new CallBudgetsOptions { ChannelVariables = { TotalBytes = sent - 1 }, SipHeaders = { TotalBytes = headers - 1 } };
        var problems = FlowSet.Load(bank, new CallBudget(tight).LoadOptions()).Diagnostics.Select(d => d.Message).ToList();

        problems.Should().Contain(m => m.Contains("the channel variables can reach", StringComparison.Ordinal));
        problems.Should().Contain(m => m.Contains("the SIP headers can reach", StringComparison.Ordinal));
        FlowSet.Load(bank, new CallBudget(new CallBudgetsOptions()).LoadOptions()).Succeeded.Should().BeTrue("the shipped flows fit the defaults");
    }

    [Fact]
    public async Task A_value_the_flow_computes_past_its_size_is_cut_and_the_call_s_log_says_so_once()
    {
        using var folder = new Ivr.TempFlowsFolder();
        folder.Write("notes.yaml", """
            flow: notes
            numbers: ["5100"]
            steps:
              note:
                set: { note: '=Caller + "/" + Caller + "/" + Caller + "/" + Caller + "/" + Caller + "/" + Caller' }
                next: out
              out:
                transfer: { queue: general }
            """);
        using var logs = new Ivr.LogCapture();
        await using var engine = await EngineUnderTest.StartAsync(null, s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs),
            "--Flows:Path=" + folder.Path);

        var record = await engine.RunCallAsync(new CallerScript { Ani = "15551230001", Dnis = "5100" });

        record.TransferredTo.Should().Be("queue_general XML default");
        record.ExportedVariables["ivr_note"].Should().Be("15551230001/15551230001/15551230001/15551230001/15551230001/1\u2026");
        logs.Messages(Microsoft.Extensions.Logging.LogLevel.Warning).Where(m => m.Contains("ivr_note", StringComparison.Ordinal))
            .Should().Equal($"Call {record.Uuid}: ivr_note cut to 64 bytes (it had 71) before it was attached");
    }

    [Fact]
    public async Task A_deployment_without_headers_or_uui_sets_neither()
    {
        await using var engine = await StartAsync("--Flows:Budgets:SipHeaders:Enabled=false", "--Flows:Budgets:Uui:Enabled=false");

        var record = await engine.RunCallAsync(new CallerScript { Ani = VipAni, Dnis = "5000" });

        record.TransferredTo.Should().Be("queue_vip XML default");
        record.ExportedVariables.Keys.Should().NotContain(k => k.StartsWith("sip_h_", StringComparison.Ordinal)).And.NotContain(ContextVariables.Uui);
        record.ExportedVariables.Should().ContainKey(ContextVariables.ContextId);
        engine.Host.Services.GetRequiredService<FlowCatalog>().Budget.Headers.Should().BeEmpty();
    }
}
