using System.Collections.Concurrent;
using System.Net;
using IvrEngine.EventSocket;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Tests.EventSocket;

/// <summary>What the protocol layer logs about a call's connection names the call.</summary>
public sealed class ConnectionLoggingTests
{
    [Fact]
    public async Task A_protocol_error_after_connect_is_logged_with_the_calls_Unique_ID()
    {
        var loggers = new CapturingLoggerFactory();
        var closed = new TaskCompletionSource<EslCloseReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = new EslOutboundListener(new IPEndPoint(IPAddress.Loopback, 0), async (session, ct) =>
        {
            await session.ConnectAsync(ct);
            closed.SetResult(await session.Connection.Completion);
        }, loggers: loggers);
        listener.Start();
        await using var freeswitch = await RawPeer.ConnectAsync(listener.LocalEndPoint);

        (await freeswitch.ReadCommandAsync()).Should().Be("connect\n\n");
        await freeswitch.SendAsync("Event-Name: CHANNEL_DATA\nUnique-ID: 0f5b1c2e-aaaa-4bbb-8ccc-123456789abc\n" +
                                   "Caller-Caller-ID-Number: 15551234567\nContent-Type: command/reply\nReply-Text: %2BOK%0A\n\n");
        await freeswitch.SendAsync("this line has no colon\n\n");

        (await closed.Task.WaitAsync(Wire.Timeout)).Should().Be(EslCloseReason.ProtocolError);
        loggers.Lines.Should().Contain(l => l.Level == LogLevel.Warning
                                            && l.Text.Contains("0f5b1c2e-aaaa-4bbb-8ccc-123456789abc", StringComparison.Ordinal)
                                            && l.Text.Contains("protocol error", StringComparison.Ordinal));
    }

    private sealed class CapturingLoggerFactory : ILoggerFactory
    {
        public ConcurrentQueue<(LogLevel Level, string Text)> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Lines);

        public void AddProvider(ILoggerProvider provider) { }

        public void Dispose() { }

        private sealed class Logger(ConcurrentQueue<(LogLevel, string)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
