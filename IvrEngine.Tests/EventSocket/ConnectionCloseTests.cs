using System.IO.Pipelines;
using IvrEngine.EventSocket;

namespace IvrEngine.Tests.EventSocket;

/// <summary>Closing a connection whose peer already went.</summary>
public sealed class ConnectionCloseTests
{
    [Fact]
    public async Task Closing_after_the_peer_went_does_not_throw_from_the_final_flush()
    {
        // Completing the output flushes what a failed write left in it; on a socket whose peer went that flush fails
        // with a broken pipe (seen as InboundClient.DisposeAsync failing in the control-connection reconnect test).
        var toEngine = new Pipe();
        var connection = new EslConnection(new Duplex(toEngine.Reader, new BrokenPipeWriter(new Pipe().Writer)));
        connection.Start();
        await toEngine.Writer.CompleteAsync();
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        var close = async () => await connection.DisposeAsync();

        await close.Should().NotThrowAsync();
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    /// <summary>A writer whose peer is gone: completing it fails as a socket's final flush does.</summary>
    private sealed class BrokenPipeWriter(PipeWriter inner) : PipeWriter
    {
        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => throw new IOException("Unable to write data to the transport connection: Broken pipe.");

        public override ValueTask CompleteAsync(Exception? exception = null) =>
            ValueTask.FromException(new IOException("Unable to write data to the transport connection: Broken pipe."));

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);
    }
}
