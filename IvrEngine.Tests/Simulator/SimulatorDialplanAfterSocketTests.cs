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
        // (seen as a browser test's caller never reaching the queue on a loaded machine).
        await using var sim = new FreeSwitchSimulator(new SimulatorOptions
        {
            HangUpAfterTransfer = false,
            Dialplan = destination => destination.StartsWith("queue_", StringComparison.Ordinal)
                ? [new DialplanApplication("callcenter", destination.Split(' ')[0]["queue_".Length..] + "@default")]
                : [],
        });
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var call = await sim.StartCallAsync((IPEndPoint)listener.LocalEndpoint, new CallerScript());
        using (var socket = await listener.AcceptSocketAsync().WaitAsync(Wait))
        {
            // connect, then the transfer and the close in one go, before reading anything: the close (a FIN, not a
            // reset) comes with the transfer.
            await socket.SendAsync(Encoding.ASCII.GetBytes("connect\n\nsendmsg\ncall-command: execute\nexecute-app-name: transfer\n"
                + "execute-app-arg: queue_general XML default\n\n"));
            socket.Shutdown(SocketShutdown.Send);
            var sink = new byte[4096];
            while (await socket.ReceiveAsync(sink).WaitAsync(Wait) > 0)
            {
            }
        }

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
        await using var sim = new FreeSwitchSimulator(new SimulatorOptions
        {
            HangUpAfterTransfer = false,
            Dialplan = destination => destination.StartsWith("queue_", StringComparison.Ordinal)
                ? [new DialplanApplication("callcenter", destination.Split(' ')[0]["queue_".Length..] + "@default")]
                : [],
        });
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var call = await sim.StartCallAsync((IPEndPoint)listener.LocalEndpoint, new CallerScript());
        using (var socket = await listener.AcceptSocketAsync().WaitAsync(Wait))
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("connect\n\nsendmsg\ncall-command: execute\nexecute-app-name: transfer\n"
                + "execute-app-arg: queue_general XML default\n\n"));
            await call.InQueue.WaitAsync(Wait);
            socket.Shutdown(SocketShutdown.Send);
            var sink = new byte[4096];
            while (await socket.ReceiveAsync(sink).WaitAsync(Wait) > 0)
            {
            }
        }

        var leg = await call.OfferToAgentAsync("1001@default", answer: true).WaitAsync(Wait);

        leg.Should().NotBeNull("the caller is still waiting in the queue and the agent answers");
        call.Variables.Should().ContainKey("cc_queue");
        await call.AgentEndsAsync();
    }
}
