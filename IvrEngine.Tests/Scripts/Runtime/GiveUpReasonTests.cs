using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using static IvrEngine.Tests.Scripts.Runtime.FlowHarness;
using static IvrEngine.Tests.Scripts.Runtime.ScriptedCall;

namespace IvrEngine.Tests.Scripts.Runtime;

/// <summary>A caller the flow gave up on reaches the fallback queue with why (ivr_route_reason): the agent must not
/// ask "what happened?".</summary>
public sealed class GiveUpReasonTests
{
    private readonly FlowHarness _harness = new();

    private static FlowDefinition MenuThenAccount() => Flow("bank",
        new MenuStep
        {
            Id = "menu",
            Greeting = Files("menu.wav"),
            Options = [new MenuOption('2', "account", SourceSpan.None)],
            Timeout = TimeSpan.FromSeconds(5),
            MaxFailures = 2,
            MaxTimeouts = 3,
            OnMaxFailures = "general",
            OnMaxTimeouts = "general",
        },
        new CollectStep { Id = "account", Into = "account", Prompt = Files("account.wav"), MinLength = 4, MaxLength = 10, MaxNoInput = 2, MaxInvalid = 3, OnFailure = "general", Next = "sales" },
        new TransferStep { Id = "sales", Target = "sales" },
        new TransferStep { Id = "general", Target = "general" });

    [Theory]
    [InlineData("silence", "bank/menu: no key pressed 3 times, gave up")]
    [InlineData("wrong keys", "bank/menu: 2 keys that are not options, gave up")]
    [InlineData("account silence", "bank/account: no entry 2 times, gave up")]
    [InlineData("short accounts", "bank/account: 3 invalid entries, gave up")]
    public async Task The_fallback_queue_gets_the_step_that_gave_up_and_why(string caller, string reason)
    {
        FlowDigits[] keys = caller switch
        {
            "silence" => [Silence, Silence, Silence],
            "wrong keys" => [Keys("7"), Keys("9")],
            "account silence" => [Keys("2"), Silence, Silence],
            _ => [Keys("2"), Keys("1", '#'), Keys("12", '#'), Keys("123", '#')],
        };

        var result = await _harness.RunAsync(MenuThenAccount(), new ScriptedCall(keys));

        result.Transfer!.Target.Should().Be("general");
        result.Attached.Should().Contain("ivr_route_reason", reason).And.NotContainKey("ivr_route_rule");
    }

    [Fact]
    public async Task An_entry_that_succeeds_after_a_give_up_clears_the_reason()
    {
        // The menu gives up on silence but its fallback is the account step, which the caller then completes.
        var flow = MenuThenAccount() with
        {
            Steps = MenuThenAccount().Steps.Select(s => s is MenuStep m ? m with { OnMaxTimeouts = "account" } : s).ToArray(),
        };

        var result = await _harness.RunAsync(flow, new ScriptedCall(Silence, Silence, Silence, Keys("40001", '#')));

        result.Transfer!.Target.Should().Be("sales");
        result.Attached.Should().NotContainKey("ivr_route_reason");
    }
}
