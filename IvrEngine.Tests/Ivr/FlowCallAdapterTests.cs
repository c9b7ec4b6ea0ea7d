using IvrEngine.Calls;
using IvrEngine.Ivr;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using IvrEngine.Simulator;
using IvrEngine.Tests.Calls;

namespace IvrEngine.Tests.Ivr;

/// <summary>The flow's call interface over a real <see cref="FreeSwitchCall"/>, against the FreeSWITCH simulator over TCP.</summary>
public sealed class FlowCallAdapterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    // A folder that need not exist: the adapter only maps paths under it.
    private static readonly string FlowsFolder = Path.Combine(Path.GetTempPath(), "ivrengine-flows-under-test");

    private static async Task<CallRecord> RunAsync(CallerScript script, Func<FlowCallAdapter, Task> logic, FlowsOptions? options = null,
        Func<IReadOnlyDictionary<string, string>>? transferVariables = null)
    {
        var (harness, call) = await CallHarness.StartAsync(script, c => logic(new FlowCallAdapter(c, options ?? new FlowsOptions(), FlowsFolder, transferVariables)));
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            var record = await call.Completion.WaitAsync(Patience);
            record.ProtocolErrors.Should().BeEmpty();
            return record;
        }
    }

    [Fact]
    public async Task Files_and_streams_play_as_one_file_string_and_a_say_is_FreeSWITCH_say()
    {
        var welcome = Path.Combine(FlowsFolder, "prompts", "bank", "welcome.wav");
        FlowCallStatus status = default;
        var record = await RunAsync(new CallerScript(), async a =>
        {
            status = await a.PlayAsync(
            [
                new FlowFile("ivr/ivr-welcome.wav"), new FlowFile(welcome), new FlowStreamUri("tone_stream://%(200,0,800)"),
                new FlowSay("en", "CURRENCY", "pronounced", "12.50"), new FlowStreamUri("silence_stream://500"),
            ], CancellationToken.None);
        });

        status.Should().Be(FlowCallStatus.Ok);
        record.Applications.Select(x => (x.Name, x.Arg)).Should().Equal(
            ("playback", $"file_string://ivr/ivr-welcome.wav!{welcome}!tone_stream://%(200,0,800)"),
            ("say", "en CURRENCY pronounced 12.50"),
            ("playback", "silence_stream://500"));
    }

    [Fact]
    public async Task A_prompt_under_the_flows_folder_goes_by_the_path_FreeSWITCH_sees_when_one_is_set()
    {
        var options = new FlowsOptions { FreeSwitchPromptPath = "/srv/freeswitch/flows/" };
        var inside = Path.Combine(FlowsFolder, "prompts", "es", "menu.wav");
        var outside = Path.Combine(Path.GetTempPath(), "elsewhere", "menu.wav");
        var record = await RunAsync(new CallerScript(), async a =>
        {
            await a.PlayAsync([new FlowFile(inside)], CancellationToken.None);
            await a.PlayAsync([new FlowFile(outside)], CancellationToken.None);
            await a.PlayAsync([new FlowFile("ivr/ivr-welcome.wav")], CancellationToken.None);
        }, options);

        record.Applications.Select(x => x.Arg).Should().Equal("/srv/freeswitch/flows/prompts/es/menu.wav", outside, "ivr/ivr-welcome.wav");
    }

    [Fact]
    public async Task A_prompt_FreeSWITCH_cannot_take_in_an_argument_is_skipped_and_the_rest_plays()
    {
        FlowCallStatus status = default;
        var record = await RunAsync(new CallerScript(), async a =>
        {
            status = await a.PlayAsync(
            [
                new FlowFile(Path.Combine(FlowsFolder, "my prompts", "a.wav")), new FlowFile("b!c.wav"), new FlowFile("${system(id)}.wav"),
                new FlowFile("ok.wav"), new FlowSay("en", "NUMBER", "pronounced", "${uuid_kill}"),
            ], CancellationToken.None);
        });

        status.Should().Be(FlowCallStatus.Failed, "the flow learns that not everything played");
        record.Applications.Select(x => (x.Name, x.Arg)).Should().Equal(("playback", "ok.wav"));
    }

    [Fact]
    public async Task Answer_answers_once()
    {
        var statuses = new List<FlowCallStatus>();
        var record = await RunAsync(new CallerScript(), async a =>
        {
            statuses.Add(await a.AnswerAsync(CancellationToken.None));
            statuses.Add(await a.AnswerAsync(CancellationToken.None));
        });

        statuses.Should().Equal(FlowCallStatus.Ok, FlowCallStatus.Ok);
        record.Applications.Count(x => x.Name == "answer").Should().Be(1);
        record.Answered.Should().BeTrue();
    }

    [Fact]
    public async Task Collect_is_one_play_and_get_digits_try_that_returns_what_was_typed()
    {
        var results = new List<FlowDigits>();
        var record = await RunAsync(new CallerScript { Inputs = [CallerInput.Keys("12#"), CallerInput.Keys("4111111111111111"), CallerInput.Keys("*")] }, async a =>
        {
            var request = new FlowDigitsRequest
            {
                Prompts = [new FlowFile("ivr/ivr-please_enter_account_number.wav"), new FlowStreamUri("silence_stream://200")],
                MinDigits = 6,
                MaxDigits = 16,
                Terminators = "#",
                FirstDigitTimeout = TimeSpan.FromSeconds(5),
                InterDigitTimeout = TimeSpan.FromSeconds(3),
            };
            results.Add(await a.CollectAsync(request, CancellationToken.None));
            results.Add(await a.CollectAsync(request, CancellationToken.None));
            results.Add(await a.CollectAsync(request with { Prompts = [], MaxDigits = 1, Terminators = string.Empty }, CancellationToken.None));
        });

        results.Should().Equal(
            new FlowDigits(FlowInput.Digits, "12", '#'), // fewer than the flow's 6: the flow finds it invalid, FreeSWITCH does not
            new FlowDigits(FlowInput.Digits, "4111111111111111"),
            new FlowDigits(FlowInput.Digits, "*"));
        // FreeSWITCH never clears read_terminator_used: after an entry ended by '#' it is unset.
        record.Applications.Select(x => (x.Name, x.Arg)).Where(x => x.Name == "unset").Should().Equal(("unset", "read_terminator_used"));
        record.Variables.Should().NotContainKey("read_terminator_used");
        var collects = record.Applications.Where(x => x.Name == "play_and_get_digits").Select(x => x.Arg).ToList();
        collects.Should().Equal(
            "1 16 1 5000 # file_string://ivr/ivr-please_enter_account_number.wav!silence_stream://200 silence_stream://1 ivrflow_entry .+ 3000",
            "1 16 1 5000 # file_string://ivr/ivr-please_enter_account_number.wav!silence_stream://200 silence_stream://1 ivrflow_entry .+ 3000",
            "1 1 1 5000 none silence silence_stream://1 ivrflow_entry .+ 3000");
    }

    [Fact]
    public async Task Silence_is_no_input_and_a_hangup_is_hung_up()
    {
        var results = new List<FlowDigits>();
        var record = await RunAsync(new CallerScript { Inputs = [CallerInput.Silence, CallerInput.HangUp()] }, async a =>
        {
            var request = new FlowDigitsRequest { Prompts = [new FlowFile("menu.wav")], MaxDigits = 1 };
            results.Add(await a.CollectAsync(request, CancellationToken.None));
            results.Add(await a.CollectAsync(request, CancellationToken.None));
            results.Add(await a.CollectAsync(request, CancellationToken.None));
        });

        results.Should().Equal(
            new FlowDigits(FlowInput.NoInput, string.Empty),
            new FlowDigits(FlowInput.HungUp, string.Empty),
            new FlowDigits(FlowInput.HungUp, string.Empty));
        record.HangupBy.Should().Be("caller");
    }

    [Theory]
    [InlineData(CollectOutcome.Invalid, "", null, FlowInput.NoInput, "")] // FreeSWITCH: silence with min 1 is read_result=failure
    [InlineData(CollectOutcome.Timeout, "", null, FlowInput.NoInput, "")]
    [InlineData(CollectOutcome.Timeout, "1234", null, FlowInput.Digits, "1234")] // digits ended by the inter-digit timeout
    [InlineData(CollectOutcome.Invalid, "", '#', FlowInput.Digits, "")] // only the terminator: an empty entry the flow judges
    [InlineData(CollectOutcome.Success, "42", '#', FlowInput.Digits, "42")]
    [InlineData(CollectOutcome.HungUp, "12", null, FlowInput.HungUp, "")]
    public async Task What_FreeSWITCH_reports_maps_to_what_the_caller_did(CollectOutcome outcome, string digits, char? terminator, FlowInput input, string expected)
    {
        var adapter = new FlowCallAdapter(new ScriptedCollect(new CollectResult(outcome, digits, terminator)), new FlowsOptions(), FlowsFolder);

        var result = await adapter.CollectAsync(new FlowDigitsRequest { MaxDigits = 8 }, CancellationToken.None);

        result.Input.Should().Be(input);
        result.Digits.Should().Be(expected);
    }

    [Fact]
    public async Task Says_in_a_collect_play_first_and_the_prompts_after_the_last_one_are_the_collect_prompt()
    {
        FlowDigits? result = null;
        var record = await RunAsync(new CallerScript { Inputs = [CallerInput.Keys("1")] }, async a =>
        {
            result = await a.CollectAsync(new FlowDigitsRequest
            {
                Prompts = [new FlowFile("you-entered.wav"), new FlowSay("en", "NUMBER", "iterated", "1234"), new FlowFile("press-1.wav"), new FlowFile("or-2.wav")],
                MaxDigits = 1,
            }, CancellationToken.None);
        });

        result.Should().Be(new FlowDigits(FlowInput.Digits, "1"));
        record.Applications.Select(x => (x.Name, x.Arg?.Split(' ')[0])).Should().Equal(
            ("playback", "you-entered.wav"), ("say", "en"), ("play_and_get_digits", "1"));
        record.Applications[1].Arg.Should().Be("en NUMBER iterated 1234");
        record.Applications[2].Arg.Should().Contain(" file_string://press-1.wav!or-2.wav ");
    }

    [Fact]
    public async Task A_sensitive_entry_does_not_stay_on_the_channel()
    {
        FlowDigits? pin = null, menu = null;
        var record = await RunAsync(new CallerScript { Inputs = [CallerInput.Keys("9"), CallerInput.Keys("4321#")] }, async a =>
        {
            menu = await a.CollectAsync(new FlowDigitsRequest { Prompts = [new FlowFile("menu.wav")], MaxDigits = 1 }, CancellationToken.None);
            pin = await a.CollectAsync(new FlowDigitsRequest { Prompts = [new FlowFile("pin.wav")], MaxDigits = 8, Terminators = "#", Sensitive = true }, CancellationToken.None);
        });

        (menu, pin).Should().Be((new FlowDigits(FlowInput.Digits, "9"), new FlowDigits(FlowInput.Digits, "4321", '#')));
        record.Applications.Select(x => x.Name).Should().Equal("play_and_get_digits", "play_and_get_digits", "unset", "unset");
        record.Applications.Where(x => x.Name == "unset").Select(x => x.Arg).Should().BeEquivalentTo(FlowCallAdapter.EntryVariable, FlowCallAdapter.TerminatorVariable);
        record.Variables.Should().NotContainKey(FlowCallAdapter.EntryVariable);
    }

    [Theory]
    [InlineData(TransferKind.Queue, "vip", 7, "queue_vip XML default", "7")]
    [InlineData(TransferKind.Queue, "general", null, "queue_general XML default", null)]
    [InlineData(TransferKind.Extension, "1000", null, "1000 XML default", null)]
    [InlineData(TransferKind.Agent, "1001@default", null, "agent_1001@default XML default", null)]
    public async Task Transfers_go_to_dialplan_extensions_and_a_queue_priority_becomes_the_callcenter_base_score(
        TransferKind kind, string target, int? priority, string transferredTo, string? baseScore)
    {
        FlowCallStatus status = default;
        var record = await RunAsync(new CallerScript(), async a => status = await a.TransferAsync(new FlowTransfer(kind, target, priority), CancellationToken.None));

        status.Should().Be(FlowCallStatus.Ok);
        record.TransferredTo.Should().Be(transferredTo);
        if (baseScore is null)
        {
            record.ExportedVariables.Should().NotContainKey("cc_base_score");
        }
        else
        {
            record.ExportedVariables.Should().Contain("cc_base_score", baseScore);
        }
    }

    [Fact]
    public async Task Transfer_targets_follow_the_settings_and_the_engine_context_rides_along()
    {
        var options = new FlowsOptions { QueueExtension = "cc-{0}", TransferContext = "ivr" };
        var record = await RunAsync(new CallerScript(), async a =>
            (await a.TransferAsync(new FlowTransfer(TransferKind.Queue, "collections", -5), CancellationToken.None)).Should().Be(FlowCallStatus.Ok),
            options, () => new Dictionary<string, string> { ["ivr_campaign"] = "Spring" });

        record.TransferredTo.Should().Be("cc-collections XML ivr");
        record.ExportedVariables.Should().Contain("cc_base_score", "-5").And.Contain("ivr_campaign", "Spring");
    }

    [Fact]
    public async Task A_target_that_is_no_extension_is_refused_without_a_transfer()
    {
        FlowCallStatus status = default;
        var record = await RunAsync(new CallerScript(), async a =>
            status = await a.TransferAsync(new FlowTransfer(TransferKind.Extension, "${hupall}", null), CancellationToken.None));

        status.Should().Be(FlowCallStatus.Failed);
        record.TransferredTo.Should().BeNull();
        record.Applications.Should().BeEmpty();
    }

    [Fact]
    public async Task Hangup_uses_the_flow_cause()
    {
        var record = await RunAsync(new CallerScript(), async a =>
            (await a.HangupAsync("CALL_REJECTED", CancellationToken.None)).Should().Be(FlowCallStatus.Ok));

        record.HangupCause.Should().Be("CALL_REJECTED");
        record.HangupBy.Should().Be("engine");
    }

    [Fact]
    public async Task Variables_are_set_exported_or_not()
    {
        var record = await RunAsync(new CallerScript(), async a =>
        {
            (await a.SetVariablesAsync(new Dictionary<string, string> { ["ivr_account"] = "123456" }, exported: true, CancellationToken.None)).Should().Be(FlowCallStatus.Ok);
            (await a.SetVariablesAsync(new Dictionary<string, string> { ["local_only"] = "x" }, exported: false, CancellationToken.None)).Should().Be(FlowCallStatus.Ok);
            (await a.SetVariablesAsync(new Dictionary<string, string> { ["bad name"] = "x" }, exported: false, CancellationToken.None)).Should().Be(FlowCallStatus.Failed);
        });

        record.ExportedVariables.Should().Contain("ivr_account", "123456").And.NotContainKey("local_only");
        record.Variables.Should().Contain("local_only", "x");
    }

    /// <summary>A call whose play-and-collect reports what a test says, as FreeSWITCH would; nothing else is used.</summary>
    private sealed class ScriptedCollect(CollectResult result) : ICall
    {
        public string Uuid => "scripted";

        public string Ani => "15550001111";

        public string Dnis => "5000";

        public string? CallerName => null;

        public string? CoreUuid => null;

        public CallState State => CallState.Answered;

        public CancellationToken HungUp => CancellationToken.None;

        public string? GetVariable(string name) => null;

        public Task<CollectResult> PlayAndCollectAsync(CollectRequest request, CancellationToken cancellationToken = default) => Task.FromResult(result);

        public Task<CallResult> UnsetVariablesAsync(IEnumerable<string> names, CancellationToken cancellationToken = default) => Task.FromResult(CallResult.Ok);

        public Task<CallResult> AnswerAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> PlayAsync(string prompt, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> SayAsync(SayRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> SetVariablesAsync(IEnumerable<KeyValuePair<string, string>> variables, bool exported = false, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<CallResult> TransferAsync(string destination, string dialplan = "XML", string context = "default", CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<CallResult> BridgeAsync(string dialString, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> HangupAsync(string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> SleepAsync(TimeSpan duration, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> BreakAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
