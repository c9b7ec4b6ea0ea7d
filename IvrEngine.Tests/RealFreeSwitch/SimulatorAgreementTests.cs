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

    [RealFreeSwitchFact]
    public Task A_caller_silent_at_the_menu_is_served_alike() => AgreeAsync(AgreementScenario.SilentAtTheMenu);

    [RealFreeSwitchFact]
    public Task An_account_keyed_without_pound_is_served_alike() => AgreeAsync(AgreementScenario.AccountKeyedWithoutPound);

    [RealFreeSwitchFact]
    public Task A_client_hearing_the_balance_then_hung_up_on_is_served_alike() => AgreeAsync(AgreementScenario.ExistingClientHearsBalance);

    private static async Task AgreeAsync(AgreementScenario scenario)
    {
        var name = scenario.ToString();
        var real = EslSessionView.From(await Agreement.RunRealAsync(scenario, name));
        var simulated = EslSessionView.From(await Agreement.RunSimulatedAsync(scenario, name));

        EslSessionView.Disagreements(real, simulated).Should().BeEmpty("the simulator must behave as FreeSWITCH does\n" + Side(real, simulated));

        // The committed reference, which holds the simulator to FreeSWITCH where FreeSWITCH is not installed, must
        // still be what FreeSWITCH does.
        if (Environment.GetEnvironmentVariable(Agreement.RecordVariable) == "1")
        {
            Agreement.Record(scenario, real);
        }
        else
        {
            var reference = Agreement.Reference(scenario);
            EslSessionView.Disagreements(real, reference).Should().BeEmpty(
                $"{Agreement.ReferencePath(scenario)} is what FreeSWITCH does (run with {Agreement.RecordVariable}=1 to rewrite it)\n"
                + "REAL:\n" + real.Render() + "\nREFERENCE:\n" + reference.Render());
        }
    }

    private static string Side(EslSessionView real, EslSessionView simulated) =>
        "REAL:\n" + real.Render() + "\nSIMULATOR:\n" + simulated.Render();
}
