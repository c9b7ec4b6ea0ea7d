using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using static IvrEngine.Tests.Scripts.Runtime.FlowHarness;
using static IvrEngine.Tests.Scripts.Runtime.ScriptedCall;

namespace IvrEngine.Tests.Scripts.Runtime;

public sealed class LanguageStepTests
{
    private readonly FlowHarness _harness = new();

    private static FlowDefinition LanguageFlow(int maxTries = 2) => Flow(
        new LanguageStep
        {
            Id = "choose",
            Prompt = Files("choose-language.wav"),
            Options = [new LanguageOption('1', "en", SourceSpan.None), new LanguageOption('2', "es", SourceSpan.None)],
            Timeout = TimeSpan.FromSeconds(4),
            MaxTries = maxTries,
        },
        new PlayStep { Id = "hello", Prompts = [new SayPrompt("42", "number", "pronounced")] },
        Hangup("end"));

    [Fact]
    public async Task A_listed_key_switches_the_language_and_the_flow_goes_on()
    {
        var call = new ScriptedCall(Keys("2"));

        var result = await _harness.RunAsync(LanguageFlow(), call);

        result.Language.Should().Be("es");
        result.Steps.Should().Equal("main/choose", "main/hello", "main/end");
        var request = call.Collects.Single();
        Names(request.Prompts).Should().Be("choose-language.wav");
        (request.MinDigits, request.MaxDigits, request.Terminators, request.FirstDigitTimeout).Should().Be((1, 1, "", TimeSpan.FromSeconds(4)));
        Names(call.Plays.Single()).Should().Be("say:es:NUMBER:pronounced:42");
    }

    [Fact]
    public async Task Silence_and_unlisted_keys_try_again_then_the_current_language_stays()
    {
        var call = new ScriptedCall(Silence, Keys("9"), Keys("2"));

        var result = await _harness.RunAsync(LanguageFlow(maxTries: 2), call);

        result.Language.Should().Be("en");
        result.LastStep.Should().Be("main/end");
        call.Collects.Should().HaveCount(2);
        call.Remaining.Should().Be(1);
    }

    [Fact]
    public async Task A_retry_can_still_choose()
    {
        var call = new ScriptedCall(Keys("9"), Keys("2"));

        var result = await _harness.RunAsync(LanguageFlow(maxTries: 2), call);

        result.Language.Should().Be("es");
    }

    [Fact]
    public async Task A_hang_up_while_choosing_ends_the_run_there()
    {
        var result = await _harness.RunAsync(LanguageFlow(), new ScriptedCall(HangUp));

        result.Outcome.Should().Be(FlowOutcome.HungUp);
        result.LastStep.Should().Be("main/choose");
    }
}
