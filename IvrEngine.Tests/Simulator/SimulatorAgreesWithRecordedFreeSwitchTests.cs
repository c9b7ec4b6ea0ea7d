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
    [InlineData(AgreementScenario.AccountKeyedWithoutPound)]
    [InlineData(AgreementScenario.ExistingClientHearsBalance)]
    public async Task The_simulator_serves_the_scenario_as_FreeSWITCH_did(AgreementScenario scenario)
    {
        var reference = Agreement.Reference(scenario);

        var simulated = EslSessionView.From(await Agreement.RunSimulatedAsync(scenario));

        // The reference holds the engine's commands too: when they differ, the engine changed, not the simulator.
        simulated.Commands.Should().Equal(reference.Commands,
            $"the engine sent these commands when {Agreement.ReferencePath(scenario)} was recorded; if the engine changed on purpose, "
            + $"record it again where FreeSWITCH is installed (dotnet test --filter SimulatorAgreementTests with {Agreement.RecordVariable}=1)");
        EslSessionView.Disagreements(reference, simulated).Should().BeEmpty(
            $"the simulator must do what FreeSWITCH did ({Agreement.ReferencePath(scenario)})\nSIMULATOR:\n" + simulated.Render());
    }

    [Fact]
    public async Task The_simulator_answers_api_commands_as_FreeSWITCH_did()
    {
        var simulated = await ApiAgreementTests.RunSimulatedAsync();

        simulated.Should().Equal(ApiAgreementTests.Expected, "FreeSWITCH 1.10.12 answered so (ApiAgreementTests.Recorded)");
    }

    [Fact]
    public async Task The_simulator_answers_inbound_commands_as_FreeSWITCH_did()
    {
        var simulated = await ApiAgreementTests.RunInboundSimulatedAsync();

        simulated.Should().Equal(ApiAgreementTests.InboundExpected, "FreeSWITCH 1.10.12 answered so (ApiAgreementTests.InboundRecorded)");
    }
}
