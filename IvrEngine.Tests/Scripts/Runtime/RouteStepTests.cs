using FluentAssertions;
using IvrEngine.Scripts;
using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using Xunit;
using static IvrEngine.Tests.Scripts.Runtime.FlowHarness;

namespace IvrEngine.Tests.Scripts.Runtime;

/// <summary>The route step: the router's decision becomes a transfer or lets the flow go on, and the rule and its
/// reason ride on the call.</summary>
public sealed class RouteStepTests
{
    private readonly FlowHarness _harness = new();

    private sealed class FakeRouter(FlowRoute route) : IFlowRouter
    {
        public List<FlowRouteRequest> Requests { get; } = [];

        public ValueTask<FlowRoute> RouteAsync(FlowRouteRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return ValueTask.FromResult(route);
        }
    }

    private static readonly FlowClientView Vip = new()
    {
        Found = true, Code = "V", Reason = "VIP category", Id = "c-1", Name = "Eleanor Vance", Category = "vip",
        Manager = "agent-101", MatchedBy = "phone",
    };

    private static FlowDefinition RoutedFlow() => Flow("bank",
        new LookupStep { Id = "identify", Found = "route", NotFound = "route" },
        new RouteStep { Id = "route", Next = "self" },
        Play("self", "menu.wav"),
        Hangup("bye"));

    private Task<FlowRunResult> RunAsync(FlowDefinition flow, ScriptedCall call, IFlowRouter? router) =>
        new FlowRunner(_harness.Directory, _harness.Time, router).RunAsync(new FlowSet([flow]), flow, call, _harness.Observer, CancellationToken.None);

    [Fact]
    public async Task A_queue_decision_transfers_with_its_priority_and_attaches_the_rule_and_reason()
    {
        _harness.Directory.ByCaller["+15551230001"] = Vip;
        var router = new FakeRouter(new FlowRoute(new FlowTransfer(TransferKind.Queue, "vip", 600), "vip", "vip: CTI code V; queue vip, priority 600"));
        var call = new ScriptedCall();

        var result = await RunAsync(RoutedFlow(), call, router);

        result.Outcome.Should().Be(FlowOutcome.Transferred);
        result.Transfer.Should().Be(new FlowTransfer(TransferKind.Queue, "vip", 600));
        result.Attached.Should().Contain("ivr_route_rule", "vip")
            .And.Contain("ivr_route_reason", "vip: CTI code V; queue vip, priority 600")
            .And.Contain("ivr_transfer_priority", "600")
            .And.Contain("ivr_cti_code", "V")
            .And.Contain("ivr_last_step", "bank/route")
            .And.NotContainKey("ivr_fallback_queue");
        result.Route!.Rule.Should().Be("vip");
        call.Log.TakeLast(2).Should().Equal("set", "transfer Queue vip 600");
    }

    [Fact]
    public async Task The_router_sees_the_calls_data_but_never_a_secret()
    {
        _harness.Directory.ByCaller["+15551230001"] = Vip;
        var router = new FakeRouter(new FlowRoute(null, "self-service", "self-service: flow bank; self-service"));
        var flow = Flow("bank",
            new LookupStep { Id = "identify", Found = "account", NotFound = "account" },
            new CollectStep { Id = "account", Into = "account", Prompt = Files("a.wav"), MaxLength = 6, OnFailure = "bye", Next = "pin" },
            new CollectStep { Id = "pin", Into = "pin", Prompt = Files("p.wav"), MaxLength = 4, Secret = true, OnFailure = "bye", Next = "route" },
            new RouteStep { Id = "route", Next = "bye" },
            Hangup("bye"));

        await RunAsync(flow, new ScriptedCall(ScriptedCall.Keys("123456"), ScriptedCall.Keys("4321")), router);

        var request = router.Requests.Should().ContainSingle().Subject;
        request.Caller.Should().Be("+15551230001");
        request.Dialed.Should().Be("5000");
        request.Flow.Should().Be("bank");
        request.Language.Should().Be("en");
        request.Client.Should().Be(Vip);
        request.Now.Should().Be(_harness.Time.GetUtcNow());
        request.Variables.Should().Contain("account", "123456").And.NotContainKey("pin");
    }

    [Fact]
    public async Task Self_service_goes_on_at_next_and_a_later_transfer_still_carries_the_rule()
    {
        var router = new FakeRouter(new FlowRoute(null, "self-service", "self-service: flow bank; self-service"));
        var flow = Flow("bank",
            new RouteStep { Id = "route", Next = "menu" },
            Play("menu", "menu.wav", next: "agent"),
            new TransferStep { Id = "agent", Target = "general" });
        var call = new ScriptedCall();

        var result = await RunAsync(flow, call, router);

        result.Steps.Should().Equal("bank/route", "bank/menu", "bank/agent");
        result.Transfer.Should().Be(new FlowTransfer(TransferKind.Queue, "general", null));
        result.Attached.Should().Contain("ivr_route_rule", "self-service").And.Contain("ivr_route_reason", "self-service: flow bank; self-service");
    }

    [Fact]
    public async Task Manager_first_transfers_to_the_agent_with_the_fallback_queue_attached()
    {
        _harness.Directory.ByCaller["+15551230001"] = Vip with { Category = "problem", Code = "E" };
        var router = new FakeRouter(new FlowRoute(new FlowTransfer(TransferKind.Agent, "agent-101", null), "manager",
            "manager: category problem; manager agent-101 first, then queue general", FallbackQueue: "general"));

        var result = await RunAsync(RoutedFlow(), new ScriptedCall(), router);

        result.Transfer.Should().Be(new FlowTransfer(TransferKind.Agent, "agent-101", null));
        result.Attached.Should().Contain("ivr_fallback_queue", "general").And.Contain("ivr_route_rule", "manager")
            .And.Contain("ivr_manager", "agent-101");
    }

    [Fact]
    public async Task A_flow_variable_cannot_pose_as_the_route_rule()
    {
        var router = new FakeRouter(new FlowRoute(new FlowTransfer(TransferKind.Queue, "general", null), "general", "general: no other rule matched; queue general"));
        var flow = Flow("bank",
            new SetStep { Id = "set", Assignments = [new Assignment("route_rule", "forged", false, SourceSpan.None)] },
            new RouteStep { Id = "route" });

        var result = await RunAsync(flow, new ScriptedCall(), router);

        result.Attached.Should().Contain("ivr_route_rule", "general");
    }

    [Fact]
    public async Task Without_a_router_a_route_step_fails_the_run_clearly()
    {
        var result = await RunAsync(RoutedFlow(), new ScriptedCall(), router: null);

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.Error.Should().Be("step 'bank/route': a route step needs the engine's routing rules, and this run has none");
    }

    [Fact]
    public async Task An_unknown_caller_carries_code_N_and_its_reason()
    {
        _harness.Directory.ByCaller["+15551230001"] = FlowClientView.None with { Reason = "number not in the store" };
        var router = new FakeRouter(new FlowRoute(new FlowTransfer(TransferKind.Queue, "general", null), "general", "general: no other rule matched; queue general"));

        var result = await RunAsync(RoutedFlow(), new ScriptedCall(), router);

        result.Attached.Should().Contain("ivr_cti_code", "N").And.Contain("ivr_cti_reason", "number not in the store")
            .And.Contain("ivr_matched_by", "none").And.NotContainKey("ivr_client_id");
    }
}
