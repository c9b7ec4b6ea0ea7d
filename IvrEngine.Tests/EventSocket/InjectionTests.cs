using System.Text;
using IvrEngine.EventSocket;

namespace IvrEngine.Tests.EventSocket;

/// <summary>A line break in anything a caller passes would start a second command: it must be refused before a
/// byte is written.</summary>
public class InjectionTests
{
    public static TheoryData<string> Breaks() => new("\n", "\r", "\r\n", "\0", "\n\n");

    [Theory]
    [InlineData("plain words, \"double\" quotes, 100% and ${x}", "plain words, \"double\" quotes, 100% and ${x}")]
    [InlineData("O'Brien 'VIP'", @"O\'Brien \'VIP\'")]
    [InlineData(@"C:\new\table \s", @"C:\\new\\table \\s")]
    [InlineData("  padded  ", @"\s\spadded\s\s")]
    [InlineData("   ", @"\s\s\s")]
    [InlineData("in  the  middle", "in  the  middle")]
    public void The_last_argument_of_an_api_command_is_escaped_for_FreeSWITCHs_argument_splitting(string value, string written)
    {
        EslCommandWriter.EscapeLastArgument(value).Should().Be(written);
    }

    [Theory]
    [MemberData(nameof(Breaks))]
    public async Task Line_breaks_and_NUL_are_refused_before_anything_is_written(string brk)
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var attempts = new Func<Task>[]
            {
                () => connection.SendCommandAsync("myevents" + brk + "exit"),
                () => connection.ApiAsync("status" + brk + "api hupall"),
                () => connection.BackgroundApiAsync("status" + brk + "exit"),
                () => connection.FilterAsync("Unique-ID", "abc" + brk + "exit"),
                () => connection.FilterAsync("Unique" + brk + "ID", "abc"),
                () => connection.FilterDeleteAsync("Unique-ID", "abc" + brk + "exit"),
                () => connection.SubscribeAsync(EslEventFormat.Plain, ["CHANNEL_ANSWER" + brk + "exit"]),
                () => connection.UnsubscribeAsync(["DTMF" + brk]),
                () => connection.SendMessageAsync(SendMessage.Custom("unicast", [new("local-ip", "127.0.0.1" + brk + "call-command: hangup")])),
                () => connection.SendMessageAsync(SendMessage.Custom("unicast", [new("local" + brk + "ip", "127.0.0.1")])),
                () => connection.SendMessageAsync(SendMessage.Custom("uni" + brk + "cast", [])),
                () => connection.SendMessageAsync(SendMessage.Hangup("NORMAL_CLEARING", uuid: "b5dc9540" + brk + "x")),
                () => connection.SendMessageAsync(SendMessage.Hangup("NORMAL" + brk + "CLEARING")),
                () => connection.SendMessageAsync(SendMessage.Execute("play" + brk + "back", "x")),
                () => connection.SendMessageAsync(SendMessage.Execute("set", "a=b", eventUuid: "id" + brk)),
                () => connection.SendMessageAsync(SendMessage.Execute("set", "a=b", uuid: "b5dc9540" + brk)),
            };

            foreach (var attempt in attempts)
            {
                await FluentActions.Awaiting(attempt).Should().ThrowAsync<ArgumentException>();
            }

            await AssertNothingWasWritten(connection, peer);
        }
    }

    [Fact]
    public async Task Spaces_are_refused_where_one_word_is_expected()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            await FluentActions.Awaiting(() => connection.SubscribeAsync(EslEventFormat.Plain, ["CHANNEL_ANSWER DTMF"])).Should().ThrowAsync<ArgumentException>();
            await FluentActions.Awaiting(() => connection.FilterAsync("Unique ID", "x")).Should().ThrowAsync<ArgumentException>();
            await FluentActions.Awaiting(() => connection.SubscribeAsync(EslEventFormat.Plain, [""])).Should().ThrowAsync<ArgumentException>();
            FluentActions.Invoking(() => SendMessage.Execute("set", "a\0b")).Should().Throw<ArgumentException>();
            FluentActions.Invoking(() => SendMessage.Hangup(uuid: "two words")).Should().Throw<ArgumentException>();
            await AssertNothingWasWritten(connection, peer);
        }
    }

    [Fact]
    public async Task Variable_names_with_line_breaks_are_refused_on_an_outbound_session()
    {
        var (connection, peer) = await RawPeer.PairAsync(start: false);
        await using var session = new EslOutboundSession(connection);
        await using (peer)
        {
            await FluentActions.Awaiting(() => session.GetVariableAsync("caller_id_name\nexit")).Should().ThrowAsync<ArgumentException>();
            await FluentActions.Awaiting(() => session.GetVariableAsync("caller_id_name\r")).Should().ThrowAsync<ArgumentException>();
            await FluentActions.Awaiting(() => session.GetVariableAsync("a b")).Should().ThrowAsync<ArgumentException>();
            await FluentActions.Awaiting(() => session.ExecuteAsync("play\nback")).Should().ThrowAsync<ArgumentException>();
            await FluentActions.Awaiting(() => session.HangupAsync("NORMAL_CLEARING\nexit")).Should().ThrowAsync<ArgumentException>();
            await AssertNothingWasWritten(connection, peer);
        }
    }

    [Theory]
    [InlineData("line one\nline two")]
    [InlineData("Привет, мир!\nвторая строка\r\nтретья")]
    [InlineData("გამარჯობა\nმსოფლიო")]
    [InlineData("tail newline\n")]
    public async Task An_app_argument_with_line_breaks_travels_as_a_body_with_its_utf8_length(string argument)
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var reply = connection.SendMessageAsync(SendMessage.Execute("set", argument, eventLock: true, eventUuid: "a1b2c3d4-0000-4000-8000-00000000cafe"));
            var received = await peer.ReadCommandBytesAsync();
            var bodyBytes = Encoding.UTF8.GetBytes(argument);
            byte[] expected =
            [
                .. Encoding.UTF8.GetBytes(
                    "sendmsg\ncall-command: execute\nexecute-app-name: set\nevent-lock: true\nEvent-UUID: a1b2c3d4-0000-4000-8000-00000000cafe\n" +
                    $"content-type: text/plain\ncontent-length: {bodyBytes.Length}\n\n"),
                .. bodyBytes,
            ];
            received.Should().Equal(expected);
            bodyBytes.Length.Should().BeGreaterThanOrEqualTo(argument.Length);

            await peer.SendAsync("Content-Type: command/reply\nReply-Text: +OK\n\n");
            (await reply.WaitAsync(Wire.Timeout)).IsOk.Should().BeTrue();
        }
    }

    [Fact]
    public async Task A_one_line_argument_travels_as_a_header_exactly_as_FreeSWITCH_was_sent_it()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var reply = connection.SendMessageAsync(SendMessage.Execute("set", "ivr_intent=billing", eventUuid: "a1b2c3d4-0000-4000-8000-00000000cafe"));
            var received = await peer.ReadCommandBytesAsync();

            // The bytes that made FreeSWITCH run `set` in the plain outbound transcript.
            received.Should().Equal(Support.CaptureFiles.Load("outbound-plain-session.txt")
                .Command("sendmsg\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: ivr_intent=billing\n").Data);
            await peer.SendAsync("Content-Type: command/reply\nReply-Text: +OK\n\n");
            (await reply.WaitAsync(Wire.Timeout)).IsOk.Should().BeTrue();
        }
    }

    [Fact]
    public async Task An_unpaired_surrogate_is_sent_as_U_FFFD_and_the_connection_goes_on()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var argument = "note=broken \ud800 surrogate\nsecond line";
            var reply = connection.SendMessageAsync(SendMessage.Execute("set", argument, eventLock: true, eventUuid: "a1b2c3d4-0000-4000-8000-00000000cafe"));
            var received = await peer.ReadCommandBytesAsync();
            var body = Encoding.UTF8.GetBytes("note=broken \ufffd surrogate\nsecond line");
            Encoding.UTF8.GetString(received).Should().EndWith($"content-length: {body.Length}\n\nnote=broken \ufffd surrogate\nsecond line");

            await peer.SendAsync("Content-Type: command/reply\nReply-Text: +OK\n\n");
            (await reply.WaitAsync(Wire.Timeout)).IsOk.Should().BeTrue();
            await AssertNothingWasWritten(connection, peer);
        }
    }

    private static async Task AssertNothingWasWritten(EslConnection connection, RawPeer peer)
    {
        // The first bytes the peer sees are those of a good command sent afterwards.
        var api = connection.ApiAsync("status");
        (await peer.ReadCommandAsync()).Should().Be("api status\n\n");
        await peer.SendAsync("Content-Type: api/response\nContent-Length: 4\n\n+OK\n");
        (await api.WaitAsync(Wire.Timeout)).IsOk.Should().BeTrue();
        connection.Completion.IsCompleted.Should().BeFalse();
    }
}
