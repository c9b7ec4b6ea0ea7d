using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using static IvrEngine.Tests.Scripts.Runtime.FlowHarness;
using static IvrEngine.Tests.Scripts.Runtime.ScriptedCall;

namespace IvrEngine.Tests.Scripts.Runtime;

public sealed class MenuStepTests
{
    private readonly FlowHarness _harness = new();

    private static FlowDefinition MenuFlow(int maxFailures = 3, int maxTimeouts = 3, bool shortGreeting = true) => Flow(
        new MenuStep
        {
            Id = "main",
            Greeting = Files("main-menu.wav"),
            ShortGreeting = shortGreeting ? Files("main-short.wav") : [],
            Options = [new MenuOption('1', "balance", SourceSpan.None), new MenuOption('0', "operator", SourceSpan.None)],
            InvalidPrompt = Files("invalid.wav"),
            TimeoutPrompt = Files("no-input.wav"),
            Timeout = TimeSpan.FromSeconds(7),
            MaxFailures = maxFailures,
            MaxTimeouts = maxTimeouts,
            OnMaxFailures = "too-many-keys",
            OnMaxTimeouts = "too-quiet",
        },
        Hangup("balance"),
        Hangup("operator"),
        Hangup("too-many-keys"),
        Hangup("too-quiet"));

    [Fact]
    public async Task A_valid_key_goes_to_its_option_after_one_collect_of_one_key()
    {
        var call = new ScriptedCall(Keys("1"));

        var result = await _harness.RunAsync(MenuFlow(), call);

        result.Outcome.Should().Be(FlowOutcome.Hangup);
        result.Steps.Should().Equal("main/main", "main/balance");
        var request = call.Collects.Should().ContainSingle().Subject;
        Names(request.Prompts).Should().Be("main-menu.wav");
        request.MinDigits.Should().Be(1);
        request.MaxDigits.Should().Be(1);
        request.Terminators.Should().BeEmpty();
        request.FirstDigitTimeout.Should().Be(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task Repeats_play_the_error_prompt_then_the_short_greeting()
    {
        var call = new ScriptedCall(Keys("5"), Silence, Keys("0"));

        var result = await _harness.RunAsync(MenuFlow(), call);

        result.LastStep.Should().Be("main/operator");
        call.Collects.Select(c => Names(c.Prompts)).Should().Equal(
            "main-menu.wav",
            "invalid.wav main-short.wav",
            "no-input.wav main-short.wav");
    }

    [Fact]
    public async Task Without_a_short_greeting_repeats_play_the_greeting()
    {
        var call = new ScriptedCall(Silence, Keys("1"));

        await _harness.RunAsync(MenuFlow(shortGreeting: false), call);

        call.Collects.Select(c => Names(c.Prompts)).Should().Equal("main-menu.wav", "no-input.wav main-menu.wav");
    }

    [Fact]
    public async Task Wrong_keys_and_silences_are_counted_apart_and_silences_exit_at_their_maximum()
    {
        var call = new ScriptedCall(Silence, Keys("7"), Silence);

        var result = await _harness.RunAsync(MenuFlow(maxFailures: 2, maxTimeouts: 2), call);

        result.LastStep.Should().Be("main/too-quiet");
        call.Collects.Should().HaveCount(3);
    }

    [Fact]
    public async Task Wrong_keys_exit_at_their_maximum()
    {
        var call = new ScriptedCall(Keys("7"), Silence, Keys("8"), Keys("9"));

        var result = await _harness.RunAsync(MenuFlow(maxFailures: 3, maxTimeouts: 3), call);

        result.LastStep.Should().Be("main/too-many-keys");
        call.Remaining.Should().Be(0);
    }

    [Fact]
    public async Task A_hang_up_in_a_menu_ends_the_run_there()
    {
        var call = new ScriptedCall(Keys("7"), HangUp);

        var result = await _harness.RunAsync(MenuFlow(), call);

        result.Outcome.Should().Be(FlowOutcome.HungUp);
        result.LastStep.Should().Be("main/main");
        result.Steps.Should().Equal("main/main");
    }
}
