using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using static IvrEngine.Tests.Scripts.Runtime.FlowHarness;
using static IvrEngine.Tests.Scripts.Runtime.ScriptedCall;

namespace IvrEngine.Tests.Scripts.Runtime;

/// <summary>lookup, set and branch.</summary>
public sealed class DataStepTests
{
    private readonly FlowHarness _harness = new();

    private static FlowDefinition LookupFlow(LookupStep lookup, params FlowStep[] before) => Flow(
        [.. before, lookup, Play("known", "known.wav", next: "end"), Play("unknown", "unknown.wav", next: "end"), Hangup("end")]);

    [Fact]
    public async Task A_lookup_by_caller_asks_with_the_caller_and_dialed_numbers_and_goes_to_found()
    {
        var client = Client("c-1");
        _harness.Directory.ByCaller["+15551230001"] = client;
        var call = new ScriptedCall();

        var result = await _harness.RunAsync(LookupFlow(new LookupStep { Id = "identify", Found = "known", NotFound = "unknown" }), call);

        result.Steps.Should().Equal("main/identify", "main/known", "main/end");
        result.Client.Should().BeSameAs(client);
        _harness.Directory.Calls.Should().Equal("caller +15551230001 5000");
        _harness.Observer.Events.Should().Contain("lookup Caller c-1");
    }

    [Fact]
    public async Task A_lookup_by_account_evaluates_its_value_and_goes_to_not_found()
    {
        var call = new ScriptedCall();
        var flow = LookupFlow(
            new LookupStep { Id = "by-account", By = LookupBy.Account, Value = "Vars[\"account\"] + \"0\"", Found = "known", NotFound = "unknown" },
            new SetStep { Id = "seed", Assignments = [new Assignment("account", "10020030", false, SourceSpan.None)] });

        var result = await _harness.RunAsync(flow, call);

        result.Steps.Should().Equal("main/seed", "main/by-account", "main/unknown", "main/end");
        result.Client.Found.Should().BeFalse();
        _harness.Directory.Calls.Should().Equal("account 100200300 +15551230001 5000");
    }

    [Fact]
    public async Task The_clients_language_becomes_the_callers_and_picks_the_say_language()
    {
        _harness.Directory.ByCaller["+15551230001"] = Client("c-1", language: "es");
        var call = new ScriptedCall();
        var flow = Flow(
            new LookupStep { Id = "identify", Found = "hello", NotFound = "hello" },
            new PlayStep { Id = "hello", Prompts = [new SayPrompt("Client.Name", "name_spelled", "iterated")] },
            Hangup("end"));

        var result = await _harness.RunAsync(flow, call);

        result.Language.Should().Be("es");
        Names(call.Plays.Single()).Should().Be("say:es:NAME_SPELLED:iterated:Giorgi Kapanadze");
    }

    [Fact]
    public async Task A_language_the_caller_chose_is_kept_over_the_clients()
    {
        _harness.Directory.ByCaller["+15551230001"] = Client("c-1", language: "es");
        var call = new ScriptedCall(Keys("3"));
        var flow = Flow(
            new LanguageStep
            {
                Id = "choose",
                Prompt = Files("choose.wav"),
                Options = [new LanguageOption('3', "ka", SourceSpan.None)],
            },
            new LookupStep { Id = "identify", Found = "end", NotFound = "end" },
            Hangup("end"));

        var result = await _harness.RunAsync(flow, call);

        result.Language.Should().Be("ka");
        result.Client.Found.Should().BeTrue();
    }

    [Fact]
    public async Task Set_assigns_literals_and_expressions_in_order()
    {
        _harness.Directory.ByCaller["+15551230001"] = Client("c-1", overdue: 250.5m);
        var flow = Flow(
            new LookupStep { Id = "identify", Found = "segment", NotFound = "segment" },
            new SetStep
            {
                Id = "segment",
                Assignments =
                [
                    new Assignment("segment", "retail", false, SourceSpan.None),
                    new Assignment("label", "Vars[\"segment\"] + \"-\" + Client.Id", true, SourceSpan.None),
                    new Assignment("owes", "Client.Overdue > 100", true, SourceSpan.None),
                    new Assignment("twice", "Client.Overdue * 2", true, SourceSpan.None),
                    new Assignment("literal", "=not an expression", false, SourceSpan.None),
                ],
            },
            Hangup("end"));

        var result = await _harness.RunAsync(flow, new ScriptedCall());

        result.MaskedVariables.Should().Equal(new Dictionary<string, string>
        {
            ["segment"] = "retail",
            ["label"] = "retail-c-1",
            ["owes"] = "true",
            ["twice"] = "501.0",
            ["literal"] = "=not an expression",
        });
    }

    private static FlowDefinition BranchFlow(string variable) => Flow(
        new SetStep { Id = "seed", Assignments = [new Assignment("kind", variable, false, SourceSpan.None)] },
        new BranchStep
        {
            Id = "route",
            Cases =
            [
                new BranchCase("Vars[\"kind\"] == \"vip\"", "vip", SourceSpan.None),
                new BranchCase("Vars[\"kind\"].StartsWith(\"v\")", "almost", SourceSpan.None),
                new BranchCase("Vars[\"kind\"] != \"\"", "other", SourceSpan.None),
            ],
            Else = "general",
        },
        Hangup("vip"),
        Hangup("almost"),
        Hangup("other"),
        Hangup("general"));

    [Theory]
    [InlineData("vip", "vip")]
    [InlineData("visitor", "almost")]
    [InlineData("x", "other")]
    [InlineData("", "general")]
    public async Task Branch_goes_to_the_first_case_that_holds_else_to_else(string kind, string expected)
    {
        var result = await _harness.RunAsync(BranchFlow(kind), new ScriptedCall());

        result.LastStep.Should().Be($"main/{expected}");
    }

    [Fact]
    public async Task A_condition_that_throws_fails_the_run_naming_the_step_and_the_expression()
    {
        var flow = Flow(
            new BranchStep { Id = "route", Cases = [new BranchCase("int.Parse(Vars[\"missing\"]) > 3", "end", SourceSpan.None)], Else = "end" },
            Hangup("end"));

        var result = await _harness.RunAsync(flow, new ScriptedCall());

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.LastStep.Should().Be("main/route");
        result.Error.Should().StartWith("step 'main/route': the condition 'int.Parse(Vars[\"missing\"]) > 3' failed: ");
    }

    [Fact]
    public async Task A_set_value_that_throws_fails_the_run()
    {
        var flow = Flow(
            new SetStep { Id = "calc", Assignments = [new Assignment("x", "Vars[\"a\"].Substring(3)", true, SourceSpan.None)] },
            Hangup("end"));

        var result = await _harness.RunAsync(flow, new ScriptedCall());

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.Error.Should().StartWith("step 'main/calc': setting 'x' to 'Vars[\"a\"].Substring(3)' failed: ");
    }

    [Fact]
    public async Task An_expression_that_does_not_compile_fails_the_run_when_reached()
    {
        var flow = Flow(
            new BranchStep { Id = "route", Cases = [new BranchCase("Client.Nope == 1", "end", SourceSpan.None)], Else = "end" },
            Hangup("end"));

        var result = await _harness.RunAsync(flow, new ScriptedCall());

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.Error.Should().StartWith("step 'main/route': the condition 'Client.Nope == 1' does not compile");
    }

    [Fact]
    public async Task Expressions_are_compiled_once_per_flow()
    {
        var flow = BranchFlow("vip");

        await _harness.RunAsync(flow, new ScriptedCall());
        var plan = FlowPlan.For(flow);
        var first = plan.Expression("Vars[\"kind\"] == \"vip\"", condition: true);
        await _harness.RunAsync(flow, new ScriptedCall());

        FlowPlan.For(flow).Should().BeSameAs(plan);
        plan.Expression("Vars[\"kind\"] == \"vip\"", condition: true).Should().BeSameAs(first);
        FlowPlan.For(flow with { }).Should().NotBeSameAs(plan, "a reloaded flow is another instance with its own plan");
    }

    [Fact]
    public async Task Expressions_see_the_caller_the_dialed_number_and_the_language()
    {
        var flow = Flow(
            new SetStep { Id = "s", Assignments = [new Assignment("who", "Caller + \"|\" + Dialed + \"|\" + Language", true, SourceSpan.None)] },
            Hangup("end"));

        var result = await _harness.RunAsync(flow, new ScriptedCall { Caller = "2025550123", Dialed = "+18005550100" });

        result.MaskedVariables["who"].Should().Be("2025550123|+18005550100|en");
    }
}
