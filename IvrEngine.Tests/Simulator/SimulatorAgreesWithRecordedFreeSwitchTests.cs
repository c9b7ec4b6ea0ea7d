using IvrEngine.Tests.RealFreeSwitch;

namespace IvrEngine.Tests.Simulator;

/// <summary>The simulator against what a real FreeSWITCH did in the same scenarios, recorded in
/// RealFreeSwitch/Agreement/ (normalised views of real runs): drift is caught where FreeSWITCH is not installed. The
/// real-FreeSWITCH SimulatorAgreementTests compare both live and keep the recordings true.</summary>
public sealed class SimulatorAgreesWithRecordedFreeSwitchTests
{
    [Theory]
    [InlineData(AgreementScenario.VipKnownByNumber)]
    [InlineData(AgreementScenario.UnknownCallerKeysAccount)]
    [InlineData(AgreementScenario.HangsUpDuringAccountEntry)]
    [InlineData(AgreementScenario.SilentAtTheMenu)]
    public async Task The_simulator_serves_the_scenario_as_FreeSWITCH_did(AgreementScenario scenario)
    {
        var reference = Agreement.Reference(scenario);

        var simulated = EslSessionView.From(await Agreement.RunSimulatedAsync(scenario));

        EslSessionView.Disagreements(reference, simulated).Should().BeEmpty(
            $"the simulator must do what FreeSWITCH did ({Agreement.ReferencePath(scenario)})\nSIMULATOR:\n" + simulated.Render());
    }
}
