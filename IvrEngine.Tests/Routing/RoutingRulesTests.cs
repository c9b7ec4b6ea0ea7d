using FluentAssertions;
using IvrEngine.Routing;
using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using Microsoft.Extensions.Options;
using Xunit;

namespace IvrEngine.Tests.Routing;

/// <summary>The rules: each condition, their order, the default, and the reason given.</summary>
public sealed class RoutingRulesTests
{
    private static readonly DateTimeOffset Noon = new(2026, 7, 15, 12, 0, 0, TimeSpan.Zero);

    private static readonly FlowClientView Client = new()
    {
        Found = true, Code = "E", Reason = "has a contract", Id = "c-1", Name = "Olivia Grant", Category = "regular", MatchedBy = "phone",
    };

    private static RoutingRule General => new() { Name = "general", Queue = "general" };

    private static RoutingRules Rules(params RoutingRule[] rules)
    {
        var options = new RoutingOptions();
        foreach (var rule in rules) options.Rules.Add(rule);
        RoutingOptionsValidator.Check(options).Should().BeEmpty();
        return new RoutingRules(Options.Create(options));
    }

    private static FlowRouteRequest Request(FlowClientView? client = null, string caller = "+15551230005", string dialed = "5000",
        string language = "en", string flow = "bank", DateTimeOffset? now = null, Dictionary<string, string>? vars = null) =>
        new(caller, dialed, vars ?? [], client ?? Client, language, flow, now ?? Noon);

    private static RoutingRule Rule(string name, Action<RoutingRule> conditions, string queue = "q")
    {
        var rule = new RoutingRule { Name = name, Queue = queue };
        conditions(rule);
        return rule;
    }

    [Fact]
    public void A_vip_goes_to_the_vip_queue_with_its_priority_and_the_reason_says_why()
    {
        var rules = Rules(Priority(Rule("vip", r => r.CtiCodes.Add("V"), "vip"), 600), General);

        var decision = rules.Decide(Request(Client with { Code = "V", Category = "vip" }))!;

        decision.Should().Be(new RoutingDecision("vip", "vip: CTI code V; queue vip, priority 600", "vip", 600, null));
    }

    private static RoutingRule Priority(RoutingRule rule, int priority)
    {
        rule.Priority = priority;
        return rule;
    }

    [Fact]
    public void The_default_takes_what_no_rule_took()
    {
        var rules = Rules(Rule("vip", r => r.CtiCodes.Add("V"), "vip"), General);

        rules.Decide(Request())!.Reason.Should().Be("general: no other rule matched; queue general");
    }

    [Fact]
    public void The_first_matching_rule_wins()
    {
        var rules = Rules(Rule("first", r => r.Categories.Add("regular"), "a"), Rule("second", r => r.Categories.Add("REGULAR"), "b"), General);

        rules.Decide(Request())!.Rule.Should().Be("first");
    }

    [Theory]
    [InlineData(true, 12.5, "overdue: overdue 12.5; queue q")]
    [InlineData(true, 0, "general: no other rule matched; queue general")]
    [InlineData(false, 0, "overdue: nothing overdue; queue q")]
    public void Overdue_true_or_false(bool wanted, double overdue, string reason)
    {
        var rules = Rules(Rule("overdue", r => r.Overdue = wanted), General);

        rules.Decide(Request(Client with { Overdue = (decimal)overdue }))!.Reason.Should().Be(reason);
    }

    [Fact]
    public void Category_needs_a_client_found()
    {
        var rules = Rules(Rule("regular", r => r.Categories.Add("regular")), General);

        rules.Decide(Request(FlowClientView.None with { Category = "regular" }))!.Rule.Should().Be("general");
    }

    [Theory]
    [InlineData("es", "spanish")]
    [InlineData("es-MX", "spanish")]
    [InlineData("en", "general")]
    public void Language_matches_a_code_and_its_regional_forms(string language, string rule)
    {
        var rules = Rules(Rule("spanish", r => r.Languages.Add("es"), "spanish"), General);

        rules.Decide(Request(language: language))!.Rule.Should().Be(rule);
    }

    [Theory]
    [InlineData("+1 800 555-0100", "toll-free")]
    [InlineData("5000", "general")]
    public void Dialed_numbers_compare_by_digits(string dialed, string rule)
    {
        var rules = Rules(Rule("toll-free", r => r.DialedNumbers.Add("18005550100")), General);

        rules.Decide(Request(dialed: dialed))!.Rule.Should().Be(rule);
    }

    [Theory]
    [InlineData("+34911222333", "spain")]
    [InlineData("+15551230005", "general")]
    public void Caller_prefixes(string caller, string rule)
    {
        var rules = Rules(Rule("spain", r => r.CallerPrefixes.Add("+34")), General);

        rules.Decide(Request(caller: caller))!.Rule.Should().Be(rule);
    }

    [Fact]
    public void Accounts_look_at_the_account_the_caller_entered()
    {
        var rules = Rules(Rule("treasury", r => r.Accounts.Add("40001")), General);

        rules.Decide(Request(vars: new() { ["account"] = "40001" }))!.Reason.Should().Be("treasury: account 40001; queue q");
        rules.Decide(Request())!.Rule.Should().Be("general");
    }

    [Theory]
    [InlineData(12, "day")]
    [InlineData(23, "general")]
    public void Hours_in_the_rules_zone(int utcHour, string rule)
    {
        var rules = Rules(Rule("day", r => { r.Hours = "08:00-18:00"; r.TimeZone = "America/New_York"; }), General);

        rules.Decide(Request(now: new DateTimeOffset(2026, 7, 15, utcHour, 0, 0, TimeSpan.Zero)))!.Rule.Should().Be(rule);
    }

    [Fact]
    public void Hours_may_wrap_midnight_and_the_reason_names_the_local_time()
    {
        var rules = Rules(Rule("night", r => r.Hours = "22:00-06:00"), General);

        rules.Decide(Request(now: new DateTimeOffset(2026, 7, 15, 23, 30, 0, TimeSpan.Zero)))!.Reason
            .Should().Be("night: 23:30 is within 22:00-06:00 UTC; queue q");
        rules.Decide(Request(now: Noon))!.Rule.Should().Be("general");
    }

    [Fact]
    public void Flows_and_several_conditions_must_all_hold()
    {
        var rules = Rules(Rule("both", r => { r.Flows.Add("bank"); r.CtiCodes.Add("E"); }), General);

        rules.Decide(Request())!.Reason.Should().Be("both: CTI code E; flow bank; queue q");
        rules.Decide(Request(flow: "default"))!.Rule.Should().Be("general");
    }

    [Fact]
    public void Self_service_keeps_the_caller_in_the_ivr()
    {
        var rules = Rules(new RoutingRule { Name = "self-service", SelfService = true, Flows = { "bank" } }, General);

        var decision = rules.Decide(Request())!;

        decision.IsSelfService.Should().BeTrue();
        decision.Reason.Should().Be("self-service: flow bank; self-service");
    }

    [Fact]
    public async Task Manager_first_goes_to_the_clients_manager_with_the_queue_as_fallback()
    {
        var rules = Rules(new RoutingRule { Name = "manager", ManagerFirst = true, Queue = "general", Categories = { "problem" } }, General);

        var route = await rules.RouteAsync(Request(Client with { Category = "problem", Manager = "agent-106" }), CancellationToken.None);

        route.Transfer.Should().Be(new FlowTransfer(TransferKind.Agent, "agent-106", null));
        route.FallbackQueue.Should().Be("general");
        route.Reason.Should().Be("manager: category problem; manager agent-106 first, then queue general");
    }

    [Fact]
    public void Manager_first_skips_a_client_without_a_manager()
    {
        var rules = Rules(new RoutingRule { Name = "manager", ManagerFirst = true, Queue = "general", Categories = { "problem" } }, General);

        rules.Decide(Request(Client with { Category = "problem", Manager = "" }))!.Rule.Should().Be("general");
    }

    [Fact]
    public async Task A_queue_decision_becomes_a_queue_transfer_and_self_service_none()
    {
        var rules = Rules(new RoutingRule { Name = "self-service", SelfService = true, CtiCodes = { "E" } }, new RoutingRule { Name = "general", Queue = "general", Priority = 5 });

        (await rules.RouteAsync(Request(), CancellationToken.None)).IsSelfService.Should().BeTrue();
        var route = await rules.RouteAsync(Request(Client with { Code = "R" }), CancellationToken.None);
        route.Transfer.Should().Be(new FlowTransfer(TransferKind.Queue, "general", 5));
        route.FallbackQueue.Should().BeNull();
    }
}
