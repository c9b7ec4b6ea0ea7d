using IvrEngine.Scripts;
using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using static IvrEngine.Tests.Scripts.Runtime.FlowHarness;
using static IvrEngine.Tests.Scripts.Runtime.ScriptedCall;

namespace IvrEngine.Tests.Scripts.Runtime;

/// <summary>What a transfer attaches is cut to its cap when it is attached, never when the flow uses it: the
/// contract's caps, a collect's max, a set value's max, the unbounded default for an expression.</summary>
public sealed class AttachCapsTests
{
    private readonly FlowHarness _harness = new();

    private static TransferStep Transfer => new() { Id = "agent", Kind = TransferKind.Queue, Target = "general" };

    private static SetStep Set(string id, params Assignment[] assignments) => new() { Id = id, Assignments = assignments };

    private static Assignment Expression(string name, string expression, int? max = null) =>
        new(name, expression, true, SourceSpan.None) { MaxBytes = max };

    private static Assignment Literal(string name, string value) => new(name, value, false, SourceSpan.None);

    private async Task<(FlowRunResult Result, IReadOnlyDictionary<string, string> Sent)> RunAsync(FlowDefinition flow, int unbounded = FlowSet.DefaultUnboundedValueBytes)
    {
        var call = new ScriptedCall(Keys("1234567890"));
        var result = await new FlowRunner(_harness.Directory, _harness.Time).RunAsync(new FlowSet([flow], unbounded), flow, call, _harness.Observer, CancellationToken.None);
        result.Outcome.Should().Be(FlowOutcome.Transferred, result.Error);
        return (result, call.VariableSets.Single().Variables);
    }

    [Fact]
    public async Task An_expression_without_max_is_cut_to_the_unbounded_size_when_attached_not_when_used()
    {
        var flow = Flow(
            Set("long", Expression("note", "\"" + new string('x', 100) + "\"")),
            Set("used", Expression("length", "Vars[\"note\"].Length")),
            Transfer);

        var (result, sent) = await RunAsync(flow, unbounded: 16);

        sent["ivr_note"].Should().Be(new string('x', 13) + ChannelValue.Cut);
        sent["ivr_length"].Should().Be("100", "the flow saw the whole value");
        result.Attached.Should().Equal(sent);
        _harness.Observer.Events.Should().Contain("cut ivr_note 100>16");
    }

    [Fact]
    public async Task A_set_value_with_max_is_cut_to_it_and_a_literal_is_never_cut()
    {
        var literal = new string('y', 300);
        var flow = Flow(
            Set("values", Expression("code", "\"ABCDEFGHIJ\"", max: 6), Literal("text", literal)),
            Transfer);

        var (_, sent) = await RunAsync(flow);

        sent["ivr_code"].Should().Be("ABC" + ChannelValue.Cut);
        sent["ivr_text"].Should().Be(literal, "a literal's size is known when the flow loads, and checked there");
    }

    [Fact]
    public async Task The_last_writer_of_a_variable_gives_its_cap()
    {
        var flow = Flow(
            Set("first", Expression("who", "\"a long value, longer than five\"", max: 5)),
            Set("second", Literal("who", "a literal, as long as it likes")),
            Transfer);

        var (_, sent) = await RunAsync(flow);

        sent["ivr_who"].Should().Be("a literal, as long as it likes");
    }

    [Fact]
    public async Task The_client_s_values_are_cut_to_the_contract_s_caps_and_made_one_line()
    {
        _harness.Directory.ByCaller["+15551230001"] = Client("c-1") with
        {
            Name = "Анна-Мария " + new string('Ж', 60),
            Reason = "V: category VIP\r\nX-Injected: yes ${system(id)}",
            Category = new string('c', 40),
        };
        var flow = Flow(new LookupStep { Id = "identify", Found = "agent", NotFound = "agent" }, Transfer);

        var (result, sent) = await RunAsync(flow);

        System.Text.Encoding.UTF8.GetByteCount(sent["ivr_client_name"]).Should().BeLessThanOrEqualTo(AttachedValues.NameTextBytes);
        sent["ivr_client_name"].Should().StartWith("Анна-Мария ЖЖ").And.EndWith(ChannelValue.Cut);
        sent["ivr_cti_reason"].Should().Be("V: category VIP  X-Injected: yes $ {system(id)}", "made one line and defused");
        sent["ivr_category"].Should().HaveLength(AttachedValues.CategoryBytes - ChannelValue.CutBytes + 1);
        result.Attached.Should().Equal(sent);
        _harness.Observer.Events.Should().Contain(["cut ivr_client_name 140>64", "cut ivr_category 40>32"]);
    }

    [Fact]
    public async Task Collected_digits_are_bounded_by_the_collect_s_max_and_masked_in_the_log_as_cut()
    {
        var flow = Flow(
            new CollectStep { Id = "ask", Into = "account", Prompt = Files("account.wav"), MaxLength = 10, OnFailure = "agent" },
            Transfer);

        var (_, sent) = await RunAsync(flow);

        sent["ivr_account"].Should().Be("1234567890");
        sent["ivr_account_status"].Should().Be("ok");
        _harness.Observer.Transfers.Single()["ivr_account"].Should().Be("******7890");
        _harness.Observer.Events.Should().NotContain(e => e.StartsWith("cut", StringComparison.Ordinal));
    }
}
