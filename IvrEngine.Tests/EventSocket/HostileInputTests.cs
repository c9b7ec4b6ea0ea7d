using System.Text;
using IvrEngine.EventSocket;

namespace IvrEngine.Tests.EventSocket;

/// <summary>A peer sending bad bytes over real TCP: only its own connection dies, with every pending wait ended.</summary>
public class HostileInputTests
{
    public static TheoryData<string> HostileCases() => new(
        "huge content-length", "content-length over the cap by one", "non-numeric content-length", "garbage",
        "header without colon", "header block without end over the default cap", "header block without end over a small cap");

    [Theory]
    [MemberData(nameof(HostileCases))]
    public async Task Hostile_frame_closes_only_that_connection_with_ProtocolError(string hostileCase)
    {
        var limits = hostileCase.EndsWith("small cap", StringComparison.Ordinal) ? new EslLimits { MaxHeaderBytes = 1024 } : EslLimits.Default;
        var (victim, hostile) = await RawPeer.PairAsync(limits);
        var (bystander, friendly) = await RawPeer.PairAsync();
        await using (victim)
        await using (hostile)
        await using (bystander)
        await using (friendly)
        {
            var pendingApi = victim.ApiAsync("status");
            var pendingCommand = victim.SendCommandAsync("myevents");
            (await hostile.ReadCommandAsync()).Should().Be("api status\n\n");
            (await hostile.ReadCommandAsync()).Should().Be("myevents\n\n");

            await hostile.SendAsync(HostileBytes(hostileCase));

            (await victim.Completion.WaitAsync(Wire.Timeout)).Should().Be(EslCloseReason.ProtocolError);
            await FluentActions.Awaiting(() => pendingApi.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslConnectionClosedException>();
            await FluentActions.Awaiting(() => pendingCommand.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslConnectionClosedException>();
            await FluentActions.Awaiting(() => victim.ApiAsync("status")).Should().ThrowAsync<EslConnectionClosedException>();
            victim.IsClosed.Should().BeTrue();
            (await hostile.ReadToEndAsync()).Should().BeEmpty("the engine closes the socket without writing anything more");

            // The other connection, open all along, still works.
            bystander.Completion.IsCompleted.Should().BeFalse();
            var api = bystander.ApiAsync("status");
            (await friendly.ReadCommandAsync()).Should().Be("api status\n\n");
            await friendly.SendAsync("Content-Type: api/response\nContent-Length: 4\n\n+OK\n");
            (await api.WaitAsync(Wire.Timeout)).Text.Should().Be("+OK");
        }
    }

    [Fact]
    public async Task Invalid_utf8_decodes_to_replacement_characters_and_the_connection_goes_on()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var received = new TaskCompletionSource<EslEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var subscription = connection.Events.Subscribe(new Observer<EslEvent>(e => received.TrySetResult(e)));

            byte[] inner = [.. "Event-Name: CUSTOM\nX-Raw: Bad"u8, 0xFF, 0xFE, .. "Name\nX-Encoded: %C3%28ok\nX-Cut: %E2%82\n\n"u8];
            byte[] frame = [.. Encoding.ASCII.GetBytes($"Content-Type: text/event-plain\nContent-Length: {inner.Length}\n\n"), .. inner];
            await peer.SendAsync(frame);

            var ev = await received.Task.WaitAsync(Wire.Timeout);
            ev.GetHeader("X-Raw").Should().Be("Bad\uFFFD\uFFFDName");
            ev.GetHeader("X-Encoded").Should().Be("\uFFFD(ok");
            ev.GetHeader("X-Cut").Should().Contain("\uFFFD");

            var api = connection.ApiAsync("status");
            (await peer.ReadCommandAsync()).Should().Be("api status\n\n");
            await peer.SendAsync([.. "Content-Type: api/response\nContent-Length: 3\n\n"u8, 0xC3, (byte)'x', 0x80]);
            (await api.WaitAsync(Wire.Timeout)).Body.Should().Be("\uFFFDx\uFFFD");
            connection.Completion.IsCompleted.Should().BeFalse();
        }
    }

    [Fact]
    public async Task A_reply_nobody_asked_for_is_a_protocol_error()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            await peer.SendAsync("Content-Type: command/reply\nReply-Text: +OK\n\n");
            (await connection.Completion.WaitAsync(Wire.Timeout)).Should().Be(EslCloseReason.ProtocolError);
        }
    }

    [Fact]
    public async Task Closing_in_the_middle_of_a_frame_is_truncated_and_ends_pending_commands()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var api = connection.ApiAsync("status");
            await peer.ReadCommandAsync();
            await peer.SendAsync("Content-Type: api/response\nContent-Length: 400\n\n+OK only part");
            peer.Close();
            (await connection.Completion.WaitAsync(Wire.Timeout)).Should().Be(EslCloseReason.Truncated);
            await FluentActions.Awaiting(() => api.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslConnectionClosedException>();
        }
    }

    private static byte[] HostileBytes(string hostileCase) => hostileCase switch
    {
        "huge content-length" => Wire.Utf8("Content-Type: api/response\nContent-Length: 99999999999999\n\n"),
        "content-length over the cap by one" => Wire.Utf8($"Content-Type: api/response\nContent-Length: {EslLimits.Default.MaxContentLength + 1}\n\n"),
        "non-numeric content-length" => Wire.Utf8("Content-Type: api/response\nContent-Length: 0x10\n\n"),
        "garbage" => [0x00, 0xFF, 0x13, 0x37, .. "\x01\x02 GET / HTTP/1.1"u8, 0x0A, 0x0A],
        "header without colon" => Wire.Utf8("Content-Type: api/response\nContent-Length 4\n\n+OK\n"),
        "header block without end over the default cap" => Wire.Utf8(string.Concat(Enumerable.Repeat("X-Filler: " + new string('a', 90) + "\n", 3000))),
        "header block without end over a small cap" => Wire.Utf8("X-Filler: " + new string('a', 2000)),
        _ => throw new ArgumentOutOfRangeException(nameof(hostileCase)),
    };
}

/// <summary>An observer from delegates.</summary>
internal sealed class Observer<T>(Action<T> onNext, Action? onCompleted = null) : IObserver<T>
{
    public void OnNext(T value) => onNext(value);

    public void OnCompleted() => onCompleted?.Invoke();

    public void OnError(Exception error) => throw new InvalidOperationException("Streams of the engine never error.", error);
}
