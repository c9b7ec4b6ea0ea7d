using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.Ivr;
using IvrEngine.Profiles;
using IvrEngine.Scripts;
using IvrEngine.Simulator;
using IvrEngine.Tests.Ivr;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>Scripted flows through the real engine and the FreeSWITCH simulator over TCP: the shipped default flow,
/// hot reload of a flows folder while calls run, and a broken folder at start.</summary>
public sealed class FlowsEndToEndTests
{
    /// <summary>Waits for a key (so a test holds the call on this version), then hands the call to its queue.</summary>
    private static string HoldingFlow(string version) => $$"""
        flow: hotline
        description: version {{version}}
        numbers: ["7000"]
        steps:
          ask:
            menu:
              greeting: tone_stream://%(100,0,{{(version == "v1" ? 440 : 880)}})
              options: { "1": hand-on }
              timeout: 30s
              max_failures: 1
              max_timeouts: 1
            on_max_failures: hand-on
            on_max_timeouts: hand-on
          hand-on:
            transfer: { queue: '{{version}}', priority: 5 }
        """;

    private static Task<EngineUnderTest> StartWithFlowsAsync(TempFlowsFolder folder, LogCapture? logs = null, SimulatorOptions? simulator = null) =>
        EngineUnderTest.StartAsync(simulator, logs is null ? null : s => s.AddSingleton<ILoggerProvider>(logs),
            $"--Flows:Path={folder.Path}", "--Flows:ReloadQuietMilliseconds=0");

    private static Task<FlowReload> NextReloadAsync(EngineUnderTest engine, Func<FlowReload, bool> which) =>
        engine.Host.Services.GetRequiredService<FlowCatalog>().Reloads.FirstAsync(which).ToTask();

    private static bool Serves(FlowSet set, string description) => set.ForDialedNumber("7000")?.Description == description;

    [Fact]
    public async Task A_good_edit_serves_the_next_call_while_a_running_call_finishes_on_the_old_version()
    {
        using var folder = new TempFlowsFolder();
        folder.Write("hotline.yaml", HoldingFlow("v1"));
        // The simulated caller's clock: the first call's menu waits until the test moves it.
        var callerClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = await StartWithFlowsAsync(folder, simulator: new SimulatorOptions { Time = callerClock });

        // A call on version 1 waits in its menu.
        var early = await engine.CallAsync(new CallerScript { Ani = "15550000001", Dnis = "7000" });
        await early.WaitForApplicationAsync("play_and_get_digits").WaitAsync(EngineUnderTest.Patience);

        var reloaded = NextReloadAsync(engine, r => r.Succeeded && Serves(r.Current, "version v2"));
        folder.Write("hotline.yaml", HoldingFlow("v2"));
        (await reloaded.WaitAsync(EngineUnderTest.Patience)).Generation.Should().BeGreaterThan(1);

        var late = await engine.RunCallAsync(new CallerScript { Ani = "15550000002", Dnis = "7000", Inputs = [CallerInput.Keys("1")] });
        late.ProtocolErrors.Should().BeEmpty();
        late.TransferredTo.Should().Be("queue_v2 XML default");
        late.Applications.First(a => a.Name == "play_and_get_digits").Arg.Should().Contain("%(100,0,880)");

        // The caller presses 1; the switch hands the key over when its wait ends.
        await early.SendDtmfAsync("1");
        callerClock.Advance(TimeSpan.FromSeconds(30));
        var earlyRecord = await early.Completion.WaitAsync(EngineUnderTest.Patience);
        earlyRecord.ProtocolErrors.Should().BeEmpty();
        earlyRecord.TransferredTo.Should().Be("queue_v1 XML default", "a call finishes on the version it started with");
        earlyRecord.ExportedVariables.Should().Contain("ivr_flow", "hotline").And.Contain("cc_base_score", "5").And.Contain("ivr_transfer_priority", "5");
    }

    [Fact]
    public async Task A_broken_edit_is_refused_with_its_problems_and_calls_keep_the_last_good_version()
    {
        using var folder = new TempFlowsFolder();
        var logs = new LogCapture();
        folder.Write("hotline.yaml", HoldingFlow("v1"));
        await using var engine = await StartWithFlowsAsync(folder, logs);

        var refused = NextReloadAsync(engine, r => !r.Succeeded);
        folder.Write("hotline.yaml", FlowCatalogTests.Broken);
        var outcome = await refused.WaitAsync(EngineUnderTest.Patience);

        outcome.Generation.Should().Be(1);
        Serves(outcome.Current, "version v1").Should().BeTrue();
        outcome.Diagnostics.Should().NotBeEmpty().And.OnlyContain(d => d.Span.File.EndsWith("hotline.yaml", StringComparison.Ordinal) && d.Span.Line > 0);
        foreach (var d in outcome.Diagnostics)
        {
            logs.Messages(LogLevel.Error).Should().Contain(d.ToString(), "every problem is logged as file:line:column: message");
        }

        var call = await engine.RunCallAsync(new CallerScript { Dnis = "7000", Inputs = [CallerInput.Keys("1")] });
        call.TransferredTo.Should().Be("queue_v1 XML default");

        // Fixing the file serves the fix.
        var fixedUp = NextReloadAsync(engine, r => r.Succeeded && Serves(r.Current, "version v3"));
        folder.Write("hotline.yaml", HoldingFlow("v3"));
        (await fixedUp.WaitAsync(EngineUnderTest.Patience)).Generation.Should().Be(2);
        (await engine.RunCallAsync(new CallerScript { Dnis = "7000", Inputs = [CallerInput.Keys("1")] })).TransferredTo.Should().Be("queue_v3 XML default");
    }

    [Fact]
    public async Task A_broken_folder_at_start_stops_the_engine_with_every_problem()
    {
        using var folder = new TempFlowsFolder();
        var logs = new LogCapture();
        folder.Write("hotline.yaml", FlowCatalogTests.Broken);

        var start = () => StartWithFlowsAsync(folder, logs);

        var failure = (await start.Should().ThrowAsync<FlowsLoadException>()).Which;
        failure.Diagnostics.Should().NotBeEmpty();
        foreach (var d in failure.Diagnostics)
        {
            failure.Message.Should().Contain(d.ToString());
            logs.Messages(LogLevel.Error).Should().Contain(d.ToString());
        }

        logs.Messages(LogLevel.Critical).Should().ContainSingle().Which.Should().Contain("the engine does not start");
    }

    [Fact]
    public async Task A_number_no_flow_serves_without_a_default_flow_is_hung_up_as_unallocated_and_recorded()
    {
        using var folder = new TempFlowsFolder();
        folder.Write("hotline.yaml", HoldingFlow("v1"));
        await using var engine = await StartWithFlowsAsync(folder);

        var record = await engine.RunCallAsync(new CallerScript { Ani = "15550000009", Dnis = "7999" });

        record.ProtocolErrors.Should().BeEmpty();
        record.HangupCause.Should().Be("UNALLOCATED_NUMBER");
        record.Answered.Should().BeFalse();
        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
        var last = await engine.Host.Services.GetRequiredService<IClientStore>().LastInteractionFromAsync("+15550000009");
        last!.Outcome.Should().Be(ScriptedCallHandler.NoFlow);
        last.Flow.Should().BeNull();
    }

    [Fact]
    public async Task The_default_flow_hands_a_VIP_known_by_number_to_the_queue_the_routing_rules_choose_with_the_context()
    {
        await using var engine = await EngineUnderTest.StartAsync(null, null, "--Store:SeedDemoData=true");

        var record = await engine.RunCallAsync(new CallerScript { Ani = "15551230001", Dnis = "5999" });

        record.ProtocolErrors.Should().BeEmpty();
        record.Applications.Select(a => a.Name).Should().ContainInOrder("answer", "playback", "multiset", "transfer")
            .And.NotContain("play_and_get_digits");
        record.Applications.First(a => a.Name == "playback").Arg.Should().Be("ivr/ivr-welcome.wav");
        record.TransferredTo.Should().Be("queue_vip XML default");
        record.ExportedVariables.Should().Contain("ivr_flow", "default")
            .And.Contain("ivr_route_rule", "vip")
            .And.Contain("ivr_transfer_priority", "600")
            .And.Contain("ivr_cti_code", "V")
            .And.Contain("ivr_matched_by", "phone")
            .And.Contain("ivr_client_name", "Eleanor Vance")
            .And.Contain("ivr_ani", "15551230001")
            .And.Contain("ivr_dnis", "5999")
            .And.Contain("ivr_last_step", "default/route")
            .And.ContainKey("ivr_client_id");
    }

    [Fact]
    public async Task The_default_flow_identifies_an_unknown_caller_by_the_account_keyed_in_after_a_wrong_entry()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        var store = engine.Host.Services.GetRequiredService<IClientStore>();
        var client = await store.InsertAsync(new ClientCard
        {
            Id = Guid.NewGuid(),
            Name = "Nino Beridze",
            Phones = ["+995322000111"],
            AccountNumbers = ["55667788"],
            HasContract = true,
            CreatedAt = DateTimeOffset.UtcNow,
        });

        var record = await engine.RunCallAsync(new CallerScript { Ani = "15554440000", Inputs = [CallerInput.Keys("12#"), CallerInput.Keys("55667788#")] });

        record.ProtocolErrors.Should().BeEmpty();
        record.Applications.Where(a => a.Name == "play_and_get_digits").Should().HaveCount(2);
        record.Applications.Where(a => a.Name == "play_and_get_digits").Last().Arg.Should()
            .Contain("file_string://ivr/ivr-that_was_an_invalid_entry.wav!ivr/ivr-please_enter_account_number.wav");
        record.TransferredTo.Should().Be("queue_general XML default");
        record.ExportedVariables.Should().Contain("ivr_account", "55667788")
            .And.Contain("ivr_account_status", "ok")
            .And.Contain("ivr_matched_by", "account")
            .And.Contain("ivr_client_id", client.Id.ToString())
            .And.Contain("ivr_new_caller_number", "+15554440000");

        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
        var history = await store.GetInteractionsAsync(client.Id);
        history.Should().ContainSingle();
        history[0].Flow.Should().Be("default");
        history[0].Outcome.Should().Be("transferred");
        history[0].Queue.Should().Be("general");
        history[0].Collected.Should().Contain("account", "****7788");
        history[0].Steps.Should().ContainInOrder("default/identify", "default/ask-account", "default/by-account", "default/route");
        history[0].CallerNumber.Should().Be("+15554440000");
    }
}
