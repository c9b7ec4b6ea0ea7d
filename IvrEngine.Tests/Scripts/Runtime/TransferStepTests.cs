using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using static IvrEngine.Tests.Scripts.Runtime.FlowHarness;
using static IvrEngine.Tests.Scripts.Runtime.ScriptedCall;

namespace IvrEngine.Tests.Scripts.Runtime;

public sealed class TransferStepTests
{
    private readonly FlowHarness _harness = new();

    private static CollectStep Collect(string id, string into, bool secret = false) => new()
    {
        Id = id,
        Into = into,
        Prompt = Files($"{into}.wav"),
        Secret = secret,
        OnFailure = "agent",
    };

    private static FlowDefinition BankFlow(TransferStep transfer) => Flow(
        "bank",
        new LookupStep { Id = "identify", Found = "account", NotFound = "account" },
        Collect("account", "account"),
        Collect("pin", "pin", secret: true),
        new SetStep
        {
            Id = "mark",
            Assignments =
            [
                new Assignment("segment", "retail", false, SourceSpan.None),
                new Assignment("empty", "", false, SourceSpan.None),
                new Assignment("flow", "overridden?", false, SourceSpan.None),
            ],
        },
        transfer with { Id = "agent" });

    private static FlowClientView Found => new()
    {
        Found = true,
        Code = "V",
        Reason = "VIP category",
        Id = "c-42",
        Name = "Nino Beridze",
        Category = "VIP",
        Overdue = 0,
        Manager = "1001@default",
        MatchedBy = "phone",
    };

    [Fact]
    public async Task The_call_carries_exactly_the_documented_variables_exported_then_is_transferred()
    {
        _harness.Directory.ByCaller["+15551230001"] = Found;
        var call = new ScriptedCall(Keys("100200300"), Keys("4321"));

        var result = await _harness.RunAsync(BankFlow(new TransferStep { Id = "agent", Kind = TransferKind.Queue, Target = "vip", Priority = "10" }), call);

        var expected = new Dictionary<string, string>
        {
            ["ivr_account"] = "100200300",
            ["ivr_account_status"] = "ok",
            ["ivr_pin_status"] = "ok",
            ["ivr_segment"] = "retail",
            ["ivr_flow"] = "bank",
            ["ivr_last_step"] = "bank/agent",
            ["ivr_language"] = "en",
            ["ivr_cti_code"] = "V",
            ["ivr_cti_reason"] = "VIP category",
            ["ivr_matched_by"] = "phone",
            ["ivr_client_id"] = "c-42",
            ["ivr_client_name"] = "Nino Beridze",
            ["ivr_category"] = "VIP",
            ["ivr_overdue"] = "false",
            ["ivr_manager"] = "1001@default",
            ["ivr_transfer_priority"] = "10",
        };
        result.Outcome.Should().Be(FlowOutcome.Transferred);
        result.Transfer.Should().Be(new FlowTransfer(TransferKind.Queue, "vip", 10));
        result.Attached.Should().BeEquivalentTo(expected);
        var set = call.VariableSets.Should().ContainSingle().Subject;
        set.Exported.Should().BeTrue();
        set.Variables.Should().BeEquivalentTo(expected);
        call.Log.TakeLast(2).Should().Equal("set", "transfer Queue vip 10");
    }

    [Fact]
    public async Task A_secret_is_never_attached_nor_shown_to_the_observer()
    {
        var call = new ScriptedCall(Keys("100200300"), Keys("4321"));

        var result = await _harness.RunAsync(BankFlow(new TransferStep { Id = "agent", Target = "general" }), call);

        result.Attached.Should().NotContainKey("ivr_pin");
        result.Attached.Values.Should().NotContain(v => v.Contains("4321"));
        result.MaskedVariables["pin"].Should().Be("****");
        _harness.Observer.Transfers.Single().Should().Contain("ivr_account", "*****0300").And.NotContainKey("ivr_pin");
    }

    [Fact]
    public async Task Without_a_client_or_a_priority_the_flows_own_values_and_the_unknown_callers_code_are_attached()
    {
        var call = new ScriptedCall(Keys("100200300"), Keys("4321"));

        var result = await _harness.RunAsync(BankFlow(new TransferStep { Id = "agent", Kind = TransferKind.Extension, Target = "1000" }), call);

        result.Attached.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["ivr_account"] = "100200300",
            ["ivr_account_status"] = "ok",
            ["ivr_pin_status"] = "ok",
            ["ivr_segment"] = "retail",
            ["ivr_flow"] = "bank",
            ["ivr_last_step"] = "bank/agent",
            ["ivr_language"] = "en",
            ["ivr_cti_code"] = "N",
            ["ivr_matched_by"] = "none",
        });
        result.Transfer.Should().Be(new FlowTransfer(TransferKind.Extension, "1000", null));
    }

    [Fact]
    public async Task An_overdue_client_is_attached_as_overdue_true_and_empty_client_fields_are_left_out()
    {
        _harness.Directory.ByCaller["+15551230001"] = Found with { Overdue = 12.5m, Manager = "", Reason = "" };
        var flow = Flow(
            new LookupStep { Id = "identify", Found = "agent", NotFound = "agent" },
            new TransferStep { Id = "agent", Target = "collections" });

        var result = await _harness.RunAsync(flow, new ScriptedCall());

        result.Attached.Should().Contain("ivr_overdue", "true").And.NotContainKeys("ivr_manager", "ivr_cti_reason");
    }

    [Fact]
    public async Task Target_and_priority_can_be_expressions()
    {
        _harness.Directory.ByCaller["+15551230001"] = Found with { Overdue = 1500m };
        var flow = Flow(
            new LookupStep { Id = "identify", Found = "agent", NotFound = "agent" },
            new TransferStep
            {
                Id = "agent",
                Kind = TransferKind.Agent,
                Target = "=Client.Manager",
                Priority = "=Client.Overdue > 1000 ? 8 : 5",
            });
        var call = new ScriptedCall();

        var result = await _harness.RunAsync(flow, call);

        result.Transfer.Should().Be(new FlowTransfer(TransferKind.Agent, "1001@default", 8));
        result.Attached["ivr_transfer_priority"].Should().Be("8");
        call.Log.Should().Equal("set", "transfer Agent 1001@default 8");
    }

    [Theory]
    [InlineData("high", "the priority 'high' is not a whole number")]
    [InlineData("=\"x\" + Client.Id", "the priority '\"x\" + Client.Id' gave 'x', which is not a whole number")]
    [InlineData("=2.5", "the priority '2.5' gave '2.5', which is not a whole number")]
    public async Task A_priority_that_is_no_whole_number_fails_the_run(string priority, string error)
    {
        var flow = Flow(new TransferStep { Id = "agent", Target = "general", Priority = priority });
        var call = new ScriptedCall();

        var result = await _harness.RunAsync(flow, call);

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.Error.Should().Be($"step 'main/agent': {error}");
        call.Log.Should().BeEmpty();
    }

    [Theory]
    [InlineData(FlowCallStatus.Ok, FlowOutcome.Transferred)]
    [InlineData(FlowCallStatus.HungUp, FlowOutcome.HungUp)]
    [InlineData(FlowCallStatus.Failed, FlowOutcome.TransferFailed)]
    public async Task The_transfer_status_decides_the_outcome(FlowCallStatus status, string outcome)
    {
        var flow = Flow(new TransferStep { Id = "agent", Target = "general" });

        var result = await _harness.RunAsync(flow, new ScriptedCall { TransferStatus = status });

        result.Outcome.Should().Be(outcome);
        result.LastStep.Should().Be("main/agent");
        result.Transfer.Should().Be(new FlowTransfer(TransferKind.Queue, "general", null));
    }

    [Fact]
    public async Task A_hang_up_while_attaching_ends_the_run_before_the_transfer()
    {
        var flow = Flow(new TransferStep { Id = "agent", Target = "general" });
        var call = new ScriptedCall { SetVariablesStatus = FlowCallStatus.HungUp };

        var result = await _harness.RunAsync(flow, call);

        result.Outcome.Should().Be(FlowOutcome.HungUp);
        call.Log.Should().Equal("set");
        result.Attached.Should().ContainKey("ivr_flow", "what was sent is reported even when the caller left meanwhile");
    }

    [Fact]
    public async Task A_switch_failing_to_attach_still_transfers()
    {
        var flow = Flow(new TransferStep { Id = "agent", Target = "general" });
        var call = new ScriptedCall { SetVariablesStatus = FlowCallStatus.Failed };

        var result = await _harness.RunAsync(flow, call);

        result.Outcome.Should().Be(FlowOutcome.Transferred);
        call.Log.Should().Equal("set", "transfer Queue general");
    }

    [Fact]
    public async Task A_transfer_in_a_subflow_names_the_top_flow_and_the_step_where_it_happened()
    {
        var main = Flow("bank", new SubflowStep { Id = "help", Flow = "support", Next = "end" }, Hangup("end"));
        var support = Flow("support", new TransferStep { Id = "agent", Target = "support" });

        var result = await _harness.RunAsync(main, new ScriptedCall(), support);

        result.Attached["ivr_flow"].Should().Be("bank");
        result.Attached["ivr_last_step"].Should().Be("support/agent");
    }
}
