using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using static IvrEngine.Tests.Scripts.Runtime.FlowHarness;
using static IvrEngine.Tests.Scripts.Runtime.ScriptedCall;

namespace IvrEngine.Tests.Scripts.Runtime;

/// <summary>Order of steps, answering, play, hangup, goto, sub-flows, runaways and failures.</summary>
public sealed class FlowControlTests
{
    private readonly FlowHarness _harness = new();

    private static MenuStep Menu(string id, params (char Key, string Goto)[] options) => new()
    {
        Id = id,
        Greeting = Files($"{id}.wav"),
        Options = options.Select(o => new MenuOption(o.Key, o.Goto, SourceSpan.None)).ToArray(),
        OnMaxFailures = "end",
        OnMaxTimeouts = "end",
    };

    [Fact]
    public async Task Steps_run_from_the_start_to_next_or_else_the_following_step()
    {
        var flow = Flow(
            Play("intro", "intro.wav", next: "third"),
            Play("skipped", "skipped.wav"),
            Play("third", "third.wav"),
            Play("fourth", "fourth.wav"),
            Hangup("end")) with
        { Start = "intro" };

        var result = await _harness.RunAsync(flow, new ScriptedCall());

        result.Steps.Should().Equal("main/intro", "main/third", "main/fourth", "main/end");
        _harness.Observer.Events.Should().Equal("step main/intro", "step main/third", "step main/fourth", "step main/end");
    }

    [Fact]
    public async Task The_start_need_not_be_the_first_step_written()
    {
        var flow = Flow(Hangup("first"), Hangup("second")) with { Start = "second" };

        var result = await _harness.RunAsync(flow, new ScriptedCall());

        result.Steps.Should().Equal("main/second");
    }

    [Fact]
    public async Task The_call_is_answered_only_right_before_the_first_prompt()
    {
        _harness.Directory.ByCaller["+15551230001"] = Client("c-1");
        var flow = Flow(
            new LookupStep { Id = "identify", Found = "segment", NotFound = "segment" },
            new SetStep { Id = "segment", Assignments = [new Assignment("x", "1", false, SourceSpan.None)] },
            Play("welcome", "welcome.wav"),
            Menu("main", ('1', "end")),
            Hangup("end"));
        var call = new ScriptedCall(Keys("1"));

        await _harness.RunAsync(flow, call);

        call.Log.Should().Equal("answer", "play welcome.wav", "collect main.wav", "hangup NORMAL_CLEARING");
    }

    [Fact]
    public async Task A_collect_answers_too_and_a_flow_that_plays_nothing_never_answers()
    {
        var collectFirst = new ScriptedCall(Keys("1"));
        await _harness.RunAsync(Flow(Menu("main", ('1', "end")), Hangup("end", "USER_BUSY")), collectFirst);

        var transferOnly = new ScriptedCall();
        await _harness.RunAsync(Flow(new TransferStep { Id = "t", Target = "q" }), transferOnly);

        collectFirst.Log.Should().Equal("answer", "collect main.wav", "hangup USER_BUSY");
        transferOnly.Log.Should().Equal("set", "transfer Queue q");
    }

    [Fact]
    public async Task A_switch_that_cannot_answer_fails_the_run()
    {
        var result = await _harness.RunAsync(Flow(Play("welcome", "welcome.wav"), Hangup("end")), new ScriptedCall { AnswerStatus = FlowCallStatus.Failed });

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.Error.Should().Be("step 'main/welcome': the switch failed to answer the call");
    }

    [Fact]
    public async Task A_hang_up_during_a_play_ends_the_run_in_that_step()
    {
        var flow = Flow(Play("one", "one.wav"), Play("two", "two.wav"), Play("three", "three.wav"), Hangup("end"));

        var result = await _harness.RunAsync(flow, new ScriptedCall { HangUpOnPlay = 2 });

        result.Outcome.Should().Be(FlowOutcome.HungUp);
        result.LastStep.Should().Be("main/two");
    }

    [Fact]
    public async Task A_hang_up_while_answering_ends_the_run()
    {
        var call = new ScriptedCall { AnswerStatus = FlowCallStatus.HungUp };

        var result = await _harness.RunAsync(Flow(Play("one", "one.wav"), Hangup("end")), call);

        result.Outcome.Should().Be(FlowOutcome.HungUp);
        call.Log.Should().Equal("answer");
    }

    [Fact]
    public async Task File_prompts_prefer_the_language_folder_then_the_prompts_folder_and_streams_and_says_pass_through()
    {
        var folder = Directory.CreateTempSubdirectory("ivr-prompts-");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "es"));
            File.WriteAllBytes(Path.Combine(folder.FullName, "es", "welcome.wav"), []);
            File.WriteAllBytes(Path.Combine(folder.FullName, "welcome.wav"), []);
            File.WriteAllBytes(Path.Combine(folder.FullName, "only-base.wav"), []);
            var flow = Flow(
                new PlayStep
                {
                    Id = "welcome",
                    Prompts =
                    [
                        new FilePrompt("welcome.wav"),
                        new FilePrompt("only-base.wav"),
                        new StreamPrompt("tone_stream://%(200,0,800)"),
                        new SayPrompt("Vars[\"n\"]", "digits", "pronounced"),
                        new SayPrompt("12.5", "currency", ""),
                    ],
                },
                Hangup("end")) with
            { PromptsDirectory = folder.FullName, Language = "es" };

            var call = new ScriptedCall();
            await _harness.RunAsync(flow, call);
            var english = new ScriptedCall();
            await _harness.RunAsync(flow with { Language = "en" }, english);

            call.Plays.Single().Should().Equal(
                new FlowFile(Path.Combine(folder.FullName, "es", "welcome.wav")),
                new FlowFile(Path.Combine(folder.FullName, "only-base.wav")),
                new FlowStreamUri("tone_stream://%(200,0,800)"),
                new FlowSay("es", "NUMBER", "iterated", ""),
                new FlowSay("es", "CURRENCY", "pronounced", "12.5"));
            english.Plays.Single()[0].Should().Be(new FlowFile(Path.Combine(folder.FullName, "welcome.wav")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Without_a_prompts_folder_files_are_passed_as_written()
    {
        var call = new ScriptedCall();

        await _harness.RunAsync(Flow(Play("welcome", "sounds/welcome.wav"), Hangup("end")), call);

        call.Plays.Single().Should().Equal(new FlowFile("sounds/welcome.wav"));
    }

    [Fact]
    public async Task A_key_during_an_interruptible_play_is_the_menus_choice()
    {
        var flow = Flow(
            new PlayStep { Id = "ad", Prompts = Files("ad.wav"), Interruptible = true },
            Menu("main", ('1', "one"), ('2', "two")),
            Hangup("one"),
            Hangup("two"));
        var call = new ScriptedCall(Keys("2"));

        var result = await _harness.RunAsync(flow, call);

        result.LastStep.Should().Be("main/two");
        var request = call.Collects.Should().ContainSingle().Subject;
        Names(request.Prompts).Should().Be("ad.wav");
        (request.MinDigits, request.MaxDigits, request.Terminators, request.FirstDigitTimeout).Should().Be((1, 1, "", TimeSpan.Zero));
    }

    [Fact]
    public async Task Without_a_key_an_interruptible_play_goes_on_to_the_menu()
    {
        var flow = Flow(
            new PlayStep { Id = "ad", Prompts = Files("ad.wav"), Interruptible = true },
            Menu("main", ('1', "one")),
            Hangup("one"));
        var call = new ScriptedCall(Silence, Keys("1"));

        var result = await _harness.RunAsync(flow, call);

        result.LastStep.Should().Be("main/one");
        call.Collects.Select(c => Names(c.Prompts)).Should().Equal("ad.wav", "main.wav");
    }

    [Fact]
    public async Task A_key_during_an_interruptible_play_is_the_first_digit_of_a_collect()
    {
        var flow = Flow(
            new PlayStep { Id = "ad", Prompts = Files("ad.wav"), Interruptible = true },
            new CollectStep { Id = "ask", Into = "account", Prompt = Files("enter.wav"), MinLength = 4, MaxLength = 10, OnFailure = "end", InterDigitTimeout = TimeSpan.FromSeconds(2) },
            Hangup("end"));
        var call = new ScriptedCall(Keys("4"), Keys("567", '#'));

        var result = await _harness.RunAsync(flow, call);

        result.MaskedVariables["account"].Should().Be("4567");
        var rest = call.Collects[1];
        rest.Prompts.Should().BeEmpty();
        (rest.MinDigits, rest.MaxDigits, rest.FirstDigitTimeout).Should().Be((3, 9, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Hangup_hangs_up_with_its_cause()
    {
        var call = new ScriptedCall();

        var result = await _harness.RunAsync(Flow(Hangup("bye", "CALL_REJECTED")), call);

        result.Outcome.Should().Be(FlowOutcome.Hangup);
        call.Log.Should().Equal("hangup CALL_REJECTED");
    }

    [Fact]
    public async Task Goto_jumps_to_its_step()
    {
        var flow = Flow(new GotoStep { Id = "again", Next = "end" }, Play("skipped", "x.wav"), Hangup("end"));

        var result = await _harness.RunAsync(flow, new ScriptedCall());

        result.Steps.Should().Equal("main/again", "main/end");
    }

    [Fact]
    public async Task A_subflow_shares_variables_client_and_language_and_its_return_resumes_the_caller_at_next()
    {
        _harness.Directory.ByCaller["+15551230001"] = Client("c-1", language: "es");
        var main = Flow(
            "bank",
            new LookupStep { Id = "identify", Found = "pin", NotFound = "pin" },
            new SubflowStep { Id = "pin", Flow = "verify-pin", Next = "after" },
            Play("skipped", "skipped.wav"),
            new SetStep { Id = "after", Assignments = [new Assignment("seen", "Vars[\"verified\"] + \"/\" + Language", true, SourceSpan.None)] },
            Hangup("end"));
        var verify = Flow(
            "verify-pin",
            new SetStep { Id = "check", Assignments = [new Assignment("verified", "Client.Id", true, SourceSpan.None)] },
            new ReturnStep { Id = "done" });

        var result = await _harness.RunAsync(main, new ScriptedCall(), verify);

        result.Steps.Should().Equal("bank/identify", "bank/pin", "verify-pin/check", "verify-pin/done", "bank/after", "bank/end");
        result.MaskedVariables["seen"].Should().Be("c-1/es");
        result.Outcome.Should().Be(FlowOutcome.Hangup);
    }

    [Fact]
    public async Task Nested_subflows_return_one_level_at_a_time()
    {
        var main = Flow("a", new SubflowStep { Id = "call-b", Flow = "b" }, Hangup("end"));
        var b = Flow("b", new SubflowStep { Id = "call-c", Flow = "c" }, new ReturnStep { Id = "back" });
        var c = Flow("c", new ReturnStep { Id = "back" });

        var result = await _harness.RunAsync(main, new ScriptedCall(), b, c);

        result.Steps.Should().Equal("a/call-b", "b/call-c", "c/back", "b/back", "a/end");
    }

    [Fact]
    public async Task A_hangup_inside_a_subflow_ends_the_call()
    {
        var main = Flow("a", new SubflowStep { Id = "call-b", Flow = "b", Next = "end" }, Hangup("end"));
        var b = Flow("b", Hangup("bye", "USER_BUSY"));
        var call = new ScriptedCall();

        var result = await _harness.RunAsync(main, call, b);

        result.LastStep.Should().Be("b/bye");
        call.Log.Should().Equal("hangup USER_BUSY");
    }

    [Fact]
    public async Task Return_in_the_top_flow_ends_the_run_as_returned()
    {
        var result = await _harness.RunAsync(Flow(new ReturnStep { Id = "done" }), new ScriptedCall());

        result.Outcome.Should().Be(FlowOutcome.Returned);
        result.LastStep.Should().Be("main/done");
    }

    [Fact]
    public async Task A_missing_subflow_or_step_fails_the_run_naming_it()
    {
        var missingFlow = await _harness.RunAsync(Flow(new SubflowStep { Id = "pin", Flow = "nowhere" }), new ScriptedCall());
        var missingStep = await _harness.RunAsync(Flow(new GotoStep { Id = "again", Next = "nowhere" }), new ScriptedCall());
        var fallsOff = await _harness.RunAsync(Flow(Play("last", "x.wav")), new ScriptedCall());

        missingFlow.Error.Should().Be("step 'main/pin': the subflow 'nowhere' does not exist");
        missingStep.Error.Should().Be("step 'main/again': step 'again' goes to 'nowhere', which does not exist in flow 'main'");
        fallsOff.Error.Should().Be("step 'main/last': step 'last' is the last one of flow 'main' and names no next step");
        new[] { missingFlow, missingStep, fallsOff }.Should().AllSatisfy(r => r.Outcome.Should().Be(FlowOutcome.Failed));
    }

    [Fact]
    public async Task A_loop_that_never_waits_for_the_caller_fails_naming_its_steps()
    {
        var flow = Flow(
            new GotoStep { Id = "a", Next = "b" },
            new SetStep { Id = "b", Assignments = [new Assignment("x", "1", false, SourceSpan.None)], Next = "a" });

        var result = await _harness.RunAsync(flow, new ScriptedCall());

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.Steps.Should().HaveCount(FlowRunner.MaxStepsWithoutInput + 1);
        result.Error.Should().Be("runaway loop: more than 1000 steps in a row without waiting for the caller, going round main/a, main/b");
    }

    [Fact]
    public async Task Waiting_for_the_caller_resets_the_loop_count_but_a_run_is_capped_in_total()
    {
        // menu -> (1) -> a -> b -> menu: three steps per key; the caller keeps pressing 1.
        var flow = Flow(
            Menu("main", ('1', "a")),
            new GotoStep { Id = "a", Next = "b" },
            new GotoStep { Id = "b", Next = "main" },
            Hangup("end"));
        var call = new ScriptedCall { Forever = Keys("1") };

        var result = await _harness.RunAsync(flow, call);

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.Steps.Should().HaveCount(FlowRunner.MaxStepsPerRun + 1);
        result.Error.Should().Be("runaway: more than 10000 steps in one call, the last ones going round main/main, main/a, main/b");
    }

    [Fact]
    public async Task A_cancelled_token_stops_the_run_with_operation_cancelled()
    {
        using var shutdown = new CancellationTokenSource();
        var flow = Flow(Menu("main", ('1', "main")), Hangup("end"));
        var call = new ScriptedCall { Forever = Keys("1"), OnCollect = shutdown.Cancel };

        var run = () => _harness.RunAsync(flow, call, shutdown.Token);

        await run.Should().ThrowAsync<OperationCanceledException>();
        call.Collects.Should().HaveCount(1);
    }

    [Fact]
    public async Task An_exception_from_the_directory_fails_the_run_instead_of_escaping()
    {
        _harness.Directory.Failure = new IOException("store unavailable");
        var flow = Flow(new LookupStep { Id = "identify", Found = "end", NotFound = "end" }, Hangup("end"));

        var result = await _harness.RunAsync(flow, new ScriptedCall());

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.Error.Should().Be("step 'main/identify': store unavailable (IOException)");
    }

    [Fact]
    public async Task A_lookup_by_account_without_a_value_fails_the_run()
    {
        var flow = Flow(new LookupStep { Id = "identify", By = LookupBy.Account, Found = "end", NotFound = "end" }, Hangup("end"));

        var result = await _harness.RunAsync(flow, new ScriptedCall());

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.Error.Should().Be("step 'main/identify': a lookup by account needs a value");
    }

    [Fact]
    public async Task A_hang_up_during_an_interruptible_play_ends_the_run_there()
    {
        var flow = Flow(new PlayStep { Id = "ad", Prompts = Files("ad.wav"), Interruptible = true }, Hangup("end"));

        var result = await _harness.RunAsync(flow, new ScriptedCall(HangUp));

        result.Outcome.Should().Be(FlowOutcome.HungUp);
        result.LastStep.Should().Be("main/ad");
    }

    [Fact]
    public async Task With_a_key_already_waiting_an_interruptible_play_is_skipped_and_the_key_kept()
    {
        var flow = Flow(
            new PlayStep { Id = "ad", Prompts = Files("ad.wav"), Interruptible = true },
            new PlayStep { Id = "more", Prompts = Files("more.wav"), Interruptible = true },
            new LanguageStep { Id = "choose", Prompt = Files("choose.wav"), Options = [new LanguageOption('2', "es", SourceSpan.None)] },
            Hangup("end"));
        var call = new ScriptedCall(Keys("2"));

        var result = await _harness.RunAsync(flow, call);

        result.Language.Should().Be("es");
        call.Collects.Select(c => Names(c.Prompts)).Should().Equal("ad.wav");
    }

    [Fact]
    public async Task A_variable_once_collected_stays_masked_after_a_set_overwrites_it()
    {
        var flow = Flow(
            new CollectStep { Id = "ask", Into = "card", Prompt = Files("card.wav"), OnFailure = "end" },
            new SetStep { Id = "s", Assignments = [new Assignment("card", "Vars[\"card\"] + \"9\"", true, SourceSpan.None)] },
            Hangup("end"));

        var result = await _harness.RunAsync(flow, new ScriptedCall(Keys("4111111111111111")));

        result.MaskedVariables["card"].Should().Be("*************1119");
    }

    [Fact]
    public async Task A_collect_past_the_callers_script_fails_rather_than_throwing()
    {
        var result = await _harness.RunAsync(Flow(Menu("main", ('1', "end")), Hangup("end")), new ScriptedCall());

        result.Outcome.Should().Be(FlowOutcome.Failed);
        result.Error.Should().Be("step 'main/main': The script has no response left for this collect. (InvalidOperationException)");
    }

    [Fact]
    public async Task The_public_overload_without_an_observer_runs_the_same()
    {
        var flow = Flow(Play("welcome", "welcome.wav"), Hangup("end"));
        var runner = new FlowRunner(_harness.Directory, _harness.Time);

        var result = await runner.RunAsync(new IvrEngine.Scripts.FlowSet([flow]), flow, new ScriptedCall(), CancellationToken.None);

        result.Outcome.Should().Be(FlowOutcome.Hangup);
        result.Steps.Should().Equal("main/welcome", "main/end");
    }
}
