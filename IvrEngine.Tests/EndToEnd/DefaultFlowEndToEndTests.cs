using IvrEngine.Simulator;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>The engine host serving calls from the FreeSWITCH simulator over real TCP with the shipped default flow
/// (flows/default.yaml): known by number, else asked for an account, then the general queue.</summary>
public sealed class DefaultFlowEndToEndTests
{
    [Fact]
    public async Task Caller_keys_an_account_and_is_transferred_with_the_context_exported()
    {
        await using var engine = await EngineUnderTest.StartAsync();

        var record = await engine.RunCallAsync(new CallerScript
        {
            Ani = "15557654321",
            Dnis = "5000",
            Inputs = [CallerInput.Keys("123456#")],
        });

        record.ProtocolErrors.Should().BeEmpty();
        record.Connected.Should().BeTrue();
        record.Answered.Should().BeTrue();
        record.Commands[0].Line.Should().Be("connect");
        record.Applications.Select(a => a.Name).Should().ContainInOrder("answer", "playback", "play_and_get_digits", "transfer");
        record.ExportedVariables.Should().Contain("ivr_account", "123456")
            .And.Contain("ivr_account_status", "ok")
            .And.Contain("ivr_flow", "default")
            .And.Contain("ivr_ani", "15557654321")
            .And.Contain("ivr_dnis", "5000");
        record.TransferredTo.Should().Be("queue_general XML default");
        record.Commands[^1].Line.Should().Be("exit", "the engine lets go of the socket once the caller has moved on");
        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
        engine.Registry.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_caller_number_or_dialed_number_holding_an_expansion_reaches_the_channel_defused()
    {
        // FreeSWITCH expands ${...} (runs an API) and $${...} wherever a variable's value is later used in an argument:
        // what the caller's network sent must land on the channel with its "${" taken apart, as an agent's edit does.
        await using var engine = await EngineUnderTest.StartAsync();

        var record = await engine.RunCallAsync(new CallerScript
        {
            Ani = "1555${system rm -rf /}",
            Dnis = "$${x}5000",
            Inputs = [CallerInput.Keys("123456#")],
        });

        record.ProtocolErrors.Should().BeEmpty();
        record.TransferredTo.Should().Be("queue_general XML default", "a strange number is no reason to lose the call");
        record.ExportedVariables.Should().Contain("ivr_ani", "1555$ {system rm -rf /}")
            .And.Contain("ivr_dnis", "$$ {x}5000")
            .And.Contain("ivr_account", "123456");
        record.Variables.Where(v => v.Key.StartsWith("ivr_", StringComparison.Ordinal)).Should().NotContain(v => v.Value.Contains("${", StringComparison.Ordinal), "no value the engine set may expand");
        record.Commands.Should().NotContain(c => c.Line.Contains("${", StringComparison.Ordinal) || (c.Body ?? string.Empty).Contains("${", StringComparison.Ordinal)
            || c.Headers.Values.Any(h => h.Contains("${", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Silence_on_every_try_still_reaches_an_agent_marked_as_timed_out()
    {
        await using var engine = await EngineUnderTest.StartAsync();

        var record = await engine.RunCallAsync(new CallerScript { Inputs = [CallerInput.Silence, CallerInput.Silence, CallerInput.Silence] });

        record.ProtocolErrors.Should().BeEmpty();
        record.Applications.Count(a => a.Name == "play_and_get_digits").Should().Be(3, "the default flow asks three times");
        record.ExportedVariables.Should().Contain("ivr_account_status", "no-input").And.NotContainKey("ivr_account");
        record.TransferredTo.Should().Be("queue_general XML default");
    }

    [Fact]
    public async Task Caller_hanging_up_mid_collect_ends_the_call_cleanly_and_frees_it()
    {
        await using var engine = await EngineUnderTest.StartAsync();

        var record = await engine.RunCallAsync(new CallerScript { Inputs = [CallerInput.HangUp("NORMAL_CLEARING")] });

        record.ProtocolErrors.Should().BeEmpty();
        record.HangupBy.Should().Be("caller");
        record.TransferredTo.Should().BeNull();
        record.Applications.Select(a => a.Name).Should().NotContain("transfer");
        record.Commands[^1].Line.Should().Be("exit", "after the linger notice the engine releases the socket");
        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
        engine.Registry.Count.Should().Be(0);
    }

    [Fact]
    public async Task A_dropped_socket_mid_collect_ends_that_call_only()
    {
        // The engine's clock never moves: freeing the dropped call must not wait on a timeout.
        var frozen = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var engine = await EngineUnderTest.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) },
            services => Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<TimeProvider>(services, frozen));

        // A second call stays in its greeting while the first one's socket is reset.
        var bystander = await engine.CallAsync(new CallerScript { Ani = "15550000002" });
        await bystander.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);

        var dropped = await engine.RunCallAsync(new CallerScript { Ani = "15550000001", PlaybackDuration = TimeSpan.Zero, Inputs = [CallerInput.DropSocket] });
        dropped.TransferredTo.Should().BeNull();
        await engine.Service.WhenLiveCallsAtMostAsync(1).WaitAsync(EngineUnderTest.Patience);

        engine.Registry.Find(bystander.Uuid).Should().NotBeNull("the other call is still being served");
        await bystander.HangUpAsync();
        var bystanderRecord = await bystander.Completion.WaitAsync(EngineUnderTest.Patience);
        bystanderRecord.ProtocolErrors.Should().BeEmpty();
        bystanderRecord.HangupBy.Should().Be("caller");
        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
    }

    [Fact]
    public async Task Hundred_concurrent_calls_each_carry_only_their_own_data()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        var scripts = Enumerable.Range(0, 100).Select(i => new CallerScript
        {
            Ani = "1555" + i.ToString("D7", System.Globalization.CultureInfo.InvariantCulture),
            Dnis = (5000 + (i % 3)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Inputs = [CallerInput.Keys((100000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture) + "#")],
        }).ToList();

        var calls = await Task.WhenAll(scripts.Select(engine.CallAsync));
        var records = await Task.WhenAll(calls.Select(c => c.Completion.WaitAsync(EngineUnderTest.Patience)));

        for (var i = 0; i < scripts.Count; i++)
        {
            var record = records[i];
            record.Uuid.Should().Be(scripts[i].Uuid);
            record.ProtocolErrors.Should().BeEmpty();
            record.ExportedVariables.Should().Contain("ivr_account", (100000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture))
                .And.Contain("ivr_ani", scripts[i].Ani)
                .And.Contain("ivr_dnis", scripts[i].Dnis);
            record.TransferredTo.Should().Be("queue_general XML default");
        }

        engine.Service.ServedCalls.Should().Be(100);
    }
}
