using IvrEngine.Ivr.Console;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;

namespace IvrEngine.Tests.Flows;

/// <summary>The terminal's call: what it prints and how the caller's items become keys, silence or a hangup.</summary>
public sealed class ConsoleFlowCallTests
{
    private static readonly string Prompts = Path.Combine(Path.GetTempPath(), "flows", "prompts", "bank");

    [Fact]
    public async Task Each_wait_takes_one_item_cut_at_the_most_digits_or_a_terminator_and_then_the_caller_hangs_up()
    {
        var (call, trace) = Call("12345,#,,9");

        (await call.CollectAsync(Request(max: 3), default)).Should().Be(new FlowDigits(FlowInput.Digits, "123"));
        (await call.CollectAsync(Request(max: 6, terminators: "#"), default)).Should().Be(new FlowDigits(FlowInput.Digits, string.Empty, '#'));
        (await call.CollectAsync(Request(max: 1), default)).Input.Should().Be(FlowInput.NoInput);
        (await call.CollectAsync(Request(max: 1), default)).Should().Be(new FlowDigits(FlowInput.Digits, "9"));
        (await call.CollectAsync(Request(max: 1), default)).Input.Should().Be(FlowInput.HungUp, "the items ran out");
        (await call.PlayAsync([new FlowFile(Path.Combine(Prompts, "welcome.wav"))], default)).Should().Be(FlowCallStatus.HungUp);
        call.HungUp.Should().BeTrue();

        trace.ToString().Should().Contain("[keys] 123 (not heard: 45)").And.Contain("[silence]").And.Contain("[caller hangs up]");
    }

    [Fact]
    public async Task An_interruptible_play_plays_to_the_end_without_taking_an_item()
    {
        var (call, _) = Call("7");

        var interruptible = new FlowDigitsRequest { Prompts = [new FlowStreamUri("tone_stream://%(100,0,440)")], FirstDigitTimeout = TimeSpan.Zero };
        (await call.CollectAsync(interruptible, default)).Input.Should().Be(FlowInput.NoInput);
        (await call.CollectAsync(Request(max: 1), default)).Digits.Should().Be("7");
    }

    [Fact]
    public async Task Prompts_print_short_names_says_their_type_and_sensitive_entries_their_last_four_digits()
    {
        var (call, trace) = Call("4111111111111111#,1");

        await call.PlayAsync(
            [new FlowFile(Path.Combine(Prompts, "es", "welcome.wav")), new FlowSay("en", "CURRENCY", "pronounced", "1234.50"), new FlowStreamUri("silence_stream://500")],
            default);
        await call.CollectAsync(Request(max: 19, terminators: "#", sensitive: true), default);
        await call.CollectAsync(Request(max: 1, sensitive: true) with { Prompts = [new FlowSay("en", "NUMBER", "iterated", "4111111111111111")] }, default);
        await call.TransferAsync(new FlowTransfer(TransferKind.Queue, "vip", 10), default);

        trace.ToString().Should().Contain("[play] es/welcome.wav\n")
            .And.Contain("[say] currency 1234.50\n")
            .And.Contain("[play] silence_stream://500\n")
            .And.Contain("[keys] ************1111#\n")
            .And.Contain("[say] number ************1111 (iterated)\n")
            .And.Contain("[keys] 1\n")
            .And.Contain("[transfer] queue vip, priority 10\n")
            .And.NotContain("4111111111111111");
    }

    [Theory]
    [InlineData("1, 2 3 ,#", true)]
    [InlineData("hangup", true)]
    [InlineData("1,e", false)]
    [InlineData("12-3", false)]
    public void Keys_are_phone_keys_empty_items_or_hangup(string keys, bool valid)
    {
        ScriptedCaller.TryParse(keys, out _, out var error).Should().Be(valid, error);
    }

    [Theory]
    [InlineData("2026-12-25T10:00", "America/New_York", "2026-12-25T15:00:00+00:00")]
    [InlineData("2026-07-01T10:00", "America/New_York", "2026-07-01T14:00:00+00:00")]
    [InlineData("2026-12-25T10:00", null, "2026-12-25T10:00:00+00:00")]
    [InlineData("2026-12-25T10:00:00+01:00", "America/New_York", "2026-12-25T09:00:00+00:00")]
    [InlineData("2026-12-25T10:00Z", "Asia/Tbilisi", "2026-12-25T10:00:00+00:00")]
    public void At_without_an_offset_is_the_flows_local_time(string at, string? zone, string utc)
    {
        FlowSimulation.TryParseAt(at, zone, out var instant, out var error).Should().BeTrue(error);
        instant.ToUniversalTime().Should().Be(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static (ConsoleFlowCall Call, StringWriter Trace) Call(string keys)
    {
        ScriptedCaller.TryParse(keys, out var caller, out var error).Should().BeTrue(error);
        var trace = new StringWriter { NewLine = "\n" };
        return (new ConsoleFlowCall("+15559990001", "5000", caller!, trace, [Prompts]), trace);
    }

    private static FlowDigitsRequest Request(int max, string terminators = "", bool sensitive = false) =>
        new() { MinDigits = 1, MaxDigits = max, Terminators = terminators, Sensitive = sensitive };
}
