namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The simulator agrees with the real FreeSWITCH: each scenario runs on both with the same engine, flows and
/// demo data, through a tap, and the engine's commands, FreeSWITCH's replies and the channel's events must be the
/// same (three streams compared separately: on the real one a reply and an event may cross on the wire).</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class SimulatorAgreementTests
{
    [RealFreeSwitchFact]
    public Task The_demo_VIP_known_by_number_is_served_alike() => AgreeAsync(AgreementScenario.VipKnownByNumber);

    [RealFreeSwitchFact]
    public Task An_unknown_caller_keying_an_account_is_served_alike() => AgreeAsync(AgreementScenario.UnknownCallerKeysAccount);

    [RealFreeSwitchFact]
    public Task A_caller_hanging_up_during_account_entry_is_served_alike() => AgreeAsync(AgreementScenario.HangsUpDuringAccountEntry);

    private static async Task AgreeAsync(AgreementScenario scenario)
    {
        var name = scenario.ToString();
        var real = EslSessionView.From(await Agreement.RunRealAsync(scenario, name));
        var simulated = EslSessionView.From(await Agreement.RunSimulatedAsync(scenario, name));

        simulated.Commands.Should().Equal(real.Commands, "the engine sends the same commands to both\n" + Side(real, simulated));
        simulated.Replies.Should().Equal(real.Replies, "FreeSWITCH's replies\n" + Side(real, simulated));
        simulated.Events.Should().Equal(real.Events, "FreeSWITCH's events\n" + Side(real, simulated));
    }

    private static string Side(EslSessionView real, EslSessionView simulated) =>
        "REAL:\n" + real.Render() + "\nSIMULATOR:\n" + simulated.Render();
}
