using IvrEngine.Ivr;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using IvrEngine.Simulator;
using IvrEngine.Tests.Calls;

namespace IvrEngine.Tests.Ivr;

/// <summary>mod_callcenter copies to the agent's leg only the variables named in cc_export_vars: the adapter names
/// everything the call carries right before a transfer.</summary>
public sealed class FlowCallAdapterExportTests
{
    private static readonly string FlowsFolder = Path.Combine(Path.GetTempPath(), "ivrengine-adapter-export");

    private static async Task<CallRecord> RunAsync(Func<FlowCallAdapter, Task> logic, Func<IReadOnlyDictionary<string, string>>? transferVariables = null)
    {
        var (harness, call) = await CallHarness.StartAsync(new CallerScript(), c => logic(new FlowCallAdapter(c, new FlowsOptions(), FlowsFolder, transferVariables)));
        await using (harness)
        {
            await harness.Logic.WaitAsync(TimeSpan.FromSeconds(20));
            var record = await call.Completion.WaitAsync(TimeSpan.FromSeconds(20));
            record.ProtocolErrors.Should().BeEmpty();
            return record;
        }
    }

    [Fact]
    public async Task A_transfer_names_every_exported_variable_and_the_engines_context_in_cc_export_vars()
    {
        var record = await RunAsync(async a =>
        {
            await a.SetVariablesAsync(new Dictionary<string, string> { ["ivr_flow"] = "bank", ["ivr_route_rule"] = "manager", ["ivr_fallback_queue"] = "general" },
                exported: true, CancellationToken.None);
            await a.SetVariablesAsync(new Dictionary<string, string> { ["local_only"] = "x" }, exported: false, CancellationToken.None);
            await a.TransferAsync(new FlowTransfer(TransferKind.Agent, "agent-106", null), CancellationToken.None);
        }, () => new Dictionary<string, string> { ["ivr_campaign"] = "Spring" });

        record.TransferredTo.Should().Be("agent_agent-106 XML default");
        record.ExportedVariables["cc_export_vars"].Split(',').Should()
            .Equal("ivr_flow", "ivr_route_rule", "ivr_fallback_queue", "ivr_campaign", "sip_h_X-IVR-Flow", "ivr_uui", "sip_h_User-to-User");
    }

    [Fact]
    public async Task The_callcenter_own_variables_are_not_listed()
    {
        var record = await RunAsync(async a =>
        {
            await a.SetVariablesAsync(new Dictionary<string, string> { ["ivr_flow"] = "bank" }, exported: true, CancellationToken.None);
            await a.TransferAsync(new FlowTransfer(TransferKind.Queue, "vip", 600), CancellationToken.None);
        });

        record.ExportedVariables.Should().Contain("cc_base_score", "600")
            .And.Contain("cc_export_vars", "ivr_flow,sip_h_X-IVR-Flow,ivr_uui,sip_h_User-to-User")
            .And.Contain("ivr_export_extra", "sip_h_X-IVR-Flow,ivr_uui,sip_h_User-to-User",
                "the shipped dialplan appends it to the contract's names, ivr_flow among them");
    }
}
