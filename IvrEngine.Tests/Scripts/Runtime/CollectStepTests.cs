using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using static IvrEngine.Tests.Scripts.Runtime.FlowHarness;
using static IvrEngine.Tests.Scripts.Runtime.ScriptedCall;

namespace IvrEngine.Tests.Scripts.Runtime;

public sealed class CollectStepTests
{
    private readonly FlowHarness _harness = new();

    private static CollectStep Account => new()
    {
        Id = "ask",
        Into = "account",
        Prompt = Files("enter-account.wav"),
        MinLength = 4,
        MaxLength = 16,
        Terminators = "#",
        FirstDigitTimeout = TimeSpan.FromSeconds(6),
        InterDigitTimeout = TimeSpan.FromSeconds(2),
        MaxNoInput = 3,
        MaxInvalid = 3,
        NoInputPrompt = Files("no-input.wav"),
        InvalidPrompt = Files("invalid.wav"),
        OnFailure = "operator",
    };

    private static FlowDefinition CollectFlow(CollectStep step) => Flow(step, Hangup("done"), Hangup("operator"));

    [Fact]
    public async Task A_valid_entry_is_stored_with_status_ok_and_the_flow_goes_on()
    {
        var call = new ScriptedCall(Keys("100200300", '#'));

        var result = await _harness.RunAsync(CollectFlow(Account), call);

        result.LastStep.Should().Be("main/done");
        result.MaskedVariables.Should().Equal(new Dictionary<string, string>
        {
            ["account"] = "*****0300",
            ["account_status"] = "ok",
        });
        var request = call.Collects.Should().ContainSingle().Subject;
        Names(request.Prompts).Should().Be("enter-account.wav");
        request.MinDigits.Should().Be(4);
        request.MaxDigits.Should().Be(16);
        request.Terminators.Should().Be("#");
        request.FirstDigitTimeout.Should().Be(TimeSpan.FromSeconds(6));
        request.InterDigitTimeout.Should().Be(TimeSpan.FromSeconds(2));
        request.Sensitive.Should().BeTrue();
        _harness.Observer.Events.Should().Contain("collected account=*****0300 ok");
    }

    [Fact]
    public async Task Silences_and_invalid_entries_are_counted_apart_each_with_its_prompt_before_the_next_attempt()
    {
        var call = new ScriptedCall(Silence, Keys("12"), Silence, Keys("1234"));

        var result = await _harness.RunAsync(CollectFlow(Account with { MaxNoInput = 3, MaxInvalid = 2 }), call);

        result.LastStep.Should().Be("main/done");
        call.Collects.Select(c => Names(c.Prompts)).Should().Equal(
            "enter-account.wav",
            "no-input.wav enter-account.wav",
            "invalid.wav enter-account.wav",
            "no-input.wav enter-account.wav");
    }

    [Fact]
    public async Task Too_many_silences_go_to_on_failure_with_status_no_input()
    {
        var call = new ScriptedCall(Silence, Keys("12"), Silence);

        var result = await _harness.RunAsync(CollectFlow(Account with { MaxNoInput = 2 }), call);

        result.LastStep.Should().Be("main/operator");
        result.MaskedVariables.Should().Equal(new Dictionary<string, string> { ["account_status"] = "no-input" });
        _harness.Observer.Events.Should().Contain("collected account= no-input");
    }

    [Fact]
    public async Task Too_many_invalid_entries_go_to_on_failure_with_status_invalid()
    {
        var call = new ScriptedCall(Keys("12"), Silence, Keys("99"));

        var result = await _harness.RunAsync(CollectFlow(Account with { MaxInvalid = 2 }), call);

        result.LastStep.Should().Be("main/operator");
        result.MaskedVariables.Should().Equal(new Dictionary<string, string> { ["account_status"] = "invalid" });
    }

    [Fact]
    public async Task Only_a_terminator_counts_as_silence()
    {
        var call = new ScriptedCall(Keys("", '#'), Keys("123456"));

        await _harness.RunAsync(CollectFlow(Account), call);

        Names(call.Collects[1].Prompts).Should().Be("no-input.wav enter-account.wav");
    }

    [Theory]
    [InlineData("123", false)]
    [InlineData("1234", true)]
    [InlineData("1234567890123456", true)]
    [InlineData("12345678901234567", false)]
    public async Task The_entry_length_must_be_within_min_and_max(string entry, bool valid)
    {
        var call = new ScriptedCall(Keys(entry), Silence, Silence, Silence);

        var result = await _harness.RunAsync(CollectFlow(Account), call);

        result.MaskedVariables["account_status"].Should().Be(valid ? "ok" : "no-input");
        if (!valid)
        {
            Names(call.Collects[1].Prompts).Should().StartWith("invalid.wav");
        }
    }

    [Theory]
    [InlineData("4123", true)]
    [InlineData("41234", false)]
    [InlineData("5123", false)]
    public async Task The_regex_must_match_the_whole_entry(string entry, bool valid)
    {
        var call = new ScriptedCall(Keys(entry), Keys("4999"));
        var step = Account with { Validation = new DigitValidation { Regex = @"4\d{3}" } };

        var result = await _harness.RunAsync(CollectFlow(step), call);

        result.LastStep.Should().Be("main/done");
        call.Collects.Should().HaveCount(valid ? 1 : 2);
    }

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("4111111111111112", false)]
    [InlineData("79927398713", true)]
    public async Task The_luhn_check_applies_when_asked(string entry, bool valid)
    {
        var call = new ScriptedCall(Keys(entry), Keys("4242424242424242"));
        var step = Account with { Validation = new DigitValidation { Luhn = true } };

        await _harness.RunAsync(CollectFlow(step), call);

        call.Collects.Should().HaveCount(valid ? 1 : 2);
    }

    [Fact]
    public async Task Exists_asks_the_directory_and_refuses_an_unknown_account()
    {
        _harness.Directory.Accounts.Add("100200300");
        var call = new ScriptedCall(Keys("100200301"), Keys("100200300"));
        var step = Account with { Validation = new DigitValidation { ExistsInStore = true } };

        var result = await _harness.RunAsync(CollectFlow(step), call);

        result.MaskedVariables["account_status"].Should().Be("ok");
        _harness.Directory.Calls.Should().Equal("exists 100200301", "exists 100200300");
        Names(call.Collects[1].Prompts).Should().Be("invalid.wav enter-account.wav");
    }

    [Fact]
    public async Task The_store_is_not_asked_about_an_entry_that_fails_the_cheaper_checks()
    {
        var call = new ScriptedCall(Keys("4111111111111112"), Keys("4111111111111111"));
        var step = Account with { Validation = new DigitValidation { Luhn = true, ExistsInStore = true } };

        await _harness.RunAsync(CollectFlow(step), call);

        _harness.Directory.Calls.Should().Equal("exists 4111111111111111");
    }

    [Fact]
    public async Task A_regex_that_does_not_compile_fails_the_run_naming_it()
    {
        var call = new ScriptedCall(Keys("1234"));
        var step = Account with { Validation = new DigitValidation { Regex = "(" } };

        var result = await _harness.RunAsync(CollectFlow(step), call);

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.Error.Should().StartWith("step 'main/ask': the regex '(' is not valid");
    }

    private static CollectStep Confirmed => Account with
    {
        Confirm = new ConfirmSpec { Before = Files("you-entered.wav"), After = Files("confirm-or-retry.wav"), ConfirmKey = '1', RetryKey = '2' },
    };

    [Fact]
    public async Task Read_back_plays_before_the_digits_iterated_and_after_and_the_confirm_key_accepts()
    {
        var call = new ScriptedCall(Keys("123456"), Keys("1"));

        var result = await _harness.RunAsync(CollectFlow(Confirmed), call);

        result.LastStep.Should().Be("main/done");
        result.MaskedVariables["account"].Should().Be("**3456");
        var confirm = call.Collects[1];
        Names(confirm.Prompts).Should().Be("you-entered.wav say:en:NUMBER:iterated:123456 confirm-or-retry.wav");
        confirm.MinDigits.Should().Be(1);
        confirm.MaxDigits.Should().Be(1);
        confirm.Terminators.Should().BeEmpty();
    }

    [Fact]
    public async Task The_retry_key_asks_again_without_an_error_prompt_and_counts_as_nothing()
    {
        var call = new ScriptedCall(Keys("111111"), Keys("2"), Keys("222222"), Keys("2"), Keys("333333"), Keys("1"));

        var result = await _harness.RunAsync(CollectFlow(Confirmed with { MaxInvalid = 1, MaxNoInput = 1 }), call);

        result.LastStep.Should().Be("main/done");
        result.MaskedVariables["account"].Should().Be("**3333");
        call.Collects.Where((_, i) => i % 2 == 0).Select(c => Names(c.Prompts)).Should().AllBe("enter-account.wav");
    }

    [Fact]
    public async Task At_read_back_silence_counts_as_no_input_and_another_key_as_invalid()
    {
        var call = new ScriptedCall(Keys("111111"), Silence, Keys("222222"), Keys("9"), Keys("333333"), Keys("9"));

        var result = await _harness.RunAsync(CollectFlow(Confirmed with { MaxInvalid = 2, MaxNoInput = 2 }), call);

        result.LastStep.Should().Be("main/operator");
        result.MaskedVariables.Should().Equal(new Dictionary<string, string> { ["account_status"] = "invalid" });
        Names(call.Collects[2].Prompts).Should().Be("no-input.wav enter-account.wav");
        Names(call.Collects[4].Prompts).Should().Be("invalid.wav enter-account.wav");
    }

    [Fact]
    public async Task A_hang_up_while_collecting_ends_the_run_in_the_collect()
    {
        var call = new ScriptedCall(Keys("12"), HangUp);

        var result = await _harness.RunAsync(CollectFlow(Account), call);

        result.Outcome.Should().Be(FlowOutcome.HungUp);
        result.LastStep.Should().Be("main/ask");
    }

    [Fact]
    public async Task A_hang_up_at_read_back_ends_the_run_without_storing_the_entry()
    {
        var call = new ScriptedCall(Keys("123456"), HangUp);

        var result = await _harness.RunAsync(CollectFlow(Confirmed), call);

        result.Outcome.Should().Be(FlowOutcome.HungUp);
        result.LastStep.Should().Be("main/ask");
        result.MaskedVariables.Should().BeEmpty();
    }

    [Fact]
    public async Task A_secret_is_masked_fully_and_collected_sensitively()
    {
        var call = new ScriptedCall(Keys("4321"));

        var result = await _harness.RunAsync(CollectFlow(Account with { Into = "pin", Secret = true }), call);

        result.MaskedVariables.Should().Equal(new Dictionary<string, string> { ["pin"] = "****", ["pin_status"] = "ok" });
        call.Collects.Single().Sensitive.Should().BeTrue();
        _harness.Observer.Events.Should().Contain("collected pin=**** ok").And.NotContain(e => e.Contains("4321"));
    }
}
