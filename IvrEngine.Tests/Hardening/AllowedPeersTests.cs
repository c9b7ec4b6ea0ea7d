using System.Net;
using System.Net.Sockets;
using IvrEngine.Simulator;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Tests.Ivr;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Tests.Hardening;

/// <summary>Engine:AllowedPeers: a connection from an address outside the list is closed before the engine reads or
/// writes anything (no <c>connect</c> sent, no handshake place taken); one from inside is served.</summary>
public sealed class AllowedPeersTests
{
    [Fact]
    public async Task A_peer_outside_the_allowed_networks_is_closed_unread()
    {
        await using var engine = await EngineUnderTest.StartAsync(null, null, "--Engine:AllowedPeers:0=192.0.2.0/24", "--Engine:AllowedPeers:1=fd00::1");
        (await ReceivedBeforeCloseAsync(engine.EndPoint)).Should().Be(0, "nothing is sent to a peer that is not allowed, not even connect");
        var listener = (await HandshakeTests.HealthAsync(engine)).GetProperty("checks").EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == "listener").GetProperty("data");
        listener.GetProperty("peersRefused").GetInt64().Should().Be(1);
        listener.GetProperty("handshakes").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task A_port_open_beyond_loopback_to_any_address_is_warned_about_at_start()
    {
        var loopback = new LogCapture();
        await using (await EngineUnderTest.StartAsync(null, s => s.AddSingleton<ILoggerProvider>(loopback)))
        {
        }

        var open = new LogCapture();
        await using (await EngineUnderTest.StartAsync(null, s => s.AddSingleton<ILoggerProvider>(open), "--Engine:ListenAddress=0.0.0.0"))
        {
        }

        loopback.Messages(LogLevel.Warning).Should().NotContain(m => m.Contains("Engine:AllowedPeers"), "loopback is reached from this host only");
        open.Messages(LogLevel.Warning).Should().ContainSingle(m => m.Contains("takes connections from any address") && m.Contains("set Engine:AllowedPeers"));
    }

    /// <summary>Connects and reads until the engine closes the socket; the bytes it sent. The reset may come so soon
    /// that connecting itself reports it.</summary>
    private static async Task<int> ReceivedBeforeCloseAsync(IPEndPoint endPoint)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var received = 0;
        var buffer = new byte[1024];
        try
        {
            await socket.ConnectAsync(endPoint).WaitAsync(EngineUnderTest.Patience);
            int read;
            while ((read = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(EngineUnderTest.Patience)) > 0) received += read;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Closed with a reset, as the engine does.
        }

        return received;
    }

    [Fact]
    public async Task A_peer_inside_the_allowed_networks_is_served()
    {
        await using var engine = await EngineUnderTest.StartAsync(null, null, "--Engine:AllowedPeers:0=192.0.2.0/24", "--Engine:AllowedPeers:1=127.0.0.1");

        var record = await engine.RunCallAsync(new CallerScript { Dnis = "5999" });

        record.Commands.Select(c => c.Line).Should().Contain("myevents");
    }
}
