using IvrEngine.Scripts;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using static IvrEngine.Tests.Scripts.Loading.FlowText;

namespace IvrEngine.Tests.Scripts.Loading;

/// <summary>A set value may say how large it may be on the call (<c>{ value: ..., max: N }</c>); loading plans each
/// flow's worst case (what it can attach and how large) and turns what the host's budget refuses into messages at
/// the step the admin can change.</summary>
public sealed class AttachmentPlanTests : IDisposable
{
    private const string Bank = """
        flow: bank
        numbers: ["5000"]
        steps:
          identify:
            lookup: caller
            found: ask-account
            not_found: ask-account
          ask-account:
            collect: { into: account, prompt: enter.wav, max: 12 }
            next: ask-pin
            on_failure: general
          ask-pin:
            collect: { into: pin, prompt: pin.wav, max: 4, secret: true }
            next: notes
            on_failure: general
          notes:
            set:
              segment: retail
              note: { value: '=Client.Name + " / " + Vars["account"]', max: 40 }
              free: '=Client.Category'
              flow: not attached, the run's own name
            next: verify
          verify:
            subflow: check
            next: vip
          vip:
            transfer: { queue: vip, priority: 600 }
          general:
            transfer: { queue: general, priority: '=Client.Overdue > 0 ? 300 : 5' }
        """;

    private const string Check = """
        flow: check
        steps:
          mark:
            set: { checked: "yes-checked" }
            next: back
          back:
            return: true
        """;

    private readonly FlowFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>Records every plan and answers with the problems it is given.</summary>
    private sealed class RecordingBudget(params FlowBudgetProblem[] problems) : IFlowBudget
    {
        public List<FlowAttachmentPlan> Plans { get; } = [];

        public IReadOnlyList<FlowBudgetProblem> Check(FlowAttachmentPlan plan)
        {
            Plans.Add(plan);
            return plan.Flow == "bank" ? problems : [];
        }
    }

    private FlowLoadResult Load(IFlowBudget budget, params (string File, string Yaml)[] files) =>
        FlowSet.FromText(files.ToDictionary(f => f.File, f => f.Yaml), _files.Folder,
            new FlowLoadOptions { CheckPromptFiles = false, Budget = budget, UnboundedValueBytes = 50 });

    [Fact]
    public void A_set_value_may_give_its_max()
    {
        var set = Load(new RecordingBudget(), ("bank.yaml", Bank), ("check.yaml", Check)).ShouldLoad();

        var notes = (SetStep)set.ByName("bank")!.Step("notes")!;
        notes.Assignments.Select(a => (a.Name, a.IsExpression, a.MaxBytes)).Should().Equal(
            ("segment", false, null), ("note", true, 40), ("free", true, null), ("flow", false, null));
        notes.Assignments[1].Value.Should().Be("Client.Name + \" / \" + Vars[\"account\"]");
        set.UnboundedValueBytes.Should().Be(50);
    }

    [Fact]
    public void Each_flow_a_call_starts_in_is_planned_with_its_subflows_and_its_worst_case()
    {
        var budget = new RecordingBudget();

        Load(budget, ("bank.yaml", Bank), ("check.yaml", Check)).ShouldLoad();

        var plan = budget.Plans.Should().ContainSingle("check is only run as a sub-flow, and hands no call on itself").Subject;
        plan.Flow.Should().Be("bank");
        plan.Values.Select(v => (v.Name, v.MaxBytes, v.Token)).Should().BeEquivalentTo(new[]
        {
            ("ivr_account", 12, true),
            ("ivr_account_status", AttachedValues.StatusBytes, true),
            ("ivr_pin_status", AttachedValues.StatusBytes, true),
            ("ivr_segment", 6, true),
            ("ivr_note", 40, false),
            ("ivr_free", 50, false),
            ("ivr_checked", 11, true),
            ("ivr_flow", 4, true),
            ("ivr_last_step", "bank/general".Length, true),
            ("ivr_language", AttachedValues.LanguageBytes, false),
            ("ivr_cti_code", AttachedValues.CtiCodeBytes, true),
            ("ivr_cti_reason", AttachedValues.ReasonBytes, false),
            ("ivr_matched_by", AttachedValues.MatchedByBytes, true),
            ("ivr_client_id", AttachedValues.ClientIdBytes, true),
            ("ivr_client_name", AttachedValues.NameTextBytes, false),
            ("ivr_category", AttachedValues.CategoryBytes, false),
            ("ivr_overdue", AttachedValues.OverdueBytes, true),
            ("ivr_manager", AttachedValues.NameTextBytes, false),
            ("ivr_transfer_priority", AttachedValues.NumberBytes, true),
        }, "a secret is never attached, a variable named like the run's own is not sent, and the route values need a route step");
        plan.Value("ivr_checked")!.Origin.Should().Be("set in step 'mark' of flow 'check'");
        plan.Value("ivr_account")!.Should().Match<FlowAttachedValue>(v => v.Origin == "collect step 'ask-account'" && v.WrittenByFlow);
        plan.Value("ivr_client_name")!.Should().Match<FlowAttachedValue>(v => v.Origin == "client lookup, step 'identify'" && !v.WrittenByFlow);
    }

    [Fact]
    public void The_plan_covers_everything_the_run_attaches_itself_with_the_contracts_caps()
    {
        // The check reads the run's names and caps from the contract instead of repeating the attach list: a value the
        // interpreter fills that the check did not plan would escape the budget.
        var budget = new RecordingBudget();

        Load(budget, ("all.yaml", """
            flow: all
            default: true
            steps:
              identify:
                lookup: caller
                found: route
                not_found: route
              route:
                route: true
                next: bye
              bye:
                hangup: NORMAL_CLEARING
            """)).ShouldLoad();

        var planned = budget.Plans.Single().Values.ToDictionary(v => v.Name, v => v.MaxBytes, StringComparer.Ordinal);
        planned.Keys.Should().BeEquivalentTo(ContextContract.SetByRun);
        foreach (var name in ContextContract.SetByRun.Except([ContextContract.Flow, ContextContract.LastStep]))
        {
            planned[name].Should().Be(ContextContract.Cap(name), name);
        }
    }

    [Fact]
    public void A_route_step_plans_the_rule_the_reason_the_fallback_queue_and_a_priority()
    {
        var budget = new RecordingBudget();

        Load(budget, ("routed.yaml", """
            flow: routed
            default: true
            steps:
              route:
                route: true
                next: bye
              bye:
                hangup: NORMAL_CLEARING
            """)).ShouldLoad();

        budget.Plans.Single().Values.Select(v => (v.Name, v.MaxBytes)).Should().BeEquivalentTo(new[]
        {
            ("ivr_flow", 6),
            ("ivr_last_step", "routed/route".Length),
            ("ivr_language", 2),
            ("ivr_transfer_priority", AttachedValues.NumberBytes),
            ("ivr_route_rule", AttachedValues.NameTextBytes),
            ("ivr_route_reason", AttachedValues.ReasonBytes),
            ("ivr_fallback_queue", AttachedValues.NameTextBytes),
        });
    }

    [Fact]
    public void A_flow_that_never_hands_a_call_on_attaches_nothing_and_is_not_planned()
    {
        var budget = new RecordingBudget();

        Load(budget, ("closed.yaml", """
            flow: closed
            numbers: ["5009"]
            steps:
              note:
                set: { why: closed }
                next: bye
              bye:
                hangup: NORMAL_CLEARING
            """)).ShouldLoad();

        budget.Plans.Should().BeEmpty();
    }

    [Fact]
    public void A_problem_with_one_value_points_at_where_the_flow_writes_it_and_says_how_to_fix_it()
    {
        var budget = new RecordingBudget(new FlowBudgetProblem("ivr_note", "Flows:Budgets:ChannelVariables:ValueBytes", 40, 32, [], "ivr_note"));

        Load(budget, ("bank.yaml", Bank), ("check.yaml", Check)).ShouldReport(
            $"bank.yaml:{At(Bank, "'=Client.Name")}: flow 'bank': ivr_note (set in step 'notes') can reach 40 bytes, over the 32 allowed "
            + "(Flows:Budgets:ChannelVariables:ValueBytes); write a shorter value, or give the expression a smaller max ({ value: ..., max: N })");
    }

    [Fact]
    public void A_sum_that_does_not_fit_points_at_its_largest_part_the_flow_writes_and_names_the_largest_parts()
    {
        var budget = new RecordingBudget(new FlowBudgetProblem("the SIP headers", "Flows:Budgets:SipHeaders:TotalBytes", 900, 768,
        [
            new FlowBudgetPart("User-to-User", 283),
            new FlowBudgetPart("X-IVR-Name", 82, "ivr_client_name"),
            new FlowBudgetPart("X-IVR-Account", 27, "ivr_account"),
            new FlowBudgetPart("X-IVR-Context-Id", 54, "ivr_context_id", "the engine"),
        ]));

        Load(budget, ("bank.yaml", Bank), ("check.yaml", Check)).ShouldReport(
            $"bank.yaml:{At(Bank, "ask-account:")}: flow 'bank': the SIP headers can reach 900 bytes, over the 768 allowed "
            + "(Flows:Budgets:SipHeaders:TotalBytes); largest: User-to-User 283, X-IVR-Name 82 (ivr_client_name, client lookup, step 'identify'), "
            + "X-IVR-Account 27 (ivr_account, collect step 'ask-account')");
    }

    [Fact]
    public void A_sum_with_no_part_the_flow_writes_points_at_the_flow()
    {
        var budget = new RecordingBudget(new FlowBudgetProblem("the UUI form (ivr_uui)", "Flows:Budgets:Uui:MaxBytes", 130, 128,
            [new FlowBudgetPart("c=ivr_context_id", 38, "ivr_context_id", "the engine"), new FlowBudgetPart("i=ivr_client_id", 38, "ivr_client_id")]));

        Load(budget, ("bank.yaml", Bank), ("check.yaml", Check)).ShouldReport(
            $"bank.yaml:{At(Bank, "flow:")}: flow 'bank': the UUI form (ivr_uui) can reach 130 bytes, over the 128 allowed "
            + "(Flows:Budgets:Uui:MaxBytes); largest: c=ivr_context_id 38 (the engine), i=ivr_client_id 38 (client lookup, step 'identify')");
    }

    [Theory]
    [InlineData("note: { max: 40 }", "step 'notes': 'note' needs 'value' (e.g. { value: '=Client.Name', max: 40 })", "note:")]
    [InlineData("note: { value: '=Caller', max: 0 }", "step 'notes': 'max' must be a whole number from 1 to 65536, not '0'", "0 }")]
    [InlineData("note: { value: '=Caller', max: lots }", "step 'notes': 'max' must be a whole number from 1 to 65536, not 'lots'", "lots")]
    [InlineData("note: { value: '=Caller', mxa: 40 }", "step 'notes': unknown field 'mxa' (did you mean 'max'?)", "mxa")]
    [InlineData("note: { value: 'twelve bytes', max: 5 }", "step 'notes': the value of 'note' is 12 bytes, more than its max (5)", "'twelve")]
    [InlineData("note: [a, b]", "step 'notes': the value of 'note' must be a single value or { value: ..., max: N }, not a list", "[a")]
    public void A_bounded_set_value_that_is_wrong_says_so_where_it_is(string assignment, string message, string marker)
    {
        var yaml = $$"""
            flow: bank
            steps:
              notes:
                set:
                  {{assignment}}
                next: bye
              bye:
                hangup:
            """;

        FlowSet.FromText(new Dictionary<string, string> { ["bank.yaml"] = yaml }, _files.Folder, new FlowLoadOptions { CheckPromptFiles = false })
            .ShouldReport($"bank.yaml:{At(yaml, marker)}: {message}");
    }
}
