using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The tap and the normalised view, without FreeSWITCH.</summary>
public sealed class EslTapTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_tap_passes_every_byte_and_cuts_both_directions_into_messages()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        await using var tap = EslTap.Start((IPEndPoint)listener.LocalEndpoint);
        using var freeSwitch = new TcpClient();
        await freeSwitch.ConnectAsync(tap.EndPoint);
        using var engine = await listener.AcceptTcpClientAsync().WaitAsync(Patience);
        var fs = freeSwitch.GetStream();
        var en = engine.GetStream();

        const string Commands = "connect\n\nsendmsg\ncall-command: execute\nexecute-app-name: playback\nContent-Length: 5\n\na.wavmyevents\n\n";
        const string Event = "Event-Name: DTMF\nUnique-ID: u\nDTMF-Digit: %23\n\n";
        var replies = "Content-Type: command/reply\nReply-Text: +OK\n\n"
                      + $"Content-Length: {Event.Length}\nContent-Type: text/event-plain\n\n{Event}";
        // Split anywhere, even inside a header: the tap must not care how TCP cuts the stream.
        foreach (var piece in new[] { Commands[..3], Commands[3..40], Commands[40..] })
        {
            await en.WriteAsync(Encoding.ASCII.GetBytes(piece));
            await en.FlushAsync();
            await Task.Delay(20);
        }

        foreach (var piece in new[] { replies[..10], replies[10..70], replies[70..] })
        {
            await fs.WriteAsync(Encoding.ASCII.GetBytes(piece));
            await fs.FlushAsync();
            await Task.Delay(20);
        }

        (await ReadAsync(fs, Commands.Length)).Should().Be(Commands);
        (await ReadAsync(en, replies.Length)).Should().Be(replies);
        engine.Client.Shutdown(SocketShutdown.Send);
        freeSwitch.Client.Shutdown(SocketShutdown.Send);
        var session = await tap.SessionAsync(0, Patience);
        await session.Closed.WaitAsync(Patience);

        session.Leftovers.Should().BeEmpty();
        var messages = session.Messages;
        messages.Where(m => m.Direction == TapDirection.ToFreeSwitch).Select(m => m.FirstLine).Should().Equal("connect", "sendmsg", "myevents");
        messages.Single(m => m.FirstLine == "sendmsg").Body.Should().Be("a.wav");
        messages.Where(m => m.Direction == TapDirection.ToEngine).Select(m => m.ContentType).Should().Equal("command/reply", "text/event-plain");

        var view = EslSessionView.From(session);
        view.Commands.Should().Equal("connect", "sendmsg execute playback", "myevents");
        view.Replies.Should().Equal("connect => +OK");
        view.Events.Should().Equal("DTMF #");
    }

    [Fact]
    public void Views_agree_apart_from_the_races_of_FreeSWITCH_itself()
    {
        var real = View(["CHANNEL_EXECUTE transfer", "CHANNEL_STATE CS_ROUTING", "CHANNEL_STATE CS_EXECUTE", "disconnect-notice disconnect"]);
        var simulated = View(["CHANNEL_PARK", "CHANNEL_EXECUTE transfer", "CHANNEL_STATE CS_ROUTING", "CHANNEL_STATE CS_EXECUTE",
            "CHANNEL_EXECUTE set", "disconnect-notice disconnect"]);
        EslSessionView.Disagreements(real, simulated).Should().BeEmpty("CHANNEL_PARK and the tail after a transfer are races");

        var wrongOrder = View(["CHANNEL_EXECUTE transfer", "CHANNEL_STATE CS_ROUTING", "CHANNEL_EXECUTE set", "CHANNEL_STATE CS_EXECUTE",
            "disconnect-notice disconnect"]);
        EslSessionView.Disagreements(View(["CHANNEL_EXECUTE transfer", "CHANNEL_STATE CS_ROUTING", "CHANNEL_STATE CS_EXECUTE",
            "CHANNEL_EXECUTE set", "disconnect-notice disconnect"]), wrongOrder).Should().NotBeEmpty("the raced stretch keeps its order");

        EslSessionView.Disagreements(View(["CHANNEL_EXECUTE playback", "CHANNEL_EXECUTE_COMPLETE playback -> FILE PLAYED"]),
            View(["CHANNEL_EXECUTE playback", "CHANNEL_EXECUTE_COMPLETE playback -> PLAYBACK ERROR"])).Should().ContainSingle();

        EslSessionView.Disagreements(
                View(["CHANNEL_HANGUP NORMAL_CLEARING", "CHANNEL_EXECUTE_COMPLETE play_and_get_digits -> _none_ read_result=failure"]),
                View(["CHANNEL_HANGUP NORMAL_CLEARING", "CHANNEL_EXECUTE_COMPLETE play_and_get_digits -> _none_ read_result=success"]))
            .Should().BeEmpty("a read cut by the caller's hangup may end either way");

        var withHeaders = View(["CHANNEL_ANSWER"]) with { EventDetails = ["Event-Name,Unique-ID | Answer-State=answered"] };
        EslSessionView.Disagreements(withHeaders, withHeaders with { EventDetails = ["Event-Name,Unique-ID | Answer-State=ringing"] })
            .Should().ContainSingle().Which.Should().Contain("headers of 'CHANNEL_ANSWER'");
        EslSessionView.Disagreements(withHeaders, View(["CHANNEL_ANSWER"])).Should().BeEmpty("a committed reference keeps no headers");
    }

    private static EslSessionView View(IReadOnlyList<string> events) => new(["connect"], ["connect => +OK"], events);

    private static async Task<string> ReadAsync(NetworkStream stream, int length)
    {
        var buffer = new byte[length];
        var got = 0;
        while (got < length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(got)).AsTask().WaitAsync(Patience);
            if (n == 0) break;
            got += n;
        }

        return Encoding.ASCII.GetString(buffer, 0, got);
    }
}
