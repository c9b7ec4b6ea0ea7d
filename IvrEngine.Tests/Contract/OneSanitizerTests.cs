using IvrEngine.Calls;
using IvrEngine.Ivr;
using IvrEngine.Ivr.Console;
using IvrEngine.Scripts;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using IvrEngine.Web;

namespace IvrEngine.Tests.Contract;

/// <summary>Every path onto a channel gives one answer for the same input. Before, four sanitizers disagreed: the
/// interpreter's (<c>AttachedValues.Fit</c>) let <c>${</c> through and turned a control character into a space; the
/// desk's (<c>LiveChannel.SafeValue</c>) defused <c>${</c> but dropped control characters, kept U+2028 and lone
/// surrogates, trimmed, and cut at 1024 UTF-16 characters with no mark; the FreeSWITCH call
/// (<c>CheckNoExpansion</c>) refused only <c>${</c> in an argument where the adapter (<c>IsArgumentWord</c>) refused
/// any <c>$</c>.</summary>
public sealed class OneSanitizerTests
{
    public static TheoryData<string, string> Values() => new()
    {
        { "a${b}", "a$ {b}" },                              // the interpreter sent it as it was
        { "x\u0001y", "x y" },                              // the desk dropped the character: "xy"
        { "line\u2028break", "line break" },                // the desk kept the separator
        { "a\uD800b", "a\uFFFDb" },                         // the desk kept the lone surrogate
        { "it's $${x} and ${y}", "it's $$ {x} and $ {y}" },
        { string.Concat(Enumerable.Repeat("é", 40)), string.Concat(Enumerable.Repeat("é", 30)) + ChannelValue.Cut }, // 80 bytes over a 64-byte cap: the desk kept it whole
    };

    [Theory]
    [MemberData(nameof(Values))]
    public async Task A_value_reaches_the_channel_the_same_from_a_flow_the_engine_and_an_agents_edit(string input, string expected)
    {
        // The flow's attach and the engine's: the engine's adapter onto a call that records what FreeSWITCH gets.
        var channel = new RecordedChannel("call-1", "15550001111", "5000", Guid.NewGuid());
        var adapter = new FlowCallAdapter(channel, new FlowsOptions(), Path.GetTempPath(),
            () => new Dictionary<string, string> { [ContextVariables.Campaign] = input });
        (await adapter.SetVariablesAsync(new Dictionary<string, string> { [ContextVariables.ClientName] = input }, exported: true, default))
            .Should().Be(FlowCallStatus.Ok);
        (await adapter.SetVariablesAsync(new Dictionary<string, string> { ["plain"] = input }, exported: false, default)).Should().Be(FlowCallStatus.Ok);
        (await adapter.TransferAsync(new FlowTransfer(TransferKind.Queue, "general", null), default)).Should().Be(FlowCallStatus.Ok);

        channel.Exported[ContextVariables.ClientName].Should().Be(expected, "a flow's attach");
        channel.Exported[ContextVariables.Campaign].Should().Be(expected, "the engine's own context at the transfer");
        channel.Variables["plain"].Should().Be(ChannelValue.Sanitize(input), "a variable that is not exported is made safe but has no cap")
            .And.NotContain("${");
        LiveChannel.SafeValue(ContextVariables.ClientName, input).Should().Be(expected, "an agent's edit");
    }

    [Theory]
    [InlineData("welcome.wav", true)]
    [InlineData("price$5.wav", false)]          // the FreeSWITCH call took it, the adapter refused it
    [InlineData("a${b}.wav", false)]
    [InlineData("a b.wav", false)]
    [InlineData("line\nbreak.wav", false)]
    public void An_argument_is_taken_or_refused_the_same_by_the_adapter_and_the_FreeSWITCH_call(string prompt, bool taken)
    {
        var adapter = new FlowCallAdapter(new RecordedChannel("call-1", "1", "2", Guid.NewGuid()), new FlowsOptions(), Path.GetTempPath());

        (adapter.Playable(new FlowStreamUri(prompt)) is not null).Should().Be(taken, "the adapter");
        var build = () => FreeSwitchCall.BuildPlayAndGetDigits(new CollectRequest { Prompt = prompt });
        if (taken) build.Should().NotThrow("the FreeSWITCH call");
        else build.Should().Throw<ArgumentException>("the FreeSWITCH call");
        ChannelValue.IsArgumentWord(prompt).Should().Be(taken, "the policy");
    }
}
