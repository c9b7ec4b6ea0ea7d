using IvrEngine.Calls;
using IvrEngine.EventSocket;
using IvrEngine.Simulator;

namespace IvrEngine.Tests.Calls;

/// <summary>Call operations against the FreeSWITCH simulator over real TCP.</summary>
public sealed class FreeSwitchCallTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Channel_data_gives_the_caller_and_the_dialed_number()
    {
        string? ani = null, dnis = null, name = null, custom = null;
        var (harness, call) = await CallHarness.StartAsync(
            new CallerScript { Ani = "+995322000000", Dnis = "7001", CallerName = "Nino Beridze", Variables = new Dictionary<string, string> { ["campaign"] = "spring sale" } },
            c =>
            {
                (ani, dnis, name, custom) = (c.Ani, c.Dnis, c.CallerName, c.GetVariable("campaign"));
                return Task.CompletedTask;
            });
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            (ani, dnis, name, custom).Should().Be(("+995322000000", "7001", "Nino Beridze", "spring sale"));
            await call.Completion.WaitAsync(Patience);
        }
    }

    [Theory]
    [InlineData("1234#", CollectOutcome.Success, "1234", '#')]
    [InlineData("98765432", CollectOutcome.Success, "98765432", null)]
    public async Task Play_and_collect_returns_the_digits_and_the_terminator(string keys, CollectOutcome outcome, string digits, char? terminator)
    {
        CollectResult? result = null;
        var (harness, call) = await CallHarness.StartAsync(new CallerScript { Inputs = [CallerInput.Keys(keys)] }, async c =>
        {
            await c.AnswerAsync();
            result = await c.PlayAndCollectAsync(new CollectRequest { Prompt = "ivr/ivr-enter.wav", MinDigits = 4, MaxDigits = 8, Tries = 3, VariableName = "acct" });
        });
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            result.Should().Be(new CollectResult(outcome, digits, terminator));
            var record = await call.Completion.WaitAsync(Patience);
            record.Variables.Should().Contain("acct", digits);
            record.ProtocolErrors.Should().BeEmpty();
        }
    }

    [Fact]
    public async Task Play_and_collect_reports_timeout_after_every_try_and_invalid_after_bad_entries()
    {
        CollectResult? silent = null, wrong = null;
        var (harness, call) = await CallHarness.StartAsync(new CallerScript
        {
            Inputs = [CallerInput.Silence, CallerInput.Silence, CallerInput.Keys("12#"), CallerInput.Keys("34#")],
        }, async c =>
        {
            silent = await c.PlayAndCollectAsync(new CollectRequest { Prompt = "a.wav", MinDigits = 4, MaxDigits = 8, Tries = 2 });
            wrong = await c.PlayAndCollectAsync(new CollectRequest { Prompt = "a.wav", MinDigits = 4, MaxDigits = 8, Tries = 2 });
        });
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            // FreeSWITCH reports silence with min 1 or more as read_result=failure (switch_ivr_read: too few digits),
            // not timeout: Invalid with no digits, which the flow adapter takes as no input.
            silent!.Outcome.Should().Be(CollectOutcome.Invalid);
            silent.Digits.Should().BeEmpty();
            wrong!.Outcome.Should().Be(CollectOutcome.Invalid);
            (await call.Completion.WaitAsync(Patience)).ProtocolErrors.Should().BeEmpty();
        }
    }

    [Fact]
    public async Task Hangup_in_the_middle_of_play_and_collect_ends_the_wait_with_hung_up()
    {
        CollectResult? result = null;
        CallResult? after = null;
        var hungUp = false;
        var (harness, call) = await CallHarness.StartAsync(new CallerScript { Inputs = [CallerInput.HangUp("NORMAL_CLEARING")] }, async c =>
        {
            result = await c.PlayAndCollectAsync(new CollectRequest { Prompt = "a.wav", MaxDigits = 4 });
            after = await c.PlayAsync("b.wav");
            hungUp = c.HungUp.IsCancellationRequested;
        });
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            result!.Outcome.Should().Be(CollectOutcome.HungUp);
            after!.Outcome.Should().Be(CallOutcome.HungUp, "an operation after the hangup returns at once");
            hungUp.Should().BeTrue();
            var record = await call.Completion.WaitAsync(Patience);
            record.Applications.Select(a => a.Name).Should().NotContain("playback");
        }
    }

    [Fact]
    public async Task A_socket_drop_in_the_middle_of_play_and_collect_ends_the_wait_at_once()
    {
        CollectResult? result = null;
        var (harness, call) = await CallHarness.StartAsync(new CallerScript { Inputs = [CallerInput.DropSocket] }, async c =>
        {
            result = await c.PlayAndCollectAsync(new CollectRequest { Prompt = "a.wav", MaxDigits = 4 });
        });
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            result!.Outcome.Should().Be(CollectOutcome.HungUp);
            await call.Completion.WaitAsync(Patience);
        }
    }

    [Fact]
    public async Task Hostile_values_round_trip_exactly_and_expansions_are_never_run()
    {
        var values = new Dictionary<string, string>
        {
            ["q"] = "it's \"quoted\" & 100% sure",
            ["lines"] = "first line\r\nsecond line\nthird",
            ["ru"] = "Привет, клиент",
            ["ka"] = "გამარჯობა",
            ["expansion"] = "${system(rm -rf /)} and $${base_dir}",
            ["expansion_quoted"] = " O'Brien paid $5 for 'two' at C:\\new\\table \\ ",
            ["injection"] = "x\n\nsendmsg\ncall-command: hangup",
        };
        var (harness, call) = await CallHarness.StartAsync(new CallerScript(), async c =>
        {
            (await c.SetVariablesAsync(values.Where(v => !v.Key.StartsWith("expansion", StringComparison.Ordinal)), exported: true)).IsSuccess.Should().BeTrue();
            (await c.SetVariablesAsync(values.Where(v => v.Key.StartsWith("expansion", StringComparison.Ordinal)), exported: true)).IsSuccess.Should().BeTrue();
        });
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            var record = await call.Completion.WaitAsync(Patience);
            record.ProtocolErrors.Should().BeEmpty();
            record.HangupCause.Should().BeNull("no injected hangup ran");
            foreach (var (name, value) in values)
            {
                record.Variables.Should().Contain(name, value);
                record.ExportedVariables.Should().ContainKey(name);
            }

            record.Commands.Where(c => c.Line.StartsWith("api uuid_setvar", StringComparison.Ordinal)).Should()
                .Contain(c => c.Line.Contains("${system", StringComparison.Ordinal), "a value holding '$' is stored raw with uuid_setvar");
            record.Applications.Should().NotContain(a => a.Arg != null && a.Arg.Contains("${", StringComparison.Ordinal),
                "no application argument carries an expansion");
        }
    }

    [Theory]
    [InlineData("bad name")]
    [InlineData("bad\nname")]
    [InlineData("a=b")]
    [InlineData("")]
    public async Task A_bad_variable_name_is_refused_before_anything_is_sent(string name)
    {
        Exception? error = null;
        var (harness, call) = await CallHarness.StartAsync(new CallerScript(), async c =>
        {
            error = await Record.ExceptionAsync(() => c.SetVariablesAsync([new("good", "1"), new(name, "2")]));
        });
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            error.Should().BeAssignableTo<ArgumentException>();
            var record = await call.Completion.WaitAsync(Patience);
            record.Applications.Should().BeEmpty("the whole batch is refused, not half of it");
        }
    }

    [Fact]
    public async Task Say_sleep_unset_transfer_and_bridge_become_the_right_applications()
    {
        var (harness, call) = await CallHarness.StartAsync(new CallerScript(), async c =>
        {
            (await c.SayAsync(new SayRequest("en", "NUMBER", "pronounced", "1250"))).IsSuccess.Should().BeTrue();
            (await c.SleepAsync(TimeSpan.FromMilliseconds(250))).IsSuccess.Should().BeTrue();
            (await c.SetVariablesAsync([new("tmp", "1")])).IsSuccess.Should().BeTrue();
            (await c.UnsetVariablesAsync(["tmp"])).IsSuccess.Should().BeTrue();
            (await c.TransferAsync("queue_vip", "XML", "default")).IsSuccess.Should().BeTrue();
            c.State.Should().BeOneOf([CallState.Transferred, CallState.Ended], "the transfer target may already have ended the call");
        });
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            var record = await call.Completion.WaitAsync(Patience);
            record.Applications.Select(a => (a.Name, a.Arg)).Should().ContainInOrder(
                ("say", "en NUMBER pronounced 1250"), ("sleep", "250"), ("set", "tmp=1"), ("unset", "tmp"),
                ("transfer", "queue_vip XML default"));
            record.Variables.Should().NotContainKey("tmp");
            record.TransferredTo.Should().Be("queue_vip XML default");
        }
    }

    [Fact]
    public async Task Bridge_runs_until_the_bridged_call_ends()
    {
        CallResult? bridged = null;
        var (harness, call) = await CallHarness.StartAsync(new CallerScript { Inputs = [CallerInput.HangUp("NORMAL_CLEARING")] }, async c =>
        {
            bridged = await c.BridgeAsync("{ivr_context_id=42}user/1001@default");
        });
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            bridged!.Outcome.Should().Be(CallOutcome.HungUp);
            var record = await call.Completion.WaitAsync(Patience);
            record.BridgedTo.Should().Be("{ivr_context_id=42}user/1001@default");
        }
    }

    [Fact]
    public async Task Break_stops_a_running_prompt()
    {
        CallResult? played = null;
        var simulated = new TaskCompletionSource<SimulatedCall>(TaskCreationOptions.RunContinuationsAsynchronously);
        var (harness, call) = await CallHarness.StartAsync(new CallerScript { PlaybackDuration = TimeSpan.FromMinutes(10) }, async c =>
        {
            var playing = c.PlayAsync("long-announcement.wav");
            // uuid_break acts on what is playing now, as on FreeSWITCH: wait until the prompt has started.
            await (await simulated.Task).WaitForApplicationAsync("playback").WaitAsync(Patience);
            (await c.BreakAsync()).IsSuccess.Should().BeTrue();
            played = await playing.WaitAsync(Patience);
        });
        simulated.SetResult(call);
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            played!.Outcome.Should().NotBe(CallOutcome.HungUp);
            (await call.Completion.WaitAsync(Patience)).Commands.Should().Contain(c => c.Line.StartsWith("api uuid_break", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Hangup_sends_the_cause()
    {
        var (harness, call) = await CallHarness.StartAsync(new CallerScript(), async c =>
        {
            (await c.HangupAsync("USER_BUSY")).IsSuccess.Should().BeTrue();
            await Task.Delay(Timeout.Infinite, c.HungUp).ContinueWith(static _ => { }, TaskScheduler.Default);
        });
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            var record = await call.Completion.WaitAsync(Patience);
            record.HangupCause.Should().Be("USER_BUSY");
            record.HangupBy.Should().Be("engine");
        }
    }

    [Fact]
    public async Task Say_and_transfer_refuse_a_variable_expansion_before_anything_is_sent()
    {
        Exception? say = null, transfer = null;
        var (harness, call) = await CallHarness.StartAsync(new CallerScript(), async c =>
        {
            // A name from a client's profile may hold anything; FreeSWITCH would run ${system ...} in an argument.
            say = await Record.ExceptionAsync(() => c.SayAsync(new SayRequest("en", "NAME_SPELLED", "iterated", "x${system(rm -rf /)}")));
            transfer = await Record.ExceptionAsync(() => c.TransferAsync("queue_${api(status)}"));
        });
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            say.Should().BeAssignableTo<ArgumentException>().Which.Message.Should().Contain("expansion");
            transfer.Should().BeAssignableTo<ArgumentException>().Which.Message.Should().Contain("expansion");
            var record = await call.Completion.WaitAsync(Patience);
            record.Applications.Should().NotContain(a => a.Name == "say" || a.Name == "transfer");
        }
    }

    [Fact]
    public void Play_and_get_digits_argument_is_built_in_FreeSWITCH_order_and_refuses_spaces()
    {
        FreeSwitchCall.BuildPlayAndGetDigits(new CollectRequest
        {
            Prompt = "ivr/acct.wav", InvalidPrompt = "ivr/bad.wav", MinDigits = 4, MaxDigits = 16, Tries = 3,
            Timeout = TimeSpan.FromSeconds(5), Terminators = "#", VariableName = "acct", ValidDigitsRegex = "\\d+", InterDigitTimeout = TimeSpan.FromSeconds(2),
        }).Should().Be("4 16 3 5000 # ivr/acct.wav ivr/bad.wav acct \\d+ 2000");

        var spaced = () => FreeSwitchCall.BuildPlayAndGetDigits(new CollectRequest { Prompt = "my prompt.wav" });
        spaced.Should().Throw<ArgumentException>().WithMessage("*one word*");
        var expanding = () => FreeSwitchCall.BuildPlayAndGetDigits(new CollectRequest { Prompt = "${x}.wav" });
        expanding.Should().Throw<ArgumentException>().WithMessage("*expansion*");
    }
}
