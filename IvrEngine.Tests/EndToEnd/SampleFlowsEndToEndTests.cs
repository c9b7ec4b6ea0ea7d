using IvrEngine.Profiles;
using IvrEngine.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>The shipped sample flows (bank 5000, taxi 5001, clinic 5002) served by the real engine to the FreeSWITCH
/// simulator over TCP, against a store seeded with the demo data.</summary>
public sealed class SampleFlowsEndToEndTests
{
    private const string UnknownAni = "15559990001";

    [Fact]
    public async Task Bank_a_VIP_known_by_number_goes_to_the_vip_queue_with_the_context_and_a_high_priority()
    {
        await using var engine = await StartAsync();

        var record = await engine.RunCallAsync(new CallerScript { Ani = Ani(DemoDataSeeder.WellKnown.VipPhone), Dnis = "5000" });

        record.ProtocolErrors.Should().BeEmpty();
        record.Applications.Select(a => a.Name).Should().NotContain("play_and_get_digits", "a caller known by number is asked nothing");
        record.Applications.Should().Contain(a => a.Name == "playback" && a.Arg!.Contains("bank/welcome.wav", StringComparison.Ordinal));
        record.ExportedVariables.Should().Contain("ivr_flow", "bank")
            .And.Contain("ivr_cti_code", "V")
            .And.Contain("ivr_matched_by", "phone")
            .And.Contain("ivr_client_name", "Eleanor Vance")
            .And.Contain("ivr_category", "vip")
            .And.Contain("ivr_transfer_priority", "600")
            .And.Contain("cc_base_score", "600");
        record.TransferredTo.Should().Be("queue_vip XML default");
    }

    [Fact]
    public async Task Bank_an_unknown_caller_keys_the_VIP_card_confirms_it_and_goes_to_the_vip_queue()
    {
        await using var engine = await StartAsync();

        var record = await engine.RunCallAsync(new CallerScript
        {
            Ani = UnknownAni,
            Dnis = "5000",
            Inputs = [CallerInput.Keys("1"), CallerInput.Keys(DemoDataSeeder.WellKnown.VipCard + "#"), CallerInput.Keys("1")],
        });

        record.ProtocolErrors.Should().BeEmpty();
        record.Applications.Should().Contain(a => a.Name == "say", "the card is read back before it is confirmed");
        record.ExportedVariables.Should().Contain("ivr_matched_by", "card")
            .And.Contain("ivr_cti_code", "V")
            .And.Contain("ivr_card_status", "ok")
            .And.NotContainKey("ivr_card", "a card number is secret");
        record.ExportedVariables.Values.Should().NotContain(v => v.Contains(DemoDataSeeder.WellKnown.VipCard, StringComparison.Ordinal));
        record.TransferredTo.Should().Be("queue_vip XML default");
    }

    [Fact]
    public async Task Bank_the_overdue_client_goes_to_collections()
    {
        await using var engine = await StartAsync();

        var record = await engine.RunCallAsync(new CallerScript { Ani = Ani(DemoDataSeeder.WellKnown.OverduePhone), Dnis = "5000" });

        record.ProtocolErrors.Should().BeEmpty();
        record.ExportedVariables.Should().Contain("ivr_overdue", "true").And.Contain("cc_base_score", "300");
        record.TransferredTo.Should().Be("queue_collections XML default");
    }

    [Fact]
    public async Task Bank_a_caller_who_hangs_up_while_keying_the_account_is_recorded_as_hung_up_where_he_left()
    {
        await using var engine = await StartAsync();

        var record = await engine.RunCallAsync(new CallerScript { Ani = UnknownAni, Dnis = "5000", Inputs = [CallerInput.Keys("2"), CallerInput.HangUp()] });

        record.ProtocolErrors.Should().BeEmpty();
        record.TransferredTo.Should().BeNull("the caller left before the flow chose a queue");
        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
        var saved = await engine.Host.Services.GetRequiredService<IClientStore>().LastInteractionFromAsync("+" + UnknownAni);
        saved.Should().NotBeNull("every call is recorded, a call cut short too");
        saved!.CallUuid.Should().Be(record.Uuid);
        saved.Outcome.Should().Be("hung-up");
        saved.Flow.Should().Be("bank");
        saved.Steps.Should().EndWith("bank/ask-account");
        saved.ClientId.Should().BeNull();
    }

    [Theory]
    [InlineData("1", "last")]
    [InlineData("2", "new")]
    public async Task Taxi_a_known_caller_answers_the_address_question_and_goes_to_dispatch(string key, string pickup)
    {
        await using var engine = await StartAsync();

        var record = await engine.RunCallAsync(new CallerScript
        {
            Ani = Ani(DemoDataSeeder.WellKnown.ExistingPhone),
            Dnis = "5001",
            Inputs = [CallerInput.Keys(key)],
        });

        record.ProtocolErrors.Should().BeEmpty();
        record.ExportedVariables.Should().Contain("ivr_flow", "taxi").And.Contain("ivr_pickup", pickup);
        record.TransferredTo.Should().Be("queue_dispatch XML default");
    }

    [Fact]
    public async Task Taxi_a_new_caller_goes_to_dispatch_for_a_new_address()
    {
        await using var engine = await StartAsync();

        var record = await engine.RunCallAsync(new CallerScript { Ani = UnknownAni, Dnis = "5001" });

        record.ProtocolErrors.Should().BeEmpty();
        record.Applications.Select(a => a.Name).Should().NotContain("play_and_get_digits");
        record.ExportedVariables.Should().Contain("ivr_pickup", "new");
        record.TransferredTo.Should().Be("queue_dispatch XML default");
    }

    [Fact]
    public async Task Clinic_a_spanish_caller_during_hours_reaches_the_spanish_queue_through_spanish_prompts()
    {
        // Tuesday 10 March 2026, 10:00 in New York (EDT).
        await using var engine = await StartAsync(new DateTimeOffset(2026, 3, 10, 14, 0, 0, TimeSpan.Zero));

        var record = await engine.RunCallAsync(new CallerScript
        {
            Ani = UnknownAni,
            Dnis = "5002",
            Inputs = [CallerInput.Keys("2"), CallerInput.Keys("0")],
        });

        record.ProtocolErrors.Should().BeEmpty();
        record.Applications.Should().Contain(a => a.Name == "play_and_get_digits" && a.Arg!.Contains("clinic/es/main-menu.wav", StringComparison.Ordinal));
        record.ExportedVariables.Should().Contain("ivr_flow", "clinic").And.Contain("ivr_language", "es");
        record.TransferredTo.Should().Be("queue_spanish XML default");
    }

    [Fact]
    public async Task Clinic_on_a_holiday_plays_the_holiday_message_and_hangs_up()
    {
        // Christmas 2026, 10:00 in New York (EST).
        await using var engine = await StartAsync(new DateTimeOffset(2026, 12, 25, 15, 0, 0, TimeSpan.Zero));

        var record = await engine.RunCallAsync(new CallerScript { Ani = UnknownAni, Dnis = "5002", Inputs = [CallerInput.Keys("1")] });

        record.ProtocolErrors.Should().BeEmpty();
        record.Applications.Should().Contain(a => a.Name == "playback" && a.Arg!.Contains("clinic/holiday.wav", StringComparison.Ordinal));
        record.TransferredTo.Should().BeNull();
        record.HangupBy.Should().Be("engine");
        record.HangupCause.Should().Be("NORMAL_CLEARING");
    }

    /// <summary>The engine with the demo data, serving the flows folder next to it (the shipped samples); with
    /// <paramref name="now"/> its clock stands still at that instant.</summary>
    private static Task<EngineUnderTest> StartAsync(DateTimeOffset? now = null) =>
        EngineUnderTest.StartAsync(
            null,
            now is { } instant ? services => services.AddSingleton<TimeProvider>(new FakeTimeProvider(instant)) : null,
            "--Store:SeedDemoData=true",
            "--Flows:Path=" + Path.Combine(AppContext.BaseDirectory, "flows"));

    /// <summary>A demo client's number as FreeSWITCH gives it (no +).</summary>
    private static string Ani(string e164) => e164.TrimStart('+');
}
