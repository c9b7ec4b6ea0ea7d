using System.Net;
using System.Net.Sockets;
using System.Text;
using IvrEngine.Simulator;

namespace IvrEngine.Tests.Simulator;

/// <summary>A channel goes on in the dialplan after its socket went, as in FreeSWITCH.</summary>
public sealed class SimulatorDialplanAfterSocketTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_transfer_sent_just_before_the_engine_closes_the_socket_still_runs_the_transferred_extension()
    {
        // The engine's usual end of a call: transfer to the queue's extension, then let the socket go. The close can
        // reach the simulator before the transfer's extension runs; the callcenter application must run all the same
        // (seen as a browser test's caller never reaching the queue on a loaded machine). Here connect, the transfer and
        // the close go in one go, before anything is read: the close (a FIN, not a reset) comes with the transfer.
        await using var sim = QueueingSimulator();
        var call = await TransferToGeneralThenCloseAsync(sim, closeOnceQueued: false);

        var callcenter = await call.WaitForApplicationAsync("callcenter").WaitAsync(Wait);

        callcenter.Arg.Should().Be("general@default");
        // ... and holds the caller in the queue until an agent takes the call (mod_callcenter does not care that the
        // socket went first).
        (await call.OfferToAgentAsync("1001@default", answer: true).WaitAsync(Wait)).Should().NotBeNull();
        await call.AgentEndsAsync();
    }

    [Fact]
    public async Task A_caller_queued_by_the_dialplan_stays_in_the_queue_when_the_engine_closes_its_socket_afterwards()
    {
        // The close comes after the transferred extension has queued the caller (the other order of the race above):
        // mod_callcenter holds the member until the caller hangs up, whatever became of the socket (seen as a browser
        // test's offer failing with "the caller has left the queue" on a loaded CI run).
        await using var sim = QueueingSimulator();
        var call = await TransferToGeneralThenCloseAsync(sim, closeOnceQueued: true);

        var leg = await call.OfferToAgentAsync("1001@default", answer: true).WaitAsync(Wait);

        leg.Should().NotBeNull("the caller is still waiting in the queue and the agent answers");
        call.Variables.Should().ContainKey("cc_queue");
        await call.AgentEndsAsync();
    }

    /// <summary>A simulator whose dialplan runs mod_callcenter for queue_X and keeps the call after a transfer.</summary>
    private static FreeSwitchSimulator QueueingSimulator() => new(new SimulatorOptions
    {
        HangUpAfterTransfer = false,
        Dialplan = destination => destination.StartsWith("queue_", StringComparison.Ordinal)
            ? [new DialplanApplication("callcenter", destination.Split(' ')[0]["queue_".Length..] + "@default")]
            : [],
    });

    /// <summary>Plays the engine's end of a call over a raw socket: connect, the transfer to queue_general, then the
    /// close (at once, or once the dialplan has queued the caller), reading until the simulator closes too.</summary>
    private static async Task<SimulatedCall> TransferToGeneralThenCloseAsync(FreeSwitchSimulator sim, bool closeOnceQueued)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var call = await sim.StartCallAsync((IPEndPoint)listener.LocalEndpoint, new CallerScript());
        using var socket = await listener.AcceptSocketAsync().WaitAsync(Wait);
        await socket.SendAsync(Encoding.ASCII.GetBytes("connect\n\nsendmsg\ncall-command: execute\nexecute-app-name: transfer\n"
            + "execute-app-arg: queue_general XML default\n\n"));
        if (closeOnceQueued) await call.InQueue.WaitAsync(Wait);
        socket.Shutdown(SocketShutdown.Send);
        var sink = new byte[4096];
        while (await socket.ReceiveAsync(sink).WaitAsync(Wait) > 0)
        {
        }

        return call;
    }
}
