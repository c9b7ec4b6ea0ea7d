using IvrEngine.Calls;
using IvrEngine.Ivr;
using IvrEngine.Scripts;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using IvrEngine.Simulator;
using IvrEngine.Tests.Calls;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Tests.Ivr;

/// <summary>What the adapter sends rides within the budget over a real socket: values of any content go as one line
/// within their caps (cut and logged, never dropped silently, never failing the call), and before a transfer the SIP
/// headers and the UUI form are exported and named for mod_callcenter.</summary>
public sealed class FlowCallAdapterBudgetTests : IDisposable
{
    private static readonly string FlowsFolder = Path.Combine(Path.GetTempPath(), "ivrengine-adapter-budget");

    private readonly LogCapture _logs = new();

    public void Dispose() => _logs.Dispose();

    private async Task<CallRecord> RunAsync(Func<FlowCallAdapter, Task> logic, CallBudgetsOptions? budgets = null)
    {
        var options = new FlowsOptions { Budgets = budgets ?? new CallBudgetsOptions() };
        var logger = _logs.CreateLogger("adapter");
        var (harness, call) = await CallHarness.StartAsync(new CallerScript(), c => logic(new FlowCallAdapter(c, options, FlowsFolder, logger: logger)));
        await using (harness)
        {
            await harness.Logic.WaitAsync(TimeSpan.FromSeconds(20));
            var record = await call.Completion.WaitAsync(TimeSpan.FromSeconds(20));
            record.ProtocolErrors.Should().BeEmpty();
            return record;
        }
    }

    private static Task<FlowCallStatus> AttachAsync(FlowCallAdapter adapter, Dictionary<string, string> variables) =>
        adapter.SetVariablesAsync(variables, exported: true, CancellationToken.None);

    private IEnumerable<string> Warnings => _logs.Messages(LogLevel.Warning);

    [Fact]
    public async Task A_value_with_a_dollar_and_line_breaks_goes_as_one_line_and_the_rest_of_the_context_with_it()
    {
        FlowCallStatus status = default;
        var record = await RunAsync(async a =>
        {
            status = await AttachAsync(a, new()
            {
                ["ivr_flow"] = "bank",
                ["ivr_client_name"] = "Robert'); ${system(id)}\r\nX-Evil: 1",
            });
        });

        status.Should().Be(FlowCallStatus.Ok, "before, one such value made the switch refuse the whole context");
        record.ExportedVariables.Should().Contain("ivr_flow", "bank").And.Contain("ivr_client_name", "Robert'); $ {system(id)}  X-Evil: 1");
    }

    [Fact]
    public async Task A_value_over_its_cap_is_cut_at_a_character_and_logged_once()
    {
        var note = new string('é', 200);
        var record = await RunAsync(async a =>
        {
            await AttachAsync(a, new() { ["ivr_note"] = note, ["ivr_cti_code"] = "VIPCLIENTX" });
            await a.TransferAsync(new FlowTransfer(TransferKind.Queue, "vip", null), CancellationToken.None);
        });

        record.ExportedVariables["ivr_note"].Should().Be(new string('é', 126) + ChannelValue.Cut);
        record.ExportedVariables["ivr_cti_code"].Should().Be("VIPCL" + ChannelValue.Cut);
        Warnings.Should().Equal(
            "Call " + record.Uuid + ": ivr_note cut to 256 bytes (it had 400) before it was attached",
            "Call " + record.Uuid + ": ivr_cti_code cut to 8 bytes (it had 10) before it was attached");
    }

    [Fact]
    public async Task Before_a_transfer_the_headers_and_the_uui_form_are_exported_and_named_for_mod_callcenter()
    {
        var record = await RunAsync(async a =>
        {
            await AttachAsync(a, new()
            {
                ["ivr_flow"] = "bank",
                ["ivr_cti_code"] = "V",
                ["ivr_client_id"] = "9d1e5b7a-0000-4000-8000-000000000042",
                ["ivr_transfer_priority"] = "600",
                ["ivr_client_name"] = "Eleanor Vance",
            });
            await a.TransferAsync(new FlowTransfer(TransferKind.Queue, "vip", 600), CancellationToken.None);
        });

        record.TransferredTo.Should().Be("queue_vip XML default");
        var exported = record.ExportedVariables;
        exported.Should().Contain("sip_h_X-IVR-Flow", "bank").And.Contain("sip_h_X-IVR-CTI-Code", "V")
            .And.Contain("sip_h_X-IVR-Client-Id", "9d1e5b7a-0000-4000-8000-000000000042").And.Contain("sip_h_X-IVR-Priority", "600")
            .And.NotContainKey("sip_h_X-IVR-Context-Id", "this call is not tracked, so it has no context id");
        exported[ContextVariables.Uui].Should().Be("f=bank&i=9d1e5b7a-0000-4000-8000-000000000042&p=600&t=V");
        UuiForm.TryFromHeader(exported["sip_h_User-to-User"], out var form).Should().BeTrue();
        form.Should().Be(exported[ContextVariables.Uui]);
        var listed = exported["cc_export_vars"].Split(',');
        listed.Should().BeEquivalentTo(exported.Keys.Where(k => !k.StartsWith("cc_", StringComparison.Ordinal) && k != ContextVariables.ExportExtra));
        exported[ContextVariables.ExportExtra].Should().Be("sip_h_X-IVR-Client-Id,sip_h_X-IVR-CTI-Code,sip_h_X-IVR-Flow,sip_h_X-IVR-Priority,ivr_uui,sip_h_User-to-User",
            "the dialplan's own list names the contract: ivr_export_extra adds only what it lacks");
        Warnings.Should().BeEmpty();
    }

    [Fact]
    public async Task A_header_carries_a_hostile_value_as_one_line_cut_to_its_line()
    {
        var budgets = new CallBudgetsOptions { SipHeaders = { Headers = { ["X-IVR-Name"] = "ivr_client_name" } } };
        var record = await RunAsync(async a =>
        {
            await AttachAsync(a, new() { ["ivr_client_name"] = "Eve\r\nX-Injected: yes\r\n\r\nv=0" });
            await a.TransferAsync(new FlowTransfer(TransferKind.Agent, "1003", null), CancellationToken.None);
        }, budgets);

        record.ExportedVariables["sip_h_X-IVR-Name"].Should().Be("Eve  X-Injected: yes    v=0");
        record.ExportedVariables.Keys.Should().NotContain(k => k.Contains("Injected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Over_the_total_a_value_is_left_out_and_logged_and_the_lists_name_only_what_was_sent()
    {
        var budgets = new CallBudgetsOptions { ChannelVariables = { TotalBytes = 600 }, SipHeaders = { Enabled = false }, Uui = { Enabled = false } };
        var record = await RunAsync(async a =>
        {
            await AttachAsync(a, new()
            {
                ["ivr_flow"] = "bank",
                ["ivr_one"] = new string('1', 200),
                ["ivr_two"] = new string('2', 200),
                ["ivr_three"] = new string('3', 200),
            });
            await a.TransferAsync(new FlowTransfer(TransferKind.Queue, "vip", null), CancellationToken.None);
        }, budgets);

        record.ExportedVariables.Should().ContainKeys("ivr_flow", "ivr_one", "ivr_two").And.NotContainKey("ivr_three");
        record.ExportedVariables["cc_export_vars"].Should().Be("ivr_flow,ivr_one,ivr_two");
        Warnings.Should().Contain($"Call {record.Uuid}: ivr_three (209 bytes) not attached: the channel variables would pass 600 bytes (Flows:Budgets:ChannelVariables:TotalBytes)");
        record.TransferredTo.Should().Be("queue_vip XML default", "what does not fit never stops the transfer");
    }

    [Fact]
    public async Task With_headers_and_the_uui_off_neither_is_set()
    {
        var budgets = new CallBudgetsOptions { SipHeaders = { Enabled = false }, Uui = { Enabled = false } };
        var record = await RunAsync(async a =>
        {
            await AttachAsync(a, new() { ["ivr_flow"] = "bank", ["ivr_cti_code"] = "V" });
            await a.TransferAsync(new FlowTransfer(TransferKind.Queue, "vip", null), CancellationToken.None);
        }, budgets);

        record.ExportedVariables.Keys.Should().NotContain(k => k.StartsWith("sip_h_", StringComparison.Ordinal)).And.NotContain(ContextVariables.Uui);
        record.ExportedVariables["cc_export_vars"].Should().Be("ivr_flow,ivr_cti_code");
    }
}
