using System.Net;
using IvrEngine.EventSocket;
using IvrEngine.Tests.EndToEnd;

namespace IvrEngine.Tests.EventSocket;

/// <summary>A reply to <c>connect</c> that carries no channel is refused by the protocol layer: a clear reason, the
/// socket closed, no call.</summary>
public sealed class ConnectReplyTests
{
    public static TheoryData<string, string> BadReplies => new()
    {
        { "Content-Type: command/reply\nSocket-Mode: async\nControl: full\nCaller-Caller-ID-Number: 1000\n\n", "no Unique-ID" },
        { "Content-Type: command/reply\nReply-Text: -ERR invalid command\n\n", "-ERR invalid command" },
        { "Content-Type: command/reply\nReply-Text: -ERR nope\nUnique-ID: 1b7a0c52-6a1e-4d8e-9a43-0b1c2d3e4f50\n\n", "-ERR nope" },
        { "Content-Type: api/response\nContent-Length: 59\n\nUnique-ID: 1b7a0c52-6a1e-4d8e-9a43-0b1c2d3e4f50 not a call\n", "api/response" },
        { "Content-Type: command/reply\nUnique-ID: \n\n", "no Unique-ID" },
    };

    [Theory]
    [MemberData(nameof(BadReplies))]
    public async Task A_connect_reply_without_a_channel_is_refused_with_its_reason_and_the_socket_closed(string reply, string reason)
    {
        var (connection, peer) = await RawPeer.PairAsync(start: false);
        await using var _ = peer;
        await using var session = new EslOutboundSession(connection);

        var connect = session.ConnectAsync();
        (await peer.ReadCommandAsync()).Should().Be("connect\n\n");
        await peer.SendAsync(reply);

        (await connect.Awaiting(c => c.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslProtocolException>())
            .Which.Message.Should().Contain(reason);
        (await peer.ReadToEndAsync().WaitAsync(Wire.Timeout)).Should().BeEmpty("the session closed the socket");
        session.Connection.IsClosed.Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(BadReplies))]
    public async Task The_engine_serves_no_call_on_a_connect_reply_without_a_channel(string reply, string reason)
    {
        _ = reason;
        await using var engine = await EngineUnderTest.StartAsync();
        await using var peer = await RawPeer.ConnectAsync(engine.EndPoint);
        (await peer.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("connect\n\n");

        await peer.SendAsync(reply);

        (await peer.ReadToEndAsync().WaitAsync(EngineUnderTest.Patience)).Should().BeEmpty("no myevents, no flow: the socket is closed");
        engine.Service.ServedCalls.Should().Be(0);
        engine.Registry.Calls.Should().BeEmpty();
    }
}
