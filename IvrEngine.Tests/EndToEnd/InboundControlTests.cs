using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.Hosting;
using IvrEngine.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>The engine's control connection to FreeSWITCH (port 8021), configured like an operator would.</summary>
public sealed class InboundControlTests
{
    [Fact]
    public async Task With_inbound_enabled_the_engine_logs_in_and_can_set_a_live_calls_variable_over_it()
    {
        await using var simulator = new FreeSwitchSimulator(new SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) });
        await using var server = await simulator.StartInboundServerAsync("S3cret!");
        await using var engine = await EngineUnderTest.StartAsync(null, null,
            "--Engine:Inbound:Enabled=true", "--Engine:Inbound:Host=127.0.0.1",
            $"--Engine:Inbound:Port={server.EndPoint.Port}", "--Engine:Inbound:Password=S3cret!");
        var client = engine.Host.Services.GetRequiredService<InboundClientService>().Client!;
        await client.StartAsync().WaitAsync(EngineUnderTest.Patience);

        var live = await simulator.StartCallAsync(engine.EndPoint, new CallerScript());
        await live.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);
        var response = await client.ApiAsync($"uuid_setvar {live.Uuid} ivr_agent_note edited").WaitAsync(EngineUnderTest.Patience);

        response.IsOk.Should().BeTrue(response.Body);
        live.Variables.Should().Contain("ivr_agent_note", "edited");
        server.AuthCount.Should().Be(1);
        await live.HangUpAsync();
        await live.Completion.WaitAsync(EngineUnderTest.Patience);
    }

    [Fact]
    public async Task The_control_connection_comes_back_by_itself_after_FreeSWITCH_drops_it()
    {
        await using var simulator = new FreeSwitchSimulator();
        await using var server = await simulator.StartInboundServerAsync("pw");
        await using var engine = await EngineUnderTest.StartAsync(null, null,
            "--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port}", "--Engine:Inbound:Password=pw");
        var client = engine.Host.Services.GetRequiredService<InboundClientService>().Client!;
        await client.StartAsync().WaitAsync(EngineUnderTest.Patience);
        var relogin = client.States.Where(s => s.Connected && s.Generation == 2).FirstAsync().ToTask();

        await server.DropAllConnectionsAsync();

        await relogin.WaitAsync(EngineUnderTest.Patience);
        (await client.ApiAsync("version").WaitAsync(EngineUnderTest.Patience)).Body.Should().Contain("FreeSWITCH");
        server.AuthCount.Should().Be(2);
    }

    [Fact]
    public async Task Inbound_enabled_without_a_password_stops_the_engine_at_start_with_a_plain_message()
    {
        var start = () => EngineUnderTest.StartAsync(null, null, "--Engine:Inbound:Enabled=true");

        (await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>())
            .WithMessage("*Engine:Inbound:Password is empty*");
    }
}
