using IvrEngine.Tests.EndToEnd;
using Microsoft.Extensions.Options;

namespace IvrEngine.Tests.Hardening;

/// <summary>The listener's and Kestrel's caps are settings, checked at start: a wrong one stops the start with a plain
/// message (the engine's exit code 2).</summary>
public sealed class ListenerSettingsTests
{
    [Theory]
    [InlineData("--Engine:MaxHandshakes=0", "MaxHandshakes")]
    [InlineData("--Engine:ReplyTimeoutSeconds=0", "ReplyTimeoutSeconds")]
    [InlineData("--Engine:HandshakeGraceMilliseconds=0", "HandshakeGraceMilliseconds")]
    [InlineData("--Engine:HandshakeGraceMilliseconds=9000", "longer than Engine:ConnectTimeoutSeconds")]
    [InlineData("--Engine:AllowedPeers:0=10.0.0.300/8", "Engine:AllowedPeers:0 \"10.0.0.300/8\" is not an address or a network")]
    [InlineData("--Engine:AllowedPeers:0=10.0.0.0/33", "Engine:AllowedPeers:0")]
    [InlineData("--Engine:AllowedPeers:0=freeswitch.local", "Engine:AllowedPeers:0")]
    [InlineData("--Web:MaxConnections=0", "Web:MaxConnections")]
    [InlineData("--Web:MaxUpgradedConnections=-1", "Web:MaxUpgradedConnections")]
    [InlineData("--Web:KeepAliveTimeoutSeconds=0", "Web:KeepAliveTimeoutSeconds")]
    [InlineData("--Web:RequestHeadersTimeoutSeconds=0", "Web:RequestHeadersTimeoutSeconds")]
    public async Task A_bad_cap_stops_the_start_with_a_plain_message(string setting, string named)
    {
        var start = () => EngineUnderTest.StartAsync(null, null, setting);

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Failures.Should().Contain(f => f.Contains(named));
    }
}
