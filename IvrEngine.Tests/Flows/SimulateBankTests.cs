using IvrEngine.Profiles;

namespace IvrEngine.Tests.Flows;

/// <summary><c>simulate bank</c> against the demo data: callers known by number, identification by card or account
/// with read-back, the VIP, overdue and self-service routes.</summary>
public sealed class SimulateBankTests : IDisposable
{
    private const string Unknown = "+15559990001";
    private readonly FlowCliKit _kit = new();

    [Fact]
    public async Task The_VIP_calling_from_their_number_goes_straight_to_the_vip_queue_with_a_high_priority()
    {
        var run = await _kit.SimulateJsonAsync("bank", "--ani", DemoDataSeeder.WellKnown.VipPhone, "--dnis", "5000", "--keys", "");

        run.Outcome.Should().Be("transferred");
        (run.TransferKind, run.TransferTarget, run.TransferPriority).Should().Be(("queue", "vip", 600));
        run.ClientCode.Should().Be("V");
        run.Steps.Should().NotContain(s => s.Contains("ask-", StringComparison.Ordinal), "a caller known by number is asked nothing");
        run.Attached.Should().Contain("ivr_cti_code", "V")
            .And.Contain("ivr_matched_by", "phone")
            .And.Contain("ivr_client_name", "Eleanor Vance")
            .And.Contain("ivr_category", "vip")
            .And.Contain("ivr_flow", "bank")
            .And.Contain("ivr_last_step", "bank/route")
            .And.Contain("ivr_route_rule", "vip")
            .And.Contain("ivr_transfer_priority", "600");
    }

    [Fact]
    public async Task An_unknown_caller_keys_the_VIP_card_confirms_it_and_is_identified_as_the_VIP()
    {
        var run = await _kit.SimulateJsonAsync("bank", "--ani", Unknown, "--dnis", "5000", "--keys", "1,4111111111111111#,1");

        run.Outcome.Should().Be("transferred");
        (run.TransferTarget, run.TransferPriority).Should().Be(("vip", 600));
        run.ClientCode.Should().Be("V");
        run.MatchedBy.Should().Be("card");
        run.Steps.Should().ContainInOrder("bank/how-identify", "bank/ask-card", "bank/by-card", "bank/route");
        run.Attached.Should().Contain("ivr_route_rule", "vip");
        run.Attached.Should().Contain("ivr_matched_by", "card").And.NotContainKey("ivr_card", "a card number is secret: never attached");
        run.Json.Should().NotContain("4111111111111111");
    }

    [Fact]
    public async Task The_trace_shows_the_read_back_without_the_whole_card_number()
    {
        var run = await _kit.SimulateAsync("bank", "--ani", Unknown, "--dnis", "5000", "--keys", "1,4111111111111111#,2,4111111111111111#,1");

        run.Code.Should().Be(0, run.Error);
        run.Output.Should().Contain("[play] enter-card.wav")
            .And.Contain("[play] you-entered.wav")
            .And.Contain("************1111")
            .And.Contain("[transfer] queue vip, priority 600")
            .And.NotContain("4111111111111111");
    }

    [Fact]
    public async Task A_card_number_that_fails_the_Luhn_check_is_refused_and_after_three_the_caller_goes_to_general()
    {
        const string bad = "4111111111111112#";
        var run = await _kit.SimulateJsonAsync("bank", "--ani", Unknown, "--dnis", "5000", "--keys", $"1,{bad},{bad},{bad}");

        run.TransferTarget.Should().Be("general");
        run.Steps.Should().NotContain("bank/by-card", "an invalid card is never looked up");
        run.Attached.Should().Contain("ivr_card_status", "invalid");
        run.ClientCode.Should().Be("N");
    }

    [Fact]
    public async Task An_unknown_caller_with_the_overdue_account_goes_to_collections_and_the_account_shows_masked()
    {
        var run = await _kit.SimulateJsonAsync("bank", "--ani", Unknown, "--dnis", "5000", "--keys", $"2,{DemoDataSeeder.WellKnown.OverdueAccount}#,1");

        run.Outcome.Should().Be("transferred");
        (run.TransferTarget, run.TransferPriority).Should().Be(("collections", 300), "more than 1000 overdue");
        run.MatchedBy.Should().Be("account");
        run.Attached.Should().Contain("ivr_account", "*0002").And.Contain("ivr_overdue", "true");
    }

    [Fact]
    public async Task An_account_the_store_does_not_know_is_asked_again()
    {
        var run = await _kit.SimulateJsonAsync("bank", "--ani", Unknown, "--dnis", "5000", "--keys",
            $"2,{DemoDataSeeder.UnknownAccount}#,{DemoDataSeeder.WellKnown.ExistingAccount}#,1,0");

        run.Steps.Count(s => s == "bank/ask-account").Should().Be(1, "the retry is inside the collect step");
        run.MatchedBy.Should().Be("account");
        run.TransferTarget.Should().Be("general", "the existing client chose an agent (0) in the menu");
    }

    [Fact]
    public async Task The_overdue_client_calling_from_their_number_goes_to_collections_by_the_overdue_rule()
    {
        var run = await _kit.SimulateAsync("bank", "--ani", DemoDataSeeder.WellKnown.OverduePhone, "--dnis", "5000", "--keys", "");

        run.Code.Should().Be(0, run.Error);
        run.Output.Should().Contain("[transfer] queue collections, priority 300");
        run.Output.Should().Contain("outcome:  transferred").And.Contain("ivr_overdue=true").And.Contain("ivr_route_rule=overdue");
    }

    [Fact]
    public async Task The_problem_client_with_a_manager_rings_the_manager_first_with_general_as_the_fallback()
    {
        var run = await _kit.SimulateJsonAsync("bank", "--ani", DemoDataSeeder.WellKnown.ProblemPhone, "--dnis", "5000", "--keys", "");

        run.Outcome.Should().Be("transferred");
        (run.TransferKind, run.TransferTarget).Should().Be(("agent", "agent-106"));
        run.Attached.Should().Contain("ivr_route_rule", "manager")
            .And.Contain("ivr_fallback_queue", "general")
            .And.Contain("ivr_category", "problem");
    }

    [Fact]
    public async Task An_existing_client_stays_in_self_service_and_hears_the_balance()
    {
        var run = await _kit.SimulateJsonAsync("bank", "--ani", DemoDataSeeder.WellKnown.ExistingPhone, "--dnis", "5000", "--keys", "1,0");

        run.Steps.Should().ContainInOrder("bank/route", "bank/main-menu", "bank/balance", "bank/heard-balance", "bank/after-balance", "bank/general");
        run.Attached.Should().Contain("ivr_route_rule", "self-service").And.Contain("ivr_self_service", "balance");
        (run.TransferKind, run.TransferTarget).Should().Be(("queue", "general"));
    }

    [Fact]
    public async Task A_client_hears_the_balance_as_currency_then_chooses_an_agent()
    {
        var run = await _kit.SimulateAsync("bank", "--ani", DemoDataSeeder.WellKnown.ExistingPhone, "--dnis", "5000", "--keys", "1,0");

        run.Code.Should().Be(0, run.Error);
        run.Output.Should().Contain("[play] main-menu.wav")
            .And.Contain("[play] balance-is.wav")
            .And.Contain("[say] currency 120.00\n")
            .And.Contain("[transfer] queue general");
        run.Output.Should().Contain("ivr_self_service=balance");
    }

    [Fact]
    public async Task A_client_who_hears_the_balance_and_then_says_nothing_is_said_goodbye()
    {
        var run = await _kit.SimulateJsonAsync("bank", "--ani", DemoDataSeeder.WellKnown.ExistingPhone, "--dnis", "5000", "--keys", "1,");

        run.Outcome.Should().Be("hangup");
        run.TransferTarget.Should().BeNull();
        run.Steps.Should().EndWith(["bank/after-balance", "bank/goodbye", "bank/bye"]);
    }

    [Fact]
    public async Task Back_in_the_menu_after_the_balance_the_client_may_hear_it_again()
    {
        var run = await _kit.SimulateAsync("bank", "--ani", DemoDataSeeder.WellKnown.ExistingPhone, "--dnis", "5000", "--keys", "1,1,1,0");

        run.Code.Should().Be(0, run.Error);
        System.Text.RegularExpressions.Regex.Matches(run.Output, @"\[say\] currency").Should().HaveCount(2);
        run.Output.Should().Contain("[transfer] queue general");
    }

    [Fact]
    public async Task An_unknown_caller_who_presses_0_goes_to_general_unidentified()
    {
        var run = await _kit.SimulateJsonAsync("bank", "--ani", Unknown, "--dnis", "5000", "--keys", "0");

        run.TransferTarget.Should().Be("general");
        run.ClientCode.Should().Be("N");
        run.Attached.Should().Contain("ivr_cti_code", "N").And.Contain("ivr_matched_by", "none").And.NotContainKey("ivr_client_id");
    }

    public void Dispose() => _kit.Dispose();
}
