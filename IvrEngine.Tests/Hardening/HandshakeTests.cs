using System.Net;
using System.Text.Json;
using IvrEngine.Simulator;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Tests.EventSocket;
using IvrEngine.Tests.Support;
using IvrEngine.Web;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.Hardening;

/// <summary>Sockets that never become calls (no answer to <c>connect</c>, or silent after it) hold no live-call place,
/// are closed in time, and show in /health.</summary>
public sealed class HandshakeTests
{
    [Fact]
    public async Task Sockets_that_never_answer_connect_keep_no_real_call_out_and_health_says_degraded()
    {
        await using var engine = await EngineUnderTest.StartAsync(null, null,
            "--Engine:MaxLiveCalls=5", "--Engine:MaxHandshakes=4", "--Engine:ConnectTimeoutSeconds=60");
        var silent = new List<RawPeer>();
        try
        {
            // Twice as many as there are live-call places; each one has been sent connect, so the engine holds it.
            for (var i = 0; i < 10; i++)
            {
                var peer = await RawPeer.ConnectAsync(engine.EndPoint);
                silent.Add(peer);
                (await peer.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("connect\n\n");
            }

            var record = await engine.RunCallAsync(new CallerScript { Dnis = "5999" });

            record.Commands.Select(c => c.Line).Should().Contain("myevents", "a real call is served while silent sockets wait");

            // The real call's handshake took a place and gave it back; one more silent socket fills it again.
            var last = await RawPeer.ConnectAsync(engine.EndPoint);
            silent.Add(last);
            (await last.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("connect\n\n");
            var health = await HealthAsync(engine);
            health.GetProperty("status").GetString().Should().Be("degraded");
            health.GetProperty("handshakes").GetInt32().Should().Be(4, "the silent sockets hold every handshake place, and only those");
            health.GetProperty("liveCalls").GetInt32().Should().Be(0);
        }
        finally
        {
            foreach (var peer in silent) await peer.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_peer_answering_within_the_grace_is_served_while_silent_sockets_overflow_the_handshake_places()
    {
        var clock = new TimerWatchingTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = await EngineUnderTest.StartAsync(null, s => s.AddSingleton<TimeProvider>(clock),
            "--Engine:MaxHandshakes=4", "--Engine:HandshakeGraceMilliseconds=300", "--Engine:ConnectTimeoutSeconds=60");
        var silent = new List<RawPeer>();
        try
        {
            // Twice the handshake places: from the fifth on, the oldest are closed once they have had the grace.
            for (var i = 0; i < 8; i++)
            {
                var peer = await RawPeer.ConnectAsync(engine.EndPoint);
                silent.Add(peer);
                (await peer.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("connect\n\n");
            }

            await using var real = await RawPeer.ConnectAsync(engine.EndPoint);
            (await real.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("connect\n\n", "a socket is accepted and sent connect at once, however many wait");
            await clock.WaitForTimerAsync(TimeSpan.FromMilliseconds(300));
            clock.Advance(TimeSpan.FromMilliseconds(299));

            await AnswerAsFreeSwitchAsync(real, "an answer within the grace makes a call");

            clock.Advance(TimeSpan.FromMilliseconds(1));
            foreach (var peer in silent.Take(4))
            {
                (await peer.ReadToEndAsync().WaitAsync(EngineUnderTest.Patience)).Should().BeEmpty("the oldest silent sockets are closed once the grace is over");
            }

            var health = await HealthAsync(engine);
            health.GetProperty("handshakes").GetInt32().Should().Be(4, "the newest silent sockets keep the places, up to Engine:MaxHandshakes");
            Listener(health).GetProperty("liveCalls").GetInt32().Should().Be(1, "the answered socket holds a live-call place");
            Listener(health).GetProperty("handshakesEvicted").GetInt64().Should().Be(4);
        }
        finally
        {
            foreach (var peer in silent) await peer.DisposeAsync();
        }
    }

    [Fact]
    public async Task Under_pressure_the_address_holding_the_most_handshakes_loses_its_oldest_first()
    {
        var clock = new TimerWatchingTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = await EngineUnderTest.StartAsync(null, s => s.AddSingleton<TimeProvider>(clock),
            "--Engine:MaxHandshakes=4", "--Engine:HandshakeGraceMilliseconds=300", "--Engine:ConnectTimeoutSeconds=60");
        var flood = new List<RawPeer>();
        try
        {
            // FreeSWITCH (127.0.0.1) connects first, then a flood from another address (127.0.0.2): FreeSWITCH's
            // socket is the oldest, and it is slow to answer, past the grace.
            await using var freeSwitch = await RawPeer.ConnectAsync(engine.EndPoint);
            (await freeSwitch.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("connect\n\n");
            for (var i = 0; i < 8; i++)
            {
                var peer = await RawPeer.ConnectAsync(engine.EndPoint, IPAddress.Parse("127.0.0.2"));
                flood.Add(peer);
                (await peer.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("connect\n\n");
            }

            await clock.WaitForTimerAsync(TimeSpan.FromMilliseconds(300));
            clock.Advance(TimeSpan.FromMilliseconds(300));
            foreach (var peer in flood.Take(5))
            {
                (await peer.ReadToEndAsync().WaitAsync(EngineUnderTest.Patience)).Should().BeEmpty("the flooding address loses its oldest sockets");
            }

            await AnswerAsFreeSwitchAsync(freeSwitch, "the address with one handshake keeps it, though it was the oldest");
            Listener(await HealthAsync(engine)).GetProperty("handshakesEvicted").GetInt64().Should().Be(5);
        }
        finally
        {
            foreach (var peer in flood) await peer.DisposeAsync();
        }
    }

    [Fact]
    public async Task Without_pressure_a_slow_peer_keeps_the_whole_connect_timeout()
    {
        var clock = new TimerWatchingTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = await EngineUnderTest.StartAsync(null, s => s.AddSingleton<TimeProvider>(clock),
            "--Engine:MaxHandshakes=4", "--Engine:HandshakeGraceMilliseconds=300", "--Engine:ConnectTimeoutSeconds=60");
        await using var quiet = await RawPeer.ConnectAsync(engine.EndPoint);
        (await quiet.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("connect\n\n");
        await using var slow = await RawPeer.ConnectAsync(engine.EndPoint);
        (await slow.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("connect\n\n");

        clock.Advance(TimeSpan.FromSeconds(30));

        await AnswerAsFreeSwitchAsync(slow, "with no more handshakes than Engine:MaxHandshakes, the grace does not apply");
        var health = await HealthAsync(engine);
        health.GetProperty("handshakes").GetInt32().Should().Be(1, "the quiet one still waits within its connect timeout");
        Listener(health).GetProperty("handshakesEvicted").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task A_handshake_not_answered_in_time_is_closed_and_holds_nothing()
    {
        var clock = new TimerWatchingTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = await EngineUnderTest.StartAsync(null, s => s.AddSingleton<TimeProvider>(clock), "--Engine:ConnectTimeoutSeconds=7");
        await using var peer = await RawPeer.ConnectAsync(engine.EndPoint);
        (await peer.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("connect\n\n");

        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(7));
        clock.Advance(TimeSpan.FromSeconds(8));

        (await peer.ReadToEndAsync().WaitAsync(EngineUnderTest.Patience)).Should().BeEmpty("the engine closed the socket and sent nothing more");
        var health = await HealthAsync(engine);
        health.GetProperty("handshakes").GetInt32().Should().Be(0);
        health.GetProperty("connections").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task A_peer_that_answers_connect_then_goes_silent_is_closed_after_the_reply_timeout()
    {
        var clock = new TimerWatchingTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = await EngineUnderTest.StartAsync(null, s => s.AddSingleton<TimeProvider>(clock), "--Engine:ReplyTimeoutSeconds=9");
        await using var peer = await RawPeer.ConnectAsync(engine.EndPoint);
        (await peer.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("connect\n\n");
        await peer.SendAsync(HostilePeers.ChannelData(Guid.NewGuid().ToString()));
        (await peer.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("myevents\n\n");

        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(9));
        clock.Advance(TimeSpan.FromSeconds(10));

        await peer.ReadToEndAsync().WaitAsync(EngineUnderTest.Patience);
        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
    }

    [Fact]
    public async Task A_live_call_that_is_merely_quiet_is_not_closed_by_the_reply_timeout()
    {
        var clock = new TimerWatchingTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = await EngineUnderTest.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) },
            s => s.AddSingleton<TimeProvider>(clock), "--Engine:ReplyTimeoutSeconds=9");
        var call = await engine.CallAsync(new CallerScript { Dnis = "5999" });
        await call.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);

        // A key the engine reads after everything sent before it, the playback's +OK included: every command so far
        // has its reply (a virtual jump while a reply is on the wire is not what this test is about). Then a long
        // playback sends no event for minutes.
        var live = engine.Registry.Calls.Should().ContainSingle().Subject;
        var keyRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (live.Session.Dtmf.Subscribe(new Observer<IvrEngine.EventSocket.DtmfDigit>(_ => keyRead.TrySetResult())))
        {
            await call.SendDtmfAsync("5");
            await keyRead.Task.WaitAsync(EngineUnderTest.Patience);
        }

        clock.Advance(TimeSpan.FromSeconds(30));

        engine.Registry.Calls.Should().ContainSingle().Which.Session.Connection.IsClosed.Should().BeFalse();
        call.Completion.IsCompleted.Should().BeFalse();
        await call.HangUpAsync();
        (await call.Completion.WaitAsync(EngineUnderTest.Patience)).ProtocolErrors.Should().BeEmpty();
    }

    /// <summary>Answers connect with channel data and the first two commands (myevents, linger) with +OK, as FreeSWITCH
    /// does; returns once the engine sent the flow's first command (the call is live).</summary>
    private static async Task AnswerAsFreeSwitchAsync(RawPeer peer, string because)
    {
        await peer.SendAsync(HostilePeers.ChannelData(Guid.NewGuid().ToString()));
        (await peer.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("myevents\n\n", because);
        (await peer.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("nixevent CHANNEL_EXECUTE\n\n");
        (await peer.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().Be("linger\n\n");
        await peer.SendAsync("Content-Type: command/reply\nReply-Text: +OK Events Enabled\n\nContent-Type: command/reply\nReply-Text: +OK events nixed\n\n"
                             + "Content-Type: command/reply\nReply-Text: +OK will linger\n\n");
        (await peer.ReadCommandAsync().WaitAsync(EngineUnderTest.Patience)).Should().NotBeEmpty("the flow starts once the three replies are in");
    }

    private static JsonElement Listener(JsonElement health) =>
        health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "listener").GetProperty("data");

    internal static async Task<JsonElement> HealthAsync(EngineUnderTest engine)
    {
        using var http = new HttpClient
        {
            BaseAddress = engine.Host.Services.GetRequiredService<WebEndpointService>().Addresses[0],
            Timeout = EngineUnderTest.Patience,
        };
        var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
