using IvrEngine.EventSocket;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>How the engine knows which FreeSWITCH box holds a call: the Core-UUID its inbound connection asks at login
/// (<c>api global_getvar core_uuid</c>) is the one a call's connect data carries on the outbound socket.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class CoreUuidTests
{
    [RealFreeSwitchFact]
    public async Task The_Core_UUID_asked_over_the_inbound_connection_is_the_one_in_a_calls_connect_data()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Engine = EngineMode.None }, nameof(CoreUuidTests));
        await using var held = await HeldSocketCall<(string? CoreUuid, string? Hostname)>.StartAsync(lab, (session, _) =>
            Task.FromResult((session.Channel.CoreUuid, session.Channel.GetHeader("FreeSWITCH-Hostname"))));

        var asked = (await lab.FreeSwitch.ApiAsync(EslInboundClient.CoreUuidQuery)).Trim();

        Guid.TryParse(asked, out _).Should().BeTrue($"global_getvar core_uuid answers a UUID, not \"{asked}\"");
        held.Result.CoreUuid.Should().Be(asked, "the connect data names the box the inbound connection asked");
        lab.FreeSwitch.Client.CoreUuid.Should().Be(asked, "the inbound client learnt it at login");
        held.Result.Hostname.Should().NotBeNullOrEmpty();
    }
}
