using System.IO.Pipelines;
using System.Text;
using IvrEngine.EventSocket;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.EventSocket;

/// <summary>The reply timeout (<see cref="EslLimits.ReplyTimeout"/>) with a timer that is not reset at every command
/// and reply: it still closes a connection whose oldest command waited the whole timeout, counted from that command,
/// and never one whose commands were all answered.</summary>
public sealed class ReplyTimerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(9);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly byte[] Ok = Encoding.ASCII.GetBytes("Content-Type: command/reply\nReply-Text: +OK\n\n");

    [Fact]
    public async Task A_command_sent_after_an_answered_one_gets_its_whole_timeout_and_no_more()
    {
        var clock = new TimerWatchingTimeProvider(DateTimeOffset.UtcNow);
        var toEngine = new Pipe();
        var fromEngine = new Pipe();
        await using var connection = new EslConnection(new Duplex(toEngine.Reader, fromEngine.Writer), new EslLimits { ReplyTimeout = Timeout }, time: clock);
        connection.Start();

        // The first command arms the timer for 9 s from now; its reply leaves the timer as it is.
        var first = connection.SendCommandAsync("noevents");
        await clock.WaitForTimerAsync(Timeout);
        await toEngine.Writer.WriteAsync(Ok);
        (await first.WaitAsync(Patience)).IsOk.Should().BeTrue();

        // 5 s later a second command gets no reply: its 9 s end at 14 s, not when the first one's timer fires.
        clock.Advance(TimeSpan.FromSeconds(5));
        var second = connection.SendCommandAsync("noevents");
        await ReadSentAsync(fromEngine.Reader, commands: 2); // written, so its wait is counted from now
        clock.Advance(TimeSpan.FromSeconds(4)); // 9 s from the start: 4 s of the second command's wait
        connection.IsClosed.Should().BeFalse("the second command has waited 4 s of its 9");
        second.IsCompleted.Should().BeFalse();

        clock.Advance(TimeSpan.FromSeconds(5));
        await connection.Completion.WaitAsync(Patience);
        await second.Awaiting(t => t.WaitAsync(Patience)).Should().ThrowAsync<EslConnectionClosedException>();
    }

    [Fact]
    public async Task A_connection_whose_commands_were_all_answered_outlives_the_timeout()
    {
        var clock = new TimerWatchingTimeProvider(DateTimeOffset.UtcNow);
        var toEngine = new Pipe();
        await using var connection = new EslConnection(new Duplex(toEngine.Reader, new Pipe().Writer), new EslLimits { ReplyTimeout = Timeout }, time: clock);
        connection.Start();

        for (var i = 0; i < 3; i++)
        {
            var command = connection.SendCommandAsync("noevents");
            await toEngine.Writer.WriteAsync(Ok);
            await command.WaitAsync(Patience);
        }

        clock.Advance(TimeSpan.FromMinutes(1));

        connection.IsClosed.Should().BeFalse();
        var last = connection.SendCommandAsync("noevents");
        await toEngine.Writer.WriteAsync(Ok);
        (await last.WaitAsync(Patience)).IsOk.Should().BeTrue();
    }

    /// <summary>Reads what the engine wrote until <paramref name="commands"/> commands (each ends with a blank line).</summary>
    private static async Task ReadSentAsync(PipeReader sent, int commands)
    {
        var text = new StringBuilder();
        while (CountCommands(text.ToString()) < commands)
        {
            var read = await sent.ReadAsync().AsTask().WaitAsync(Patience);
            foreach (var segment in read.Buffer) text.Append(Encoding.ASCII.GetString(segment.Span));
            sent.AdvanceTo(read.Buffer.End);
        }
    }

    private static int CountCommands(string text) => (text.Length - text.Replace("\n\n", string.Empty, StringComparison.Ordinal).Length) / 2;

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
