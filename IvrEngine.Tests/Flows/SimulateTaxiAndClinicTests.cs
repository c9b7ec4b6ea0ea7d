using IvrEngine.Profiles;

namespace IvrEngine.Tests.Flows;

/// <summary><c>simulate taxi</c> and <c>simulate clinic</c> against the demo data; the clinic at fixed times
/// (<c>--at</c>, in the flow's zone America/New_York).</summary>
public sealed class SimulateTaxiAndClinicTests : IDisposable
{
    private const string Unknown = "+15559990002";
    private const string TuesdayMorning = "2026-03-10T10:00";
    private readonly FlowCliKit _kit = new();

    [Theory]
    [InlineData("1", "last")]
    [InlineData("2", "new")]
    [InlineData("", "new")]
    public async Task A_known_caller_is_asked_about_last_times_address_and_goes_to_dispatch(string key, string pickup)
    {
        var run = await _kit.SimulateJsonAsync("taxi", "--ani", DemoDataSeeder.WellKnown.ExistingPhone, "--dnis", "5001", "--keys", $"{key},{key}");

        run.Outcome.Should().Be("transferred");
        (run.TransferKind, run.TransferTarget).Should().Be(("queue", "dispatch"));
        run.Steps.Should().Contain("taxi/same-address");
        run.Attached.Should().Contain("ivr_pickup", pickup).And.Contain("ivr_client_name", "Olivia Grant");
    }

    [Fact]
    public async Task A_new_caller_goes_to_dispatch_for_a_new_address_without_a_question()
    {
        var run = await _kit.SimulateAsync("taxi", "--ani", Unknown, "--dnis", "5001");

        run.Code.Should().Be(0, run.Error);
        run.Output.Should().Contain("[play] welcome.wav")
            .And.NotContain("same-address.wav")
            .And.NotContain("keys>", "the caller is never asked for a key")
            .And.Contain("[transfer] queue dispatch")
            .And.Contain("ivr_pickup=new");
    }

    [Fact]
    public async Task A_spanish_caller_during_hours_asking_for_the_operator_reaches_the_spanish_queue()
    {
        var run = await _kit.SimulateAsync("clinic", "--ani", Unknown, "--dnis", "5002", "--at", TuesdayMorning, "--keys", "2,0");

        run.Code.Should().Be(0, run.Error);
        run.Output.Should().Contain("[play] choose-language.wav")
            .And.Contain("[play] es/main-menu.wav")
            .And.Contain("[transfer] queue spanish")
            .And.Contain("ivr_language=es");
    }

    [Theory]
    [InlineData("1,0", "operator")]
    [InlineData("1,1", "appointments")]
    [InlineData("2,2", "results")]
    [InlineData("2,1", "appointments")]
    public async Task During_hours_the_menu_leads_to_the_clinic_queues(string keys, string queue)
    {
        var run = await _kit.SimulateJsonAsync("clinic", "--ani", DemoDataSeeder.WellKnown.ExistingPhone, "--dnis", "5002", "--at", TuesdayMorning, "--keys", keys);

        run.Outcome.Should().Be("transferred");
        run.TransferTarget.Should().Be(queue);
    }

    [Fact]
    public async Task On_a_holiday_the_caller_hears_the_holiday_message_in_their_language_and_the_clinic_hangs_up()
    {
        var run = await _kit.SimulateAsync("clinic", "--ani", Unknown, "--dnis", "5002", "--at", "2026-12-25T10:00", "--keys", "2");

        run.Code.Should().Be(0, run.Error);
        run.Output.Should().Contain("at 2026-12-25 10:00 America/New_York (15:00 UTC)", "a time without an offset is the flow's local time");
        run.Output.Should().Contain("[play] es/holiday.wav")
            .And.Contain("[hangup] NORMAL_CLEARING")
            .And.Contain("outcome:  hangup")
            .And.NotContain("main-menu");
    }

    [Theory]
    [InlineData("2026-03-10T20:00")]
    [InlineData("2026-03-15T10:00")]
    [InlineData("2026-03-14T13:00")]
    [InlineData("2026-03-10T06:59:00-05:00")]
    public async Task Outside_hours_the_caller_hears_the_closed_message(string at)
    {
        var run = await _kit.SimulateJsonAsync("clinic", "--ani", Unknown, "--dnis", "5002", "--at", at, "--keys", "1");

        run.Outcome.Should().Be("hangup");
        run.Steps.Should().EndWith(["clinic/closed", "clinic/hang-up"]);
    }

    [Theory]
    [InlineData("2026-03-14T09:00")]
    [InlineData("2026-03-10T12:59:00Z")]
    public async Task Saturday_morning_and_an_instant_with_an_offset_are_within_hours(string at)
    {
        var run = await _kit.SimulateJsonAsync("clinic", "--ani", Unknown, "--dnis", "5002", "--at", at, "--keys", "1,2");

        run.TransferTarget.Should().Be("results");
    }

    [Fact]
    public async Task Without_a_language_choice_the_caller_stays_in_english()
    {
        var run = await _kit.SimulateJsonAsync("clinic", "--ani", Unknown, "--dnis", "5002", "--at", TuesdayMorning, "--keys", ",,0");

        run.TransferTarget.Should().Be("operator");
        run.Attached.Should().Contain("ivr_language", "en");
    }

    public void Dispose() => _kit.Dispose();
}
